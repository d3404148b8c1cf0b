"""What is waiting for a person: the home page's work queue, built from what each app says is
waiting (registered in its ``AppConfig.ready``), so that the site need not know the apps.

A source is a function of the signed-in user giving ``Item``s. It decides with the same policy
that guards the page an item links to, so a person is never sent to a page that refuses them
(tested: every item of every demo account is followed). An item is either for the person to do
(``Item.waiting_on`` empty) or something they wait for someone else to do; ``due`` orders the
queue (soonest first, undated last) and puts dates that matter in a list of their own. An item
to do names the button or link that does it on the page it opens (``Item.action``), unless the
page is itself what to read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    title: str  # what to do, as a link: "Score 2 proposals for the hyper-acute stroke service"
    url: str
    detail: str = ""  # one line of context: the organisation, the count, the state
    due: dt.date | None = None
    due_label: str = "Due"  # what the date is: "Due", "Standstill ends", "Review due"
    waiting_on: str = ""  # empty: the person's to do; else who they wait for
    # The button or link on the linked page that does it ("Record your scores"); empty when
    # the page itself is what to read. The browser walk of every home page presses it.
    action: str = ""


@dataclass
class Worklist:
    to_do: list[Item] = field(default_factory=list)
    waiting: list[Item] = field(default_factory=list)

    @property
    def dates(self) -> list[Item]:
        """Everything with a date, soonest first: what the person should have in mind."""
        return sorted((i for i in self.to_do + self.waiting if i.due), key=_order)

    def __len__(self) -> int:
        return len(self.to_do) + len(self.waiting)


Source = Callable[[object], Iterable[Item]]
_SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Add (or, under the same name, replace) a source of waiting work."""
    _SOURCES[name] = source


def _order(item: Item) -> tuple:
    return (item.due is None, item.due or dt.date.max, item.title)


def work_for(user) -> Worklist:
    """Everything waiting for ``user`` and that ``user`` waits for, soonest first."""
    work = Worklist()
    if not getattr(user, "is_authenticated", False):
        return work
    for name in sorted(_SOURCES):
        for item in _SOURCES[name](user):
            (work.waiting if item.waiting_on else work.to_do).append(item)
    work.to_do.sort(key=_order)
    work.waiting.sort(key=_order)
    return work
