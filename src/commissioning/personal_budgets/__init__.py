"""Personal health budgets and integrated personal commissioning (issue 7). So far: the
domain rules, as pure modules with tests; the people, plans, budgets and pages are to come."""
