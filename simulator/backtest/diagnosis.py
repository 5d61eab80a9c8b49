"""Where the errors come from: :func:`diagnose` splits the employee pooled fund's expenditure error
into its causes on the back-test's rows and diagnostic runs; :func:`format_diagnosis` prints it."""

from __future__ import annotations

import warnings

from .history import BacktestError
from .run import backtest
from .starts import _Context


def _gross_employee(ds, loaded, year) -> float:
    """The model's gross cost of the employee scheme in ``year``: fund-paid medical expenditure by
    line divided by the effective reimbursement ratio (see :mod:`simulator.backtest.cost`)."""
    from .cost import effective_rr as _effective_rr

    i = list(ds["year"].values).index(year)
    tot = 0.0
    for line in ("inpatient", "outpatient", "chronic_outpatient"):
        med = float(ds["medical_expenditure"].sel(scheme="employee", line=line, year=year).median())
        tot += med / _effective_rr(loaded, ds, "employee", line)[i]
    return tot


def diagnose(scenario=None, start: int = 2021, end: int | None = None, *, overrides=()) -> dict:
    """Where the employee pooled fund's expenditure error at ``end`` from ``start`` comes from,
    in points of the reported expenditure (the causes of issue 15), measured on the back-test's
    rows and on diagnostic runs; national history only (the gross cost by line is national):

    ``membership``   the change of the error when the reported active members are fed;
    ``maternity``    the modelled minus the reported maternity spending;
    ``accounts``     minus the accounts' expenditure error (pool = scheme - accounts);
    ``lines``        per service line, the model's growth of gross cost per member against the
                     NHSA 医保数智库 series, times the line's fund-paid spending;
    ``split_level``  the start year's gross-cost level against the scenario's own base year (where
                     the split is reported): what a derived start-year split leaves out of the pool;
    ``residual``     the rest (interactions, leakage, the DIP budget).
    """
    from ..api import run
    from ..data import history
    from .cost import cost_per_member_modelled as _cost_per_member_modelled
    from .cost import cost_per_member_reported as _cost_per_member_reported

    base = backtest(scenario, [start], end, overrides=overrides)
    if not base.national:
        raise BacktestError("diagnose needs the national history (the gross cost by line is national)")
    fed = backtest(scenario, [start], end, overrides=overrides, feed_members=True)
    E = base.end

    def row(bt, fund, measure, year=E):
        for r in bt.rows:
            if r["start"] == start and r["year"] == year and r["fund"] == fund and r["measure"] == measure:
                return r
        return None

    pool = row(base, "employee_pooled", "expenditure")
    if pool is None:
        raise BacktestError(f"the employee pooled fund's expenditure of {E} is not reported")
    rep = pool["reported"]
    out = {"start": start, "end": E, "error": pool["relative_error"], "parts": {}}
    parts = out["parts"]
    f = row(fed, "employee_pooled", "expenditure")
    parts["membership"] = pool["relative_error"] - f["relative_error"]
    mat = row(base, "employee_pooled", "maternity")
    if mat is not None:
        parts["maternity"] = (mat["modelled"] - mat["reported"]) / rep
    acc = row(base, "employee_accounts", "expenditure")
    if acc is not None:
        parts["accounts"] = -(acc["modelled"] - acc["reported"]) / rep
    run0 = base.runs[start]
    ds = run0.results
    lines = {}
    for line, bline in (("inpatient", "inpatient"), ("outpatient", "general_outpatient"),
                        ("chronic_outpatient", "chronic_special_outpatient")):
        r = _cost_per_member_reported("employee", bline)
        ys, vs = _cost_per_member_modelled(run0, "employee", line)
        if start not in r or E not in r:
            continue
        g_rep, g_mod = r[E][0] / r[start][0] - 1, vs[-1] / vs[0] - 1
        M = float(ds["medical_expenditure"].sel(scheme="employee", line=line, year=E).median())
        lines[line] = {"reported_growth": g_rep, "modelled_growth": g_mod,
                       "points": M / rep * (1 - (1 + g_rep) / (1 + g_mod))}
    out["lines"] = lines
    parts["lines"] = sum(v["points"] for v in lines.values())
    # the gross-cost level of the start year against the scenario's own base year
    gross_rep = history.benefits("employee", "all", "total_cost")
    own = _Context("baseline" if scenario is None else scenario, None, paths=1, seed=base.seed, overrides=overrides).loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds_b = run(own, paths=1, horizon=1, assumption_set="central")
    B = int(ds_b.attrs["base_year"])
    gap_s = _gross_employee(ds, run0.scenario, start) / gross_rep[start] - 1
    gap_b = _gross_employee(ds_b, own, B) / gross_rep[B] - 1
    medical_end = pool["modelled"] - (mat["modelled"] if mat else 0.0)
    out["gross_level"] = {"start_gap": gap_s, "base_gap": gap_b, "base_year": B}
    parts["split_level"] = -medical_end / rep * ((1 + gap_b) / (1 + gap_s) - 1) if start < 2023 else 0.0
    parts["residual"] = out["error"] - sum(parts.values())
    inc, inc_fed = row(base, "employee_scheme", "income"), row(fed, "employee_scheme", "income")
    out["employee_scheme_income"] = {"error": inc["relative_error"], "with_members_fed": inc_fed["relative_error"]}
    return out


def format_diagnosis(d: dict) -> str:
    """:func:`diagnose` as text."""
    names = {"split_level": "the start year's pool/account split (level)", "accounts": "the accounts' expenditure",
             "lines": "service lines (gross cost per member)", "membership": "membership (actives fed)",
             "maternity": "maternity", "residual": "the rest (DIP budget, leakage, interactions)"}
    g = d["gross_level"]
    lines = [f"Where the employee pooled fund's expenditure error in {d['end']} from {d['start']} comes from "
             f"(points of the reported expenditure): {100 * d['error']:+.1f}"]
    for k in ("split_level", "accounts", "lines", "membership", "maternity", "residual"):
        if k in d["parts"]:
            lines.append(f"  {names[k]:<48}{100 * d['parts'][k]:+7.1f}")
    lines.append(f"  model gross cost per employee-scheme member against the NHSA series: {100 * g['start_gap']:+.1f}% in {d['start']}, "
                 f"{100 * g['base_gap']:+.1f}% in the scenario's base year {g['base_year']}")
    for line, v in d["lines"].items():
        lines.append(f"  {line}: gross cost per member {100 * v['modelled_growth']:+.1f}% modelled, {100 * v['reported_growth']:+.1f}% reported")
    inc = d["employee_scheme_income"]
    lines.append(f"  employee scheme income {100 * inc['error']:+.1f}%, with the reported actives fed {100 * inc['with_members_fed']:+.1f}%")
    return "\n".join(lines)
