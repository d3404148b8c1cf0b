"""The known model behind the synthetic health economy.

These are *assumptions chosen to look plausible*, not estimates from NHS data: they exist so
that later analytics (SHMI-style risk adjustment, funnel plots, CUSUM) can be checked against a
truth that is known exactly. The shape follows the SHMI methodology's covariates (NHS Digital,
SHMI methodology specification): age band, sex, admission method, diagnosis group, Charlson
comorbidity band, month of admission and year index.
"""

from __future__ import annotations

# Age bands: under 1, 1-4, then five-year bands to 85-89, then 90 and over (20 bands).
AGE_BAND_LABELS: tuple[str, ...] = (
    "0",
    "1-4",
    *(f"{a}-{a + 4}" for a in range(5, 90, 5)),
    "90+",
)
N_AGE_BANDS = len(AGE_BAND_LABELS)


def age_band_of(age: int) -> int:
    """Index into AGE_BAND_LABELS for a single year of age (90 means 90 and over)."""
    if age < 1:
        return 0
    if age < 5:
        return 1
    if age >= 90:
        return N_AGE_BANDS - 1
    return 2 + (age - 5) // 5


# NHS Data Dictionary person-stated-gender codes used in HES: 1 male, 2 female.
SEX_CODES = (1, 2)
SEX_LABELS = ("Male", "Female")
# Admission method grouped as SHMI does: 1 elective, 2 non-elective.
ADMISSION_METHOD_LABELS = {1: "Elective", 2: "Non-elective"}
CHARLSON_BAND_LABELS = ("0", "1-5", "6-10", "11+")
N_CHARLSON_BANDS = len(CHARLSON_BAND_LABELS)
# SHMI groups diagnoses into 142-144 groups; the synthetic economy uses 142 by default.
DEFAULT_DIAGNOSIS_GROUPS = 142

# Relative hospital admission rate per person-year by age band: U-shaped, rising after 50.
ADMISSION_RATE_BY_AGE = (
    0.35, 0.10, 0.05, 0.05, 0.08, 0.10, 0.12, 0.13, 0.12, 0.12,
    0.14, 0.17, 0.21, 0.26, 0.32, 0.40, 0.50, 0.62, 0.75, 0.85,
)  # fmt: skip
# Share of admissions that are elective, by age band.
ELECTIVE_SHARE_BY_AGE = (
    0.05, 0.20, 0.25, 0.25, 0.25, 0.25, 0.28, 0.30, 0.32, 0.34,
    0.36, 0.38, 0.40, 0.40, 0.40, 0.38, 0.34, 0.28, 0.22, 0.18,
)  # fmt: skip
# Admissions per person-year rise by this fraction for each decile more deprived than 10.
DEPRIVATION_ADMISSION_GRADIENT = 0.04
# Seasonal pattern of admissions by calendar month (January first).
ADMISSION_MONTH_WEIGHTS = (1.12, 1.05, 1.03, 1.00, 1.00, 0.97, 0.98, 0.95, 0.97, 1.02, 1.05, 1.10)

# Coefficients of the true logistic model of death within 30 days of discharge (log-odds).
INTERCEPT = -4.3  # gives about 3.5% 30-day mortality overall: an assumption, not from SHMI data
AGE_SLOPE = 0.17  # per age band above the youngest adult band
AGE_INFANT = 0.9  # extra log-odds for age under 1
MALE = 0.12
ELECTIVE = -1.8
CHARLSON = (0.0, 0.55, 1.05, 1.5)
WINTER_MONTHS = (12, 1, 2)
WINTER = 0.10
YEAR_TREND = -0.03  # per year since the first simulated year
DIAGNOSIS_SD = 0.9  # spread of the diagnosis-group effects
PROVIDER_SD = 0.08  # true between-provider variation in quality (log-odds)

# Geography.
PEOPLE_PER_AREA = 1500  # about the size of a lower-layer super output area (LSOA)
AREA_SCATTER_M = 9000.0  # standard deviation of an area's distance from its home provider
CHOICE_NEAREST = 4  # providers a resident might use: the nearest few
CHOICE_DISTANCE_M = 12000.0  # distance decay of provider choice, exp(-d / this)
AREAS_PER_PRACTICE = 7  # about 10,500 registered patients per GP practice
ENGLAND_ICBS = 42  # an assumption: ICBs in England (docs/glossary.md), not from the domain docs
