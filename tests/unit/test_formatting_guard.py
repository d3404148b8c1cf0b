"""One way to write a figure (issue 18): pages, CSVs, PDFs and charts format numbers through
``commissioning.numbers`` (templates: ``{% load nhs %}`` then ``|figure``, ``|percent``,
``|day``), money through ``commissioning.money`` (``|pounds``) and organisation names through
``tidy_name`` (``|org_name``, or an Organisation's ``display_name``). This guard fails on the
old ways back in: Django's ``floatformat``, ``widthratio`` shares and ``intcomma`` (which each
round and group differently), ``|title`` on a name ("Hospitals Of ... Nhs Trust"), and a
Decimal's ``normalize`` (which writes 760 as ``7.6E+2``)."""

from __future__ import annotations

import re
from pathlib import Path

import commissioning

PACKAGE = Path(commissioning.__file__).parent

# The formatters themselves, and the engine (pure computation: it writes no text for people).
EXEMPT_PYTHON = {PACKAGE / "numbers.py", PACKAGE / "money.py"}

TEMPLATE_RULES = {
    "floatformat": re.compile(r"\bfloatformat\b"),
    "widthratio": re.compile(r"\bwidthratio\b"),
    "intcomma": re.compile(r"\bintcomma\b"),
    "|title": re.compile(r"\|\s*title\b"),
    ".normalize": re.compile(r"\.normalize\b"),
}
PYTHON_RULES = {
    ".normalize()": re.compile(r"\.normalize\(\)"),
    ".title()": re.compile(r"\.title\(\)"),
}


def _templates():
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "templates" in path.relative_to(PACKAGE).parts:
            yield path


def _python():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] == "engine" or "migrations" in parts or path in EXEMPT_PYTHON:
            continue
        yield path


def _offences(paths, rules) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for name, pattern in rules.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(PACKAGE)}:{number}: {name}")
    return found


def test_the_guard_reads_the_templates_and_the_modules():
    templates = list(_templates())
    modules = list(_python())
    assert any(p.name == "record.html" for p in templates)
    assert any(p.name == "record_pdf.py" for p in modules)
    assert not any("engine" in p.relative_to(PACKAGE).parts[:1] for p in modules)


def test_templates_format_numbers_and_names_one_way():
    found = _offences(_templates(), TEMPLATE_RULES)
    assert found == [], (
        "Use |figure, |figure:N, |percent (numbers) and |org_name (tidy_name) instead:\n"
        + "\n".join(found)
    )


def test_python_writes_no_decimal_in_scientific_notation_nor_title_cased_names():
    found = _offences(_python(), PYTHON_RULES)
    assert found == [], (
        "Use numbers.figure / numbers.plain_figure and names.tidy_name:\n" + "\n".join(found)
    )
