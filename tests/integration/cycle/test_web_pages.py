"""The cycle's pages, as the people who use them see them, and the forms that drive it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.audit.models import Revision
from commissioning.contracts.models import Contract
from commissioning.selection import services as sel
from commissioning.selection.models import Decision, Proposal, Score
from commissioning.specifications.models import ServiceSpecification
from tests.cycle import AFTER_STANDSTILL, DAY0, DEADLINE, DECISION_DAY, PDF, at, indicator, scores

pytestmark = pytest.mark.django_db


def get(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def post(client, user, url, data, status=302):
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == status, (url, response.status_code, response.content[:2000])
    return response


SPEC_FORM = {
    "commissioner": "",
    "title": "Community diabetes service",
    "service_description": "Structured education and foot protection.",
    "population": "Adults with diabetes",
    "area": "The ICB area",
    "population_size": "",
    "annual_activity": "4000",
    "activity_unit": "people treated",
    "financial_envelope": "£2,500,000",
    "term_months": "36",
}


def test_every_page_of_a_signed_cycle_renders_for_the_commissioner(client, cycle):
    cycle.signed()
    p = cycle.process
    urls = [
        reverse("home"),
        reverse("specifications"),
        reverse("specification", args=[cycle.spec.pk]),
        reverse("advice-request", args=[cycle.advice_request.pk]),
        reverse("selection", args=[p.pk]),
        reverse("evaluation", args=[p.pk]),
        reverse("proposal", args=[cycle.proposal.pk]),
        reverse("decision", args=[cycle.decision.pk]),
        reverse("decision-record", args=[p.pk]),
        reverse("contracts"),
        reverse("contract", args=[cycle.contract.pk]),
    ]
    with at(AFTER_STANDSTILL + dt.timedelta(days=2)):
        pages = [get(client, cycle.e.commissioner, url) for url in urls]
    assert "Service specifications" in pages[0]
    assert "Make and sign the contract" in pages[2] and "Signed" in pages[2]
    assert "rank 1, 80.0%" in pages[5]
    assert "Contract XC001-2026-" in pages[10] and "Quality schedule" in pages[10]


def test_a_specification_written_in_the_browser_needs_every_field_and_saves_nothing_if_wrong(
    client, economy
):
    url = reverse("specification-new")
    assert f'name="commissioner" value="{economy.icb.pk}"' in get(client, economy.commissioner, url)
    form = {**SPEC_FORM, "commissioner": economy.icb.pk}
    bad = {**form, "title": "", "financial_envelope": "twelve million", "term_months": "0"}
    response = post(client, economy.commissioner, url, bad, status=200)
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the name of the service" in page
    assert "Enter an amount in pounds, like 1,250,000 or 1,250,000.50" in page
    assert "Term in months must be 1 or more" in page
    assert not ServiceSpecification.objects.exists()
    response = post(client, economy.commissioner, url, form)
    spec = ServiceSpecification.objects.get()
    assert response["Location"] == reverse("specification", args=[spec.pk])
    assert spec.financial_envelope_pence == 2_500_000_00 and spec.commissioner == economy.icb


def test_an_outcome_that_does_not_improve_is_refused_against_its_field(client, cycle):
    cycle.drafted()
    url = reverse("outcome-new", args=[cycle.spec.pk])
    data = {
        "indicator_id": indicator("4.3").pk,
        "baseline": "77",
        "target": "70",
        "target_date": "2028-03-31",
    }
    with at(DAY0):
        page = post(client, cycle.e.commissioner, url, data, status=200).content.decode()
    assert 'id="id_target-error"' in page
    assert "higher is better, so the target must be above the baseline (77)" in page
    assert cycle.spec.outcomes.count() == 1


def test_the_commissioner_moves_the_specification_through_its_statuses(client, cycle):
    cycle.drafted()
    url = reverse("specification-status", args=[cycle.spec.pk])
    with at(DAY0):
        post(client, cycle.e.commissioner, url, {"status": "consultation"})
        response = client.post(url, {"status": "approved"}, follow=True)
    assert "Ask for clinical advice" in response.content.decode()  # the reason it was refused
    cycle.spec.refresh_from_db()
    assert cycle.spec.status == "consultation"


def test_a_clinical_adviser_answers_with_a_document(client, cycle):
    cycle.consulting()
    url = reverse("advice-request", args=[cycle.advice_request.pk])
    document = SimpleUploadedFile("audit.pdf", PDF, content_type="application/pdf")
    with at(DAY0 + dt.timedelta(days=1)):
        post(
            client,
            cycle.e.clinical_adviser,
            url,
            {
                "recommendation": "support",
                "summary": "Safe with monthly audit.",
                "documents": [document],
            },
        )
    advice = cycle.advice_request.advice
    assert advice.documents.get().filename == "audit.pdf"
    download = get(
        client, cycle.e.commissioner, reverse("document", args=[advice.documents.get().pk])
    )
    assert download.startswith("%PDF")
    get(client, cycle.e.provider, reverse("document", args=[advice.documents.get().pk]), status=403)


def test_a_provider_writes_submits_and_only_sees_its_own_proposal(client, cycle):
    cycle.inviting()
    outcome = cycle.spec.outcomes.get()
    _a_target_decimal_normalize_writes_in_scientific_notation(cycle)
    with at(DAY0 + dt.timedelta(days=5)):
        form = get(client, cycle.e.provider, reverse("proposal-new", args=[cycle.process.pk]))
        assert "From 1,019.5 to 760 (" in form and "7.6E+2" not in form  # issue 18
        post(
            client,
            cycle.e.provider,
            reverse("proposal-new", args=[cycle.process.pk]),
            {
                "provider_id": cycle.e.rje.pk,
                "description": "24/7 unit",
                "capacity": "2000",
                "total_price": "11,000,000",
                f"outcome_{outcome.pk}": "Thrombectomy 24/7",
            },
        )
        proposal = Proposal.objects.get()
        page = get(client, cycle.e.provider, reverse("proposal", args=[proposal.pk]))
        assert "This is a draft" in page
        assert "From 1,019.5 to 760 by" in page and "7.6E+2" not in page
        get(client, cycle.e.commissioner, reverse("proposal", args=[proposal.pk]), status=403)
        post(client, cycle.e.provider, reverse("proposal-submit", args=[proposal.pk]), {})
    proposal.refresh_from_db()
    assert proposal.status == "submitted" and proposal.total_price_pence == 11_000_000_00
    get(client, cycle.e.rival, reverse("proposal", args=[proposal.pk]), status=403)
    assert "24/7 unit" in get(client, cycle.e.commissioner, reverse("proposal", args=[proposal.pk]))


def test_scoring_and_moderation_through_the_forms(client, cycle):
    cycle.declared()
    form = {}
    for criterion in scores(4):
        form[f"{criterion}_score"] = "4"
        form[f"{criterion}_justification"] = "Good"
    with at(DEADLINE + dt.timedelta(days=2)):
        for user in (cycle.e.commissioner, cycle.e.quality_lead):
            for proposal in (cycle.proposal, cycle.rival_proposal):
                post(client, user, reverse("score", args=[proposal.pk]), form)
    assert Score.objects.count() == 20
    moderation = {k.replace("justification", "rationale"): v for k, v in form.items()}
    moderation["value_score"] = "9"
    with at(DEADLINE + dt.timedelta(days=3)):
        page = post(
            client,
            cycle.e.commissioner,
            reverse("moderate", args=[cycle.proposal.pk]),
            moderation,
            status=200,
        ).content.decode()
        assert "Select a valid choice" in page
        moderation["value_score"] = "5"
        post(
            client, cycle.e.commissioner, reverse("moderate", args=[cycle.proposal.pk]), moderation
        )
    assert cycle.proposal.moderated.get(criterion="value").score == 5


def test_the_decision_is_taken_in_the_browser_and_followed_to_the_contract(client, cycle):
    cycle.moderated()
    e = cycle.e
    url = reverse("decide", args=[cycle.process.pk])
    with at(DECISION_DAY):
        page = get(client, e.commissioner, url)
        assert "You hold delegated authority" in page and "up to £20,000,000" in page
        refused = post(
            client,
            e.commissioner,
            url,
            {"outcome": "award", "rationale": "Too short", "awarded": [cycle.rival_proposal.pk]},
            status=200,
        )
        assert "did not score highest" in refused.content.decode()
        assert "Explain the decision in a sentence or more" in refused.content.decode()
        assert not Decision.objects.exists()
        post(
            client,
            e.commissioner,
            url,
            {
                "outcome": "award",
                "awarded": [cycle.proposal.pk],
                "advice_considered": [cycle.advice.pk],
                "rationale": "Highest moderated score, with the network's advice adopted.",
            },
        )
        decision = Decision.objects.get()
        post(client, e.commissioner, reverse("notice-publish", args=[decision.pk]), {})
        page = get(client, e.commissioner, reverse("decision", args=[decision.pk]))
        assert "Thursday 2 April 2026" in page
        assert "Make the contract" not in page
    with at(AFTER_STANDSTILL):
        page = get(client, e.contract_manager, reverse("decision", args=[decision.pk]))
        assert "Make the contract" in page
        post(
            client,
            e.contract_manager,
            reverse("contract-new", args=[decision.pk]),
            {
                "proposal_id": cycle.proposal.pk,
                "form": "full_length",
                "start_date": "2026-05-01",
                "end_date": "2029-04-30",
                "associate_ids": [e.other_icb.pk],
            },
        )
        contract = Contract.objects.get()
        post(client, e.provider, reverse("contract-sign", args=[contract.pk]), {})
        post(client, e.commissioner, reverse("contract-sign", args=[contract.pk]), {})
    contract.refresh_from_db()
    assert contract.status == "signed" and contract.associates == [e.other_icb]
    schedule = client.get(reverse("contract-schedule-csv", args=[contract.pk])).content.decode()
    assert "outcome,effective,1.1," in schedule


DECISION_URLS = ["decide", "notice-publish", "decision-withdraw", "representation-respond"]


@pytest.mark.parametrize("role", ["provider", "clinical_adviser", "provider_clinician", "rival"])
def test_providers_and_clinical_advisers_can_never_take_or_change_a_decision(client, cycle, role):
    cycle.noticed()
    e = cycle.e
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rep = sel.make_representation(cycle.decision, e.rwe.pk, "Price", e.rival)
    user = e.users[role]
    before = (
        Decision.objects.values_list("status", "outcome", "rationale").get(),
        Revision.objects.count(),
    )
    targets = {
        "decide": reverse("decide", args=[cycle.process.pk]),
        "notice-publish": reverse("notice-publish", args=[cycle.decision.pk]),
        "decision-withdraw": reverse("decision-withdraw", args=[cycle.decision.pk]),
        "representation-respond": reverse("representation-respond", args=[rep.pk]),
    }
    data = {
        "outcome": "withdraw",
        "reason": "x",
        "response": "x",
        "rationale": "x" * 40,
        "awarded": [cycle.rival_proposal.pk],
    }
    client.force_login(user)
    with at(DECISION_DAY + dt.timedelta(days=2)):
        for name in DECISION_URLS:
            assert client.get(targets[name]).status_code in (403, 405), name
            assert client.post(targets[name], data).status_code == 403, name
    assert (
        Decision.objects.values_list("status", "outcome", "rationale").get(),
        Revision.objects.count(),
    ) == before


def _a_target_decimal_normalize_writes_in_scientific_notation(cycle):
    """760.000 is stored to three places; ``Decimal.normalize()`` wrote it 7.6E+2 (issue 18)."""
    cycle.spec.outcomes.update(baseline=Decimal("1019.500"), target=Decimal("760.000"))


def test_the_decision_record_prints_and_downloads_as_pdf(client, cycle):
    from pypdf import PdfReader

    cycle.signed()
    _a_target_decimal_normalize_writes_in_scientific_notation(cycle)
    with at(AFTER_STANDSTILL + dt.timedelta(days=2)):
        html = get(client, cycle.e.auditor, reverse("decision-record", args=[cycle.process.pk]))
        client.force_login(cycle.e.quality_lead)
        response = client.get(reverse("decision-record-pdf", args=[cycle.process.pk]))
    assert "no record has been altered or removed" in html
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Decision record under regulation 24",
        "Award a contract",
        "University Hospitals",
        "Cardiovascular Strategic Clinical Network",
        "Conflicts of interest",
        "rank 1, 80.0%",
        "Highest moderated score",
        "Audit trail",
        "£11,000,000",
        "1,019.5",
        "760",
    ):
        assert expected in text, expected
    assert "7.6E+2" not in text and "7.6E+2" not in html
    assert "1,019.5</td>" in html and ">760</td>" in html
    get(client, cycle.e.provider, reverse("decision-record", args=[cycle.process.pk]), status=403)
    get(
        client,
        cycle.e.clinical_adviser,
        reverse("decision-record-pdf", args=[cycle.process.pk]),
        status=403,
    )


def test_the_list_says_where_each_cycle_stands_in_a_fixed_number_of_queries(
    client, cycle, django_assert_max_num_queries
):
    cycle.noticed()
    client.force_login(cycle.e.commissioner)
    with at(DECISION_DAY + dt.timedelta(days=1)), django_assert_max_num_queries(12):
        page = client.get(reverse("specifications")).content.decode()
    assert "Awarded: standstill" in page


@pytest.mark.parametrize(
    ("stage", "day", "label"),
    [
        ("drafted", DAY0, "Draft"),
        ("approved", DAY0, "Approved: choose how to select a provider"),
        ("set_up", DAY0, "Approved: proposals not yet invited"),
        ("inviting", DAY0, "Inviting proposals until 16 Mar 2026"),
        ("proposed", DEADLINE + dt.timedelta(days=1), "Evaluating proposals"),
        ("decided", DECISION_DAY, "Awarded: notice to publish"),
        ("noticed", DECISION_DAY, "Awarded: standstill"),
        ("contracted", AFTER_STANDSTILL, "Contract awaiting signatures"),
        ("signed", AFTER_STANDSTILL, "Contract signed"),
    ],
)
def test_where_each_cycle_stands(cycle, stage, day, label):
    from commissioning.selection.queries.cycle_for_specification import stage_of

    getattr(cycle, stage)()
    spec = ServiceSpecification.objects.get(pk=cycle.spec.pk)
    assert stage_of(spec, day) == label


def test_a_decision_not_to_award_says_so_and_the_steps_end_there(cycle):
    from commissioning.selection.queries.cycle_for_specification import (
        cycle_for_specification,
        stage_of,
    )

    cycle.moderated()
    with at(DECISION_DAY):
        sel.decide(
            cycle.process,
            sel.DecisionInput("not_award", "Neither proposal is affordable."),
            cycle.e.commissioner,
        )
        spec = ServiceSpecification.objects.get(pk=cycle.spec.pk)
        steps = cycle_for_specification(spec, cycle.e.commissioner)
        assert stage_of(spec) == "Do not award"
    assert steps[-1].heading == "Decide" and steps[-1].status == "Do not award"


def test_the_specifications_list_downloads_as_csv_for_a_board_paper(client, cycle):
    cycle.approved()
    client.force_login(cycle.e.finance_lead)
    rows = client.get(reverse("specifications-csv")).content.decode().splitlines()
    assert rows[0].startswith("reference,version,service,commissioner_ods_code,status")
    assert rows[1].startswith(
        f"{cycle.spec.reference},1,Hyper-acute stroke unit,XC001,approved,1800,"
    )
    assert ",12000000.00,36," in rows[1]


def test_the_evaluation_page_of_a_selection_being_set_up_opens(client, cycle):
    """Before proposals are invited there is no deadline: the page says scoring has not
    opened instead of failing to compare today with a missing date."""
    cycle.set_up()
    client.force_login(cycle.e.commissioner)
    response = client.get(reverse("evaluation", args=[cycle.process.pk]))
    assert response.status_code == 200


def test_a_selection_past_its_deadline_no_longer_says_it_is_inviting(client, cycle):
    cycle.inviting()
    client.force_login(cycle.e.commissioner)
    url = reverse("selection", args=[cycle.process.pk])
    with at(DEADLINE):
        assert "Inviting proposals" in client.get(url).content.decode()
    with at(DEADLINE + dt.timedelta(days=1)):
        page = client.get(url).content.decode()
    assert "Proposals closed: evaluating and deciding" in page


def test_the_decision_records_audit_trail_reads_as_a_document(client, cycle):
    """Issue 18: no database field name, internal code or bare id in the audit section."""
    import re

    from pypdf import PdfReader

    cycle.signed()
    with at(AFTER_STANDSTILL + dt.timedelta(days=2)):
        html = get(client, cycle.e.auditor, reverse("decision-record", args=[cycle.process.pk]))
        response = client.get(reverse("decision-record-pdf", args=[cycle.process.pk]))
    audit_html = html.split(">10. Audit trail</h2>")[1]
    pdf = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    audit_pdf = pdf.split("10. Audit trail")[1]
    snake = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
    for text in (audit_html, audit_pdf):
        text = re.sub(r"<[^>]+>", " ", text)
        assert not snake.findall(text), snake.findall(text)[:10]
        assert not re.search(r"\b(on )?proposal \d+\b", text)
        assert "'s proposal" in text or "&#x27;s proposal" in text


def test_moderation_starts_from_the_score_the_evaluators_agree_on(client, cycle):
    """Issue 18: where every evaluator gave the same score, moderation pre-fills it and says
    so; where they differ it is left to choose; either way it can be changed."""
    from commissioning.selection import services as sel

    cycle.declared()
    with at(DEADLINE + dt.timedelta(days=2)):
        for user, value_score in ((cycle.e.commissioner, 2), (cycle.e.quality_lead, 4)):
            given = scores(3)
            given["value"] = sel.CriterionScore(value_score, "Price")
            sel.score_proposal(cycle.proposal, given, user)
    url = reverse("moderate", args=[cycle.proposal.pk])
    with at(DEADLINE + dt.timedelta(days=3)):
        page = get(client, cycle.e.commissioner, url)
        assert page.count("so the moderated score is filled in as 3") == 4
        assert '<option value="3" selected>' in page
        value = page.split('name="value_score"')[1].split("</select>")[0]
        assert "selected" not in value.replace('<option value="" selected>', "")
        moderation = {f"{c}_rationale": "Agreed at moderation" for c in scores(3)}
        moderation |= {f"{c}_score": "3" for c in scores(3)}
        moderation |= {"value_score": "3", "access_score": "5"}  # changed from the agreed 3
        post(client, cycle.e.commissioner, url, moderation)
    assert cycle.proposal.moderated.get(criterion="access").score == 5
    assert cycle.proposal.moderated.get(criterion="value").score == 3


def test_each_refusal_on_the_scoring_form_names_its_criterion(client, cycle):
    """Issue 18: "Give the reason for this score" five times, naming no criterion."""
    cycle.declared()
    form = {f"{c}_score": "3" for c in scores(3)}
    with at(DEADLINE + dt.timedelta(days=2)):
        page = post(
            client, cycle.e.commissioner, reverse("score", args=[cycle.proposal.pk]), form, 200
        ).content.decode()
    from django.utils.html import escape

    from commissioning.selection.rules.evaluation import Criterion

    assert "Give the reason for this score" not in page
    for c in Criterion:
        assert escape(f"Give the reason for the score for {c.label}") in page, c
