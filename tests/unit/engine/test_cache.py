"""What the engine derives from its options alone, kept on disk between processes
(engine.cache; decision 068): the early warning's tables."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from commissioning.engine import cache
from commissioning.engine.quality import warning

OPTIONS = (12, 12, warning.BANK, 400, 3)  # a small table: 400 runs
SIMULATE = warning.simulate_table  # the oracle: the simulation, whatever is kept


@pytest.fixture
def directory(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENVIRONMENT, str(tmp_path / "cache"))
    warning.table.cache_clear()
    yield tmp_path / "cache"
    warning.table.cache_clear()


@pytest.fixture
def simulated(monkeypatch):
    """How many times a table is simulated (the simulation itself runs)."""
    calls = []
    real = warning.simulate_table

    def counted(*options):
        calls.append(options)
        return real(*options)

    monkeypatch.setattr(warning, "simulate_table", counted)
    return calls


def _same(table: warning.Table, arrays: dict[str, np.ndarray]) -> bool:
    return all(np.array_equal(getattr(table, name), arrays[name]) for name in arrays)


def test_a_table_is_simulated_once_and_read_afterwards_as_it_was_made(directory, simulated):
    first = warning.table(*OPTIONS)
    assert len(simulated) == 1 and len(list(directory.iterdir())) == 1
    warning.table.cache_clear()  # as a new process
    again = warning.table(*OPTIONS)
    assert len(simulated) == 1  # read, not simulated
    assert _same(again, SIMULATE(*OPTIONS))
    assert _same(first, {"peaks": again.peaks, "slopes": again.slopes,
                         "together": again.together})  # fmt: skip
    # Other options are another table, in a file of their own.
    warning.table(12, None, warning.BANK, 400, 3)
    assert len(simulated) == 2 and len(list(directory.iterdir())) == 2


def test_a_file_cut_short_or_made_otherwise_is_made_afresh_and_replaced(directory, simulated):
    warning.table(*OPTIONS)
    (path,) = directory.iterdir()
    made = path.read_bytes()
    path.write_bytes(made[: len(made) // 2])  # cut short
    warning.table.cache_clear()
    warning.table(*OPTIONS)
    assert len(simulated) == 2 and path.read_bytes() == made
    # Made by another version of the method (its fingerprint differs): not read.
    with np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays[cache.FINGERPRINT] = np.array("another method")
    np.savez(path, **arrays)
    warning.table.cache_clear()
    table = warning.table(*OPTIONS)
    assert len(simulated) == 3 and path.read_bytes() == made
    assert _same(table, SIMULATE(*OPTIONS))
    assert not [p for p in directory.iterdir() if p.suffix == ".tmp"]


def test_arrays_of_another_shape_are_not_read(directory):
    made = {"values": np.arange(6.0)}
    expected = {"values": ((6,), np.dtype(np.float64))}
    cache.arrays("example", (1,), [cache], lambda: made, expected)
    found = cache.arrays("example", (1,), [cache], lambda: {"values": np.ones(6)}, expected)
    np.testing.assert_array_equal(found["values"], np.arange(6.0))  # read
    longer = {"values": ((7,), np.dtype(np.float64))}
    found = cache.arrays("example", (1,), [cache], lambda: {"values": np.ones(7)}, longer)
    np.testing.assert_array_equal(found["values"], np.ones(7))  # made afresh
    with pytest.raises(ValueError, match="values is float64"):
        cache.arrays("example", (2,), [cache], lambda: {"values": np.ones(3)}, longer)


def test_where_the_cache_cannot_be_written_each_process_simulates(tmp_path, monkeypatch,
                                                                 simulated):  # fmt: skip
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv(cache.ENVIRONMENT, str(blocked / "cache"))
    warning.table.cache_clear()
    try:
        table = warning.table(*OPTIONS)
        warning.table.cache_clear()
        warning.table(*OPTIONS)
    finally:
        warning.table.cache_clear()
    assert len(simulated) == 2
    assert _same(table, SIMULATE(*OPTIONS))


def test_the_directory_is_the_users_cache_unless_set(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENVIRONMENT, str(tmp_path))
    assert cache.directory() == tmp_path
    monkeypatch.delenv(cache.ENVIRONMENT)
    assert cache.directory().name == "commissioning"


def test_a_file_of_another_kind_or_claiming_any_size_is_made_afresh(directory, simulated):
    warning.table(*OPTIONS)
    (path,) = directory.iterdir()
    made = path.read_bytes()
    for damage in ("a lone array", "a huge claim"):
        if damage == "a lone array":
            with path.open("wb") as file:
                np.save(file, np.arange(3))
        else:  # the right fingerprint, but a member whose header claims terabytes
            with np.load(path) as stored:
                arrays = {name: stored[name] for name in stored.files}
            with zipfile.ZipFile(path, "w") as archive:
                for name, array in arrays.items():
                    member = io.BytesIO()
                    if name == "together":
                        np.lib.format.write_array_header_1_0(member, {
                            "descr": "<f4", "fortran_order": False,
                            "shape": (len(warning.GRID), 4_000_000_000, 12)})  # fmt: skip
                        member.write(bytes(64))
                    else:
                        np.lib.format.write_array(member, array)
                    archive.writestr(f"{name}.npy", member.getvalue())
        warning.table.cache_clear()
        table = warning.table(*OPTIONS)
        assert path.read_bytes() == made, damage
        assert _same(table, SIMULATE(*OPTIONS)), damage
    assert len(simulated) == 3


def test_files_are_readable_by_all_and_a_dead_writers_leftovers_go(directory, monkeypatch):
    import os
    import time

    directory.mkdir(parents=True)
    other = directory / "early-warning-table-another.npz123.tmp"  # another table's writer
    warning.table(*OPTIONS)
    (path,) = directory.iterdir()
    assert path.stat().st_mode & 0o777 == 0o644
    left = directory / f"{path.name}abc.tmp"
    left.write_bytes(b"half a file")
    os.utime(left, (time.time() - 2 * cache.STALE,) * 2)
    fresh = directory / f"{path.name}def.tmp"
    fresh.write_bytes(b"another writer's, still being written")
    other.write_bytes(b"another table's")
    os.utime(other, (time.time() - 2 * cache.STALE,) * 2)
    path.unlink()
    warning.table.cache_clear()
    warning.table(*OPTIONS)
    assert not left.exists() and fresh.exists() and other.exists()
