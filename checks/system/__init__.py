"""Checks of the system family."""
