"""Fetching is separate from ingesting: a fetcher only lands a file, unchanged, in the landing
area with its checksum; the ingestor reads it from there. Nothing here touches the database.

The platform has no network access at run time, so a fetch copies from a local path: the files
shipped in ``data/reference/`` or a file an operator downloaded (for example the latest ODS
etr.csv from NHS Digital's Organisation Data Service).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from .parsers import KINDS


class UnknownKind(ValueError):
    """A fetch of a kind of file the platform does not ingest: nothing is landed."""


@dataclass(frozen=True)
class FetchedFile:
    path: Path
    sha256: str
    source: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(kind: str, source: Path, landing_dir: Path) -> FetchedFile:
    """Copy ``source`` into ``landing_dir/kind/`` under a name that carries its checksum. A
    kind the platform does not ingest is refused before anything is written."""
    source = Path(source)
    if kind not in KINDS:
        raise UnknownKind(
            f"{source}: {kind!r} is not a kind of file the platform takes (it takes "
            f"{', '.join(KINDS)}); nothing was written"
        )
    if not source.is_file():
        raise FileNotFoundError(f"No file at {source}")
    digest = sha256_of(source)
    target_dir = landing_dir / kind
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{digest[:12]}-{source.name}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return FetchedFile(target, digest, str(source))
