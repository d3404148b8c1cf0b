"""Commissioning together: primary care co-commissioning, consortia and pooled budgets
(issue 6)."""
