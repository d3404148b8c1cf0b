"""Shared set-up for the integration tests: the synthetic economy the market tests read."""

from __future__ import annotations

import pytest

from tests.synth import write_economy


@pytest.fixture(scope="session")
def market_synth(tmp_path_factory):
    """A year of 30,000 spells over 600 areas, generated once per session (it is only read)."""
    return write_economy(
        tmp_path_factory.mktemp("market"),
        spells_per_year=30_000, years=1, seed=5, areas=600, diagnosis_groups=3,
    )  # fmt: skip


@pytest.fixture
def market(settings, market_synth, cycle):
    """The economy of ``tests/cycle.py`` with a signed contract, reading ``market_synth``."""
    settings.SYNTH_DIR = market_synth
    return cycle.e, cycle.signed().contract
