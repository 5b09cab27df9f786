"""Checks of the websites family."""
