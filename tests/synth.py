"""A small synthetic health economy written to a folder, for tests that need spells."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REFERENCE


def write_economy(out: Path, **config) -> Path:
    """``generate`` with the real trusts and England's age structure; ``config`` is passed
    to ``SynthConfig`` (spells_per_year, years, seed, areas, ...)."""
    from commissioning.engine.synth import (
        SynthConfig,
        generate,
        load_age_sex_structure,
        load_providers,
    )

    generate(
        SynthConfig(**config),
        load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv"),
        load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv"),
        out,
    )
    return out
