"""The synthetic health economy around the real acute trusts: small areas, commissioners,
GP practices, provider choice and the true risk model. Everything is drawn from one seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.vq import kmeans2

from . import constants as C
from .config import SynthConfig
from .inputs import Provider

# BNG extent (EPSG:27700), metres.
_EASTING_MAX, _NORTHING_MAX = 700_000.0, 1_300_000.0


@dataclass(frozen=True)
class Economy:
    providers: list[Provider]
    provider_effect: np.ndarray  # true log-odds quality effect per provider
    commissioner_codes: list[str]
    commissioner_names: list[str]
    provider_commissioner: np.ndarray  # index of the commissioner each provider sits in
    area_codes: list[str]
    area_xy: np.ndarray  # (A, 2) easting, northing
    area_commissioner: np.ndarray  # (A,)
    area_practice: np.ndarray  # (A,)
    area_deprivation: np.ndarray  # (A,) decile 1..10
    area_population: np.ndarray  # (A, age bands, 2) persons
    practice_codes: list[str]
    practice_commissioner: np.ndarray
    practice_xy: np.ndarray
    choice_providers: np.ndarray  # (A, K) provider index of the K nearest providers
    choice_probs: np.ndarray  # (A, K) probability a resident's spell goes to each
    diagnosis_freq: np.ndarray  # (2, G) by admission method (elective, non-elective)
    diagnosis_effect: np.ndarray  # (G,)


def _cluster_providers(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    k = min(k, len(xy))
    if k == 1:
        return np.zeros(len(xy), dtype=np.int64)
    _, labels = kmeans2(xy / 1000.0, k, minit="++", seed=rng, iter=50)
    # Renumber compactly (k-means can leave a cluster empty) in order of first appearance.
    _, compact = np.unique(labels, return_inverse=True)
    return compact


def build_economy(config: SynthConfig, providers: list[Provider], age_sex: np.ndarray) -> Economy:
    if not providers:
        raise ValueError("The synthetic economy needs at least one provider with a location")
    rng = np.random.default_rng(config.seed)
    n_prov = len(providers)
    prov_xy = np.array([[p.easting, p.northing] for p in providers])
    size = np.array([p.size for p in providers])

    # Commissioners: providers clustered geographically; each area belongs to the cluster of
    # the provider it was placed around.
    prov_comm = _cluster_providers(prov_xy, config.commissioners, rng)
    n_comm = int(prov_comm.max()) + 1
    commissioner_codes = [f"XC{i + 1:03d}" for i in range(n_comm)]
    commissioner_names = []
    used: dict[str, int] = {}
    for c in range(n_comm):
        members = np.flatnonzero(prov_comm == c)
        biggest = providers[int(members[np.argmax(size[members])])]
        town = (biggest.town or biggest.name).title()
        for joiner in ("On", "Upon", "Under", "Le", "In"):
            town = town.replace(f"-{joiner}-", f"-{joiner.lower()}-")
        used[town] = used.get(town, 0) + 1
        suffix = f" {used[town]}" if used[town] > 1 else ""
        commissioner_names.append(f"NHS Synthetic {town}{suffix} Integrated Care Board")

    # Small areas placed around providers in proportion to their size.
    n_areas = config.n_areas
    home = rng.choice(n_prov, size=n_areas, p=size / size.sum())
    area_xy = prov_xy[home] + rng.normal(0.0, C.AREA_SCATTER_M, size=(n_areas, 2))
    area_xy[:, 0] = np.clip(area_xy[:, 0], 0, _EASTING_MAX)
    area_xy[:, 1] = np.clip(area_xy[:, 1], 0, _NORTHING_MAX)
    area_comm = prov_comm[home]
    deprivation = rng.integers(1, 11, size=n_areas)
    # Each area's age structure varies around England's; more deprived areas are younger.
    shares = rng.dirichlet(age_sex.ravel() * 3000.0, size=n_areas).reshape(n_areas, -1, 2)
    tilt = np.exp(-0.01 * np.outer(10 - deprivation, np.arange(C.N_AGE_BANDS)))
    shares = shares * tilt[:, :, None]
    shares /= shares.sum(axis=(1, 2), keepdims=True)
    totals = np.maximum(200, rng.normal(C.PEOPLE_PER_AREA, 150, size=n_areas)).round()
    population = rng.multinomial(totals.astype(np.int64), shares.reshape(n_areas, -1))
    population = population.reshape(n_areas, C.N_AGE_BANDS, 2)

    # GP practices: neighbouring areas within a commissioner, about seven areas each.
    area_practice = np.empty(n_areas, dtype=np.int64)
    practice_comm: list[int] = []
    practice_xy: list[np.ndarray] = []
    for c in range(n_comm):
        members = np.flatnonzero(area_comm == c)
        order = members[np.lexsort((area_xy[members, 0], area_xy[members, 1] // 4000))]
        for start in range(0, len(order), C.AREAS_PER_PRACTICE):
            group = order[start : start + C.AREAS_PER_PRACTICE]
            area_practice[group] = len(practice_comm)
            practice_comm.append(c)
            practice_xy.append(area_xy[group].mean(axis=0))
    practice_codes = [f"XP{i + 1:05d}" for i in range(len(practice_comm))]

    # Provider choice: the nearest few providers, weighted by size and distance decay.
    k = min(C.CHOICE_NEAREST, n_prov)
    dist = np.sqrt(((area_xy[:, None, :] - prov_xy[None, :, :]) ** 2).sum(axis=2))
    nearest = (
        np.argpartition(dist, k - 1, axis=1)[:, :k]
        if k < n_prov
        else np.tile(np.arange(n_prov), (n_areas, 1))
    )
    d = np.take_along_axis(dist, nearest, axis=1)
    weight = size[nearest] * np.exp(-d / C.CHOICE_DISTANCE_M) + 1e-12
    probs = weight / weight.sum(axis=1, keepdims=True)

    g = config.diagnosis_groups
    diag_freq = np.vstack([rng.dirichlet(np.full(g, 0.8)), rng.dirichlet(np.full(g, 0.8))])
    diag_effect = rng.normal(0.0, C.DIAGNOSIS_SD, size=g)
    diag_effect -= diag_effect.mean()
    provider_effect = rng.normal(0.0, C.PROVIDER_SD, size=n_prov)

    return Economy(
        providers=providers,
        provider_effect=provider_effect,
        commissioner_codes=commissioner_codes,
        commissioner_names=commissioner_names,
        provider_commissioner=prov_comm,
        area_codes=[f"XA{i + 1:06d}" for i in range(n_areas)],
        area_xy=area_xy,
        area_commissioner=area_comm,
        area_practice=area_practice,
        area_deprivation=deprivation,
        area_population=population,
        practice_codes=practice_codes,
        practice_commissioner=np.array(practice_comm, dtype=np.int64),
        practice_xy=np.array(practice_xy),
        choice_providers=nearest,
        choice_probs=probs,
        diagnosis_freq=diag_freq,
        diagnosis_effect=diag_effect,
    )


def true_coefficients(economy: Economy) -> dict:
    """The model every spell's outcome is drawn from, in a form a statistician can check."""
    return {
        "link": "logit",
        "outcome": "death within 30 days of discharge",
        "intercept": C.INTERCEPT,
        "age_band": {label: age_log_odds(i) for i, label in enumerate(C.AGE_BAND_LABELS)},
        "sex": {"1": C.MALE, "2": 0.0},
        "admission_method": {"1": C.ELECTIVE, "2": 0.0},
        "charlson_band": dict(zip(C.CHARLSON_BAND_LABELS, C.CHARLSON, strict=True)),
        "month": {str(m): month_log_odds(m) for m in range(1, 13)},
        "year_index_slope": C.YEAR_TREND,
        "diagnosis_group": {str(i + 1): float(v) for i, v in enumerate(economy.diagnosis_effect)},
        "provider": {
            p.code: float(v)
            for p, v in zip(economy.providers, economy.provider_effect, strict=True)
        },
    }


def age_log_odds(band: int) -> float:
    # Bands 0..4 (under 20) sit at the youngest adult level; risk rises with each band after.
    value = C.AGE_SLOPE * max(0, band - 4) - 1.0
    if band == 0:
        value += C.AGE_INFANT
    return round(value, 6)


def month_log_odds(month: int) -> float:
    return C.WINTER if month in C.WINTER_MONTHS else 0.0
