"""What the public register may not say (issue 20; docs/decisions.md 057): a value the
commissioner marks commercially confidential is withheld, with its reason, from every notice,
the register's pages, its CSV and the OCDS record (which still validates); the names of the
people who took part and their contact details are redacted from what is published."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from commissioning.ocds.validate import problems as validate
from commissioning.selection import services as sel
from commissioning.selection.models import Decision, Notice
from commissioning.selection.rules.public import PERSONAL, WITHHELD
from tests.cycle import DECISION_DAY, at

pytestmark = pytest.mark.django_db

WHY = "The price is under negotiation with two neighbouring ICBs for the same unit."
RATIONALE = (
    "Highest moderated score; Quality Tester (quality.tester@icb.nhs.uk, 0114 496 0000) "
    "confirmed the network's monitoring advice is adopted."
)


def _decide(cycle, **extra):
    cycle.moderated()
    with at(DECISION_DAY):
        return sel.decide(cycle.process, sel.DecisionInput(
            outcome="award", rationale=RATIONALE, awarded_proposal_ids=(cycle.proposal.pk,),
            advice_considered_ids=(cycle.advice.pk,), **extra), cycle.e.commissioner)  # fmt: skip


def test_withholding_needs_a_reason_and_nothing_is_saved_without_one(cycle):
    with pytest.raises(ValidationError) as refused:
        _decide(cycle, withheld=("value",))
    assert "withheld_reason" in refused.value.message_dict
    assert not Decision.objects.exists()


def test_a_withheld_value_and_redacted_names_everywhere_the_public_reads(cycle):
    decision = _decide(cycle, withheld=("value",), withheld_reason=WHY)
    # Before publishing, the commissioner reads the notice as the public will.
    own = Client()
    own.force_login(cycle.e.commissioner)
    with at(DECISION_DAY):
        page = own.get(f"/decisions/{decision.pk}/").content.decode()
    preview = page[
        page.index("What the notice of intention") : page.index("Publish the notice today")
    ]
    assert f"{WITHHELD}: {WHY}" in preview and "Quality Tester" not in preview
    assert PERSONAL.replace("[", "") in preview
    with at(DECISION_DAY):
        sel.publish_notice(decision, cycle.e.commissioner)
    cycle.decision = decision
    notice = Notice.objects.get(process=cycle.process)
    items = {i["heading"]: i["text"] for i in notice.items}
    assert items["Approximate lifetime value of the contract"] == f"{WITHHELD}: {WHY}"
    reasons = items["Reasons for selecting the provider, with reference to the key criteria"]
    assert "Highest moderated score" in reasons and reasons.count(PERSONAL) == 3
    published = json.dumps(notice.items) + json.dumps(notice.facts)
    for personal in ("Quality Tester", "quality.tester@", "0114 496 0000", "11,000,000",
                     "1100000000"):  # fmt: skip
        assert personal not in published, personal

    anyone = Client()
    for url in ("/register/", f"/register/notices/{notice.pk}/",
                f"/register/processes/{cycle.process.pk}/"):  # fmt: skip
        page = anyone.get(url).content.decode()
        assert "£11,000,000" not in page and "Quality Tester" not in page, url
        assert "Withheld" in page, url
    rows = list(
        csv.DictReader(io.StringIO(anyone.get("/register/notices.csv").getvalue().decode()))
    )
    assert rows[0]["value_pounds"] == "" and rows[0]["value_withheld"] == f"{WITHHELD}: {WHY}"
    record = json.loads(anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert validate(record) == []
    (award,) = record["records"][0]["compiledRelease"]["awards"]
    assert "value" not in award

    # The commissioner's own record keeps everything, and says what the public does not see.
    cycle.e.commissioner.refresh_from_db()
    client = Client()
    client.force_login(cycle.e.commissioner)
    own = client.get(f"/selection/{cycle.process.pk}/record/").content.decode()
    assert "Quality Tester" in own and "commercially confidential" in own


def test_the_withheld_reason_and_the_annual_summary_carry_no_personal_data(cycle):
    why = "Agreed with Commissioner Tester (07700 900123) while prices are negotiated."
    decision = _decide(cycle, withheld=("value",), withheld_reason=why)
    with at(DECISION_DAY):
        sel.publish_notice(decision, cycle.e.commissioner)
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rep = sel.make_representation(
            decision,
            cycle.e.rwe.pk,
            "Our price of £10,500,000 beat £11,000,000; ask Rival Tester.",
            cycle.e.rival,
        )
        sel.respond_to_representation(rep, True, "The scores stand after review.",
                                      cycle.e.commissioner)  # fmt: skip
    anyone = Client()
    csv_text = anyone.get("/register/notices.csv").getvalue().decode()
    page = anyone.get(f"/register/processes/{cycle.process.pk}/").content.decode()
    annual = "".join(
        anyone.get(f"/register/annual/{cycle.e.icb.code}/{year}{end}").content.decode()
        for year in (2025, 2026)
        for end in ("/", ".json")
    )
    for text in (csv_text, page, annual):
        for personal in ("Commissioner Tester", "07700", "Rival Tester", "11,000,000"):
            assert personal not in text, personal
    assert "A representation against the decision to award Hyper-acute stroke unit" in annual
