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

The package, one module per task (each imports only from those above it):

* ``common``: the constants (:data:`DRIVERS`, :data:`EPIDEMIC_YEARS`, :data:`QUANTILES` ...), the
  scenario load and JSON-safe values;
* ``fit``: :func:`fit_ar1`, :class:`AR1Fit`, :class:`ShortSeriesWarning`;
* ``series``: the historical series builders (:func:`wage_growth`, :func:`excess_over_wages` ...);
* ``driver_fits``: :data:`FIT_SPECS`, :func:`driver_fits`, :func:`proposed_fits`,
  :func:`residual_correlation`;
* ``ageing``: :func:`ageing_effects`, :func:`excess_history_check`;
* ``spread``: the 10-year comparison: :func:`spread_of_10y_growth`, :func:`history_10y_growth`,
  :func:`history_spread_check`;
* ``proposal``: :func:`current_drivers`, :func:`proposed_drivers`, :func:`proposed_yaml`,
  :func:`proposed_scenario`;
* ``output``: :func:`report` and :func:`format_report`.

Every name is importable from ``simulator.uncertainty`` itself, as before the split.

>>> import numpy as np
>>> from simulator.uncertainty import fit_ar1
>>> years = np.arange(2000, 2010)
>>> f = fit_ar1(years, [0.10, 0.12, 0.09, 0.11, 0.10, 0.13, 0.08, 0.11, 0.10, 0.12])
>>> f.n, f.period
(9, (2000, 2009))
"""

from .common import DRIVERS, EPIDEMIC_YEARS, INDEX_LABELS, INDICES, MIN_PAIRS, QUANTILES
from .fit import AR1Fit, ShortSeriesWarning, fit_ar1
from .series import (deposit_rate, employee_fund_spending_per_member_early, excess_over_wages, growth_of,
                     health_spending_per_person, resident_income_growth, scheme_cost_per_member, wage_growth)
from .driver_fits import FIT_SPECS, FitSpec, driver_fits, proposed_fits, residual_correlation
from .ageing import ageing_effects, excess_history_check
from .spread import history_10y_growth, history_spread_check, spread_of_10y_growth
from .proposal import current_drivers, proposed_drivers, proposed_scenario, proposed_yaml
from .output import format_report, report

# the modules' private helpers, importable from here as they were before the split
from .common import _jsonable, _load_scenario  # noqa: F401
from .series import _per_mean_stock  # noqa: F401
from .driver_fits import _EPI_REASON, _THE, _driver_fits, _fit_spec  # noqa: F401
from .spread import _chain, _detrended, _quantiles, _trend_deviation_levels, _window_sums, _windows  # noqa: F401
from .proposal import _COST_DIRECTION, _MEAN_NOT_USED, _dist_sd, _drop_level_shift_clause, _fit_text  # noqa: F401
from .output import _pct, _pm, _years_short  # noqa: F401

__all__ = [
    "DRIVERS", "EPIDEMIC_YEARS", "INDEX_LABELS", "INDICES", "MIN_PAIRS", "QUANTILES",
    "AR1Fit", "ShortSeriesWarning", "fit_ar1",
    "deposit_rate", "employee_fund_spending_per_member_early", "excess_over_wages", "growth_of",
    "health_spending_per_person", "resident_income_growth", "scheme_cost_per_member", "wage_growth",
    "FIT_SPECS", "FitSpec", "driver_fits", "proposed_fits", "residual_correlation",
    "ageing_effects", "excess_history_check",
    "history_10y_growth", "history_spread_check", "spread_of_10y_growth",
    "current_drivers", "proposed_drivers", "proposed_scenario", "proposed_yaml",
    "format_report", "report",
]
