"""The population arrays of the base year and the retirement tracks (specification sections 3 and 4).

Persons by single year of age ``a = 0..A-1`` and sex (men, women); central death rates ``m`` per
person-year brought from the table's year to the base year by the improvement rates (fraction a
year); the fertility age pattern (a share per age, each year's row summing to 1); the age-sex shape
of net migration (summing to 1); the share of each age past the statutory retirement age by
calendar year and track (men, women retiring at 50, women at 55).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import layout as L
from ..data import load_fertility_table
from ..errors import ScenarioError
from ..scenario.schema import Scenario


class PopulationArrays(NamedTuple):
    """What :func:`population_arrays` builds (shapes: A ages, S sexes, T projection years)."""

    pop0: np.ndarray       # (A, S) persons at the base year
    m0: np.ndarray         # (A, S) central death rates of the base year, per person-year
    ri: np.ndarray         # (A, S) mortality improvement, fraction a year
    fx: np.ndarray         # (T, A) fertility age pattern, rows sum to 1
    mig_prof: np.ndarray   # (A, S) net migration shape, sums to 1
    track: np.ndarray      # (T+1, 3, A) share past retirement age; row 0 is base-1


def population_arrays(scn: Scenario, years, sched, uncertain, file, warn: list) -> PopulationArrays:
    """The base-year population, mortality, fertility and migration arrays and the retirement
    tracks.  ``sched``/``uncertain`` say whether net migration is ever non-zero (then its age
    profile must be able to carry a net total: :func:`_migration_shape`)."""
    pop = scn.population
    pop0 = pop.base.values.astype(float).copy()
    ri = pop.mortality.improvement.values.astype(float).copy()
    m0 = pop.mortality.base_rates.values * np.exp(-ri * (scn.base_year - pop.mortality.table_year))
    try:
        fx = _fertility_pattern(pop.fertility.age_pattern, years)
    except ValueError as e:
        raise ScenarioError([("population.fertility.age_pattern", str(e), None)], file) from None
    moves = bool(np.any(sched[L.MIG_TOTAL] != 0)) or L.MIG_TOTAL in uncertain
    mig_prof = _migration_shape(pop.migration.age_profile.values.astype(float), moves, file, warn)
    track = _tracks(scn, years)
    return PopulationArrays(pop0, m0, ri, fx, mig_prof, track)


#: a migration profile whose net (signed sum) is below these shares of its gross (sum of absolute
#: values) draws a warning, and below the second stops the run: the profile is divided by its net,
#: so a net of 1% of the gross moves 100 persons in or out for each person of net migration
MIGRATION_NET_GROSS_WARN = 0.25
MIGRATION_NET_GROSS_MIN = 0.05


def _migration_shape(profile, moves: bool, file, warn: list) -> np.ndarray:
    """The age-sex shape of net migration: ``profile`` (A, S, may be signed) over its signed sum.

    A mixed-sign profile (young emigrants, returning middle-aged migrants) is scaled by its net, so
    its gross flows are the net total times gross/net.  The shipped national profile has a net of
    0.63 of its gross.  Below :data:`MIGRATION_NET_GROSS_WARN` the gross flows are several times the
    requested net (a warning), below :data:`MIGRATION_NET_GROSS_MIN` (or a net of zero) the profile
    cannot carry a net total (:class:`ScenarioError`).  ``moves``: the net total is not zero in
    every year (otherwise the profile is never used and not checked).
    """
    gross = float(np.abs(profile).sum())
    net = float(profile.sum())
    if not moves:
        return profile / net if net != 0 else np.zeros_like(profile)
    key = "population.migration.age_profile"
    ratio = abs(net) / gross if gross > 0 else 0.0
    if ratio < MIGRATION_NET_GROSS_MIN:
        what = ("is zero at every age and sex" if gross == 0 else
                f"has a net (signed sum {net:.4g}) of {ratio:.1%} of its gross (sum of absolute values {gross:.4g})")
        raise ScenarioError([(key, f"{what}: it is divided by its net to distribute population.migration.net_total, "
                                   f"so it cannot carry a net total (a net below {MIGRATION_NET_GROSS_MIN:.0%} of the "
                                   "gross would move more than 20 persons in or out per person of net migration); "
                                   "check the signs of its cells", None)], file)
    if ratio < MIGRATION_NET_GROSS_WARN:
        warn.append(f"{key}: its net (signed sum) is {ratio:.0%} of its gross (sum of absolute values), so each person "
                    f"of net migration moves {1 / ratio:.1f} persons in or out (inflow and outflow cells nearly cancel; "
                    "the shipped national profile has 63%); check the signs of its cells")
    return profile / net


def retirement_age(track: str, birth_year):
    """Statutory retirement age by birth year (NPC Standing Committee decision of 2024, in force 2025)."""
    yb = np.asarray(birth_year, dtype=float)
    if track == "men":
        return 60 + np.minimum(36, np.maximum(0, 3 * (yb - 1965) + 2)) / 12
    if track == "women_50":
        return 50 + np.minimum(60, np.maximum(0, 6 * (yb - 1975) + 3.5)) / 12
    if track == "women_55":
        return 55 + np.minimum(36, np.maximum(0, 3 * (yb - 1970) + 2)) / 12
    raise ValueError(track)


def _tracks(scn: Scenario, years):
    """Share past retirement age clip(a + 1 - R(yb), 0, 1) for years base-1..base+H, shape (T+1, 3, A)."""
    cal = np.concatenate([[years[0] - 1], years])
    ages = np.arange(L.N_AGES)
    out = np.empty((cal.shape[0], 3, L.N_AGES))
    ov = scn.membership.retirement_override
    for k, name in enumerate(("men", "women_50", "women_55")):
        yb = cal[:, None] - ages[None, :]
        p = getattr(ov, name)
        R = p.evaluate(yb.ravel()).reshape(yb.shape) if p is not None else retirement_age(name, yb)
        out[:, k, :] = np.clip(ages[None, :] + 1 - R, 0.0, 1.0)
    return out


def _fertility_pattern(name, years):
    if not isinstance(name, str):  # an age profile: the female column, every year
        f = name.values[:, 1]
        return np.broadcast_to(f / f.sum(), (len(years), f.shape[0])).copy()
    tab_years, asfr = load_fertility_table(name)
    # the nearest year of the table (years outside it use its first or last year)
    idx = np.abs(np.asarray(years)[:, None] - tab_years[None, :]).argmin(axis=1)
    fx = asfr[idx]
    sums = fx.sum(axis=1, keepdims=True)
    return fx / np.where(sums > 0, sums, 1.0)
