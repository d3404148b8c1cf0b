"""The ``date`` filter, remembered: Django's own, its answers kept for the dates and formats a
page asks for again. A page lists dozens of dates (a person's payments, the statements, the
notices), and Django's filter parses the format and looks up the language's formats each time
(about 15 microseconds a date); a day and a format written once are written the same way every
time in the same language. Installed as a template builtin (``TEMPLATES`` in settings), so it
stands in for Django's ``date`` in every template; the same words, tested against Django's."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template import defaultfilters
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=8192)
def _remembered(value, arg, language, zone):
    return defaultfilters.date(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's ``date`` filter (``value`` already in local time, as Django passes it)."""
    try:
        # The zone is part of the key: an instant equals itself in every zone, and is written
        # in its own.
        return _remembered(value, arg, get_language(), getattr(value, "tzinfo", None))
    except TypeError:  # a value that cannot be a key (unhashable): as Django writes it
        return defaultfilters.date(value, arg)
