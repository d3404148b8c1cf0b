"""Outcome-based service specifications and the NHS Outcomes Framework indicators they use."""
