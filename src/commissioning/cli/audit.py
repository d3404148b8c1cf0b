"""The audit trail: ``audit verify``, ``audit anchor-key``, ``audit anchor``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commissioning.cli.common import console, django_setup, err, fail

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


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
    django_setup()
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
            raise fail(f"cannot read the anchor {anchor}: {exc}") from exc
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
    django_setup()
    from commissioning.audit.anchor import make_key

    try:
        public = make_key(path)
    except FileExistsError as exc:
        raise fail(f"{path} exists: an anchor key is never overwritten") from exc
    console.print(f"Anchor key written to {path} (readable by you only).")
    console.print(f"Its public key, for the auditor: [bold]{public}[/]")


@audit_app.command("anchor")
def audit_anchor(
    key: Annotated[Path, typer.Option(help="The anchor key (from `audit anchor-key`)")],
    out: Annotated[Path, typer.Option(help="Where to write the signed anchor (JSON)")],
) -> None:
    """Write a signed statement of every chain's head (the audit trail's and each ledger
    account's) for the auditor to keep outside the database."""
    django_setup()
    import json

    from commissioning.audit.anchor import load_key, make_anchor

    try:
        signing = load_key(key)
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read the anchor key {key}: {exc}") from exc
    document = make_anchor(signing)
    out.write_text(json.dumps(document, indent=1, sort_keys=True))
    heads = document["statement"]["heads"]
    console.print(
        f"Anchor written to {out}: audit trail at revision {heads['audit']['seq']:,}, "
        f"{len(heads.get('ledger', {})):,} ledger accounts."
    )
