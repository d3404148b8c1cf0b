"""Reads that bypass the domain: one query per module, named for what it returns."""
