"""The calibration report (specification section 11): fitted values, base-year checks, the excess-cost decomposition.

:func:`report` writes ``Compiled.calibration``: every fitted value, the interest taken out of
reported income (yuan), and each base-year check, modelled against reported (persons or yuan a
year) with its relative error and whether the quantity was fitted (a check on a fitted quantity is
no check; section 11).  With an excess-cost history it adds :func:`excess_cost_decomposition`
(section 5).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import layout as L
from .scenario.schema import Scenario

if TYPE_CHECKING:
    from .calibrate import Membership
    from .compile.inputs import ModelInputs

FUNDS = ("employee_pooled", "employee_accounts", "resident")


def report(scn: Scenario, inputs: ModelInputs, mem: Membership, fitted: list, o, cal: dict, warn: list) -> None:
    """The calibration report in ``cal``: the fitted values, the interest taken out (yuan), and
    each base-year check, modelled against reported (persons or yuan) and whether it was fitted;
    with an excess-cost history, its decomposition (section 5).  Member counts off by more than
    ``calibration.member_tolerance`` add a warning."""
    sched, base, c0h, wdis = inputs.sched, inputs.base, inputs.c0h, inputs.wdis
    rep = scn.reported.base_year
    fund_rep = [rep.employee_pooled, rep.employee_accounts, rep.resident]
    target_active, target_ret, target_res = mem.targets
    members_scheme = [mem.A0 + mem.F0 + mem.rt0, mem.Rs0]
    T = sched.shape[1]
    cal["employee.base_ratio"] = float(sched[L.BETA, 0])
    cal["resident.other_income_factor"] = float(sched[L.THETA_OTHER, 0])
    cal["accounts.spend_share_balance"] = float(sched[L.XI_B, 0])
    cal["maternity.birth_cost"] = float(sched[L.CB0, 0])
    cal["maternity.allowance_share"] = float(sched[L.CHI_AL, 0])
    cal["cost_to_wage_share_S0"] = float(base[L.B_S0])
    cal["interest_taken_out"] = {f: float(base[L.B_J0 + i]) for i, f in enumerate(FUNDS)}
    cal["fitted"] = fitted + ["expenditure c0 (employee, resident)", "maternity scale", "retiree stock"] + (
        ["working_coverage", "participation"] if scn.calibration.fit_coverage else [])
    checks = {}

    def check(name, model, reported, fitted_):
        checks[name] = {"modelled": float(model), "reported": float(reported),
                        "relative_error": float(model / reported - 1) if reported else float("nan"), "fitted": fitted_}

    fc = scn.calibration.fit_coverage
    check("members.active (mid-year)", o[L.O_EMPLOYEES] + o[L.O_FLEXIBLE], target_active, fc)
    check("members.retirees (mid-year)", o[L.O_RETIREES], target_ret, True)
    check("members.residents (mid-year)", o[L.O_RESIDENTS], target_res, fc)
    for f, nm in enumerate(FUNDS):
        check(f"{nm}.expenditure", o[L.O_EXP[f]], fund_rep[f].expenditure.central, nm != "employee_accounts" or "accounts.spend_share_balance" in fitted)
        check(f"{nm}.income", o[L.O_INC_C[f]] + base[L.B_J0 + f], fund_rep[f].income.central,
              nm == "resident" and "resident.other_income_factor" in fitted)
    check("employee_scheme.income (pooled + accounts)", o[L.O_INC_C[0]] + o[L.O_INC_C[1]] + base[L.B_J0] + base[L.B_J0 + 1],
          fund_rep[0].income.central + fund_rep[1].income.central, "employee.base_ratio" in fitted)
    check("maternity", o[L.O_MATERNITY], rep.maternity.central, True)
    # retiree / employee cost ratio: a check on h, rr and the uplift (no input sets it directly)
    cost_emp = _group_cost_per_member(inputs, mem.A0, 0)
    cost_ret = _group_cost_per_member(inputs, mem.rt0, 2)
    cal["retiree_to_employee_cost_ratio"] = float(cost_ret / cost_emp) if cost_emp > 0 else float("nan")
    cal["checks"] = checks
    hist = scn.economy.excess_cost_history
    if hist is not None:
        dec = excess_cost_decomposition(scn, c0h, wdis, members_scheme)
        cal["excess_cost_decomposition"] = dec
        gap = sched[L.MU[L.D_EXCESS], min(1, T - 1)] - dec["implied_mean"]
        if abs(gap) > 0.0025:
            warn.append(f"calibration: the mean of excess_cost_growth ({sched[L.MU[L.D_EXCESS], min(1, T - 1)]:+.4f}) differs from "
                        f"the historical excess net of ageing and disease ({dec['implied_mean']:+.4f}) by {gap:+.4f}")
    tol = scn.calibration.member_tolerance
    for name, c in checks.items():
        if name.startswith("members") and not c["fitted"] and abs(c["relative_error"]) > tol:
            warn.append(f"calibration: modelled {name} differs from the reported count by {c['relative_error']:+.1%} "
                        f"(tolerance {tol:.0%})")


def _group_cost_per_member(inp: ModelInputs, members, g):
    """Base-year fund-paid medical cost per member of group g (employee scheme), before DRG/DIP."""
    tot = 0.0
    for j in range(3):
        par = lambda r: inp.sched[r, 0]  # noqa: E731
        mult = (1 + par(L.ZETA[j]) * (g == L.RET)) * par(L.RR[g][j]) * (1 - par(L.LIMIT[g][j]))
        tot += (members * inp.c0h[0, j]).sum() * mult
    n = members.sum()
    return tot / n if n > 0 else 0.0


def excess_cost_decomposition(scn: Scenario, c0h, wdis, members_scheme) -> dict:
    """Split the historical excess of health spending over wages into its parts (specification section 5).

    * ageing: growth of the cost per person implied by the cost curves on the populations of the
      period's first and last years (each scheme's curves weighted by its base-year spending);
    * disease: the disease groups' prevalence and intensity trends of the base year, weighted by
      their cost shares on the last year's population;
    * implied mean of excess cost growth: (1 + excess) / ((1 + ageing)(1 + disease)) - 1, the
      residual the model must add, since it produces ageing and the disease spectrum itself.
    """
    hist = scn.economy.excess_cost_history
    n0, n1 = hist.start_population.values, hist.end_population.values
    years = hist.end_year - hist.start_year
    spend = np.array([(c0h[m] * members_scheme[m][None]).sum() for m in range(2)])
    weights = spend / spend.sum()
    ageing = 0.0
    disease = 0.0
    for m in range(2):
        h = c0h[m]  # c0 * h by line: the line mix and the age curve together
        i0 = (n0[None] * h).sum() / n0.sum()
        i1 = (n1[None] * h).sum() / n1.sum()
        ageing += weights[m] * ((i1 / i0) ** (1.0 / years) - 1)
        cost1 = (n1[None] * h).sum()
        for d, grp in enumerate(scn.expenditure.disease_groups):
            share = (n1[None] * h * wdis[d]).sum() / cost1
            trend = grp.prevalence_trend.evaluate([scn.base_year])[0] + grp.intensity_trend.evaluate([scn.base_year])[0]
            disease += weights[m] * share * (math.exp(trend) - 1)
    excess = float(hist.excess_growth.central)
    implied = (1 + excess) / ((1 + ageing) * (1 + disease)) - 1
    return {"period": [hist.start_year, hist.end_year], "historical_excess": excess, "ageing_effect": float(ageing),
            "disease_effect": float(disease), "implied_mean": float(implied)}
