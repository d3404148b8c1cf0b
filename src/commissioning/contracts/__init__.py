"""Contracts under the NHS Standard Contract model, and their quality schedules."""
