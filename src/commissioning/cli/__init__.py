"""The ``commissioning`` command. Entry points only translate arguments into engine or
service calls; the work is done there. Each part of the command line is a module of this
package (``data``, ``audit``, ``ledger``, ``tokens``, ``demo``, ``quality``, ``market``,
``ocds``) that
shares ``common``; this module only assembles them."""

from __future__ import annotations

import typer

from commissioning.cli import audit, data, demo, ledger, market, ocds, quality, service, tokens

app = typer.Typer(
    help="Commissioning health services: synthetic data, reference data, audit and the demo.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(data.synth)
app.command()(data.fetch)
app.command()(data.ingest)
app.add_typer(audit.audit_app, name="audit")
app.add_typer(ledger.ledger_app, name="ledger")
app.add_typer(tokens.token_app, name="api-token")
app.add_typer(quality.quality_app, name="quality")
app.add_typer(market.market_app, name="market")
app.add_typer(ocds.ocds_app, name="ocds")
app.command("demo-setup")(demo.demo_setup)
app.command()(service.serve)
app.command()(service.worker)
app.command(hidden=True)(demo.runserver)
