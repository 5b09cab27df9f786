"""Checks of the databases family."""
