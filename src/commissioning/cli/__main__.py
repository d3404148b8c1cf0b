"""``python -m commissioning.cli``."""

from commissioning.cli import app

app()
