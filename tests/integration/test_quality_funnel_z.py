"""Issue 18: the A&E funnel shows, beside each band, the z-score the band was decided on."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from django.urls import reverse

from commissioning.reference.models import AEAttendance

pytestmark = pytest.mark.django_db
MONTH = dt.date(2024, 3, 1)
BANDS = {"Higher than expected": 1, "As expected": 0, "Lower than expected": -1}


@pytest.fixture
def spread(economy):
    """Twenty trusts of 20,000 attendances whose breach rates run from 5% to 45%: far more
    spread than chance, so the limits are widened, and unadjusted z-scores reach about 78."""
    for i in range(20):
        AEAttendance.objects.create(period=MONTH, org_code=f"T{i:02d}", department_type="1",
                                    attendances=20_000, breaches=1_000 + i * 421,
                                    admissions=2_000)  # fmt: skip
    return economy


def _table(html: str) -> list[tuple[float, str, str]]:
    body = html.split('<tbody class="nhsuk-table__body">')[1].split("</tbody>")[0]
    rows = []
    for row in re.findall(r"<tr.*?</tr>", body):
        cells = [re.sub(r"<.*?>", "", c) for c in re.findall(r"<td.*?</td>", row)]
        rows.append((float(cells[3].replace("−", "-").replace(",", "")), cells[4], cells[5]))
    return rows


def _follows(z: float, band: str, critical: float) -> bool:
    # z is shown to two places: a band is explained by it unless it rounds onto the line
    if abs(abs(z) - critical) <= 0.005:
        return True
    return BANDS[band] == (1 if z > critical else -1 if z < -critical else 0)


@pytest.mark.parametrize("od", ["cqc", "spiegelhalter", "none"])
def test_every_band_follows_from_the_z_shown(client, spread, od):
    client.force_login(spread.quality_lead)
    page = client.get(reverse("quality-funnel"),
                      {"month": "2024-03", "overdispersion": od, "scope": "england"})  # fmt: skip
    html = page.content.decode()
    rows = _table(html)
    assert len(rows) == 20
    for z, at_95, at_998 in rows:
        assert _follows(z, at_95, 1.959964) and _follows(z, at_998, 3.090232), (z, at_95, at_998)
    if od == "none":
        assert "z, from the exact limits" in html
        assert max(z for z, _, _ in rows) > 50
    else:
        assert "z, adjusted for overdispersion" in html
        # the adjusted z: no trust is shown tens of standard errors out beside "As expected"
        assert max(abs(z) for z, _, _ in rows) < 5


def test_the_csv_gives_the_z_the_band_was_decided_on_and_says_so(client, spread):
    client.force_login(spread.quality_lead)
    response = client.get(reverse("quality-funnel-csv"), {"month": "2024-03"})
    table = pl.read_csv(response.content)
    assert set(table["z_basis"]) == {"adjusted for overdispersion (additive random effects)"}
    for row in table.iter_rows(named=True):
        assert _follows(row["z"], row["band_95"].capitalize(), 1.959964)
        assert _follows(row["z"], row["band_998"].capitalize(), 3.090232)
    assert table["z_unadjusted"].abs().max() > 50 and table["z"].abs().max() < 5


def test_the_funnel_shows_your_providers_and_the_outliers_first(client, spread, cycle):
    """Issue 18: /quality/ae-funnel/ listed every trust in England (21,800 px); it shows the
    person's providers, then the other trusts outside the 99.8% limits, England on request."""
    AEAttendance.objects.create(period=MONTH, org_code="RJE", department_type="1",
                                attendances=20_000, breaches=5_000, admissions=2_000)  # fmt: skip
    assert cycle.signed().contract.provider.code == "RJE"  # the quality lead's provider
    client.force_login(spread.quality_lead)
    query = {"month": "2024-03", "overdispersion": "cqc"}
    html = client.get(reverse("quality-funnel"), query).content.decode()
    tables = html.split('<tbody class="nhsuk-table__body">')[1:]
    assert "Your providers, most above the average first" in html
    assert "Other trusts outside the 99.8% limits" in html
    yours = [c for c in re.findall(r'href="/quality/ae/(\w+)/"', tables[0].split("</tbody>")[0])]
    assert yours == ["RJE"]
    others = re.findall(r"<tr.*?</tr>", tables[1].split("</tbody>")[0])
    assert 0 < len(others) < 20
    assert all(not r.endswith("As expected</td></tr>") for r in others)  # outside at 99.8%
    assert "Show every trust in England (21)" in html
    every = client.get(reverse("quality-funnel"), {**query, "scope": "england"}).content.decode()
    assert len(re.findall(r"<tr class=\"nhsuk-table__row\"><td", every)) == 21
