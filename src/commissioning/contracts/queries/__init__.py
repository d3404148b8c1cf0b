"""Reads the contracts pages and the home page make across the models."""
