"""OCDS documents checked against the shipped OCDS 1.1.5 schema, offline (issue 20): each kind
of document, every problem named by where it is, and no address fetched from the web."""

from __future__ import annotations

import copy
import json
import socket

import pytest
from referencing.exceptions import NoSuchResource
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.ocds import validate as ocds

RELEASE = {
    "ocid": "ocds-abc123-STROKE-1",
    "id": "STROKE-1-award",
    "date": "2026-05-01T09:00:00Z",
    "tag": ["award"],
    "initiationType": "tender",
    "parties": [{"id": "GB-NHS-RXX", "name": "A trust", "roles": ["supplier"]}],
    "awards": [
        {
            "id": "1",
            "status": "active",
            "value": {"amount": 1250000.5, "currency": "GBP"},
            "suppliers": [{"id": "GB-NHS-RXX", "name": "A trust"}],
        }
    ],
}
PACKAGE = {
    "uri": "https://example.org/releases/1.json",
    "publishedDate": "2026-05-01T09:00:00+01:00",
    "version": "1.1",
    "publisher": {"name": "An ICB"},
    "releases": [RELEASE],
}
RECORD = {
    "ocid": RELEASE["ocid"],
    "releases": [
        {"url": "https://example.org/releases/1.json#STROKE-1-award", "date": RELEASE["date"],
         "tag": ["award"]}
    ],
    "compiledRelease": {**RELEASE, "tag": ["compiled"]},
}  # fmt: skip
RECORD_PACKAGE = {**{k: v for k, v in PACKAGE.items() if k != "releases"}, "records": [RECORD]}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Every test here runs with the network refused: validation must not need it."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("validation tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    ("document", "kind"),
    [(PACKAGE, "release package"), (RECORD_PACKAGE, "record package"), (RELEASE, "release"),
     (RECORD, "record")],
)  # fmt: skip
def test_each_kind_of_document_is_recognised_and_valid(document, kind):
    assert ocds.kind_of(document) == kind
    assert ocds.problems(document) == []


def test_every_problem_is_named_by_where_it_is():
    bad = copy.deepcopy(PACKAGE)
    release = bad["releases"][0]
    release["date"] = "1 May 2026"  # not RFC 3339
    release["tag"] = ["awarded"]  # not in the closed codelist
    release["awards"][0]["value"]["amount"] = "1250000"  # a string, not a number
    del bad["publisher"]
    found = {p.path: p for p in ocds.problems(bad)}
    assert set(found) == {
        "$",
        "$.releases[0].date",
        "$.releases[0].tag[0]",
        "$.releases[0].awards[0].value.amount",
    }
    assert "'publisher' is a required property" in found["$"].message
    assert "date-time" in found["$.releases[0].date"].message
    assert "'awarded' is not one of" in found["$.releases[0].tag[0]"].message
    assert "number" in found["$.releases[0].awards[0].value.amount"].message


def test_a_date_time_needs_its_time_zone_and_a_uri_its_scheme():
    no_zone = {**RELEASE, "date": "2026-05-01T09:00:00"}
    assert [p.path for p in ocds.problems(no_zone)] == ["$.date"]
    relative = {**PACKAGE, "uri": "releases/1.json"}
    assert [p.path for p in ocds.problems(relative)] == ["$.uri"]


def test_the_schemas_published_addresses_are_read_from_the_shipped_files():
    shipped = ocds._shipped(ocds.PUBLISHED + "release-schema.json")
    assert shipped.contents["id"] == ocds.PUBLISHED + "release-schema.json"
    with pytest.raises(NoSuchResource):  # anything else is refused, never fetched
        ocds._shipped("https://example.org/extension/release-schema.json")


def test_what_is_not_an_ocds_document_is_said_so():
    with pytest.raises(ValueError, match="Not an OCDS document"):
        ocds.kind_of({"hello": "world"})


def test_the_command_says_valid_or_lists_each_problem(tmp_path):
    good, bad, broken = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "broken.json"
    good.write_text(json.dumps(PACKAGE))
    bad.write_text(json.dumps({**PACKAGE, "version": 1.1}))
    broken.write_text('{"uri": ')
    runner = CliRunner()

    done = runner.invoke(app, ["ocds", "validate", str(good)])
    assert done.exit_code == 0 and "Valid" in done.output and "release package" in done.output

    done = runner.invoke(app, ["ocds", "validate", str(bad)])
    assert done.exit_code == 1
    assert "$.version" in done.output and "1 problem (" in done.output

    done = runner.invoke(app, ["ocds", "validate", str(broken)])
    assert done.exit_code == 1 and "is not JSON" in done.output and "line 1" in done.output
