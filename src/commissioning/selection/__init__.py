"""Provider selection: clinical advice, proposals, clarifications, evaluation, award decisions
and standstill. The pure rules of the Provider Selection Regime are in ``rules``."""
