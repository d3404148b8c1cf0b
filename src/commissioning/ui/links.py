"""Links to another app's pages, made only for people who may open them.

A page often links to an object another app owns (a quality case to its contract, a contract to
the decision that awarded it). The app that owns the page the link leads to registers, in its
``AppConfig.ready``, who may open it — the same policy its view asks — and templates build the
link with ``{% href_for "contract" case.contract as url %}``: an empty string where the reader
may not follow it, so the page shows the words without the link. The route matrix
(``tests/integration/security/test_every_route.py``) follows every link on every page as every
account, so a link that would be refused fails it whatever made it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Opener:
    may_open: Callable[[object, object], bool]
    args: Callable[[object], Sequence] = lambda obj: [obj.pk]  # type: ignore[attr-defined]


_OPENERS: dict[str, Opener] = {}


def register(url_name: str, may_open: Callable[[object, object], bool], args=None) -> None:
    _OPENERS[url_name] = Opener(may_open, args) if args else Opener(may_open)


def href_for(user, url_name: str, obj) -> str:
    """The URL of ``obj``'s page named ``url_name`` if ``user`` may open it, else ``""``."""
    opener = _OPENERS.get(url_name)
    if obj is None or opener is None or not opener.may_open(user, obj):
        return ""
    return reverse(url_name, args=list(opener.args(obj)))
