"""The realised level of care use in the COVID-19 years, for the back-test (specification 2.3 section 11).

The back-test feeds what is known of a past year: realised wages, the policy then in force, and
here the realised epidemic. In 2020-2022 people used less care (wards closed, deferred operations)
and in 2023 they came back; a projection started from an epidemic year calibrates its cost level
to a depressed year and, without this, misses the rebound (the employee scheme's gross cost per
member rose 22% in 2023).

The level is measured on the NHSA 医保数智库 benefit series (gross inpatient cost per enrollee of
each scheme, simulator/data/china_benefits_by_line.csv), not on the fund flows the back-test
checks: for each scheme, the ratio of the year's cost per enrollee to the log-linear path between
the two nearest years of normal use on either side, 2019 and 2023 (the first full year after the
epidemic; from 2024 the model's own DRG/DIP budgets and trends take over, and the 2024 slowdown is
left to them as a check). Inpatient care carries it because no reform touched inpatient cost
sharing in those years; general outpatient use of employees moved with the 2021 outpatient
mutual-aid reform as well, which the demand response (section 7) models separately. The two
schemes' levels are combined with weights equal to their shares of inpatient cost in the later
normal year, since one medical cost index `Cm` (section 5) serves both.

Levels are 1 in normal years; the back-test turns them into realised excess cost growth,
``(1 + ge[t]) = (1 + mean ge[t]) * L[t] / L[t - 1]``, so only their changes matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: the nearest years of normal care use on either side of the epidemic
NORMAL_BEFORE = 2019
NORMAL_AFTER = 2023
SCHEMES = ("employee", "resident")
SOURCE = ("NHSA 医保数智库《2012年-2025年医保待遇享受相关数据》: inpatient total medical cost and enrollees by scheme "
          "(simulator/data/china_benefits_by_line.csv)")


@dataclass(frozen=True)
class CareUseLevels:
    """Care-use levels by year (1 = normal use), combined and by scheme, with their derivation."""

    combined: dict
    by_scheme: dict
    weights: dict
    cost_per_enrollee: dict
    normal_years: tuple

    def level(self, year: int) -> float:
        """The combined level of ``year`` (1 outside the epidemic years)."""
        return self.combined.get(int(year), 1.0)

    def describe(self) -> str:
        parts = ", ".join(f"{y} {v:.3f}" for y, v in sorted(self.combined.items()) if abs(v - 1) > 1e-12)
        schemes = "; ".join(f"{s} " + ", ".join(f"{y} {v:.3f}" for y, v in sorted(lv.items()) if abs(v - 1) > 1e-12)
                            for s, lv in self.by_scheme.items())
        w = ", ".join(f"{s} {x:.2f}" for s, x in self.weights.items())
        a, b = self.normal_years
        return (f"realised care use relative to normal (gross inpatient cost per enrollee against the log-linear path "
                f"{a}-{b}): {parts} ({schemes}; weights {w} from {b} inpatient cost); {SOURCE}")


def care_use_levels(benefits=None, normal_before: int = NORMAL_BEFORE, normal_after: int = NORMAL_AFTER) -> CareUseLevels:
    """Care-use levels of the years between ``normal_before`` and ``normal_after``.

    benefits : callable(scheme, line, measure) -> {year: value}, default the package's NHSA series
        (:func:`simulator.data.history.benefits`); cost in 100 million yuan, enrollees in 10,000 persons.
    """
    if benefits is None:
        from .data.history import benefits
    if not normal_before < normal_after:
        raise ValueError(f"normal years must be increasing, got {normal_before} and {normal_after}")
    per = {}
    by_scheme = {}
    weights = {}
    for scheme in SCHEMES:
        cost = benefits(scheme, "inpatient", "total_cost")
        members = benefits(scheme, "all", "enrollees")
        years = range(normal_before, normal_after + 1)
        missing = [y for y in years if y not in cost or y not in members or members[y] <= 0]
        if missing:
            raise ValueError(f"the NHSA benefit series lacks {scheme} inpatient cost or enrollees for {missing}")
        c = {y: cost[y] / members[y] for y in years}
        per[scheme] = c
        span = normal_after - normal_before
        slope = math.log(c[normal_after] / c[normal_before]) / span
        by_scheme[scheme] = {y: c[y] / (c[normal_before] * math.exp(slope * (y - normal_before))) for y in years}
        weights[scheme] = cost[normal_after]
    total = sum(weights.values())
    weights = {s: w / total for s, w in weights.items()}
    combined = {y: math.exp(sum(weights[s] * math.log(by_scheme[s][y]) for s in SCHEMES))
                for y in range(normal_before, normal_after + 1)}
    return CareUseLevels(combined, by_scheme, weights, per, (normal_before, normal_after))


def realised_excess_growth(mean_growth, levels: CareUseLevels, years) -> dict:
    """Excess cost growth by year that carries the care-use levels: ``(1 + m) * L[t] / L[t-1] - 1``.

    mean_growth : callable(year) -> the scenario's central excess cost growth (fraction per year).
    years : the projected years (the base year excluded: its level is in the calibrated cost).
    """
    return {int(y): (1 + mean_growth(y)) * levels.level(y) / levels.level(y - 1) - 1 for y in years}

