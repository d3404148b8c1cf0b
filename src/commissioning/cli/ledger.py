"""The ledger: ``ledger verify``."""

from __future__ import annotations

import typer

from commissioning.cli.common import console, django_setup, err

ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check every invariant of the ledger (balanced transactions, balances equal to their
    postings, no budget below its floor, exact reversals, statements that reconcile); exit 2
    naming the first violation."""
    django_setup()
    from commissioning.ledger.verify import verify_ledger

    report = verify_ledger()
    checked = (f"{report.transactions:,} transactions, {report.postings:,} postings, "
               f"{report.accounts:,} accounts, {report.statements:,} statements")  # fmt: skip
    if report.ok:
        console.print(f"[green]The ledger is consistent:[/] {checked} checked.")
        return
    err.print(f"[bold red]The ledger is not consistent:[/] {report.violation} ({checked}).")
    raise typer.Exit(code=2)
