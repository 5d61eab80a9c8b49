"""The check of the bands' width: the model's spread of 10-year growth next to history's rolling
windows (:func:`spread_of_10y_growth`, :func:`history_10y_growth`) and history's spread against
the fitted AR(1) (:func:`history_spread_check`). A check, not a target."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..data import history
from .common import QUANTILES, _jsonable, _load_scenario
from .driver_fits import FIT_SPECS, driver_fits
from .series import health_spending_per_person, scheme_cost_per_member, wage_growth


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
