"""The site's menu, built from entries that each app registers for itself (in its
``AppConfig.ready``), so that the UI kit and the site need not know the apps: an app adds its
page to the menu with the same policy that guards the page, and the menu shows a person only
the links they may follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    """One link in the menu. ``label`` is the text, or a function of the user giving the text
    or ``None`` to leave the link out; ``shown`` says whether the user may follow it."""

    order: int
    url_name: str
    label: str | Callable[[object], str | None]
    shown: Callable[[object], bool] | None = None

    def label_for(self, user) -> str | None:
        if self.shown is not None and not self.shown(user):
            return None
        return self.label(user) if callable(self.label) else self.label


@dataclass(frozen=True)
class Link:
    label: str
    url: str


_ENTRIES: dict[str, Entry] = {}


def register(entry: Entry) -> None:
    """Add (or, registered again under the same URL name, replace) a menu entry."""
    _ENTRIES[entry.url_name] = entry


def entries() -> list[Entry]:
    return sorted(_ENTRIES.values(), key=lambda e: (e.order, e.url_name))


def may_follow(user, url_name: str) -> bool:
    """Whether the menu would show ``user`` the page named ``url_name`` (a page no app has
    registered is not shown): other links to the same pages ask this, not a rule of their own."""
    entry = _ENTRIES.get(url_name)
    return entry is not None and bool(entry.label_for(user))


def links_for(user) -> list[Link]:
    """The menu as this user sees it, in order."""
    links = []
    for entry in entries():
        label = entry.label_for(user)
        if label:
            links.append(Link(label, reverse(entry.url_name)))
    return links
