"""Specialised commissioning financial control: budgets per prescribed service line, monthly
spend and activity on the ledger, forecast outturn and SPC variance alerts (issue 6)."""
