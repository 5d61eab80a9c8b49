"""Named deterministic sets beside the stochastic bands (issue 16, item 2)."""

from __future__ import annotations

import numpy as np

import simulator
from simulator.named_sets import SET_ORDER, attach, named_exhaustion_year, named_set_runs

FAST = dict(paths=30, seed=5, horizon=20)


def _run_with_sets():
    loaded, compiled = simulator.prepare("baseline", **FAST)
    ds = simulator.run_compiled(loaded, compiled)
    return ds, attach(ds, named_set_runs(loaded))


def test_each_named_set_is_the_deterministic_run_of_that_set():
    _, ds = _run_with_sets()
    assert list(ds["assumption_set"].values) == list(SET_ORDER)
    for which in SET_ORDER:
        det = simulator.run("baseline", assumption_set=which, paths=1, seed=5, horizon=20)
        np.testing.assert_array_equal(ds["named_reserve_months"].sel(assumption_set=which).values,
                                      det["reserve_months"].isel(path=0).values)


def test_low_cost_is_above_high_cost_for_the_employee_pool():
    _, ds = _run_with_sets()
    rm = ds["named_reserve_months"].sel(fund="employee_pooled").isel(year=-1)
    assert float(rm.sel(assumption_set="low_cost")) > float(rm.sel(assumption_set="central")) > float(
        rm.sel(assumption_set="high_cost"))


def test_summary_shows_the_sets_only_when_attached():
    plain, ds = _run_with_sets()
    text = simulator.format_summary(ds)
    assert "named sets (cost)" in text and "exhaustion at the named sets" in text
    assert "named sets" not in simulator.format_summary(plain)
    ex = named_exhaustion_year(ds, "employee_pooled")
    assert set(ex) == set(SET_ORDER)


def test_fan_chart_draws_the_named_sets_beside_the_bands():
    from simulator.plots import fan_chart
    plain, ds = _run_with_sets()
    labels = {line.get_label() for ax in fan_chart(ds).axes for line in ax.get_lines()}
    assert {"low-cost set", "central set", "high-cost set"} <= labels
    labels = {line.get_label() for ax in fan_chart(plain).axes for line in ax.get_lines()}
    assert "central set" not in labels


def test_report_tables_show_the_named_sets():
    from simulator.report import render_report
    plain, ds = _run_with_sets()
    html = render_report(ds)
    import re
    # reserve months and events, for each pooled view
    assert len(re.findall(r"<th[^>]*>high-cost set</th>", html)) == 6
    assert "high-cost set" not in render_report(plain)


def test_every_set_keeps_the_observed_base_year():
    # the base year is observed: the sets differ from the first projection year on, so each one
    # reproduces the reported base-year flows (before, the high-cost set shifted the base year's
    # fertility and the calibration missed the reported pooled expenditure by 0.2%)
    plain, ds = _run_with_sets()
    for which in SET_ORDER:
        for name in ("expenditure", "income", "balance"):
            np.testing.assert_allclose(ds[f"named_{name}"].sel(assumption_set=which).isel(year=0).values,
                                       plain[name].isel(path=0, year=0).values, rtol=1e-12)
    later = ds["named_reserve_months"].sel(fund="employee_pooled").isel(year=5)
    assert len({round(float(v), 9) for v in later.values}) == 3


def test_summary_says_where_the_dip_floor_and_income_cap_bind():
    plain, _ = _run_with_sets()
    text = simulator.format_summary(plain)
    assert "point-value floor binds" in text and "income cap sets the budget" in text
    off = simulator.run("baseline", overrides=["reform.drg_dip.global_budget.enabled=false"], **FAST)
    assert "neither the point-value floor nor the income cap binds" in simulator.format_summary(off)
