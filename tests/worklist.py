"""Following a work item as its reader does: its page answers them, and an item to do finds on
that page the button or link it names (``Item.action``): the promise the home page makes
("each item one click from being done"), checked wherever a queue is tested."""

from __future__ import annotations

import html
import re

CONTROL = re.compile(r"<(button|a)\b[^>]*>(.*?)</\1>", re.S)


def controls(body: str) -> list[str]:
    """The visible text of every button and link on a page."""
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
        for _, inner in CONTROL.findall(body)
    ]


def follow(client, item) -> None:
    """Open the item's page as the signed-in client; an item to do must offer its action."""
    response = client.get(item.url)
    assert response.status_code == 200, (item.title, item.url, response.status_code)
    if item.action and not item.waiting_on:
        found = controls(response.content.decode())
        assert any(item.action in text for text in found), (
            f"{item.title!r}: no {item.action!r} on {item.url}; the page offers {found[:40]}"
        )
