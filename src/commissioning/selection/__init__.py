"""Provider selection: proposals, clinical advice, evaluation and award decisions.

So far this package holds the pure domain rules (``rules``) that the selection services will
apply; they import nothing from Django.
"""
