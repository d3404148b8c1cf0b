"""Who may take each primary care decision: the full model x function x role matrix, for
people at the integrated care board, at NHS England, and on the joint committee."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.collaboration import services
from commissioning.collaboration.models import PrimaryCareDecision
from commissioning.collaboration.permissions import Action, can
from commissioning.collaboration.rules.cocommissioning import SHAREABLE, Function, Model
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.vocabulary import Role

pytestmark = pytest.mark.django_db
NOT_COVERED = Function.DISCRETIONARY_PAYMENTS  # the joint committee's arrangement leaves it out
PLACES = ("icb", "nhse", "committee-icb", "committee-nhse")


def expected(model: Model, function: Function, role: Role, place: str) -> bool:
    """The rule as the guidance reads, written out independently of the code."""
    if role is not Role.COMMISSIONER:
        return False
    at_nhse = place.endswith("nhse")
    if function is Function.GP_PERFORMANCE_MANAGEMENT:
        return at_nhse
    if model is Model.DELEGATED:
        return not at_nhse
    if model is Model.GREATER_INVOLVEMENT:
        return at_nhse
    if function is NOT_COVERED:
        return at_nhse
    return place.startswith("committee")


@pytest.fixture
def world(db):
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    nhse = Organisation.objects.create(
        code="Y56", name="NHS England London", org_type="nhse_region"
    )
    other = Organisation.objects.create(code="XC002", name="NHS Other ICB", org_type="icb")
    people = {}
    for role, place in itertools.product(Role, PLACES):
        user = User.objects.create(username=f"{place}-{role.value}")
        org = nhse if place.endswith("nhse") else icb
        Membership.objects.create(user=user, organisation=org, role=role.value)
        people[role, place] = user
    recorder = people[Role.COMMISSIONER, "nhse"]
    committee = [u.pk for (r, p), u in people.items() if p.startswith("committee")]
    arrangements = {}
    for year, model in enumerate(Model, start=2026):
        functions = {Model.JOINT: SHAREABLE - {NOT_COVERED}, Model.DELEGATED: SHAREABLE}
        arrangements[model] = services.record_arrangement(
            services.ArrangementInput(
                icb.pk,
                nhse.pk,
                year,
                model.value,
                [f.value for f in functions.get(model, ())],
                joint_committee=committee if model is Model.JOINT else (),
            ),
            recorder,
        )
    return type(
        "World",
        (),
        {"icb": icb, "nhse": nhse, "other": other, "people": people, "arrangements": arrangements},
    )


def test_the_full_model_function_role_matrix(world):
    checked = 0
    for model, function, role, place in itertools.product(Model, Function, Role, PLACES):
        arrangement = world.arrangements[model]
        user = world.people[role, place]
        allowed = can(user, Action.DECIDE_PRIMARY_CARE, (arrangement, function))
        assert allowed == expected(model, function, role, place), (model, function, role, place)
        checked += 1
    assert checked == 3 * 10 * len(Role) * 4


def test_a_decision_is_recorded_as_the_body_that_took_it(world):
    merger = services.DecisionInput(
        "practice_mergers", "Merger of two practices", "Approved from 1 April"
    )
    delegated = world.arrangements[Model.DELEGATED]
    made = services.decide(delegated, merger, world.people[Role.COMMISSIONER, "icb"])
    assert made.decided_as == "commissioner"
    with pytest.raises(PermissionDenied):
        services.decide(delegated, merger, world.people[Role.COMMISSIONER, "nhse"])
    joint = world.arrangements[Model.JOINT]
    made = services.decide(joint, merger, world.people[Role.COMMISSIONER, "committee-nhse"])
    assert made.decided_as == "joint_committee"


def test_under_greater_involvement_the_consultation_must_be_recorded(world):
    greater = world.arrangements[Model.GREATER_INVOLVEMENT]
    nhse = world.people[Role.COMMISSIONER, "nhse"]
    with pytest.raises(ValidationError) as refused:
        services.decide(
            greater, services.DecisionInput("new_practices", "A new practice", "Agreed"), nhse
        )
    assert "consulted" in refused.value.message_dict["consultation"][0]
    assert not PrimaryCareDecision.objects.exists()
    made = services.decide(
        greater,
        services.DecisionInput(
            "new_practices",
            "A new practice",
            "Agreed",
            "Discussed at the ICB's primary care committee on 3 March",
        ),
        nhse,
    )
    assert made.decided_as == "nhs_england"


def test_arrangements_are_refused_with_the_field_named(world):
    recorder = world.people[Role.COMMISSIONER, "nhse"]
    cherry = services.ArrangementInput(
        world.other.pk, world.nhse.pk, 2026, "delegated", ["practice_mergers"]
    )
    with pytest.raises(ValidationError) as refused:
        services.record_arrangement(cherry, recorder)
    assert "no cherry-picking" in refused.value.message_dict["functions"][0]
    special = services.ArrangementInput(
        world.other.pk,
        world.nhse.pk,
        2026,
        "delegated",
        [f.value for f in SHAREABLE],
        in_special_measures=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.record_arrangement(special, recorder)
    assert "special measures" in refused.value.message_dict["model"][0]
    icb_commissioner = world.people[Role.COMMISSIONER, "icb"]
    fine = services.ArrangementInput(world.other.pk, world.nhse.pk, 2026, "greater_involvement")
    with pytest.raises(PermissionDenied):
        services.record_arrangement(fine, icb_commissioner)


def test_an_arrangement_names_each_bad_field(world):
    recorder = world.people[Role.COMMISSIONER, "nhse"]
    bad = services.ArrangementInput(
        world.nhse.pk,
        world.icb.pk,
        1999,
        "shared",
        ["practice_mergers", "tea"],
        joint_committee=[1],
    )
    with pytest.raises(ValidationError) as refused:
        services.record_arrangement(bad, recorder)
    assert set(refused.value.message_dict) == {
        "commissioner_id",
        "nhs_england_id",
        "model",
        "functions",
        "year_start",
        "joint_committee",
    }
    joint = services.ArrangementInput(
        world.other.pk, world.nhse.pk, 2026, "joint", ["practice_mergers"]
    )
    with pytest.raises(ValidationError) as refused:
        services.record_arrangement(joint, recorder)
    assert "Name the members" in refused.value.message_dict["joint_committee"][0]
    again = services.ArrangementInput(world.icb.pk, world.nhse.pk, 2026, "greater_involvement")
    with pytest.raises(ValidationError, match="already has an arrangement"):
        services.record_arrangement(again, recorder)
