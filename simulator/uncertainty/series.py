"""The historical series the drivers are fitted to, ``{year: value}``, from the national data in
the package (:mod:`simulator.data.history`; sources in ``simulator/data/SOURCES.md``)."""

from __future__ import annotations

from ..data import history


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
