"""Form helpers for the NHS.UK design system: styled widgets, money in pounds, and putting a
service's field-level problems against the fields they concern.

Forms only parse what people type (a date, an amount in pounds) into the types a service
command takes; the rules live in the services, which report problems by command field name.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import pretty_name
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from commissioning import money, numbers
from commissioning.validation import date_problem

NON_FIELD = "__all__"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_in_range(value) -> None:
    """Every date typed into a form is within the range the platform records (year 1 passes
    Django's date field, and date arithmetic on it then fails)."""
    problem = date_problem(value)
    if problem:
        raise ValidationError(problem)


def _django_default(field: forms.Field, code: str) -> bool:
    """Whether the field still has Django's own message for ``code`` (none was written)."""
    for cls in type(field).__mro__:
        if code in getattr(cls, "default_error_messages", {}):
            return field.error_messages.get(code) == cls.default_error_messages[code]
    return code not in field.error_messages


def name_the_field(field: forms.Field, name: str = "") -> None:
    """Give every message Django would word generically ("This field is required.", "Ensure
    this value is greater than or equal to 0.") the field's name and, where there is one, its
    limit, as the NHS design system asks: a person told of five problems knows which is which.
    A message a form wrote itself is kept. A field with no label is named as Django labels it
    (``cut_percent`` → "Cut percent")."""
    label = str(field.label or (pretty_name(name) if name else "")).strip()
    if not label:
        return
    what = label[0].lower() + label[1:]
    messages = field.error_messages
    if _django_default(field, "required"):
        choose = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
        if isinstance(field, forms.BooleanField):
            messages["required"] = f"Confirm {what}"
        else:
            messages["required"] = f"{'Choose' if choose else 'Enter'} {what}"
    if _django_default(field, "invalid"):
        if isinstance(field, forms.DateField):
            messages["invalid"] = f"Enter {what} as a date, for example 31/01/2027"
        elif isinstance(field, forms.IntegerField):
            messages["invalid"] = f"Enter {what} as a whole number"
        elif isinstance(field, forms.DecimalField | forms.FloatField):
            messages["invalid"] = f"Enter {what} as a number"
    messages.setdefault("min_value", f"{label} must be %(limit_value)s or more")
    messages.setdefault("max_value", f"{label} must be %(limit_value)s or less")
    messages.setdefault("max_length", f"{label} must be %(limit_value)d characters or fewer")


def _escape(value) -> str:
    """``conditional_escape`` for the options of a select, without its wrappers (a long list
    escapes hundreds of labels): what is already HTML as it is, anything else escaped as Django
    escapes it (``html.escape``, quotes included)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: Mapping) -> str:
    """Django's ``widgets/attrs.html`` in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class _OptionsInPython:
    """A select written in Python, HTML for HTML as Django's templates write it
    (``widgets/select.html``): those render each option through a template of its own, which
    made a page offering every NHS trust twice spend 30 ms on its form."""

    def render(self, name, value, attrs=None, renderer=None):
        # Django's get_context and optgroups, without a dictionary per option: which options
        # are selected is decided as ChoiceWidget.optgroups decides it (a single choice selects
        # only the first option with the value).
        select_attrs = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        if self.allow_multiple_selected:  # type: ignore[attr-defined]
            select_attrs["multiple"] = True
        values = set(self.format_value(value))  # type: ignore[attr-defined]
        multiple = self.allow_multiple_selected  # type: ignore[attr-defined]
        out = [f'<select name="{conditional_escape(name)}"{_attrs(select_attrs)}>']
        has_selected = False
        for option_value, option_label in self.choices:  # type: ignore[attr-defined]
            option_value = "" if option_value is None else option_value
            if isinstance(option_label, list | tuple):
                group_name, options = option_value, option_label
            else:
                group_name, options = None, [(option_value, option_label)]
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for sub_value, sub_label in options:
                selected = (not has_selected or multiple) and str(sub_value) in values
                has_selected |= selected
                out.append(
                    f'\n  <option value="{_escape(sub_value)}"'
                    f"{' selected' if selected else ''}>{_escape(sub_label)}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


class Offered(BaseChoiceIterator):
    """Choices already in the form Django keeps them (``(value, label)`` pairs, a group as
    ``(name, [pairs])``), given to a field as they are: Django normalises a plain list on every
    assignment, item by item (a form built on every request offering every NHS trust twice spent
    a millisecond on it). Django passes a choice iterator through untouched."""

    def __init__(self, choices: list) -> None:
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


class Select(_OptionsInPython, forms.Select):
    """Django's single choice, its options written in Python."""


class SelectMultiple(_OptionsInPython, forms.SelectMultiple):
    """Django's multiple choice, its options written in Python."""


IN_PYTHON = {forms.Select: Select, forms.SelectMultiple: SelectMultiple}


class NotStored(UploadedFile):
    """A file the server could not write to disk while it was uploaded (its disk full, say):
    nothing of it was kept (``config.uploads``). A form says so on the file's field, naming the
    file, whatever else the field would have said, so the form is refused and nothing is saved."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(io.BytesIO(), name, "application/octet-stream", 0)
        self.message = (
            f"{self.name} could not be received: {why}. Nothing was saved. Try again later, "
            "and tell the platform's administrator if it happens again."
        )


class NHSForm(forms.Form):
    """A form whose widgets carry the NHS.UK classes and whose fields render with
    ``{% nhs_field %}``. ``prefix_label`` adds a visible prefix such as £."""

    template_name = "ui/forms/form.html"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            name_the_field(field, name)
            widget = field.widget
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 4)
            if type(widget) in IN_PYTHON:  # the same widget, its options written faster
                widget.__class__ = IN_PYTHON[type(widget)]
            if isinstance(widget, forms.DateInput) and not isinstance(widget, DateInput):
                field.widget = DateInput(widget.attrs)
            if isinstance(field, forms.DateField):
                field.validators.append(_date_in_range)
                field.input_formats = list(numbers.DAY_FORMATS)

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        for name, field in self.fields.items():
            if not isinstance(field, forms.FileField):
                continue
            key = self.add_prefix(name)
            files = self.files
            sent = files.getlist(key) if hasattr(files, "getlist") else [files.get(key)]
            lost = [f for f in sent if isinstance(f, NotStored)]
            if lost:  # the only message that is true of it
                self._errors[name] = self.error_class([lost[0].message], renderer=self.renderer)
                self.cleaned_data.pop(name, None)

    def add_error(self, field, error) -> None:
        """One message per field, as the NHS.UK design system shows errors: the first found (a
        field's own check comes before the form's and the service's), so that a refused value
        is never also told, say, that it is missing."""
        if isinstance(field, str) and field != NON_FIELD:
            if self._errors and self._errors.get(field):
                return
            if not isinstance(error, ValidationError):
                error = ValidationError(error)
            if not hasattr(error, "error_dict") and len(error.error_list) > 1:
                error = error.error_list[0]
        super().add_error(field, error)

    def add_service_errors(self, error: ValidationError, rename: Mapping[str, str] | None = None):
        """Put each problem a service reported against the form field it concerns."""
        rename = rename or {}
        by_field = (
            error.message_dict if hasattr(error, "error_dict") else {NON_FIELD: error.messages}
        )
        for key, messages in by_field.items():
            name = rename.get(key, key)
            if name not in self.fields:
                # ``outcomes.0.target`` -> the first matching field, else the form as a whole
                name = next((f for f in self.fields if key.endswith(f)), None)
            for message in messages:
                self.add_error(name, message)


class MoneyField(forms.CharField):
    """An amount in pounds, typed as people write it (£1,250,000.50), cleaned to integer pence."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "nhsuk-input--width-10"})
    prefix = "£"

    def __init__(
        self, *args, min_pence: int | None = 1, max_pence: int = money.MAX_PENCE, **kwargs
    ):
        self.min_pence = min_pence
        self.max_pence = max_pence
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return money.grouped(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            pence = money.parse(text, max_pence=self.max_pence)
        except money.MoneyError as exc:
            messages = {
                money.MoneyError.TOO_LARGE: f"Enter an amount up to {money.pounds(self.max_pence)}",
                money.MoneyError.FRACTION_OF_A_PENNY: "Enter pounds and pence only: at most two "
                "decimal places",
            }
            raise ValidationError(
                messages.get(
                    exc.reason, "Enter an amount in pounds, like 1,250,000 or 1,250,000.50"
                )
            ) from None
        if self.min_pence is not None and pence < self.min_pence:
            raise ValidationError(
                "Enter an amount greater than zero"
                if self.min_pence == 1
                else "Enter a larger amount"
            )
        return pence
