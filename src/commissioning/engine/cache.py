"""Arrays the engine derives from its options alone, never from data, kept on disk between
processes (decision 068).

The early warning's in-control tables are such arrays: simulated from a fixed seed, they are
the same in every run with the same options, and each took 0.2 s of a core in every new
process (every command-line run). They are kept as the compiled loops are (``numba``'s cache):
made on first use, read afterwards.

A file is named by what the arrays are made from (their options) and holds, beside them, a
fingerprint of how they were made: the source of the modules that make them and the versions
of NumPy (whose random streams may change between releases), Numba and the machine. A file
whose fingerprint, arrays, shapes or types differ from what is expected is made afresh and
replaced, so a change of method never reads an old table, and a file per set of options is
all the directory holds. Files are written whole to a temporary name and renamed, so a reader
never sees half a file, whichever process writes. Where the directory cannot be written the
arrays are made in every process, as before.

The directory: ``COMMISSIONING_CACHE_DIR``, else the user's cache directory
(``platformdirs``: ``~/.cache/commissioning`` on Linux).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numba
import numpy as np
import platformdirs
from numpy.lib.npyio import NpzFile

ENVIRONMENT = "COMMISSIONING_CACHE_DIR"
FINGERPRINT = "_made_by"  # the stored array holding how the others were made


def directory() -> Path:
    """Where the engine keeps what it derives from its options alone."""
    configured = os.environ.get(ENVIRONMENT)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("commissioning", appauthor=False))


def fingerprint(modules: Sequence[ModuleType]) -> str:
    """How arrays made by ``modules`` were made: their source and what it runs on."""
    digest = hashlib.sha256()
    for part in (np.__version__, numba.__version__, platform.machine()):
        digest.update(part.encode() + b"\0")
    for module in modules:
        assert module.__file__ is not None, f"{module.__name__} has no source file"
        digest.update(Path(module.__file__).read_bytes() + b"\0")
    return digest.hexdigest()


def arrays(
    name: str,
    options: tuple,
    modules: Sequence[ModuleType],
    make: Callable[[], dict[str, np.ndarray]],
    expected: dict[str, tuple[tuple[int, ...], np.dtype]],
) -> dict[str, np.ndarray]:
    """The arrays ``make()`` gives for ``options``, read from the cache where it holds them as
    ``modules`` now make them (each of the ``expected`` names, with its shape and type), else
    made and kept."""
    key = hashlib.sha256(repr((name, options)).encode()).hexdigest()[:32]
    path = directory() / f"{name}-{key}.npz"
    made_by = fingerprint(modules)
    found = _read(path, made_by, expected)
    if found is not None:
        return found
    made = make()
    for array_name, (shape, dtype) in expected.items():
        array = made[array_name]
        if array.shape != shape or array.dtype != dtype:
            raise ValueError(
                f"{name}: {array_name} is {array.dtype}{array.shape}, not {dtype}{shape}"
            )
    _write(path, made_by, made)
    return made


def _read(
    path: Path, made_by: str, expected: dict[str, tuple[tuple[int, ...], np.dtype]]
) -> dict[str, np.ndarray] | None:
    try:
        stored = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None  # none yet
    except (OSError, ValueError, EOFError, MemoryError, zipfile.BadZipFile):
        return None  # unreadable, cut short or not NumPy's: made afresh
    if not isinstance(stored, NpzFile):  # a lone array
        return None
    with stored:
        if set(stored.files) != {*expected, FINGERPRINT} or stored.zip is None:
            return None
        try:
            if str(stored[FINGERPRINT]) != made_by:
                return None
            found = {}
            for name, (shape, dtype) in expected.items():
                # The member's header first: a damaged one may claim any size.
                with stored.zip.open(f"{name}.npy") as member:
                    version = np.lib.format.read_magic(member)
                    header = (
                        np.lib.format.read_array_header_1_0(member) if version == (1, 0)
                        else np.lib.format.read_array_header_2_0(member)
                    )  # fmt: skip
                if header[0] != shape or np.dtype(header[2]) != dtype:
                    return None
                found[name] = stored[name]
        except (OSError, ValueError, EOFError, KeyError, MemoryError, zipfile.BadZipFile):
            return None
    return found


STALE = 3600  # seconds after which a temporary file left by a process that died is removed


def _write(path: Path, made_by: str, made: dict[str, np.ndarray]) -> None:
    """Kept whole or not at all; a directory that cannot be written keeps nothing. The file is
    readable by all, as the cache files of other tools are (a directory shared between users
    is read by each)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            # Numbers and text only: nothing is pickled.
            arrays: dict[str, Any] = {**made, FINGERPRINT: np.array(made_by)}
            save: Callable[..., None] = np.savez
            save(file, **arrays)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if not isinstance(exc, OSError):
            raise
    # Temporary files of writers that died before renaming theirs.
    now = time.time()
    for left in path.parent.glob(f"{path.name}*.tmp"):
        with contextlib.suppress(OSError):
            if now - left.stat().st_mtime > STALE:
                left.unlink()
