"""The model's own ageing effect on cost per person (crude historical cost contains it) and the
check of the scenario's historical excess of health spending over wages."""

from __future__ import annotations

import warnings

import numpy as np

from ..data import history
from .common import _jsonable, _load_scenario
from .series import health_spending_per_person


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
