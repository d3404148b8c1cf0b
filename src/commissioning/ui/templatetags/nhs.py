"""Template helpers: NHS.UK form fields, money, tags for statuses."""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html

from commissioning import money, numbers
from commissioning.names import tidy_name
from commissioning.ui import links

register = template.Library()

TAG_COLOURS = {
    # specifications
    "draft": "grey",
    "consultation": "yellow",
    "approved": "green",
    "retired": "white",
    # selection processes
    "setting_up": "grey",
    "inviting": "blue",
    "decided": "purple",
    "closed": "white",
    # proposals
    "submitted": "green",
    "withdrawn": "white",
    # decisions
    "recorded": "purple",
    "notice_published": "blue",
    # contracts
    "awaiting_signatures": "orange",
    "signed": "green",
    # representations
    "open": "orange",
    "upheld": "green",
    "decision_withdrawn": "red",
    # jobs
    "queued": "grey",
    "running": "blue",
    "done": "green",
    "failed": "red",
    "cancelled": "white",
}


@register.inclusion_tag("ui/forms/field.html")
def nhs_field(field, label_size="s", width=None):
    widget = field.field.widget
    kind = "input"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        kind = "checkboxes"
    elif isinstance(widget, forms.RadioSelect):
        kind = "radios"
    elif isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
    elif isinstance(widget, forms.Textarea):
        kind = "textarea"
    elif isinstance(widget, forms.Select):
        kind = "select"
    elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        kind = "file"
    elif isinstance(widget, forms.HiddenInput):
        kind = "hidden"
    describedby = " ".join(
        x
        for x in (
            f"{field.auto_id}-hint" if field.help_text else "",
            f"{field.auto_id}-error" if field.errors else "",
        )
        if x
    )
    widget_html = ""
    if kind in ("input", "textarea", "select", "file"):
        base = {
            "input": "nhsuk-input",
            "textarea": "nhsuk-textarea",
            "select": "nhsuk-select",
            "file": "nhsuk-file-upload__input",
        }[kind]
        classes = [base, width or widget.attrs.get("class", "")]
        if field.errors and kind != "file":
            classes.append(f"{base}--error")
        attrs = {"class": " ".join(c for c in classes if c)}
        if describedby:
            attrs["aria-describedby"] = describedby
        widget_html = field.as_widget(attrs=attrs)
    return {
        "field": field,
        "kind": kind,
        "label_size": label_size,
        "prefix": getattr(field.field, "prefix", ""),
        "describedby": describedby,
        "widget_html": widget_html,
    }


@register.filter
def pounds(pence) -> str:
    """Integer pence shown as £1,234,567.89 (whole pounds keep no pence: £1,234,567)."""
    return money.pounds(pence)


@register.filter
def figure(value, places=None) -> str:
    """``{{ x|figure }}`` 1,019,893 · ``{{ x|figure:1 }}`` 71.3: exact, grouped (numbers)."""
    return numbers.figure(value, None if places in (None, "") else int(places))


@register.filter
def percent(share, places=1) -> str:
    """``{{ share|percent }}``: 0.0239 as 2.4% (numbers)."""
    return numbers.percent(share, int(places))


@register.filter
def day(value) -> str:
    """``{{ date|day }}``: 3 December 2026 (numbers)."""
    return numbers.day(value)


@register.filter
def org_name(name) -> str:
    """``{{ r.name|org_name }}``: an organisation's name from ODS capitals as people write it
    ("University Hospitals of North Midlands NHS Trust"), for rows that carry only the name;
    where the Organisation is at hand, use its ``display_name``."""
    return "" if name is None else tidy_name(str(name))


@register.simple_tag
def status_tag(value: str, label: str | None = None):
    colour = TAG_COLOURS.get(value, "grey")
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>',
        colour,
        label or value.replace("_", " ").capitalize(),
    )


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.simple_tag(takes_context=True)
def href_for(context, url_name: str, obj) -> str:
    """``{% href_for "contract" case.contract as url %}``: the link if the reader may follow it,
    else "" (ui.links)."""
    return links.href_for(context["request"].user, url_name, obj)
