"""Commissioning health services: an open-source platform for NHS commissioners."""

__version__ = "0.1.0"
