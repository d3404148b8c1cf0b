"""Organisation names as people write them: ODS publishes them in capitals
(``MID STAFFORDSHIRE NHS FOUNDATION TRUST``); pages, documents and the market's rows show them in
proper case through ``tidy_name``. A module of the bottom floor, so that the UI kit's template
filter and the organisations app share the one rule."""

from __future__ import annotations

from functools import lru_cache

_KEEP_UPPER = {"NHS", "ICB", "CCG", "UK", "GP", "PCT", "II", "III", "2GETHER", "ODS"}
_KEEP_LOWER = {"and", "of", "the", "for", "on", "in", "upon", "under", "with", "at"}


@lru_cache(maxsize=8192)  # a page of every NHS trust asks for each name several times
def tidy_name(name: str) -> str:
    """ODS publishes names in capitals; show them as people write them.

    ``tidy_name("MID STAFFORDSHIRE NHS FOUNDATION TRUST")`` gives
    ``"Mid Staffordshire NHS Foundation Trust"``. Names already in mixed case are unchanged.
    """
    if name != name.upper():
        return name
    words = []
    for i, word in enumerate(name.split()):
        if word in _KEEP_UPPER:
            words.append(word)
        elif i and word.lower() in _KEEP_LOWER:
            words.append(word.lower())
        else:
            parts = word.split("-")
            words.append(
                "-".join(
                    part.lower() if j and part.lower() in _KEEP_LOWER else part.capitalize()
                    for j, part in enumerate(parts)
                )
            )
    return " ".join(words)


# What a trust's name says that every trust's name says: dropped where space is short (a chart).
_GENERIC_ENDINGS = (" NHS Foundation Trust", " NHS Trust", " Foundation Trust", " NHS FT")


def short_name(name: str, limit: int = 28) -> str:
    """A name short enough to label a point on a chart: ``"Northern Care Alliance NHS
    Foundation Trust"`` gives ``"Northern Care Alliance"``; a name still longer than ``limit``
    characters is cut at a word and ends with an ellipsis."""
    text = tidy_name(name).strip()
    for ending in _GENERIC_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
            break
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,-") + "…"
