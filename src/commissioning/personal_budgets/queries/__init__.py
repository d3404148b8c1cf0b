"""Reads of personal health budgets for other parts of the site, one module each."""
