"""The ``date`` filter every template uses (``ui/templatetags/dates.py``, a builtin) writes what
Django's own writes, for every format the templates use, for dates and for times in and out of
summer time, and writes it again the same way when asked again."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import Context, Template, defaultfilters
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.ui.templatetags import dates

ZONES = [dt.UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")]
SRC = Path(__file__).resolve().parents[3] / "src" / "commissioning"
# Every format a template gives the filter, read from the templates themselves.
FORMATS = sorted(
    {m for p in SRC.rglob("*.html") for m in re.findall(r'\|date:"([^"]*)"', p.read_text())}
)


def test_the_templates_formats_are_found():
    assert "j F Y" in FORMATS and len(FORMATS) >= 5


def test_the_builtin_stands_in_for_djangos():
    day = dt.date(2027, 1, 31)
    assert Template('{{ d|date:"j F Y" }}').render(Context({"d": day})) == "31 January 2027"
    assert Template("{{ d|date:'j F Y' }}").engine.template_builtins[-1].filters["date"] is (
        dates.date
    )


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
        st.datetimes(
            min_value=dt.datetime(1990, 1, 1),
            max_value=dt.datetime(2060, 12, 31),
            timezones=st.sampled_from(ZONES),
        ),
    ),
    fmt=st.sampled_from([*FORMATS, None, "e O T P"]),
)
def test_the_same_words_as_djangos_filter(value, fmt):
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if fmt != "e O T P" else value
    first, django = _outcome(dates.date, value, fmt), _outcome(defaultfilters.date, value, fmt)
    assert first == django  # the words, or the same refusal (a time format for a date)
    assert _outcome(dates.date, value, fmt) == first  # remembered, the same


def _outcome(write, value, fmt):
    try:
        return write(value, fmt)
    except TypeError as e:
        return ("refused", str(e))


def test_an_instant_is_written_in_its_own_zone():
    """Equal instants in two zones are equal keys to a plain cache: the zone keeps them apart."""
    noon = dt.datetime(2027, 7, 1, 12, 0, tzinfo=dt.UTC)
    in_london = noon.astimezone(ZoneInfo("Europe/London"))
    assert noon == in_london
    assert dates.date(noon, "H:i T") == "12:00 UTC"
    assert dates.date(in_london, "H:i T") == "13:00 BST"


def test_values_that_cannot_be_keys_are_written_as_django_writes_them():
    assert dates.date([], "j F Y") == defaultfilters.date([], "j F Y") == ""
