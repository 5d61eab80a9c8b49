"""Every driver's AR(1) fits to its history: :data:`FIT_SPECS` (which data, which years and why),
:func:`driver_fits`, :func:`proposed_fits` and the correlation of their residuals."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .common import DRIVERS, EPIDEMIC_YEARS, _jsonable
from .fit import fit_ar1
from .series import (deposit_rate, employee_fund_spending_per_member_early, excess_over_wages,
                     health_spending_per_person, resident_income_growth, scheme_cost_per_member, wage_growth)


@dataclass(frozen=True)
class FitSpec:
    """Which history a driver is fitted to, over which years, and why."""

    key: str
    driver: str
    label: str
    data: str
    build: object
    start: int
    end: int
    exclude: tuple = ()
    exclude_reason: str = ""
    trend: bool = False
    proposed: bool = False
    note: str = ""


_EPI_REASON = "epidemic years, left to the epidemic component"
_THE = ("total health expenditure (NHC, long series 1998-2024 in simulator/data/china_history.csv) per person "
        "(mean of year-end populations) over the NBS average wage of urban non-private units")

#: every fit that :func:`driver_fits` makes; ``proposed``: the fit the proposed YAML uses
FIT_SPECS = (
    FitSpec("wage_growth", "wage_growth", "wage growth, around a linear trend",
            "NBS average wage of urban non-private units 2000-2024 (simulator/data/china_history.csv; 2011 growth "
            "on the on-post basis across the definition change)", wage_growth, 2001, 2024, trend=True, proposed=True,
            note="the mean fell from 14% (2000s) to 3% (2024); the model's mean is a schedule, so phi and sigma are "
                 "measured around a trend"),
    FitSpec("wage_growth_constant_mean", "wage_growth", "wage growth, constant mean",
            "as above", wage_growth, 2001, 2024,
            note="not used: around a constant mean the deceleration reads as persistence (phi near 1)"),
    FitSpec("resident_income_growth", "resident_income_growth", "disposable income growth",
            "NBS per-capita disposable income of all residents 2013-2024 (simulator/data/china_history.csv)",
            resident_income_growth, 2014, 2024, proposed=True,
            note="11 years: too few to separate a trend from phi; income is not cut by the epidemic component, so "
                 "2020-2022 stay"),
    FitSpec("interest_rate", "interest_rate", "deposit rate (level), year average",
            "PBoC one-year benchmark deposit rate, day-weighted year average 2000-2024 (simulator/data/"
            "china_history.csv from the schedule in china_policy_events.csv)", lambda: deposit_rate("year_avg"),
            2000, 2024, proposed=True,
            note="a level series: log(1 + i) as an AR(1); the benchmark is frozen at 1.5% since 2015-10 while banks' "
                 "listed rates fell to 1.1% (2024)"),
    FitSpec("interest_rate_year_end", "interest_rate", "deposit rate (level), year end",
            "as above, rate in force at the year end", lambda: deposit_rate("year_end"), 2000, 2024),
    FitSpec("excess_cost_growth", "excess_cost_growth", "health spending per person / wage",
            _THE, lambda: excess_over_wages(health_spending_per_person()), 2001, 2024, exclude=EPIDEMIC_YEARS,
            exclude_reason=_EPI_REASON, proposed=True,
            note="crude: contains ageing and disease change, so only phi, sigma and the mean's standard error are "
                 "used; the mean stays as derived in simulator/calibrate_report.py (excess_cost_decomposition)"),
    FitSpec("excess_cost_growth_employee", "excess_cost_growth", "employee cost per member / wage",
            "NHSA benefits table (simulator/data/china_benefits_by_line.csv): employee-scheme gross medical cost "
            "2013-2024 over mean year-end enrollees", lambda: excess_over_wages(scheme_cost_per_member("employee")),
            2014, 2024, exclude=EPIDEMIC_YEARS, exclude_reason=_EPI_REASON,
            note="crude (the member mix ages: the model's retiree-share effect is in the ageing table); 2023 is the "
                 "post-epidemic rebound and the outpatient mutual-aid reform (general outpatient cost +44%)"),
    FitSpec("excess_cost_growth_employee_ex2023", "excess_cost_growth", "employee cost per member / wage, 2023 out",
            "as above", lambda: excess_over_wages(scheme_cost_per_member("employee")), 2014, 2024,
            exclude=EPIDEMIC_YEARS + (2023,),
            exclude_reason=_EPI_REASON + "; 2023: post-epidemic rebound and the outpatient mutual-aid reform"),
    FitSpec("excess_cost_growth_resident", "excess_cost_growth", "resident cost per member / wage",
            "NHSA benefits table: resident-scheme gross medical cost 2019-2024 (after the 2018 merger with the "
            "NRCMS) over mean year-end enrollees", lambda: excess_over_wages(scheme_cost_per_member("resident", 2019)),
            2020, 2024, exclude=EPIDEMIC_YEARS, exclude_reason=_EPI_REASON,
            note="2019-2024 only; outside the epidemic years two growth years remain"),
    FitSpec("excess_cost_growth_resident_with_epidemic", "excess_cost_growth",
            "resident cost per member / wage, epidemic in", "as above",
            lambda: excess_over_wages(scheme_cost_per_member("resident", 2019)),
            2020, 2024, note="epidemic years included, for the order of magnitude only"),
    FitSpec("excess_cost_growth_employee_2000_2006", "excess_cost_growth", "employee fund spending per member / wage",
            "employee-scheme fund expenditure per member 1999-2006 (long series; "
            "simulator/data/china_history.csv uebmi_expenditure_per_member)",
            lambda: excess_over_wages(employee_fund_spending_per_member_early()), 2001, 2006,
            note="the scheme's build-up (members 21 to 157 million): fund-paid, not gross cost; not used"),
)


def _fit_spec(spec: FitSpec) -> dict:
    data = spec.build()
    years = [y for y in sorted(data) if spec.start <= y <= spec.end]
    out = {"key": spec.key, "driver": spec.driver, "label": spec.label, "data": spec.data,
           "requested_period": [spec.start, spec.end], "exclude_reason": spec.exclude_reason if spec.exclude else "",
           "trend": spec.trend, "proposed": spec.proposed, "note": spec.note,
           "values": {int(y): float(data[y]) for y in years}}
    try:
        fit = fit_ar1(years, [data[y] for y in years], spec.exclude, trend=spec.trend, warn=False)
    except ValueError as e:
        used = [y for y in years if y not in spec.exclude]
        out.update(fitted=False, reason=str(e), years_used=used, excluded=[y for y in years if y in spec.exclude],
                   mean=float(np.expm1(np.mean(np.log1p([data[y] for y in used])))) if used else None)
        return out
    out.update(fitted=True, **fit.to_dict())
    return out


@lru_cache(maxsize=None)
def _driver_fits() -> tuple:
    return tuple(_fit_spec(s) for s in FIT_SPECS)


def driver_fits() -> list:
    """Every fit of :data:`FIT_SPECS` as a dict (``fitted: False`` with the reason when a series is
    too short); the same data each call."""
    return copy.deepcopy(list(_driver_fits()))


def proposed_fits() -> dict:
    """``{driver: fit dict}`` of the fits the proposal uses."""
    return {f["driver"]: f for f in driver_fits() if f["proposed"]}


def residual_correlation(fits=None) -> dict:
    """Correlations of the proposed fits' residuals over their common years (information: the
    scenario's correlation matrix is not proposed here); ``{"drivers", "matrix", "n"}``."""
    fits = fits or proposed_fits()
    names = [d for d in DRIVERS if d in fits]
    m = np.eye(len(names))
    nn = np.zeros((len(names), len(names)), dtype=int)
    for i, a in enumerate(names):
        ra = fits[a]["residuals"]
        nn[i, i] = len(ra)
        for j, b in enumerate(names[:i]):
            rb = fits[b]["residuals"]
            common = sorted(set(ra) & set(rb))
            nn[i, j] = nn[j, i] = len(common)
            if len(common) >= 3:
                r = float(np.corrcoef([ra[y] for y in common], [rb[y] for y in common])[0, 1])
            else:
                r = math.nan
            m[i, j] = m[j, i] = r
    return _jsonable({"drivers": names, "matrix": m.tolist(), "n": nn.tolist()})
