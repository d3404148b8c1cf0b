"""What every part of the command line shares: the consoles, Django's set-up, a refusal,
and where the reference data live. The parts import this module; nothing here imports them."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

# Lines are never wrapped by the program (soft_wrap): a terminal wraps them itself, and a pipe
# or a file gets each message whole (a token cut at 80 columns once came out empty).
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

REPO = Path(__file__).resolve().parents[3]
REFERENCE = REPO / "data" / "reference"
REFERENCE_FILES = {
    "trusts": "nhs_trusts.csv",
    "ae": "ae_attendances.csv",
    "population": "ons_uk_population_2023.csv",
    "outcomes": "nhs_outcomes_framework.csv",
    # What is published about each trust: synthetic files in the published layouts (no real
    # published file is shipped; data/reference/SOURCES.md).
    "shmi": "synthetic_shmi_trust_level.csv",
    "cqc": "synthetic_cqc_latest_ratings.csv",
    "oversight": "synthetic_oversight_league_table.csv",
}


def django_setup() -> None:
    """Set Django up. Commands that use the database import the apps' modules after this
    (inside the command: Django's models cannot be imported before it), and commands that
    need no database never pay for it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.config.settings")
    import django

    django.setup()


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}")
    return typer.Exit(code=1)
