"""Pure rules of provider selection, each in a module named after the rule, citing its source."""
