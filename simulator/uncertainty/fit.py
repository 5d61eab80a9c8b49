"""One AR(1) fit on ``l = log(1 + x)``: :func:`fit_ar1`, its result :class:`AR1Fit` and the
:class:`ShortSeriesWarning` of a short series."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .common import MIN_PAIRS, _jsonable


class ShortSeriesWarning(UserWarning):
    """A fit with fewer than :data:`MIN_PAIRS` regression pairs: its standard errors are large."""


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
