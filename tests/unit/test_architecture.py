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
