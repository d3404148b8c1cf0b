"""Synthetic health economy generator: areas, commissioners, GP practices and hospital spells
around the real acute trusts, with outcomes from a known logistic model (see ``constants``).

Typical use (no Django needed)::

    from commissioning.engine.synth import SynthConfig, generate
    manifest = generate(SynthConfig(spells_per_year=100_000, years=3, seed=1), providers,
                        age_sex, out_dir)
"""

from .config import Injection, SynthConfig
from .economy import Economy, build_economy, true_coefficients
from .generate import generate
from .inputs import Provider, load_age_sex_structure, load_providers

__all__ = [
    "Economy",
    "Injection",
    "Provider",
    "SynthConfig",
    "build_economy",
    "generate",
    "load_age_sex_structure",
    "load_providers",
    "true_coefficients",
]
