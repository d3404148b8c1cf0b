"""Issue 19's second fault: a web worker killed in the middle of a write leaves nothing
half-saved, because every service is one transaction.

On PostgreSQL, for real: gunicorn serves the site; a provider's representative sends a proposal
with two documents (the proposal, its revision in the audit trail, each document and its
revision: one service, one transaction). The test holds, in a transaction of its own, the audit
trail's third revision from now (a row with that number, never committed), so the service
writes the proposal, its revision, the chain's head, the first document and its revision, then
waits on the second document's revision. The test sees the waiting write holding the tables it
wrote to, kills the gunicorn worker with SIGKILL, lets go, and finds nothing of the proposal and
an audit trail that verifies; the same form sent again to the worker gunicorn started in its
place is saved once and whole.

Everywhere (no database needed): every service that writes does so inside
``transaction.atomic()``, read from the source, so what the live test shows of one service
holds for all of them."""

from __future__ import annotations

import ast
import os
import secrets
import signal
import threading
from pathlib import Path

import psycopg
import pytest
from django.db import connection

import commissioning
from commissioning.audit.chain import verify_chain
from commissioning.audit.models import ChainHead, Revision
from commissioning.selection.models import Document, Proposal

from . import live

NEW = "/proposals/new/"
PDF = b"%PDF-1.4\n%%EOF\n"


def _form(economy) -> dict:
    return {"title": "Virtual ward", "description": "40 beds at home", "capacity": "1400",
            "total_price": "3,600,000", "provider_id": economy.rje.pk,
            "addressed_to_id": economy.icb.pk}  # fmt: skip


DOCUMENTS = [("documents", "plan.pdf", PDF + b"% the plan\n"),
             ("documents", "costs.pdf", PDF + b"% the costs\n")]  # fmt: skip

HOLD = """INSERT INTO audit_revision (seq, created_at, actor_id, actor_username, action,
  object_type, object_id, object_repr, diff, prev_hash, hash)
VALUES (%s, now(), NULL, 'fault-test', 'event', 'test.hold', '0', 'held by the test', '{}', '',
  %s)"""

# The backend that waits for the test's transaction, and whether it has written anything.
WAITING = """SELECT pid, query FROM pg_stat_activity
WHERE %s = ANY(pg_blocking_pids(pid)) AND backend_xid IS NOT NULL"""
# The tables a backend's transaction has written to (a write takes ROW EXCLUSIVE on its table
# until the transaction ends).
WRITTEN = """SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND l.granted AND c.relkind = 'r'"""


def _rows(sql: str, *params) -> list[tuple]:
    """From the test's own connection, one transaction a query (PostgreSQL keeps what its
    statistics views showed for the rest of a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_web_worker_killed_in_the_middle_of_a_write_leaves_nothing_half_saved(economy, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL (CI's second run)")
    env = live.environment(tmp_path, live.database_url())
    with live.web(env, tmp_path / "web.log") as site:
        browser = live.HTTP(site.port, timeout=120)
        browser.sign_in(economy.provider)
        before = ChainHead.objects.get(id=1).last_seq
        assert Revision.objects.count() == before and verify_chain().ok
        answer: dict = {}

        def send() -> None:
            try:
                answer["response"] = browser.post(NEW, _form(economy), DOCUMENTS)
            except OSError as exc:  # the worker died with the request in hand
                answer["error"] = exc

        with psycopg.connect(live.database_url()) as holder:
            holder.execute(HOLD, (before + 3, secrets.token_hex(32)))
            sending = threading.Thread(target=send)
            sending.start()
            ((writer, query),) = live.wait(
                lambda: _rows(WAITING, holder.info.backend_pid), 60,
                "the proposal's write to reach the revision the test holds",
            )  # fmt: skip
            assert query.startswith('INSERT INTO "audit_revision"')
            written = {name for (name,) in _rows(WRITTEN, writer)}
            # Mid-write: the proposal, a document, revisions and the chain's head are written.
            assert {"selection_proposal", "selection_document", "audit_revision",
                    "audit_chainhead"} <= written, written  # fmt: skip

            (serving,) = site.worker_pids()
            os.kill(serving, signal.SIGKILL)
            sending.join(60)
            assert "error" in answer, answer  # no answer: the worker is dead
            # Let go: the dead worker's insert goes through, its transaction finds no one to
            # answer to and PostgreSQL rolls it back.
            holder.rollback()

        gone = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
        live.wait(lambda: not _rows(gone, writer), 30,
                  "PostgreSQL to end the dead worker's transaction")  # fmt: skip
        assert not Proposal.objects.exists() and not Document.objects.exists()
        assert ChainHead.objects.get(id=1).last_seq == Revision.objects.count() == before
        assert verify_chain().ok

        # gunicorn's master started another worker; the same form is saved once and whole.
        live.wait(lambda: site.worker_pids() not in ([], [serving]), 30, "a new gunicorn worker")
        again = browser.post(NEW, _form(economy), DOCUMENTS)
        assert again.status == 302, again.text[:2000]
        proposal = Proposal.objects.get()
        assert sorted(proposal.documents.values_list("filename", flat=True)) == [
            "costs.pdf",
            "plan.pdf",
        ]
        report = verify_chain()
        assert report.ok and report.checked == before + 3 == ChainHead.objects.get().last_seq


# What the services write through, and the writes that need a transaction.
PACKAGE = Path(commissioning.__file__).parent
WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
          "update_or_create"}  # fmt: skip
AUDIT = {"record", "created", "changing", "saving"}

# Helpers that write without a transaction of their own because every caller calls them inside
# its own (checked below like any other write).
INSIDE_THE_CALLERS = {
    "upsert_organisation_unchecked": "ingest and loaders, inside their transaction",
    "new_version_unchecked": "start_new_version, inside its transaction",
    "save_documents": "proposals and advice, inside their transaction",
}
# Functions whose every write is one statement, atomic by itself, outside a service's change.
ONE_STATEMENT = {
    "log_access": "one INSERT of the records opened (the access log)",
    "user_for_token": "one UPDATE of when an API token was last used",
    "_run": "a stress test's outcome, one UPDATE of a test still running (stored once)",
    "_sweep_with_progress": "a sweep's progress, one UPDATE twice a second",
    "sweep_reported": "a sweep's progress kept on its stress test, one UPDATE",
    "_sweep": "its one UPDATE is in the store() it returns, which jobs.running.finish calls "
    "inside the transaction that ends the job",
    "save_model": "Django's admin calls it inside its own transaction (changeform_view)",
    "save_formset": "Django's admin calls it inside its own transaction (changeform_view)",
}


def _receiver_is_a_manager(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "_default_manager"):
                return True
            node = node.value
        else:
            node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _is_write(call: ast.Call) -> bool:
    f = call.func
    if not isinstance(f, ast.Attribute):
        return False
    if isinstance(f.value, ast.Name) and f.value.id == "audit":
        return f.attr in AUDIT
    if f.attr in ("save", "delete"):  # a record's own (a queryset's is through a manager)
        return True
    return f.attr in WRITES and _receiver_is_a_manager(f.value)


def _is_atomic(node: ast.expr) -> bool:
    node = node.func if isinstance(node, ast.Call) else node
    return (isinstance(node, ast.Attribute) and node.attr == "atomic") or (
        isinstance(node, ast.Name) and node.id == "atomic"
    )


def _outside_a_transaction(function: ast.FunctionDef) -> tuple[list[ast.Call], list[ast.Call]]:
    """The writes, and the other calls, that ``function`` makes outside ``transaction.atomic``
    (a ``with`` block or the decorator)."""
    writes: list[ast.Call] = []
    calls: list[ast.Call] = []

    def visit(node: ast.AST, inside: bool) -> None:
        if isinstance(node, ast.With) and any(_is_atomic(i.context_expr) for i in node.items):
            inside = True
        if isinstance(node, ast.Call) and not inside:
            (writes if _is_write(node) else calls).append(node)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, inside)

    decorated = any(_is_atomic(d) for d in function.decorator_list)
    for statement in function.body:
        visit(statement, decorated)
    return writes, calls


def _called(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _service_modules():
    """Every module of services (``services.py``, ``services/``) and every other module that
    records changes in the audit trail (a package of services by area, the API's tokens)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        elsewhere = relative.parts[0] in ("cli", "demo", "audit", "engine")
        if elsewhere or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        records = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "audit"
            for n in ast.walk(tree)
        )  # fmt: skip
        if "services" in relative.parts or path.stem == "services" or records:
            yield str(relative), tree


def test_every_service_that_writes_does_so_in_one_transaction():
    """A public function of the service layer writes (a save, a create, an update or delete
    through a manager, an audit revision) only inside ``transaction.atomic()``, and calls a
    private helper that writes, or a helper meant for its callers' transaction, only there
    too. A change made outside one would be half-saved by a worker killed in the middle."""
    modules = dict(_service_modules())
    assert len(modules) > 25, sorted(modules)
    found, used = [], set()
    for relative, tree in modules.items():
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            functions |= {f"{cls.name}.{m.name}": m for m in cls.body
                          if isinstance(m, ast.FunctionDef)}  # fmt: skip
        outside = {name: _outside_a_transaction(f) for name, f in functions.items()}
        allowed = {name for name, f in functions.items() if f.name in ONE_STATEMENT}
        needing = {name for name, (writes, _) in outside.items() if writes}
        used |= {functions[name].name for name in needing & allowed}
        needing -= allowed
        helpers = {functions[name].name for name in needing if functions[name].name[0] == "_"}
        grew = True
        while grew:  # a function calling, outside a transaction, one that needs it needs it
            grew = False
            for name, (_, calls) in outside.items():
                if name in needing or name in allowed:
                    continue
                for callee in map(_called, calls):
                    if callee in helpers or callee in INSIDE_THE_CALLERS:
                        used |= {callee} & set(INSIDE_THE_CALLERS)
                        needing.add(name)
                        if functions[name].name.startswith("_"):
                            helpers.add(functions[name].name)
                        grew = True
                        break
        for name in sorted(needing):
            bare = functions[name].name
            if bare.startswith("_"):
                continue  # reached through its public callers, checked above
            if bare in INSIDE_THE_CALLERS:
                used.add(bare)
                continue
            writes, calls = outside[name]
            lines = [w.lineno for w in writes] or [c.lineno for c in calls]
            found.append(f"{relative}:{lines[0]} {name}")
    assert found == [], "Write inside transaction.atomic():\n" + "\n".join(found)
    assert used == set(INSIDE_THE_CALLERS) | set(ONE_STATEMENT), "No longer needed: remove " + (
        ", ".join(sorted((set(INSIDE_THE_CALLERS) | set(ONE_STATEMENT)) - used))
    )
