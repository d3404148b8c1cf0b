"""Switching the database's own guards off, for tests of what someone with full rights on the
database could do (append-only journals, chain heads that only move forward). Only for the
rest of the test's transaction: it is rolled back with it."""

from __future__ import annotations

from django.db import connection


def drop_database_guards(prefixes: tuple[str, ...] = ("",)) -> None:
    """PostgreSQL: every trigger off for this transaction (``session_replication_role``);
    SQLite: the triggers whose names start with one of ``prefixes`` dropped (DDL is
    transactional there)."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SET LOCAL session_replication_role = replica")
            return
        c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (name,) in c.fetchall():
            if name.startswith(prefixes):
                c.execute(f"DROP TRIGGER {name}")
