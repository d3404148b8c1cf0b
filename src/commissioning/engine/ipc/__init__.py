"""Integrated Personal Commissioning: who would benefit, from the synthetic economy."""

from .cohort import ASSUMPTIONS, CohortRule, area_probabilities, cohort_by_commissioner

__all__ = ["ASSUMPTIONS", "CohortRule", "area_probabilities", "cohort_by_commissioner"]
