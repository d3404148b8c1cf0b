"""Web pages: sign-in everywhere but public pages, role home pages, directory, exports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from commissioning.organisations.permissions import SYSTEM
from commissioning.reference.services import ingest_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, make_user):
    def _sign_in(role: str):
        user = make_user(role)
        client.force_login(user)
        return client

    return _sign_in


@pytest.mark.parametrize("name", ["home", "directory", "audit"])
def test_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_public_pages_do_not(client):
    assert client.get(reverse("about-data")).status_code == 200
    assert client.get(reverse("login")).status_code == 200


def test_sign_in_with_a_password_then_sign_out(client, make_user):
    make_user("commissioner")
    response = client.post(
        reverse("login"), {"username": "commissioner", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "As commissioner" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_says_what_to_do(client, make_user):
    make_user("commissioner")
    response = client.post(reverse("login"), {"username": "commissioner", "password": "nope"})
    assert "Enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        ("commissioner", "decide what services are provided", "Review the audit trail"),
        ("quality_lead", "assure the quality", "Review the audit trail"),
        ("auditor", "Review the audit trail", "decide what services"),
        ("budget_holder", "personal health budget", "Review the audit trail"),
    ],
)
def test_each_role_has_its_own_home_page(signed_in, role, expected, absent):
    page = signed_in(role).get(reverse("home")).content.decode()
    assert expected in page
    assert absent not in page


def test_directory_finds_mid_staffordshire_by_name_and_code(signed_in, trusts):
    client = signed_in("commissioner")
    by_name = client.get(reverse("directory"), {"q": "mid staffordshire"}).content.decode()
    assert "Mid Staffordshire NHS Foundation Trust" in by_name
    assert "1 organisation found" in by_name
    by_code = client.get(reverse("directory"), {"q": "rjd"}).content.decode()
    assert "Mid Staffordshire NHS Foundation Trust" in by_code


def test_directory_htmx_request_returns_only_the_results(signed_in, trusts):
    client = signed_in("commissioner")
    partial = client.get(reverse("directory"), {"q": "RJD"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "Mid Staffordshire" in partial.content.decode()


def test_organisation_page_shows_activity_and_exports_csv(signed_in, trusts, reference_dir):
    ingest_file("ae", reference_dir / "ae_attendances.csv", SYSTEM)
    client = signed_in("quality_lead")
    page = client.get(reverse("organisation", args=["RJE"])).content.decode()
    assert "University Hospitals of North Midlands NHS Trust" in page
    assert "A&amp;E attendances" in page and "March 2019" in page
    csv = client.get(reverse("organisation-ae-csv", args=["RJE"]))
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert "Open Government Licence" in lines[1]
    assert lines[2].startswith("period,org_code,attendances")
    assert len(lines) == 3 + 36  # 36 months, April 2016 to March 2019
    first = lines[3].split(",")
    assert first[0] == "2016-04-01"
    att, breaches = int(first[2]), int(first[3])
    assert first[5] == f"{100 * (att - breaches) / att:.1f}"


def test_budget_holder_sees_no_activity(signed_in, trusts, reference_dir):
    ingest_file("ae", reference_dir / "ae_attendances.csv", SYSTEM)
    client = signed_in("budget_holder")
    page = client.get(reverse("organisation", args=["RJE"])).content.decode()
    assert "A&amp;E attendances" not in page
    assert client.get(reverse("organisation-ae-csv", args=["RJE"])).status_code == 403


def test_unknown_organisation_is_404(signed_in):
    assert signed_in("commissioner").get(reverse("organisation", args=["ZZZ99"])).status_code == 404


def test_audit_trail_is_for_auditors(signed_in, trusts):
    assert signed_in("commissioner").get(reverse("audit")).status_code == 403


def test_auditor_sees_revisions_and_checks_the_chain(client, make_user, trusts):
    client.force_login(make_user("auditor"))
    page = client.get(reverse("audit"), {"verify": "1"}).content.decode()
    assert "The audit trail is intact" in page
    assert "242 records checked" in page  # 241 trusts and the ingest itself


def test_static_frontend_is_served_locally(client):
    from django.contrib.staticfiles import finders

    css = finders.find("build/nhsuk-frontend.css")
    assert css and finders.find("htmx/htmx.min.js")
    page = client.get(reverse("login")).content.decode()
    assert "/static/build/nhsuk-frontend.css" in page
    assert "https://" not in page.split("<body")[0]  # nothing in <head> loads from elsewhere
    # The NHS.UK frontend's own CSS loads its fonts from assets.nhs.uk; ours loads nothing
    # from anywhere else, and every image it names is one of our static files.
    text = Path(css).read_text()
    assert "assets.nhs.uk" not in text and "@font-face" not in text
    for url in re.findall(r'url\("?(/static/[^")]+)', text):
        assert finders.find(url.removeprefix("/static/")), url


def test_synthetic_spells_are_shown_and_exported(signed_in, trusts, settings, tmp_path):
    from commissioning.engine.synth import (
        SynthConfig,
        generate,
        load_age_sex_structure,
        load_providers,
    )
    from tests.conftest import REFERENCE

    providers = load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv")
    age_sex = load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv")
    generate(
        SynthConfig(spells_per_year=20_000, years=1, seed=2, areas=300),
        providers,
        age_sex,
        tmp_path,
    )
    settings.SYNTH_DIR = tmp_path
    client = signed_in("quality_lead")
    page = client.get(reverse("organisation", args=["RJE"])).content.decode()
    assert "Hospital spells in the synthetic economy" in page
    lines = (
        client.get(reverse("organisation-synthetic-csv", args=["RJE"]))
        .content.decode()
        .splitlines()
    )
    assert "SYNTHETIC" in lines[0]
    year, code, spells, deaths, rate = lines[3].split(",")
    import polars as pl

    truth = pl.read_parquet(tmp_path / "spells" / "*.parquet").filter(
        pl.col("provider_code").cast(pl.Utf8) == "RJE"
    )
    assert (year, code) == ("2021-22", "RJE")
    assert int(spells) == truth.height and int(deaths) == truth["died_30d"].sum()
    assert float(rate) == pytest.approx(int(deaths) / int(spells), abs=1e-6)
    assert f"{int(spells):,}" in page  # the page shows the same figure, formatted


def test_directory_results_export_as_csv_with_the_same_filters(signed_in, trusts):
    client = signed_in("commissioner")
    page = client.get(reverse("directory"), {"q": "staffordshire"}).content.decode()
    assert "Download all 4 as CSV" in page
    export = client.get(reverse("directory-csv"), {"q": "staffordshire"})
    rows = export.content.decode().splitlines()
    assert rows[1].startswith("ods_code,name,type")
    body = rows[2:]
    assert len(body) == 4
    assert any(
        r.startswith("RJD,Mid Staffordshire NHS Foundation Trust,NHS foundation trust")
        for r in body
    )
    real = client.get(reverse("directory-csv"), {"closed": "1", "synthetic": "0"})
    assert len(real.content.decode().splitlines()) - 2 == 241  # every trust, open or closed


def test_audit_trail_names_records_as_people_do(client, make_user, trusts):
    client.force_login(make_user("auditor"))
    page = client.get(reverse("audit")).content.decode()
    assert "Recorded ingested file: NHS trusts (ODS etr): nhs_trusts.csv" in page
    assert "Created organisation: " in page
    assert "organisations.organisation" in page  # only as the filter's value
    assert ">Organisation</option>" in page
    # Issue 18: the entries read as a document (audit.readable), not as database fields.
    table = page.split('<tbody class="nhsuk-table__body">')[1].split("</tbody>")[0]
    text = re.sub(r"<[^>]+>", " ", table)
    codes = re.findall(r"\b[a-z]+_[a-z_]+\b(?!\.)", text)  # a file's name may have one
    assert codes == [], codes
    assert "<li>Type: NHS foundation trust</li>" in table and "<li>ODS code: R" in table


def test_a_page_reads_the_users_memberships_once(client, make_user, trusts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("quality_lead"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("organisation", args=["RJE"]))
    assert page.status_code == 200
    membership_reads = [q for q in ctx.captured_queries if "membership" in q["sql"]]
    assert len(membership_reads) == 1
