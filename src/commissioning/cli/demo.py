"""The demo: ``demo-setup`` and ``serve``."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from commissioning.cli.common import REFERENCE, console, django_setup
from commissioning.cli.data import synth

# The demo economy has one failing provider for the quality workspace to catch: for the last
# six months (from October 2023 with the default three years from April 2021) the odds of
# death at this trust are three times what its case mix predicts.
DEMO_FAILING_PROVIDER, DEMO_FAILURE_ODDS_RATIO = "RJE", 3


def _demo_failure(years: int, start: tuple[int, int] = (2021, 4)) -> str:
    month = start[0] * 12 + start[1] - 1 + years * 12 - 6
    return f"{DEMO_FAILING_PROVIDER}:{month // 12}-{month % 12 + 1:02d}:{DEMO_FAILURE_ODDS_RATIO}"


def demo_setup(
    spells: Annotated[int, typer.Option(help="Synthetic spells per year")] = 120_000,
    years: Annotated[int, typer.Option(help="Synthetic years")] = 3,
) -> None:
    """Migrate, load the reference data and a synthetic economy, and create demo accounts.

    Safe to run again: a file already ingested is skipped and existing data are kept.
    """
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from commissioning.demo import setup as demo

    console.print("[bold]Setting up the database[/]")
    call_command("migrate", interactive=False, verbosity=0)
    for report in demo.load_reference_data(REFERENCE, settings.DATA_DIR / "landing"):
        console.print(f"  {report.summary()}")
    synth_dir = settings.SYNTH_DIR
    if not (synth_dir / "manifest.json").exists():
        console.print("[bold]Generating the synthetic health economy[/]")
        synth(
            spells=spells,
            years=years,
            seed=1,
            out=synth_dir,
            inject=[_demo_failure(years)],
            start="2021-04",
            areas=max(300, spells // 80),
            chunk_size=1_000_000,
            reference=REFERENCE,
        )
    summary = demo.load_synthetic_economy(synth_dir)
    console.print(f"  {summary}")
    console.print("  " + demo.load_demo_mortality(synth_dir))
    accounts = demo.create_demo_accounts()
    others = demo.create_other_people()
    built = demo.load_demo_cycles()
    if built:
        console.print("  Commissioning cycles built: " + "; ".join(built) + ".")
    else:
        console.print("  Commissioning cycles: already there; nothing changed.")
    console.print("  " + demo.load_demo_measurements())
    console.print("  " + demo.load_demo_intelligence())
    together = demo.load_demo_together()
    console.print("  Commissioning together: " + ("; ".join(together) or "already there") + ".")
    console.print("  Specialised commissioning: " + demo.load_demo_specialised() + ".")
    console.print("  Personal health budgets: " + demo.load_demo_budgets() + ".")
    console.print("  " + demo.give_demo_authenticators())
    table = Table(title="Demo accounts (one per role, then the other people in the demo)")
    for column in ("Role", "Username", "Password", "Works at"):
        table.add_column(column, no_wrap=True)
    for account in accounts:
        table.add_row(account.role, account.username, account.password, account.organisation)
    table.add_section()
    for account in others:
        table.add_row(account.role, account.username, account.password, account.organisation)
    from commissioning.organisations.models import Organisation

    names = {
        o.code: o.display_name for o in Organisation.objects.filter(code__in=("XL001", "XR001"))
    }
    for role, username, org in (
        ("Finance lead", "council-finance", "XL001"),
        ("Commissioner", "nhse-commissioner", "XR001"),
        ("Finance lead", "nhse-finance", "XR001"),
        ("A budget holder's representative", "family-representative", "(a parent)"),
    ):
        table.add_row(role, username, f"demo-{username}", names.get(org, org))
    # Wide enough for every row even when the output is not a terminal.
    Console(width=max(console.width, 160)).print(table)
    console.print(
        "Finance leads, care coordinators, auditors, the administrator and budget holders sign "
        "in in two steps; in the demo (`commissioning serve`) the second step's page shows the "
        "demo account's current code."
    )


def welcome(host: str, port: int) -> None:
    console.print(
        f"\n[bold green]The platform is running at http://{host}:{port}/[/]\n"
        "Start by signing in as [bold]commissioner[/] (password [bold]demo-commissioner[/]) and "
        "open Specifications: the hyper-acute stroke unit has been through a whole cycle to a "
        "signed contract, and the community diabetes service is waiting for your scores and "
        "your decision. Sign in as [bold]clinical-adviser[/] to answer a request for advice, or "
        "as [bold]provider-representative[/] to write a proposal.\n"
        "Press Ctrl+C to stop.\n"
    )


def runserver(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
) -> None:
    """Django's development server alone (``serve`` runs it with a worker)."""
    os.environ.setdefault("COMMISSIONING_DEMO", "1")
    django_setup()
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False, verbosity=0)
