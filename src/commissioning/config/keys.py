"""The secret key: the check that refuses a missing or public one in production, and the local
key for a machine that runs the demo or the tests. No Django imports: settings use this."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Keys that have been public (in this repository's history, or Django's template's prefix):
# production refuses them.
PUBLIC_KEYS = frozenset({"insecure-demo-key-set-DJANGO_SECRET_KEY-in-production"})
PUBLIC_PREFIXES = ("django-insecure-",)
MIN_KEY_LENGTH = 50


def local_secret_key(data_dir: Path) -> str:
    """A random key kept in the data directory (readable by its owner only), made on first use:
    for the demo and the tests on one machine. Production sets ``DJANGO_SECRET_KEY``."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    # Written whole to a file of this process's own, then linked into place: another process
    # either finds no key yet or the whole key, never half of one.
    key = secrets.token_urlsafe(64)
    own = path.with_name(f".secret_key.{os.getpid()}")
    fd = os.open(own, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    try:
        os.link(own, path)
    except FileExistsError:  # another process made it meanwhile: use theirs
        key = path.read_text().strip()
    finally:
        own.unlink()
    return key


def key_problem(key: str | None) -> str | None:
    if not key:
        return "DJANGO_SECRET_KEY is not set"
    if key in PUBLIC_KEYS or key.startswith(PUBLIC_PREFIXES):
        return "DJANGO_SECRET_KEY is a key that has been published (the demo's)"
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < 5:
        return f"DJANGO_SECRET_KEY is shorter than {MIN_KEY_LENGTH} characters"
    return None
