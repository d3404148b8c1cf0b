"""The facts that decide a Provider Selection Regime process are declared once, in the rule
(``FACTS``, with the question each is asked as): the service's command carries each, the rule
reads each, the process keeps each, and the form and the API ask each (they are built from the
rule and the command)."""

from __future__ import annotations

import dataclasses

from django.db import models

from commissioning.selection.forms import QUESTIONS
from commissioning.selection.models import SelectionProcess
from commissioning.selection.rules.selection_route import CHANGE_FACTS, FACTS, Circumstances
from commissioning.selection.services import SelectionSetup


def test_the_command_the_rule_the_model_and_the_form_follow_the_facts():
    command = {f.name for f in dataclasses.fields(SelectionSetup)}
    assert set(FACTS) <= command
    rule = {f.name for f in dataclasses.fields(Circumstances)}
    assert rule == (set(FACTS) - set(CHANGE_FACTS)) | {"change"}
    for name in FACTS:
        assert isinstance(SelectionProcess._meta.get_field(name), models.BooleanField), name
    assert QUESTIONS is FACTS
