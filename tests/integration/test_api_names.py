"""The API names organisations as the web does: "Mid Staffordshire NHS Foundation Trust", not the
capitals ODS publishes (issue 18)."""

from __future__ import annotations

import re

import pytest
from django.db.models.functions import Upper

from commissioning.organisations.models import Organisation
from tests.bearer import bearer
from tests.capitals import capitals_in, ods_capitals
from tests.integration.collaboration.conftest import bcf  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_no_answer_of_the_api_names_an_organisation_in_ods_capitals(client, trusts, bcf):  # noqa: F811
    Organisation.objects.update(name=Upper("name"))  # every name as ODS publishes it
    capitals = ods_capitals(Organisation.objects.values_list("name", flat=True))
    assert {"NHS TEST ICB", "TEST COUNCIL"} <= capitals and len(capitals) > 200
    values = {"pool_id": bcf.pool.pk, "code": "XC001", "year": 2025}
    headers = bearer(bcf.people["XC001"])
    answered = {}
    for path, methods in client.get(f"{API}/openapi.json").json()["paths"].items():
        needs = re.findall(r"\{([^}]+)\}", path)
        if "get" not in methods or set(needs) - set(values):
            continue
        url = path.format(**{k: values[k] for k in needs})
        response = client.get(url, {"page_size": 500} if "page" in str(methods) else {}, **headers)
        if response.status_code == 200:
            answered[url] = response.json()
    # The directory, an organisation, its children, the pool and its partners among them.
    assert {f"{API}/organisations", f"{API}/organisations/XC001", f"{API}/pools/{bcf.pool.pk}"} <= (
        set(answered)
    )
    assert {p["name"] for p in answered[f"{API}/pools/{bcf.pool.pk}"]["partners"]} == {
        "NHS Test ICB",
        "Test Council",
    }
    assert "Mid Cheshire Hospitals NHS Foundation Trust" in {
        o["name"] for o in answered[f"{API}/organisations"]["items"]
    }
    assert {url: capitals_in(doc, capitals) for url, doc in answered.items()} == {
        url: [] for url in answered
    }
