"""The ledger's part of an anchor (``commissioning.audit.anchor``): every account's chain head,
and what no longer matches an anchored one."""

from __future__ import annotations

from .models import Account, Posting


def chain_heads() -> dict:
    return {
        code: [seq, chain]
        for code, seq, chain in Account.objects.order_by("code").values_list(
            "code", "chain_seq", "chain_hash"
        )
        if seq
    }


def anchored_problems(anchored: dict) -> list[str]:
    """Every anchored account is still there, and the posting at its anchored head is the one
    anchored (with ``ledger verify``'s check of every link, nothing before it changed)."""
    problems = []
    links = {
        (code, seq): chain
        for code, seq, chain in Posting.objects.filter(account__code__in=list(anchored))
        .values_list("account__code", "seq", "chain")
        .iterator(chunk_size=5000)
        if anchored[code][0] == seq
    }
    for code, (seq, chain) in sorted(anchored.items()):
        found = links.get((code, seq))
        if found is None:
            problems.append(f"ledger account {code}: posting {seq} of its chain, anchored, is no "
                            "longer there (transactions were deleted)")  # fmt: skip
        elif found != chain:
            problems.append(f"ledger account {code}: posting {seq} is not the one anchored (its "
                            "chain was rewritten)")  # fmt: skip
    return problems
