"""Gross cost per member by scheme and service line, reported and modelled (the back-test's cost checks).

Reported: the NHSA 医保数智库 gross cost of each scheme and line (``china_benefits_by_line.csv``,
total cost incl. what the member pays) per mid-year enrollee. Modelled: the fund-paid medical
expenditure by line divided by the start scenario's effective reimbursement ratio (members
weighted, retirees by the calibrated retiree / employee cost ratio) and by the modelled members.
Used by :mod:`simulator.backtest.diagnosis` and the history figure (:mod:`simulator.plots.history`).
"""

from __future__ import annotations

import json

import numpy as np

#: the member groups of each scheme
GROUP_OF = {"employee": ("employee", "flexible", "retired"), "resident": ("resident",)}


def cost_per_member_reported(scheme, line):
    from ..data import history

    try:
        cost = history.benefits(scheme, line, "total_cost")
        members = history.benefits(scheme, "all", "enrollees")
    except ValueError:
        return {}
    out = {}
    for y, c in cost.items():
        if y in members and y - 1 in members:
            if scheme == "resident" and y - 1 < 2018:   # the NRCMS break: 2017 and before exclude the un-integrated NRCMS
                continue
            out[y] = (c / ((members[y] + members[y - 1]) / 2), "official")
    return out


def effective_rr(loaded, ds, scheme, line):
    """The start scenario's effective reimbursement ratio of a scheme and line by year (members
    weighted; retirees by the calibrated retiree / employee cost ratio)."""
    scn = loaded.scenario
    years = np.asarray(ds["year"].values)
    rr = {g: getattr(getattr(scn.expenditure.reimbursement, g), line).evaluate(years) for g in GROUP_OF[scheme]}
    if scheme == "resident":
        return rr["resident"]
    cal = json.loads(ds.attrs.get("calibration", "{}") or "{}")
    k = float(cal.get("retiree_to_employee_cost_ratio", 3.0) or 3.0)
    emp = ds["employees"].median("path").values
    flx = ds["flexible"].median("path").values
    ret = ds["retirees"].median("path").values * k
    return (emp * rr["employee"] + flx * rr["flexible"] + ret * rr["retired"]) / (emp + flx + ret)


def cost_per_member_modelled(run, scheme, line):
    ds = run.results
    med = ds["medical_expenditure"].sel(scheme=scheme, line=line).median("path").values
    rr = effective_rr(run.scenario, ds, scheme, line)
    if scheme == "employee":
        members = (ds["employees"] + ds["flexible"] + ds["retirees"]).median("path").values
    else:
        members = ds["residents"].median("path").values
    return np.asarray(ds["year"].values), med / np.maximum(rr, 1e-9) / members
