"""Anchors: the heads of the platform's hash chains, signed and kept outside the database.

A hash chain proves that nothing before its head was changed, but someone who can write to the
database can delete revisions from the end and wind the head back, or rewrite a chain whole
from some point on. An anchor defeats both: ``commissioning audit anchor`` writes a statement
of every chain's head (the audit trail's, and each ledger account's) signed with an Ed25519
key that is kept off the database server; the auditor keeps the file (for example with the
board papers of the month). ``commissioning audit verify --anchor FILE --public-key KEY``
later checks the signature with the key the auditor holds, then that every anchored head is
still in its chain with the same hash: a truncation or a rewrite since is named.

Chains other than the audit trail (the ledger's) register their heads and their check here,
so this module imports no app above it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .models import ChainHead, Revision

FORMAT = "commissioning-anchor/1"


@dataclass(frozen=True)
class Chain:
    """A chain besides the audit trail: ``heads()`` its heads now (JSON), ``problems(heads)``
    what no longer matches an anchor's heads."""

    name: str
    heads: Callable[[], dict]
    problems: Callable[[dict], list[str]]


CHAINS: dict[str, Chain] = {}


def register(chain: Chain) -> None:
    CHAINS[chain.name] = chain


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def public_key_text(key: Ed25519PublicKey) -> str:
    return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def make_key(path: Path) -> str:
    """A new signing key, written readable by its owner only; returns its public key (give it
    to the auditor, who checks anchors with it)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_key_text(key.public_key())


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def heads() -> dict:
    head = ChainHead.objects.filter(id=1).first()
    out = {"audit": {"seq": head.last_seq if head else 0, "hash": head.last_hash if head else ""}}
    for name, chain in CHAINS.items():
        out[name] = chain.heads()
    return out


def make_anchor(key: Ed25519PrivateKey, now: dt.datetime | None = None) -> dict:
    """The signed statement of every chain's head now."""
    statement = {
        "format": FORMAT,
        "made_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "heads": heads(),
        "public_key": public_key_text(key.public_key()),
    }
    return {"statement": statement, "signature": _b64(key.sign(_canonical(statement)))}


def anchor_problems(document: dict, public_key: str | None = None) -> list[str]:
    """What no longer matches the anchor (empty: every anchored head is still there). The
    signature is checked with ``public_key`` (the key the auditor holds); without it, with the
    key the statement names, which proves only that the file was not edited since it was
    signed."""
    try:
        statement = document["statement"]
        signature = base64.b64decode(document["signature"])
        if statement.get("format") != FORMAT:
            return [f"the file is not an anchor ({FORMAT})"]
        key_text = public_key or statement["public_key"]
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_text))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [f"the file is not a readable anchor ({exc})"]
    try:
        key.verify(signature, _canonical(statement))
    except InvalidSignature:
        return ["the anchor's signature does not match (the file was edited, or it was signed "
                "with another key)"]  # fmt: skip
    if public_key and statement.get("public_key") != public_key:
        return ["the anchor names a different signing key"]
    anchored = statement.get("heads", {})
    problems = []
    audit = anchored.get("audit", {})
    seq = audit.get("seq", 0)
    if seq:
        rev = Revision.objects.filter(seq=seq).first()
        if rev is None:
            problems.append(
                f"audit trail: revision {seq}, anchored on {statement['made_at'][:10]}, is no "
                "longer there (the trail was cut back)"
            )
        elif rev.hash != audit.get("hash"):
            problems.append(
                f"audit trail: revision {seq} is not the one anchored on "
                f"{statement['made_at'][:10]} (the trail was rewritten)"
            )
    for name, chain in CHAINS.items():
        if name in anchored:
            problems.extend(chain.problems(anchored[name]))
    return problems
