"""Running the platform: the worker for long jobs, and ``serve`` (the demo's server, or in
production gunicorn with the worker beside it). docs/deployment.md."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer

from commissioning.cli.common import console, django_setup


def worker(
    batch: Annotated[bool, typer.Option(help="Stop when no job is waiting")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks for a job")] = 1.0,
) -> None:
    """Run long jobs from the queue (a job whose worker died is taken up again).

    The worker beats for the health endpoint; decision 051."""
    django_setup()
    from commissioning.jobs.worker import run_worker

    run_worker(interval=interval, batch=batch)


def _children(commands: list[list[str]]) -> None:
    """Run the processes together; stop them all when one stops or on Ctrl+C / SIGTERM."""
    procs = [subprocess.Popen(c) for c in commands]  # noqa: S603 (our own commands, no shell)

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: stop them all, below
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    code = next((p.returncode for p in procs if p.returncode), 0)
    raise typer.Exit(code)


def _make_the_database() -> None:
    """On a PostgreSQL server with no database of DATABASE_URL's name, make it (the server's
    maintenance database ``postgres`` is asked, as Django's test runner does), so the one line
    in the README serves a fresh machine. Anything else the connection says is raised."""
    from django.db import OperationalError, connection

    if connection.vendor != "postgresql":
        return
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        console.print(f"Made the database {name} on the server")


def serve(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    production: Annotated[
        bool,
        typer.Option(
            help="gunicorn and the worker, DEBUG off, static files collected (docs/deployment.md)"
        ),
    ] = False,
    workers: Annotated[int, typer.Option(help="gunicorn's worker processes")] = 0,
    threads: Annotated[int, typer.Option(help="threads in each gunicorn worker")] = 0,
) -> None:
    """Serve the platform, with a worker for long jobs.

    Django's server for the demo; with --production, gunicorn (set DATABASE_URL,
    DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS: docs/deployment.md)."""
    me = [sys.executable, "-m", "commissioning.cli"]
    if not production:
        os.environ.setdefault("COMMISSIONING_DEMO", "1")
        django_setup()
        from commissioning.cli.demo import welcome

        welcome(host, port)
        _children([[*me, "runserver", "--host", host, "--port", str(port)], [*me, "worker"]])
        return
    os.environ["COMMISSIONING_PRODUCTION"] = "1"
    django_setup()
    from django.core.management import call_command

    call_command("check", deploy=True, fail_level="ERROR")
    _make_the_database()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # One process a core, two threads each (decision 052): measured on 2 cores, more processes
    # (gunicorn's usual 2 × cores + 1) spent the CPU on waking each other for every connection.
    # No keep-alive (GUNICORN_KEEP_ALIVE, seconds): a connection answered is closed, so the next
    # request goes to whichever process is free. Kept alive, one process could hold most of
    # the connections while the other stood idle (measured: 43% of the CPU idle under load).
    count = workers or int(os.environ.get("GUNICORN_WORKERS", "0")) or os.cpu_count() or 1
    threads = threads or int(os.environ.get("GUNICORN_THREADS", "0")) or 2
    console.print(f"[bold green]Serving on http://{host}:{port}/ with {count} gunicorn "
                  f"workers of {threads} threads and a job worker[/]")  # fmt: skip
    gunicorn = [sys.executable, "-m", "gunicorn", "commissioning.config.wsgi",
                "--bind", f"{host}:{port}", "--workers", str(count), "--timeout", "60",
                *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
                "--keep-alive", os.environ.get("GUNICORN_KEEP_ALIVE", "0"),
                "--access-logfile", "-", "--error-logfile", "-",
                # gunicorn's control socket is one path for the whole user: a second server on
                # the machine would take it over. Nothing of ours uses it.
                "--no-control-socket"]  # fmt: skip
    _children([gunicorn, [*me, "worker"]])
