"""The select widgets NHSForm writes in Python give the HTML Django's own templates give, for
single and multiple choices, groups, the blank choice, attributes and characters to escape."""

from __future__ import annotations

import pytest
from django import forms

from commissioning.ui.forms import NHSForm, Select, SelectMultiple

CHOICES = [
    ("", "None <&>"),
    ('Group "1"', [("a&b", "A & B"), ("c", "C 'x'")]),
    ("d", "D"),
]
ATTRS = [{"id": "x", "class": "nhsuk-select", "required": True, "disabled": False}, None]


@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize(
    ("django_widget", "ours", "value"),
    [(forms.Select, Select, "c"), (forms.SelectMultiple, SelectMultiple, ["a&b", "d"]),
     (forms.Select, Select, None), (forms.SelectMultiple, SelectMultiple, [])],
)  # fmt: skip
def test_the_same_html_as_djangos_templates(django_widget, ours, value, attrs):
    expected = django_widget(choices=CHOICES, attrs={"size": 12}).render("n<", value, attrs)
    assert ours(choices=CHOICES, attrs={"size": 12}).render("n<", value, attrs) == expected


# A blank choice given as None, numbers for values, and a value offered twice (a single choice
# selects only the first option with it; a multiple choice selects both).
ODD = [(None, "Blank"), (1, "One"), (2, "Two"), (1, "One again"), ("G", [(None, "x"), (3, "3")])]


@pytest.mark.parametrize(
    ("django_widget", "ours", "value"),
    [(forms.Select, Select, 1), (forms.SelectMultiple, SelectMultiple, [1, 3]),
     (forms.Select, Select, ""), (forms.SelectMultiple, SelectMultiple, ["None"])],
)  # fmt: skip
def test_the_same_html_for_odd_choices(django_widget, ours, value):
    expected = django_widget(choices=ODD).render("n", value, {"id": "n"})
    assert ours(choices=ODD).render("n", value, {"id": "n"}) == expected


def test_an_nhs_form_uses_them_and_leaves_other_choice_widgets_alone():
    class Form(NHSForm):
        one = forms.ChoiceField(choices=[("a", "A")])
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = Form()
    assert type(form.fields["one"].widget) is Select
    assert type(form.fields["many"].widget) is SelectMultiple
    assert type(form.fields["radio"].widget) is forms.RadioSelect
    assert 'name="one"' in str(form["one"])


@pytest.mark.parametrize(
    ("field", "value"), [(forms.ChoiceField, "c"), (forms.MultipleChoiceField, ["a&b", "d"])]
)
def test_choices_offered_as_they_are_render_and_validate_as_a_plain_list(field, value):
    """``Offered`` choices (already in Django's form) give the same HTML and the same checks as
    the same list given plainly, which Django normalises."""
    from commissioning.ui.forms import Offered

    canonical = [("", "None <&>"), ('Group "1"', [("a&b", "A & B"), ("c", "C 'x'")]), ("d", "D")]

    class Plain(NHSForm):
        x = field()

    class AsTheyAre(NHSForm):
        x = field()

    plain, ours = Plain({"x": value}), AsTheyAre({"x": value})
    plain.fields["x"].choices = canonical
    ours.fields["x"].choices = Offered(canonical)
    assert str(ours["x"]) == str(plain["x"])
    assert ours.is_valid() and plain.is_valid()
    assert ours.cleaned_data == plain.cleaned_data
    wrong = AsTheyAre({"x": "zz" if field is forms.ChoiceField else ["zz"]})
    wrong.fields["x"].choices = Offered(canonical)
    assert not wrong.is_valid() and "x" in wrong.errors
