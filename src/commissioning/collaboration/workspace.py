"""Work of other apps that belongs on the Commissioning together page: personal health
budgets, which may be pooled into integrated budgets, are kept in ``personal_budgets``, an app
above this one. Such an app registers a ``Section`` (in its ``AppConfig.ready``) saying what
to list for a person, with the links that person may follow; this app imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commissioning.ui.navigation import Link


@dataclass(frozen=True)
class Section:
    name: str
    heading: str
    lead: str
    links: Callable[[object], list[Link]]


@dataclass(frozen=True)
class Shown:
    heading: str
    lead: str
    links: list[Link]


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.name] = section


def sections_for(user) -> list[Shown]:
    """The sections with something this person may follow, in the order registered."""
    shown = []
    for section in _SECTIONS.values():
        links = section.links(user)
        if links:
            shown.append(Shown(section.heading, section.lead, links))
    return shown
