"""The ``commissioning`` command. Entry points only translate arguments into engine or
service calls; the work is done there."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from commissioning.cli_market import market_app
from commissioning.cli_quality import quality_app

app = typer.Typer(
    help="Commissioning health services: synthetic data, reference data, audit and the demo.",
    no_args_is_help=True,
    add_completion=False,
)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
token_app = typer.Typer(help="API tokens for API clients.", no_args_is_help=True)
app.add_typer(token_app, name="api-token")
app.add_typer(quality_app, name="quality")
app.add_typer(market_app, name="market")
console = Console()
err = Console(stderr=True)

REPO = Path(__file__).resolve().parents[2]
# The demo economy has one failing provider for the quality workspace to catch: for the last
# six months (from October 2023 with the default three years from April 2021) the odds of
# death at this trust are three times what its case mix predicts.
DEMO_FAILING_PROVIDER, DEMO_FAILURE_ODDS_RATIO = "RJE", 3
REFERENCE = REPO / "data" / "reference"
REFERENCE_FILES = {
    "trusts": "nhs_trusts.csv",
    "ae": "ae_attendances.csv",
    "population": "ons_uk_population_2023.csv",
    "outcomes": "nhs_outcomes_framework.csv",
}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.config.settings")
    import django

    django.setup()


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}")
    return typer.Exit(code=1)


@app.command()
def synth(
    spells: Annotated[int, typer.Option(help="Hospital spells per year")] = 100_000,
    years: Annotated[int, typer.Option(help="Years to simulate")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 1,
    out: Annotated[Path, typer.Option(help="Output folder for the Parquet files")] = Path(
        "var/synth"
    ),
    inject: Annotated[
        list[str] | None,
        typer.Option(help="A quality failure, PROVIDER:YYYY-MM:ODDS_RATIO (repeatable)"),
    ] = None,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "2021-04",
    areas: Annotated[
        int | None, typer.Option(help="Small areas (default: scaled to spells)")
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="Spells generated per chunk")] = 1_000_000,
    reference: Annotated[
        Path, typer.Option(help="Folder with the reference CSV files")
    ] = REFERENCE,
) -> None:
    """Generate a synthetic health economy around the real NHS trusts and stream it to Parquet."""
    import datetime as dt

    from pydantic import ValidationError

    from commissioning.engine.synth import (
        Injection,
        SynthConfig,
        generate,
        load_age_sex_structure,
        load_providers,
    )

    try:
        injections = tuple(Injection.parse(text) for text in inject or ())
        first = dt.date.fromisoformat(f"{start}-01")
        config = SynthConfig(
            spells_per_year=spells,
            years=years,
            seed=seed,
            start=first,
            areas=areas,
            chunk_size=chunk_size,
            injections=injections,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'.'.join(str(p) for p in e['loc']).replace('_', '-') or 'inject'}: {e['msg']}"
            for e in exc.errors()
        )
        raise _fail(problems) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    providers = load_providers(reference / "nhs_trusts.csv", reference / "ae_attendances.csv")
    age_sex = load_age_sex_structure(reference / "ons_uk_population_2023.csv")
    total = config.spells_per_year * config.years
    with Progress(
        TextColumn("[bold]Generating spells"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("spells", total=total)
        try:
            manifest = generate(
                config, providers, age_sex, out, lambda n: progress.advance(task, n)
            )
        except ValueError as exc:
            raise _fail(str(exc)) from None
    counts = manifest["counts"]
    console.print(
        f"Wrote {counts['spells']:,} spells ({counts['deaths_30d']:,} deaths within 30 days) for "
        f"{counts['providers']} providers, {counts['commissioners']} commissioners, "
        f"{counts['practices']:,} GP practices and {counts['areas']:,} small areas "
        f"to {out} in {manifest['seconds']:.1f} s."
    )


@app.command()
def fetch(
    kind: Annotated[str, typer.Argument(help="trusts, ae, population or outcomes")],
    source: Annotated[Path, typer.Argument(help="The file to fetch (a local path)")],
) -> None:
    """Land a reference file, unchanged, in the landing area (nothing is ingested yet)."""
    _django()
    from django.conf import settings

    from commissioning.reference.fetchers import fetch as do_fetch

    try:
        fetched = do_fetch(kind, source, settings.DATA_DIR / "landing")
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Fetched {source} to {fetched.path} (sha256 {fetched.sha256[:12]}…)")


@app.command()
def ingest(
    kind: Annotated[str, typer.Argument(help="trusts, ae, population or outcomes")],
    path: Annotated[Path, typer.Argument(help="A fetched file")],
    year: Annotated[int, typer.Option(help="Mid-year of population estimates")] = 2023,
) -> None:
    """Ingest a reference file: all of it or, if any line is wrong, none of it."""
    _django()
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.parsers import IngestError
    from commissioning.reference.services import ingest_file

    if kind not in REFERENCE_FILES:
        raise _fail(f"the kind must be one of {', '.join(REFERENCE_FILES)} (got {kind!r})")
    if not path.is_file():
        raise _fail(f"no file at {path}")
    try:
        report = ingest_file(kind, path, SYSTEM, source=str(path), year=year)
    except IngestError as exc:
        err.print(f"[bold red]Rejected {path.name}; nothing was stored.[/]")
        for problem in exc.errors:
            err.print(f"  {problem}")
        if exc.total > len(exc.errors):
            err.print(f"  … and {exc.total - len(exc.errors)} more")
        raise typer.Exit(code=1) from None
    console.print(report.summary())


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None, typer.Option(help="An anchor file made by `audit anchor` to check against")
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="The anchor key's public key, as the auditor holds it (base64)"),
    ] = None,
) -> None:
    """Check every link of the audit chain, that the records decisions and money rest on hold
    what their latest revisions say, and (with --anchor) that every chain head the anchor
    recorded is still there; exit 2 naming the first problem."""
    _django()
    import json

    from commissioning.audit.anchor import anchor_problems
    from commissioning.audit.chain import verify_chain
    from commissioning.audit.reconcile import reconcile

    report = verify_chain()
    if not report.ok:
        err.print(
            f"[bold red]The audit chain is broken at revision {report.first_broken_seq}:[/] "
            f"{report.reason}. {report.checked:,} revisions before it are intact."
        )
        raise typer.Exit(code=2)
    console.print(f"[green]The audit chain is intact:[/] {report.checked:,} revisions checked.")
    unreconciled = reconcile()
    if unreconciled:
        err.print(f"[bold red]A record was changed outside the platform:[/] {unreconciled}.")
        raise typer.Exit(code=2)
    console.print("[green]Scores, moderation, decisions, contracts, budgets, plans and payments "
                  "hold what the trail says.[/]")  # fmt: skip
    if anchor is not None:
        try:
            document = json.loads(anchor.read_text())
        except (OSError, ValueError) as exc:
            raise _fail(f"cannot read the anchor {anchor}: {exc}") from exc
        problems = anchor_problems(document, public_key)
        if problems:
            for problem in problems:
                err.print(f"[bold red]Not as anchored:[/] {problem}.")
            raise typer.Exit(code=2)
        made = document["statement"]["made_at"][:10]
        note = (
            ""
            if public_key
            else (
                " (signature checked with the key the anchor names: pass --public-key to check it "
                "with the one you hold)"
            )
        )
        console.print(f"[green]Every chain head anchored on {made} is still in place.[/]{note}")


@audit_app.command("anchor-key")
def audit_anchor_key(
    path: Annotated[Path, typer.Argument(help="Where to write the new private key (PEM)")],
) -> None:
    """Make the key that signs anchors. Keep it off the database server; give the public key
    it prints to the auditor."""
    _django()
    from commissioning.audit.anchor import make_key

    try:
        public = make_key(path)
    except FileExistsError as exc:
        raise _fail(f"{path} exists: an anchor key is never overwritten") from exc
    console.print(f"Anchor key written to {path} (readable by you only).")
    console.print(f"Its public key, for the auditor: [bold]{public}[/]")


@audit_app.command("anchor")
def audit_anchor(
    key: Annotated[Path, typer.Option(help="The anchor key (from `audit anchor-key`)")],
    out: Annotated[Path, typer.Option(help="Where to write the signed anchor (JSON)")],
) -> None:
    """Write a signed statement of every chain's head (the audit trail's and each ledger
    account's) for the auditor to keep outside the database."""
    _django()
    import json

    from commissioning.audit.anchor import load_key, make_anchor

    try:
        signing = load_key(key)
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read the anchor key {key}: {exc}") from exc
    document = make_anchor(signing)
    out.write_text(json.dumps(document, indent=1, sort_keys=True))
    heads = document["statement"]["heads"]
    console.print(
        f"Anchor written to {out}: audit trail at revision {heads['audit']['seq']:,}, "
        f"{len(heads.get('ledger', {})):,} ledger accounts."
    )


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Check every invariant of the ledger (balanced transactions, balances equal to their
    postings, no budget below its floor, exact reversals, statements that reconcile); exit 2
    naming the first violation."""
    _django()
    from commissioning.ledger.verify import verify_ledger

    report = verify_ledger()
    checked = (f"{report.transactions:,} transactions, {report.postings:,} postings, "
               f"{report.accounts:,} accounts, {report.statements:,} statements")  # fmt: skip
    if report.ok:
        console.print(f"[green]The ledger is consistent:[/] {checked} checked.")
        return
    err.print(f"[bold red]The ledger is not consistent:[/] {report.violation} ({checked}).")
    raise typer.Exit(code=2)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for")] = "API client",
    days: Annotated[int, typer.Option(help="How long it lasts (1 to 366 days)")] = 90,
) -> None:
    """Create an API token for a user; it is shown once and stored only as a hash, and it
    expires (rotate it before: `api-token rotate`, or POST /api/v1/tokens/rotate)."""
    _django()
    from django.core.exceptions import ValidationError

    from commissioning.api.tokens import issue_token
    from commissioning.organisations.models import User
    from commissioning.organisations.permissions import SYSTEM

    user = User.objects.filter(username=username).first()
    if user is None:
        raise _fail(f"no user called {username!r}")
    try:
        token, raw = issue_token(user, name, SYSTEM, days)
    except ValidationError as exc:
        raise _fail(" ".join(exc.messages)) from exc
    console.print(f"Token for {username} ({token.name}), until {token.expires_at:%d %B %Y}: {raw}")
    console.print(
        "Send it as the header  Authorization: Bearer <token>. It will not be shown again."
    )


@token_app.command("rotate")
def token_rotate(
    prefix: Annotated[str, typer.Argument(help="The token's first 8 characters")],
    days: Annotated[int, typer.Option(help="How long the new one lasts (1 to 366 days)")] = 90,
) -> None:
    """Issue a token's successor and revoke the token, at once (the new one is shown once)."""
    _django()
    from django.core.exceptions import ValidationError

    from commissioning.api.models import ApiToken
    from commissioning.api.tokens import rotate_token
    from commissioning.organisations.permissions import SYSTEM

    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise _fail(f"no token in force begins {prefix!r}")
    try:
        new, raw = rotate_token(token, SYSTEM, days)
    except ValidationError as exc:
        raise _fail(" ".join(exc.messages)) from exc
    console.print(f"Token {prefix}… revoked. Its successor, until {new.expires_at:%d %B %Y}: {raw}")


def _demo_failure(years: int, start: tuple[int, int] = (2021, 4)) -> str:
    month = start[0] * 12 + start[1] - 1 + years * 12 - 6
    return f"{DEMO_FAILING_PROVIDER}:{month // 12}-{month % 12 + 1:02d}:{DEMO_FAILURE_ODDS_RATIO}"


@app.command("demo-setup")
def demo_setup(
    spells: Annotated[int, typer.Option(help="Synthetic spells per year")] = 120_000,
    years: Annotated[int, typer.Option(help="Synthetic years")] = 3,
) -> None:
    """Migrate, load the reference data and a synthetic economy, and create demo accounts.

    Safe to run again: a file already ingested is skipped and existing data are kept.
    """
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from commissioning.web import demo

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
    for role, username, org in (
        ("Finance lead", "council-finance", "XL001"),
        ("Commissioner", "nhse-commissioner", "XR001"),
        ("Finance lead", "nhse-finance", "XR001"),
        ("A budget holder's representative", "family-representative", "(a parent)"),
    ):
        table.add_row(role, username, f"demo-{username}", org)
    # Wide enough for every row even when the output is not a terminal.
    Console(width=max(console.width, 160)).print(table)
    console.print(
        "Finance leads, care coordinators, auditors, the administrator and budget holders sign "
        "in in two steps; in the demo (`commissioning serve`) the second step's page shows the "
        "demo account's current code."
    )


@app.command()
def serve(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
) -> None:
    """Serve the platform (Django's server: for the demo, not for production)."""
    os.environ.setdefault("COMMISSIONING_DEMO", "1")
    _django()
    from django.core.management import call_command

    console.print(
        f"\n[bold green]The platform is running at http://{host}:{port}/[/]\n"
        "Start by signing in as [bold]commissioner[/] (password [bold]demo-commissioner[/]) and "
        "open Specifications: the hyper-acute stroke unit has been through a whole cycle to a "
        "signed contract, and the community diabetes service is waiting for your scores and "
        "your decision. Sign in as [bold]clinical-adviser[/] to answer a request for advice, or "
        "as [bold]provider-representative[/] to write a proposal.\n"
        "Press Ctrl+C to stop.\n"
    )
    call_command("runserver", f"{host}:{port}", use_reloader=False, verbosity=0)


if __name__ == "__main__":
    app()
