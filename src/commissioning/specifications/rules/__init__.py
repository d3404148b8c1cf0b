"""Pure rules of service specifications: a module per rule, each citing its source."""
