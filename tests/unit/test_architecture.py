"""The house's rules that import-linter cannot see (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import commissioning

PACKAGE = Path(commissioning.__file__).parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _is_ours(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").startswith("commissioning")
    return any(alias.name.startswith("commissioning") for alias in node.names)


def _allowed(path: Path, function: str) -> bool:
    """Two places import the project's modules inside a function, for a reason other than a
    cycle: the command line (a command imports what it needs after setting Django up, and a
    command that needs no database never pays for it), and an app's ``ready`` (Django allows
    no model import before its apps are loaded; registrations into lower layers go there)."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] == "cli" or (path.name == "apps.py" and function == "ready")


def test_no_function_imports_the_project_to_dodge_a_cycle():
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if _allowed(path, function.name):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and _is_ours(node):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} in {function.name}")
    assert found == [], "Import at module level instead (a cycle breaks through a registry):\n" + (
        "\n".join(found)
    )


def test_every_package_has_its_floor():
    """A new package must be placed in the layers contract (pyproject.toml); the contract is
    exhaustive, and this checks the test sees the same packages import-linter does."""
    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    placed = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    packages = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name != "__init__.py")
    }
    assert packages == placed


def test_every_citation_of_the_domain_and_statistics_references_resolves():
    """Docstrings cite docs/domain.md and docs/statistics.md by section; each section exists."""
    docs = PACKAGE.parents[1] / "docs"
    sections = {
        name: set(re.findall(r"^## (\d+)\.", (docs / name).read_text(), flags=re.M))
        for name in ("domain.md", "statistics.md")
    }
    cited = re.compile(
        r"docs/(domain|statistics)\.md(?:,? (?:sections?|§) ?(\d+)(?:(?: and | to |, )(\d+))?)?"
    )
    unresolved = []
    count = 0
    for path in _modules():
        for match in cited.finditer(path.read_text()):
            count += 1
            name = f"{match[1]}.md"
            for number in filter(None, match.groups()[1:]):
                if number not in sections[name]:
                    unresolved.append(f"{path.relative_to(PACKAGE)}: {match[0]}")
    assert count > 30 and unresolved == []


# Where a revision's before or after may still be written out by hand: what it records is not
# the fields of a model instance, so there is nothing to snapshot (issue: "99 audit calls build
# their before/after dictionaries by hand").
HAND_BUILT_REVISIONS = {
    "organisations/synthetic.py": "an event about a whole load of small areas (the counts it "
    "made and changed), named by object_type and object_id: no one record to snapshot",
}


def test_audit_revisions_snapshot_the_record_rather_than_say_what_it_held():
    """A hand-written ``before={"status": "decided"}`` says what the code expected, not what
    the record held: ``audit.created`` and ``audit.changing`` snapshot the record's fields."""
    found = []
    seen = set()
    for path in _modules():
        relative = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            for keyword in node.keywords:
                if keyword.arg in ("before", "after") and isinstance(
                    keyword.value, ast.Dict | ast.DictComp
                ):
                    if relative in HAND_BUILT_REVISIONS:
                        seen.add(relative)
                    else:
                        found.append(f"{relative}:{node.lineno} ({keyword.arg}=)")
    assert found == [], "Use audit.created or audit.changing:\n" + "\n".join(found)
    assert seen == set(HAND_BUILT_REVISIONS), "Allowed but no longer needed: remove from the list"
