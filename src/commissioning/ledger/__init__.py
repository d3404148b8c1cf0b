"""The double-entry ledger shared by consortia, specialised commissioning, pooled budgets
and personal health budgets (issue 6)."""
