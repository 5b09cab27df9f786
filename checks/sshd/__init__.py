"""Checks of the sshd family."""
