"""Calibrated uncertainty of the economic drivers (specification sections 5 and 13).

Each driver of the economy follows an AR(1) on ``l = log(1 + x)`` (specification section 5):
``l[t] = mu_l[t] + phi * (l[t-1] - mu_l[t-1]) + sigma * eta[t]``. Section 13 asks that
``sigma`` and ``phi`` come from an AR(1) fit to the driver's own history, the sd of an uncertain
mean from the standard error of the historical mean, and that the width of the resulting bands
be checked against history's spread of 10-year growth. This module does both, from the national
series shipped with the package (:mod:`simulator.data.history`; sources in
``simulator/data/SOURCES.md``):

* :func:`fit_ar1` fits one series: OLS of ``l[t]`` on ``l[t-1]`` and a constant (optionally a
  linear trend), with standard errors of ``phi``, ``sigma`` and the mean;
* :func:`driver_fits` fits every driver's history (:data:`FIT_SPECS` says which data, which
  years and why);
* :func:`ageing_effects` computes the model's own ageing effect (the scenario's cost curves on
  the WPP populations in the package), since crude cost per member contains ageing;
* :func:`spread_of_10y_growth` runs the engine and compares the model's 10-year growth of the
  wage, the cost index and resident income with history's rolling 10-year windows;
* :func:`proposed_drivers` turns the fits into ``economy.drivers`` YAML (with ``source:`` texts),
  :func:`proposed_scenario` applies it to a scenario, :func:`report` gathers everything for
  ``fundsim uncertainty`` and :func:`format_report` prints it.

The 10-year comparison is a check, not a target: nothing here tunes a value to match it.

>>> import numpy as np
>>> from simulator.uncertainty import fit_ar1
>>> years = np.arange(2000, 2010)
>>> f = fit_ar1(years, [0.10, 0.12, 0.09, 0.11, 0.10, 0.13, 0.08, 0.11, 0.10, 0.12])
>>> f.n, f.period
(9, (2000, 2009))
"""

from __future__ import annotations

import copy
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..data import history

#: epidemic years: left to the epidemic component (specification section 5), out of the cost fits
EPIDEMIC_YEARS = (2020, 2021, 2022)
#: fewer regression pairs than this: the fit warns that its estimates are imprecise
MIN_PAIRS = 8
#: quantiles of the 10-year comparison
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: the drivers in the kernel's order (simulator.layout)
DRIVERS = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
#: model output variables of the 10-year comparison, and the derived excess index
INDICES = ("average_wage", "medical_cost_index", "resident_income", "excess_index")
INDEX_LABELS = {
    "average_wage": "average wage W",
    "medical_cost_index": "medical cost index Cm",
    "resident_income": "resident income Y",
    "excess_index": "excess index Cm/W",
}


class ShortSeriesWarning(UserWarning):
    """A fit with fewer than :data:`MIN_PAIRS` regression pairs: its standard errors are large."""


# --------------------------------------------------------------------------- one AR(1) fit


@dataclass
class AR1Fit:
    """An AR(1) fit on ``l = log(1 + x)``; rates (``mean``, ``se_mean``) are fractions per year.

    ``n`` is the number of regression pairs ``(l[t-1], l[t])`` (both years present and not
    excluded), ``n_points`` the number of years in the mean; ``period`` the first and last year
    used. ``sigma`` is in log points (``log(1 + x)``), the unit of the kernel's ``sd``.
    """

    years_used: tuple
    pair_years: tuple
    excluded: tuple
    n: int
    n_points: int
    trend: bool
    mean: float
    se_mean: float
    mean_ols: float
    phi: float
    se_phi: float
    sigma: float
    se_sigma: float
    intercept: float
    slope: float | None = None
    se_slope: float | None = None
    mean_end: float | None = None
    residuals: dict = field(default_factory=dict)
    warnings: tuple = ()

    @property
    def period(self) -> tuple:
        return (int(self.years_used[0]), int(self.years_used[-1]))

    def to_dict(self) -> dict:
        d = {"period": list(self.period), "n": self.n, "n_points": self.n_points,
             "years_used": [int(y) for y in self.years_used], "pair_years": [int(y) for y in self.pair_years],
             "excluded": [int(y) for y in self.excluded], "trend": self.trend,
             "mean": self.mean, "se_mean": self.se_mean, "mean_ols": self.mean_ols,
             "phi": self.phi, "se_phi": self.se_phi, "sigma": self.sigma, "se_sigma": self.se_sigma,
             "intercept": self.intercept, "slope": self.slope, "se_slope": self.se_slope, "mean_end": self.mean_end,
             "residuals": {int(y): float(r) for y, r in self.residuals.items()}, "warnings": list(self.warnings)}
        return _jsonable(d)


def fit_ar1(years, growth_rates, exclude=(), *, trend=False, warn=True) -> AR1Fit:
    """Fit ``l[t] = c + phi * l[t-1] (+ d * (t - tbar)) + e[t]`` by OLS, ``l = log(1 + x)``.

    Parameters
    ----------
    years : sequence of int
        Calendar years of the observations (any order; gaps allowed).
    growth_rates : sequence of float
        The driver's values as fractions (a growth rate, or an interest rate for a level series);
        NaN is a missing year. Every finite value must exceed -1.
    exclude : sequence of int
        Years left out (e.g. :data:`EPIDEMIC_YEARS`): out of the mean, and every pair
        ``(t-1, t)`` with either year excluded is out of the regression.
    trend : bool
        Add a linear time trend to the regression: the mean of ``l`` is then a line
        ``a + b * (t - tbar)`` (as the model's mean is a schedule), and ``phi`` and ``sigma``
        measure the deviations from it.

    Returns
    -------
    AR1Fit
        ``phi`` and its OLS standard error; ``sigma`` the residual sd with ``n - k`` degrees of
        freedom (``k`` = 2, or 3 with the trend) and its standard error ``sigma / sqrt(2 (n - k))``;
        ``mean`` the sample mean of ``l`` over the years used, as a growth rate (``expm1``), with
        the standard error of a mean of an autocorrelated series,
        ``sigma / ((1 - phi) sqrt(n_points))`` (delta method to the rate; infinite when
        ``phi >= 1``); ``mean_ols`` the unconditional mean implied by the regression,
        ``expm1(c / (1 - phi))`` (with the trend: the trend line at ``tbar``), and with the trend
        ``slope`` (log points per year), ``mean_end`` (the trend line in the last year used).

    Raises
    ------
    ValueError
        Fewer than ``k + 1`` pairs (no degree of freedom left), mismatched inputs or a value
        not above -1.

    Warns
    -----
    ShortSeriesWarning
        Fewer than :data:`MIN_PAIRS` pairs (unless ``warn=False``; the fit's ``warnings`` says so
        either way).
    """
    yrs = np.asarray(years, dtype=int).ravel()
    x = np.asarray(growth_rates, dtype=float).ravel()
    if yrs.shape != x.shape:
        raise ValueError(f"years ({yrs.size}) and values ({x.size}) differ in length")
    if len(set(yrs.tolist())) != yrs.size:
        raise ValueError("years must not repeat")
    finite = np.isfinite(x)
    if np.any(x[finite] <= -1.0):
        raise ValueError("values must exceed -1 (log(1 + x) is fitted)")
    order = np.argsort(yrs)
    yrs, x, finite = yrs[order], x[order], finite[order]
    excl = set(int(e) for e in exclude)
    present = {int(y): math.log1p(v) for y, v, ok in zip(yrs, x, finite) if ok}
    excluded = tuple(sorted(y for y in excl if y in present))
    used = {y: v for y, v in present.items() if y not in excl}
    pairs = [y for y in sorted(used) if y - 1 in used]
    k = 3 if trend else 2
    n = len(pairs)
    if n < k + 1:
        raise ValueError(f"only {n} pair(s) of consecutive years outside the excluded ones: an AR(1) "
                         f"{'with a trend ' if trend else ''}needs at least {k + 1}")
    ly = np.array([used[y] for y in pairs])
    lag = np.array([used[y - 1] for y in pairs])
    ys_used = np.array(sorted(used))
    tbar = float(ys_used.mean())
    cols = [np.ones(n), lag] + ([np.array(pairs, dtype=float) - tbar] if trend else [])
    X = np.column_stack(cols)
    beta, *_ = np.linalg.lstsq(X, ly, rcond=None)
    resid = ly - X @ beta
    dof = n - k
    s2 = float(resid @ resid) / dof
    sigma = math.sqrt(s2)
    cov = s2 * np.linalg.pinv(X.T @ X)
    c, phi = float(beta[0]), float(beta[1])
    se_phi = math.sqrt(max(cov[1, 1], 0.0))
    se_sigma = sigma / math.sqrt(2.0 * dof)
    lvals = np.array([used[y] for y in ys_used])
    lbar = float(lvals.mean())
    n_points = lvals.size
    if phi < 1.0:
        se_l = sigma / ((1.0 - phi) * math.sqrt(n_points))
        se_mean = math.exp(lbar) * se_l
    else:
        se_mean = math.inf
    slope = se_slope = mean_end = None
    if phi < 1.0:
        if trend:
            d = float(beta[2])
            b = d / (1.0 - phi)
            a = (c - phi * b) / (1.0 - phi)       # the line a + b (t - tbar) solves mu[t] = c + d (t - tbar) + phi mu[t-1]
            mean_ols = math.expm1(a)
            slope = b
            # delta method for b = d / (1 - phi): gradient (d/(1-phi)^2 wrt phi, 1/(1-phi) wrt d)
            g = np.array([0.0, d / (1.0 - phi) ** 2, 1.0 / (1.0 - phi)])
            se_slope = math.sqrt(max(float(g @ cov @ g), 0.0))
            mean_end = math.expm1(a + b * (float(ys_used[-1]) - tbar))
        else:
            mean_ols = math.expm1(c / (1.0 - phi))
    else:
        mean_ols = math.nan
    notes = []
    if n < MIN_PAIRS:
        notes.append(f"only {n} pairs of consecutive years: the estimates are imprecise (see their standard errors)")
    if not -1.0 < phi < 1.0:
        notes.append(f"phi = {phi:.2f} is outside (-1, 1): no stationary mean")
    if warn:
        for msg in notes:
            warnings.warn(msg, ShortSeriesWarning if msg.startswith("only") else UserWarning, stacklevel=2)
    return AR1Fit(years_used=tuple(int(y) for y in ys_used), pair_years=tuple(pairs), excluded=excluded, n=n,
                  n_points=int(n_points), trend=bool(trend), mean=math.expm1(lbar), se_mean=se_mean,
                  mean_ols=mean_ols, phi=phi, se_phi=se_phi, sigma=sigma, se_sigma=se_sigma, intercept=c,
                  slope=slope, se_slope=se_slope, mean_end=mean_end,
                  residuals={int(y): float(r) for y, r in zip(pairs, resid)}, warnings=tuple(notes))


# --------------------------------------------------------------------------- historical series


def wage_growth() -> dict:
    """Average wage growth of urban non-private units ``{year: growth}``, 2001-2024, like for like
    across the 2011 definition change (:func:`simulator.data.history.growth`)."""
    return history.growth("avg_wage_urban_nonprivate")


def resident_income_growth() -> dict:
    """Growth of per-capita disposable income of all residents ``{year: growth}``, 2014-2024 (the
    integrated household survey starts in 2013)."""
    return history.growth("disposable_income_per_capita")


def deposit_rate(kind: str = "year_avg") -> dict:
    """PBoC one-year benchmark deposit rate ``{year: rate}``, 2000-2024: the year's day-weighted
    average (``year_avg``) or the rate at the year end (``year_end``)."""
    return history.series(f"pboc_deposit_rate_1y_{kind}")


def _per_mean_stock(flow: dict, stock: dict) -> dict:
    """``flow[y] / mean(stock[y-1], stock[y])``: a flow of the year over its average stock."""
    return {y: v / (0.5 * (stock[y] + stock[y - 1])) for y, v in flow.items() if y in stock and y - 1 in stock}


def health_spending_per_person() -> dict:
    """Total health expenditure per person ``{year: yuan}``, 1999-2024: THE over the mean of the
    year-end populations of the year and the one before."""
    return _per_mean_stock(history.series("total_health_expenditure"), history.series("population_year_end"))


def scheme_cost_per_member(scheme: str, start: int | None = None) -> dict:
    """Gross medical cost per member of a scheme ``{year: yuan}`` from the benefits table
    (``total_cost`` over the mean of the year-end enrollees of the year and the one before)."""
    cost = history.benefits(scheme, "all", "total_cost")
    members = history.benefits(scheme, "all", "enrollees")
    out = _per_mean_stock(cost, members)
    return {y: v for y, v in out.items() if start is None or y >= start}


def employee_fund_spending_per_member_early() -> dict:
    """Employee-scheme fund expenditure per member ``{year: yuan}``, 1999-2006 (the long series'
    fund was the employee scheme alone)."""
    return history.series("uebmi_expenditure_per_member")


def growth_of(levels: dict) -> dict:
    """``{year: x[year] / x[year - 1] - 1}`` over consecutive years."""
    return {y: levels[y] / levels[y - 1] - 1.0 for y in sorted(levels) if y - 1 in levels}


def excess_over_wages(cost_levels: dict) -> dict:
    """``{year: (1 + cost growth) / (1 + wage growth) - 1}``: growth of cost over the wage, as the
    model's ``Cm[t] = Cm[t-1] (1 + gw) (1 + ge)`` defines excess cost growth."""
    gc = growth_of(cost_levels)
    gw = wage_growth()
    return {y: (1.0 + gc[y]) / (1.0 + gw[y]) - 1.0 for y in sorted(gc) if y in gw}


# --------------------------------------------------------------------------- the fits


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
                 "used; the mean stays as derived in simulator/compile.py"),
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


# --------------------------------------------------------------------------- ageing


def _load_scenario(scenario=None, overrides=()):
    from ..scenario import LoadedScenario, load_scenario
    if isinstance(scenario, LoadedScenario) and not overrides:
        return scenario
    src = scenario.data if isinstance(scenario, LoadedScenario) else scenario
    return load_scenario(src, list(overrides))


def ageing_effects(scenario=None, overrides=()) -> dict:
    """The model's ageing effect on cost per person over the years with WPP populations in the package.

    As :func:`simulator.compile.excess_cost_decomposition` computes it: each scheme's calibrated
    cost curves (``c0 * h``, all lines) on the whole population of two years, weighted by the
    schemes' base-year spending; annualised between the years 2017, 2021, 2022, 2023 and 2024
    (``intervals``), and over 2017-2023 (the decomposition's period: ``check`` holds the
    decomposition's own value). ``employee_mix`` is the employee scheme's member-mix effect
    ``(1 + (R - 1) r[t]) / (1 + (R - 1) r[t-1]) - 1``, ``r`` the retirees' share of members (mean of
    the year-ends, from the reported active/retiree ratio) and ``R`` the model's retiree / employee
    cost ratio (fund-paid; an approximation for gross cost).
    """
    import simulator

    from ..data import load_profile_table

    loaded = _load_scenario(scenario, overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, compiled = simulator.prepare(loaded, paths=1, assumption_set="central")
    cal = compiled.calibration
    c0h = compiled.inputs.c0h.sum(axis=1)   # (scheme, age, sex): all lines
    chk = cal["checks"]
    members = [chk["members.active (mid-year)"]["modelled"] + chk["members.retirees (mid-year)"]["modelled"],
               chk["members.residents (mid-year)"]["modelled"]]
    per_member = [sum(cal["c0_employee_yuan_per_member"].values()), sum(cal["c0_resident_yuan_per_member"].values())]
    spend = np.array([per_member[m] * members[m] for m in range(2)])
    w = spend / spend.sum()
    years = (2017, 2021, 2022, 2023, 2024)
    pops = {y: load_profile_table(f"china_population_{y}") for y in years}

    def index(y):
        return [float((pops[y] * c0h[m]).sum() / pops[y].sum()) for m in range(2)]

    def rate(y0, y1):
        i0, i1 = index(y0), index(y1)
        return float(sum(w[m] * ((i1[m] / i0[m]) ** (1.0 / (y1 - y0)) - 1.0) for m in range(2)))

    intervals = [{"from": a, "to": b, "rate": rate(a, b)} for a, b in zip(years[:-1], years[1:])]
    dec = cal.get("excess_cost_decomposition") or {}
    ratio = history.series("uebmi_active_retiree_ratio")
    R = float(cal["retiree_to_employee_cost_ratio"])
    share = {y: 1.0 / (1.0 + v) for y, v in ratio.items()}
    mix_level = {y: 1.0 + (R - 1.0) * 0.5 * (share[y] + share[y - 1]) for y in share if y - 1 in share}
    mix = {y: mix_level[y] / mix_level[y - 1] - 1.0 for y in mix_level if y - 1 in mix_level and y >= 2014}
    return _jsonable({
        "weights": {"employee": float(w[0]), "resident": float(w[1])},
        "intervals": intervals,
        "period_2017_2023": rate(2017, 2023),
        "period_2017_2024": rate(2017, 2024),
        "check": {"decomposition_period": dec.get("period"), "decomposition_ageing": dec.get("ageing_effect"),
                  "disease_effect": dec.get("disease_effect"), "implied_mean": dec.get("implied_mean"),
                  "historical_excess_in_scenario": dec.get("historical_excess")},
        "employee_mix": {"retiree_cost_ratio": R, "by_year": mix,
                         "mean_2014_2024": float(np.mean(list(mix.values()))) if mix else None},
    })


def excess_history_check(start=2017, end=2023) -> dict:
    """The historical excess of health spending over wages from the package's own data, for the
    period of the scenario's ``excess_cost_history`` (a check on its ``excess_growth`` input)."""
    the = history.series("total_health_expenditure")
    pc = health_spending_per_person()
    wage = history.series("avg_wage_urban_nonprivate")
    n = end - start
    g_the = (the[end] / the[start]) ** (1.0 / n) - 1.0
    g_pc = (pc[end] / pc[start]) ** (1.0 / n) - 1.0
    g_w = (wage[end] / wage[start]) ** (1.0 / n) - 1.0
    return {"period": [start, end], "total_health_expenditure_growth": g_the, "per_person_growth": g_pc,
            "wage_growth": g_w, "excess_total": (1 + g_the) / (1 + g_w) - 1, "excess_per_person": (1 + g_pc) / (1 + g_w) - 1}


# --------------------------------------------------------------------------- 10-year growth


def _quantiles(values) -> dict:
    """Quantiles ``q5 ... q95`` of growth values, and ``sd_log``, the sd of ``log(1 + g)``."""
    v = np.asarray(values, dtype=float)
    out = {f"q{int(round(q * 100))}": float(np.quantile(v, q)) for q in QUANTILES}
    out["sd_log"] = float(np.std(np.log1p(v), ddof=1)) if v.size > 1 else 0.0
    return out


def _detrended(years, l, trend: bool):
    """``l`` minus its least-squares straight line in ``years`` (``trend``) or minus its mean."""
    t = np.asarray(years, dtype=float)
    l = np.asarray(l, dtype=float)
    if trend:
        X = np.column_stack([np.ones_like(t), t - t.mean()])
        beta, *_ = np.linalg.lstsq(X, l, rcond=None)
        return l - X @ beta
    return l - l.mean()


def _window_sums(x, years: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    return c[years:] - c[:-years]


def _trend_deviation_levels() -> dict:
    """``{year: level}``, 2000 = 1: the wage relative to a straight line fitted to ``log(1 + wage
    growth)`` over 2001-2024 (the deceleration taken out)."""
    g = wage_growth()
    ys = [y for y in sorted(g) if y >= 2001]
    dev = _detrended(ys, np.log1p([g[y] for y in ys]), True)
    lv = {2000: 1.0}
    for y, d in zip(ys, np.cumsum(dev)):
        lv[y] = float(math.exp(d))
    return lv


def history_spread_check(key: str = "wage_growth", years: int = 10, reps: int = 2000, seed: int = 1) -> dict:
    """Is history's spread of ``years``-year growth what the fitted AR(1) would have produced?

    The statistic is the sd, over all ``years``-year windows of the fit's span (every year, the
    excluded ones too), of the window's summed ``log(1 + x)`` with its mean removed (with a
    trend fit: with a straight line removed). History's value is set against the same statistic
    in ``reps`` histories of the same length simulated from the fit (``phi``, ``sigma``,
    stationary start). Overlapping windows of one short history understate the spread a model
    path shows; the simulated histories have the same bias, so the comparison is fair.
    """
    spec = next(s for s in FIT_SPECS if s.key == key)
    fit = next(f for f in driver_fits() if f["key"] == key)
    data = spec.build()
    ys = [y for y in sorted(data) if spec.start <= y <= spec.end]
    if ys != list(range(ys[0], ys[-1] + 1)):
        raise ValueError(f"{key}: the series has gaps")
    lh = np.log1p([data[y] for y in ys])
    stat = float(np.std(_window_sums(_detrended(ys, lh, spec.trend), years), ddof=1))
    phi, sig = fit["phi"], fit["sigma"]
    if not -1.0 < phi < 1.0:
        raise ValueError(f"{key}: phi = {phi:.2f} has no stationary distribution")
    rng = np.random.default_rng(seed)
    T = len(ys)
    e = rng.standard_normal((reps, T))
    dev = np.empty((reps, T))
    dev[:, 0] = sig / math.sqrt(1.0 - phi * phi) * e[:, 0]
    for t in range(1, T):
        dev[:, t] = phi * dev[:, t - 1] + sig * e[:, t]
    sims = np.array([np.std(_window_sums(_detrended(ys, d, spec.trend), years), ddof=1) for d in dev])
    return _jsonable({"key": key, "label": spec.label, "span": [ys[0], ys[-1]], "windows": T - years + 1,
                      "history": stat, "reps": reps,
                      "simulated": {f"q{int(round(q * 100))}": float(np.quantile(sims, q)) for q in (0.05, 0.5, 0.95)},
                      "share_of_simulated_below_history": float(np.mean(sims < stat)),
                      "stationary_sd_of_sum": sig / (1.0 - phi) * math.sqrt(years)})


def _windows(levels: dict, years: int) -> list:
    return [[y, y + years, levels[y + years] / levels[y] - 1.0] for y in sorted(levels) if y + years in levels]


def _chain(growth: dict, start: int) -> dict:
    lv = {start: 1.0}
    y = start
    while y + 1 in growth:
        lv[y + 1] = lv[y] * (1.0 + growth[y + 1])
        y += 1
    return lv


def history_10y_growth(years: int = 10) -> dict:
    """History's rolling ``years``-year cumulative growth, every window the data allow.

    ``average_wage``: 2000-2024, chained like for like across the 2011 definition change;
    and the same relative to a straight line fitted to ``log(1 + wage growth)`` (the spread
    without the deceleration); ``resident_income``: 2013-2024; ``medical_cost_index``: health spending per person 1999-2024
    (crude: it contains ageing, which the model's ``Cm`` leaves to the population) and employee
    gross cost per member 2013-2024; ``excess_index``: health spending per person over the wage
    index, 2000-2024. Windows overlap, and contain the 2000s' higher growth: the spread of the
    windows is history's variation over time, not a forecast interval.
    """
    wage = _chain(wage_growth(), 2000)
    pc = health_spending_per_person()
    rel = {y: pc[y] / (pc[2000] * wage[y]) for y in wage if y in pc}
    series = {
        "average_wage": [("average wage (NBS)", wage),
                         ("wage relative to its trend", _trend_deviation_levels())],
        "medical_cost_index": [("health spending per person (crude)", pc),
                               ("employee cost per member (crude)", scheme_cost_per_member("employee"))],
        "resident_income": [("disposable income (NBS)", history.series("disposable_income_per_capita"))],
        "excess_index": [("health spending per person / wage", rel)],
    }
    out = {}
    for idx, rows in series.items():
        out[idx] = []
        for label, levels in rows:
            w = _windows(levels, years)
            out[idx].append({"series": label, "windows": w, "n_windows": len(w),
                             "span": [min(levels), max(levels)],
                             "quantiles": _quantiles([g for *_, g in w]) if w else None,
                             "min": min(g for *_, g in w) if w else None, "max": max(g for *_, g in w) if w else None})
    return _jsonable(out)


def spread_of_10y_growth(scenario=None, *, paths: int = 2000, seed=None, years: int = 10, overrides=(),
                         with_history: bool = True) -> dict:
    """The model's distribution of ``years``-year cumulative growth next to history's.

    Runs the engine (:func:`simulator.run`, the kernel's own AR(1) on ``log(1 + x)``, the
    scenario's correlations, uncertain means drawn once per path) for ``years`` years and returns,
    for the wage ``W``, the cost index ``Cm``, resident income ``Y`` and the excess index ``Cm/W``,
    the quantiles (:data:`QUANTILES`) of ``X[base + years] / X[base] - 1`` over paths; with
    ``with_history`` also :func:`history_10y_growth`. A check, not a target.
    """
    import simulator

    loaded = _load_scenario(scenario, overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = simulator.run(loaded, paths=paths, seed=seed, horizon=years,
                           variables=["average_wage", "medical_cost_index", "resident_income"])
    y0 = int(ds["year"].values[0])
    y1 = y0 + years
    growth = {}
    for name in ("average_wage", "medical_cost_index", "resident_income"):
        v = ds[name]
        growth[name] = (v.sel(year=y1) / v.sel(year=y0)).values - 1.0
    growth["excess_index"] = (1.0 + growth["medical_cost_index"]) / (1.0 + growth["average_wage"]) - 1.0
    out = {"scenario": loaded.scenario.name, "paths": int(ds.sizes["path"]), "seed": int(loaded.scenario.simulation.seed)
           if seed is None else int(seed), "start_year": y0, "end_year": y1,
           "model": {k: _quantiles(g) for k, g in growth.items()}}
    if with_history:
        out["history"] = history_10y_growth(years)
    return _jsonable(out)


# --------------------------------------------------------------------------- current and proposed values


def _dist_sd(dist) -> float | None:
    if dist is None:
        return None
    a = dist.args
    if "sd" in a:
        return float(a["sd"])
    if dist.kind == "uniform":
        return (a["high"] - a["low"]) / math.sqrt(12.0)
    lo, mo, hi = a["low"], a["mode"], a["high"]
    return math.sqrt((lo * lo + mo * mo + hi * hi - lo * mo - lo * hi - mo * hi) / 18.0)


def current_drivers(scenario=None, overrides=()) -> dict:
    """The scenario's driver parameters: the mean's schedule (central), the sd of an uncertain
    mean (None when certain), ``persistence`` and ``sd`` (central values)."""
    scn = _load_scenario(scenario, overrides).scenario
    out = {}
    for name in DRIVERS:
        d = getattr(scn.economy.drivers, name)
        sched = {int(y): float(v) for y, v in d.mean.central} if d.mean.is_schedule else float(d.mean.central)
        first = float(d.mean.evaluate([scn.base_year + 1])[0])
        last = float(d.mean.evaluate([scn.base_year + scn.horizon])[0])
        out[name] = {"mean": sched, "mean_first": first, "mean_last": last,
                     "years": [scn.base_year + 1, scn.base_year + scn.horizon],
                     "mean_sd": _dist_sd(d.mean.dist), "persistence": float(d.persistence.central),
                     "sd": float(d.sd.central)}
    return out


#: why a proposed fit's historical mean does not replace the scenario's mean schedule
_MEAN_NOT_USED = {
    "wage_growth": "the mean of 2001-2024, while growth fell from 14% to 3%, not the schedule's forward mean",
    "excess_cost_growth": "crude, with ageing and disease change in it; the mean is derived in simulator/compile.py",
    "interest_rate": "the benchmark's 2000-2024 average; the funds earn about 1.1-1.5% now",
    "resident_income_growth": "the mean of 2014-2024, while growth fell from 10% to 5%, not the schedule's forward mean",
}

_COST_DIRECTION = {"wage_growth": "decreases_cost", "excess_cost_growth": "increases_cost",
                   "interest_rate": "decreases_cost", "resident_income_growth": "decreases_cost"}


def _fit_text(f: dict) -> str:
    ex = f" ({', '.join(str(y) for y in f['excluded'])} excluded: {f['exclude_reason']})" if f["excluded"] else ""
    kind = "around a linear trend" if f["trend"] else "around a constant mean"
    return (f"{f['data']}; AR(1) on log(1 + x) {kind}, OLS over {f['period'][0]}-{f['period'][1]}{ex}, "
            f"n = {f['n']} pairs")


def _drop_level_shift_clause(text: str | None) -> str:
    """The old source without its sentence or clause about the level shift (which the fit replaces)."""
    if not text:
        return ""
    parts = re.split(r"(?<=[.;])\s+", text.strip())
    kept = [p for p in parts if "level shift" not in p]
    return " ".join(kept).rstrip(" ;.")


def proposed_drivers(scenario=None, overrides=()) -> dict:
    """``economy.drivers`` as the fits propose it (plain data, with ``source:`` texts).

    ``persistence`` and ``sd`` are the proposed fits' ``phi`` and ``sigma``; the mean keeps the
    scenario's schedule (no historical mean is the same quantity as the model's forward-looking
    mean: the wage and income means fell over the fit periods, the deposit rate's benchmark is
    not what the funds earn now, and the excess-cost mean is derived in simulator/compile.py) and
    becomes uncertain, with sd the standard error of the historical mean.
    """
    scn = _load_scenario(scenario, overrides).scenario
    fits = proposed_fits()
    out = {}
    for name in DRIVERS:
        f = fits[name]
        d = getattr(scn.economy.drivers, name)
        sched = {int(y): float(v) for y, v in d.mean.central} if d.mean.is_schedule else float(d.mean.central)
        old = _drop_level_shift_clause(d.mean.source)
        dist = d.mean.dist
        if f["se_mean"] is None:     # phi >= 1: no standard error of a mean; the mean stays as it is
            mean = d.mean.to_yaml()
        else:
            sd_mean = round(f["se_mean"], 4)
            direction = dist.cost_direction if dist is not None else _COST_DIRECTION[name]
            mean = {"dist": "normal", "mean": 0.0, "sd": sd_mean, "cost_direction": direction,
                    "schedule": sched if isinstance(sched, dict) else {scn.base_year + 1: sched}}
            mean["source"] = (f"{old}; the per-path level shift has sd {sd_mean}: the standard error of the "
                              f"historical mean, sigma / ((1 - phi) sqrt(n)), of {f['mean']:+.4f} +/- "
                              f"{f['se_mean']:.4f} ({_MEAN_NOT_USED[name]}); {_fit_text(f)}; "
                              f"simulator.uncertainty, fundsim uncertainty")
        phi = round(f["phi"], 2)
        sig = round(f["sigma"], 4)
        out[name] = {
            "mean": mean,
            "persistence": {"value": phi, "source": f"fitted: phi = {f['phi']:.2f} +/- {f['se_phi']:.2f} (standard "
                                                     f"error); {_fit_text(f)}; simulator.uncertainty"},
            "sd": {"value": sig, "source": f"fitted: sigma = {f['sigma']:.4f} +/- {f['se_sigma']:.4f} (residual sd, "
                                           f"log points); {_fit_text(f)}; simulator.uncertainty"},
        }
    return out


def proposed_yaml(scenario=None, overrides=()) -> str:
    """:func:`proposed_drivers` as YAML under ``economy: drivers:``."""
    from ..scenario import dump_yaml
    return dump_yaml({"economy": {"drivers": proposed_drivers(scenario, overrides)}})


def proposed_scenario(scenario=None, overrides=()) -> dict:
    """The scenario's resolved data with ``economy.drivers`` replaced by :func:`proposed_drivers`."""
    loaded = _load_scenario(scenario, overrides)
    data = copy.deepcopy(loaded.data)
    data["economy"]["drivers"] = proposed_drivers(loaded)
    name = data.get("name") or loaded.scenario.name
    data["name"] = f"{name}_fitted_drivers"
    return data


# --------------------------------------------------------------------------- report


def report(scenario=None, overrides=(), *, paths: int = 2000, seed=None, years: int = 10, spread: bool = True) -> dict:
    """Everything ``fundsim uncertainty`` shows, as one JSON-able dict: ``fits``, ``current`` and
    ``proposed`` driver values, ``ageing``, ``excess_history_check``, ``residual_correlation``
    and (with ``spread``) the 10-year comparison for the scenario as it is and with the proposed
    drivers (same seed: common random numbers)."""
    loaded = _load_scenario(scenario, overrides)
    scn = loaded.scenario
    out = {"scenario": scn.name, "base_year": scn.base_year, "fits": driver_fits(),
           "current": current_drivers(loaded), "proposed": proposed_drivers(loaded),
           "ageing": ageing_effects(loaded), "residual_correlation": residual_correlation()}
    hist = scn.economy.excess_cost_history
    if hist is not None:
        out["excess_history_check"] = excess_history_check(hist.start_year, hist.end_year)
        out["excess_history_check"]["scenario_excess_growth"] = float(hist.excess_growth.central)
    if spread:
        cur = spread_of_10y_growth(loaded, paths=paths, seed=seed, years=years)
        prop = spread_of_10y_growth(proposed_scenario(loaded), paths=paths, seed=cur["seed"], years=years,
                                    with_history=False)
        out["spread"] = {"start_year": cur["start_year"], "end_year": cur["end_year"], "paths": cur["paths"],
                         "seed": cur["seed"], "current": cur["model"], "proposed": prop["model"],
                         "history": cur["history"],
                         "history_check": [history_spread_check(k, years) for k in ("wage_growth", "excess_cost_growth")]}
    out["proposed_yaml"] = proposed_yaml(loaded)
    return _jsonable(out)


def _pm(v, se, fmt, sefmt=None):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    s = "inf" if se is None or not math.isfinite(se) else format(se, sefmt or fmt)
    return f"{format(v, fmt)} ± {s}"


def _pct(v, digits=1):
    return "-" if v is None or not math.isfinite(v) else f"{v * 100:+.{digits}f}%"


def format_report(rep: dict) -> str:
    """The text of ``fundsim uncertainty``."""
    L = []
    L.append(f"Driver uncertainty for scenario {rep['scenario']} (specification sections 5 and 13)")
    L.append("AR(1) on l = log(1 + x): OLS of l[t] on l[t-1] and a constant (and a linear trend where said); "
             "n = pairs of consecutive years used.")
    L.append("mean: the sample mean of l as a rate, se = sigma / ((1 - phi) sqrt(years)); sigma in log points.")
    L.append("")
    L.append(f"  {'driver / history':<46}{'period':>10}{'n':>4}  {'excluded':<11}{'mean ± se':>17}"
             f"{'phi ± se':>14}{'sigma ± se':>18}")
    driver = None
    for f in rep["fits"]:
        if f["driver"] != driver:
            driver = f["driver"]
            L.append(f"  {driver}")
        mark = "*" if f["proposed"] else " "
        label = f"{mark} {f['label']}"
        if not f["fitted"]:
            used = ", ".join(str(y) for y in f["years_used"])
            L.append(f"  {label:<46}{'':>10}{'':>4}  {_years_short(f['excluded']):<11}  not fitted: "
                     f"{len(f['years_used'])} years outside the excluded ones ({used}), mean {_pct(f['mean'], 2)}")
            continue
        per = f"{f['period'][0]}-{f['period'][1]}"
        mean = _pm(f["mean"] * 100, None if f["se_mean"] is None else f["se_mean"] * 100, "+.2f", ".2f") + "%"
        L.append(f"  {label:<46}{per:>10}{f['n']:>4}  {_years_short(f['excluded']):<11}{mean:>17}"
                 f"{_pm(f['phi'], f['se_phi'], '.2f'):>14}{_pm(f['sigma'], f['se_sigma'], '.4f'):>18}")
        if f["trend"] and f.get("mean_end") is not None:
            L.append(f"      trend line in {f['period'][1]}: {_pct(f['mean_end'], 2)}; slope "
                     f"{f['slope'] * 100:+.2f} ± {f['se_slope'] * 100:.2f} log points a year")
        for w in f["warnings"]:
            L.append(f"      {w}")
    L.append("  * the fit the proposal uses. Data, years and notes of every fit: --json, key 'fits'.")
    L.append("")
    L.append("Driver values of the scenario -> proposed from the fits (the means keep their schedules)")
    L.append(f"  {'driver':<26}{'mean, first -> last year':>26}{'sd of mean':>20}{'persistence':>16}{'sd':>20}")
    for name in DRIVERS:
        c, p = rep["current"][name], rep["proposed"][name]
        msd = "-" if c["mean_sd"] is None else f"{c['mean_sd']:.4f}"
        mean = f"{_pct(c['mean_first'], 2)} -> {_pct(c['mean_last'], 2)}"
        L.append(f"  {name:<26}{mean:>26}{msd + ' -> ' + format(p['mean']['sd'], '.4f'):>20}"
                 f"{format(c['persistence'], '.2f') + ' -> ' + format(p['persistence']['value'], '.2f'):>16}"
                 f"{format(c['sd'], '.4f') + ' -> ' + format(p['sd']['value'], '.4f'):>20}")
    ag = rep["ageing"]
    L.append("")
    L.append("Ageing: crude cost per person or member contains it; the model's own ageing effect (the scenario's "
             "cost curves on the WPP populations in the package):")
    L.append("  " + ", ".join(f"{i['from']}-{i['to']} {_pct(i['rate'], 2)}/yr" for i in ag["intervals"])
             + f"; 2017-2023 {_pct(ag['period_2017_2023'], 2)}/yr (the calibration's decomposition: "
             f"{_pct(ag['check']['decomposition_ageing'], 2)})")
    mix = ag["employee_mix"]
    if mix["mean_2014_2024"] is not None:
        L.append(f"  employee member mix (retiree share; the model's retiree/employee cost ratio "
                 f"{mix['retiree_cost_ratio']:.2f}): {_pct(mix['mean_2014_2024'], 2)}/yr in 2014-2024")
    L.append("  The package has no population by age before 2017: the fitted excess means are crude (not "
             "age-standardised); only sigma, phi and the mean's standard error are used.")
    ch = rep.get("excess_history_check")
    if ch:
        L.append(f"  Check of the scenario's historical excess {ch['period'][0]}-{ch['period'][1]} "
                 f"({_pct(ch['scenario_excess_growth'], 2)}): the package's data give health spending "
                 f"{_pct(ch['total_health_expenditure_growth'], 2)}/yr, wages {_pct(ch['wage_growth'], 2)}/yr: "
                 f"excess {_pct(ch['excess_total'], 2)} (per person {_pct(ch['excess_per_person'], 2)})")
    rc = rep["residual_correlation"]
    L.append("")
    L.append("Correlation of the proposed fits' residuals over their common years (n); information, the "
             "scenario's matrix is not proposed here")
    L.append(f"  {'':<26}" + "".join(f"{d[:13]:>15}" for d in rc["drivers"]))
    for i, d in enumerate(rc["drivers"]):
        cells = []
        for j in range(len(rc["drivers"])):
            r = rc["matrix"][i][j]
            cells.append(f"{'-' if r is None else format(r, '+.2f')} ({rc['n'][i][j]})")
        L.append(f"  {d:<26}" + "".join(f"{c:>15}" for c in cells))
    sp = rep.get("spread")
    if sp:
        L.append("")
        L.append(f"{sp['end_year'] - sp['start_year']}-year cumulative growth: the model {sp['start_year']}-"
                 f"{sp['end_year']} ({sp['paths']} paths, seed {sp['seed']}) and history's rolling windows")
        qs = [f"q{int(round(q * 100))}" for q in QUANTILES]
        L.append(f"  {'':<62}" + "".join(f"{int(round(q * 100)):>6}%" for q in QUANTILES)
                 + f"{'90% width':>11}{'sd':>7}")
        for idx in INDICES:
            L.append(f"  {INDEX_LABELS[idx]}")
            rows = [("model, scenario values", sp["current"][idx]), ("model, proposed values", sp["proposed"][idx])]
            for h in sp["history"][idx]:
                rows.append((f"history: {h['series']}, {h['n_windows']} x {h['span'][0]}-{h['span'][1]}",
                             h["quantiles"]))
            for label, q in rows:
                if q is None:
                    L.append(f"    {label:<60}  (no 10-year window)")
                    continue
                width = math.log1p(q["q95"]) - math.log1p(q["q5"])
                L.append(f"    {label:<60}" + "".join(f"{q[k] * 100:>+6.0f}%" for k in qs)
                         + f"{width:>11.3f}{q['sd_log']:>7.3f}")
        L.append("  90% width = log(1 + q95) - log(1 + q5), sd = sd of log(1 + growth); 'n x a-b': n windows within "
                 "a-b.")
        L.append("  History's windows overlap and carry the 2000s' faster growth (raw rows): a check on the bands' "
                 "width, not a target.")
        chk = sp.get("history_check") or []
        if chk:
            L.append("")
            L.append("History's 10-year spread against the fit: sd over the windows of the summed log(1 + x), mean (or "
                     "straight line) removed,")
            L.append("in history and in histories of the same length simulated from the fitted AR(1) (one short "
                     "history understates the spread):")
            for c in chk:
                q = c["simulated"]
                L.append(f"  {c['label']:<44} {c['span'][0]}-{c['span'][1]}, {c['windows']} windows: history "
                         f"{c['history']:.3f}; simulated {q['q50']:.3f} [5%: {q['q5']:.3f}, 95%: {q['q95']:.3f}], "
                         f"{c['share_of_simulated_below_history']:.0%} of them below history's")
    return "\n".join(L)


def _years_short(years) -> str:
    ys = sorted(int(y) for y in years)
    if not ys:
        return "-"
    runs, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ",".join(runs)


def _jsonable(obj):
    """Plain Python types, non-finite floats as None (JSON has no NaN or infinity)."""
    if isinstance(obj, dict):
        return {(int(k) if isinstance(k, np.integer) else k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj
