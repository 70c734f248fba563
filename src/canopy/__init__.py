"""Canopy: a self-hostable recruiting platform with a Welcome to the Jungle compatible API."""

__version__ = "0.1.0"
