"""Output variables, declared once, and the kernel's array turned into a labelled Dataset.

Each declared variable names its dimensions, units, long name, where it is computed (the
kernel function :func:`simulator.kernels.project.project_path`, the year loop, or a derivation
here) and the step function that computes it (``step``: a function of :mod:`simulator.kernels`,
one module per model section, whose docstring cites the section and equation; the NumPy
reference's function of the same name is in :mod:`simulator.reference`).  :func:`assemble`
checks that every variable leaving the API carries ``units`` and ``long_name``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from . import layout as L

FUNDS = ("employee_pooled", "employee_accounts", "resident")
POOLED_FUNDS = ("employee_pooled", "resident")
SCHEMES = ("employee", "resident")
LINES = L.LINE_NAMES
KERNEL = "simulator.kernels.project.project_path"


@dataclass(frozen=True)
class Var:
    dims: tuple
    units: str
    long_name: str
    computed_in: str = KERNEL
    step: str = ""  # the kernel step function computing it (STEPS)


PY = ("path", "year")
PYF = ("path", "year", "fund")
PYS = ("path", "year", "scheme")

VARIABLES = {
    # funds (specification section 9)
    "contribution_income": Var(PYF, "yuan per year", "contribution income Inc_c: contributions, premiums, subsidies, buy-backs, recoveries (accounts: credits)"),
    "interest": Var(PYF, "yuan per year", "interest income max(J, 0), J = i*Bal[t-1] + (i/2)*(Inc_c - Exp)", "simulator.results.derive"),
    "borrowing_cost": Var(PYF, "yuan per year", "interest on a negative balance max(-J, 0); accumulates in the balance, outside income and expenditure", "simulator.results.derive"),
    "income": Var(PYF, "yuan per year", "income as the bulletins report it: Inc_c + interest + fiscal transfer", "simulator.results.derive"),
    "fiscal_transfer": Var(PYF, "yuan per year", "fiscal backstop transfer topping the balance up to the minimum reserve months (specification section 10); part of income, not of Inc_c"),
    "expenditure": Var(PYF, "yuan per year", "fund expenditure Exp (pooled: medical + maternity/critical-illness premium + care carve-out; accounts: outflow)"),
    "balance": Var(PYF, "yuan", "accumulated balance at year end Bal[t] = Bal[t-1] + Inc_c + J - Exp"),
    "reserve_months": Var(PYF, "months", "reserve months Bal[t] / (Exp[t] / 12)", "simulator.results.derive"),
    "fiscal_gap": Var(PYF, "yuan", "negative part of the balance max(-Bal, 0)", "simulator.results.derive"),
    "operating_balance": Var(PYF, "yuan per year", "operating current balance Inc_c - Exp", "simulator.results.derive"),
    "current_balance": Var(PYF, "yuan per year", "current balance as the bulletins show it: income - expenditure", "simulator.results.derive"),
    "expenditure_growth_5y": Var(PYF, "fraction per year", "five-year average expenditure growth (Exp[t]/Exp[t-5])^(1/5) - 1 (reported previous year used where t-5 is before the base)", "simulator.results.derive"),
    "combined_pooled_balance": Var(PY, "yuan", "balance of both pooled funds together (as the bulletins report it)", "simulator.results.derive"),
    "combined_pooled_reserve_months": Var(PY, "months", "reserve months of both pooled funds together", "simulator.results.derive"),
    "account_balance_per_member": Var(PY, "yuan per member", "individual-account balance per employee-scheme member (employees + retirees)", "simulator.results.derive"),
    # expenditure and reform (specification section 7-8)
    "medical_expenditure": Var(("path", "year", "scheme", "line"), "yuan per year", "fund-paid medical expenditure by line after procurement, capitation, per-diem and DRG/DIP, before leakage and epidemics"),
    "leakage": Var(PYS, "yuan per year", "fraud and abuse leakage l * medical expenditure"),
    "recoveries": Var(PYS, "yuan per year", "recoveries of last year's leakage, booked as other income"),
    "dip_demand": Var(PYS, "yuan per year", "DRG/DIP demand Dd = points * reference point value"),
    "dip_payment": Var(PYS, "yuan per year", "DRG/DIP payment by the fund: under the global budget the budget with overrun sharing and retained savings, at least the point-value floor kappa_pv * Dd; without it Dd"),
    "dip_budget": Var(PYS, "yuan per year", "regional global budget Bg = min(last payment grown at gb, income-based cap) (NaN when the budget is off or in the base year; negative when spending outside the budget exceeds what income allows)"),
    "dip_floor_overrun": Var(PYS, "yuan per year", "what the point-value floor adds to the budget's payment: kappa_pv * Dd minus the overrun-sharing payment where the floor binds, else 0 (specification 2.3 section 8)"),
    "dip_floor_binding": Var(PYS, "flag", "1 in a path-year where the point-value floor binds (the budget's payment would fall below kappa_pv * Dd), else 0; its mean over paths is the share of paths where it binds"),
    "dip_income_cap_binding": Var(PYS, "flag", "1 in a path-year where the income cap sets the global budget (income less spending outside the budget allows less than last payment grown at gb), else 0"),
    "dip_points": Var(PYS, "points (base-year yuan)", "DRG/DIP points Pts = V * (1 + creep)"),
    "point_value": Var(PYS, "yuan per point", "realised point value Pay / Pts", "simulator.results.derive"),
    "point_value_reference": Var(PYS, "yuan per point", "reference point value pv_ref = Cm * (1 - mean efficiency of the last three years)"),
    "point_value_ratio": Var(PYS, "ratio", "realised over reference point value", "simulator.results.derive"),
    "hospital_margin": Var(PYS, "yuan per year", "hospitals' margin on covered care Pay - V * AC"),
    "maternity": Var(PY, "yuan per year", "maternity expenditure of the employee pooled fund (birth costs and allowance)"),
    "critical_illness_premiums": Var(PY, "yuan per year", "critical-illness premiums paid by the resident fund"),
    "long_term_care": Var(PY, "yuan per year", "long-term-care carve-out from both pooled funds"),
    # income detail (specification section 6)
    "employer_contributions": Var(PY, "yuan per year", "employer contributions"),
    "employee_contributions": Var(PY, "yuan per year", "employee contributions"),
    "flexible_contributions": Var(PY, "yuan per year", "flexible workers' contributions"),
    "retiree_contributions": Var(PY, "yuan per year", "retirees' contributions"),
    "buyback_income": Var(PY, "yuan per year", "lump-sum buy-backs of missing contribution years (non-recurring)"),
    "resident_contributions": Var(PY, "yuan per year", "resident premiums and subsidies times the other-income factor"),
    "employer_rate": Var(PY, "fraction", "employer contribution rate in force (schedule plus any rate-trigger offset)"),
    "breakeven_rate": Var(PY, "fraction", "pay-as-you-go break-even employer rate: pooled contribution income without buy-backs, recoveries and transfers equals pooled expenditure (flexible rate held; specification section 12)"),
    "breakeven_premium": Var(PY, "yuan per person per year", "pay-as-you-go break-even resident premium, subsidy by its rule, enrolment and critical-illness premium following it (specification section 12); NaN when no premium balances"),
    "contribution_base": Var(PY, "yuan per year", "employees' declared contribution base times compliance (sum of W * wp * beta * gamma_c over employees)"),
    "resident_premium": Var(PY, "yuan per person per year", "individual resident premium Pi"),
    "resident_subsidy": Var(PY, "yuan per person per year", "fiscal subsidy per resident Ps"),
    "subsidy_premium_ratio": Var(PY, "ratio", "subsidy : premium ratio Ps / Pi (plans: at most 2)", "simulator.results.derive"),
    # members (specification section 3-4)
    "population": Var(PY, "persons", "mid-year population"),
    "employees": Var(PY, "persons", "employees of employers in the employee scheme (mid-year)"),
    "flexible": Var(PY, "persons", "flexible workers in the employee scheme (mid-year)"),
    "retirees": Var(PY, "persons", "retirees in the employee scheme (mid-year)"),
    "residents": Var(PY, "persons", "members of the resident scheme (mid-year)"),
    "births": Var(PY, "persons per year", "births"),
    "births_to_employees": Var(PY, "persons per year", "births to employees"),
    "deaths": Var(PY, "persons per year", "deaths (sum of N * q)"),
    "net_migration": Var(PY, "persons per year", "realised net migration into the mid-year stock of year t: the requested total times the age-sex profile, a cell losing at most its stock; when stocks limit the outflows the profile's inflows shrink in proportion, so it has the requested sign and is never larger (0 in the base year)"),
    "old_age_dependency": Var(PY, "ratio", "retirees / (employees + flexible workers)", "simulator.results.derive"),
    # economy (specification section 5)
    "average_wage": Var(PY, "yuan per year", "average wage W[t] = W[t-1] * (1 + gw[t]); positive on every path"),
    "resident_income": Var(PY, "yuan per year", "resident per-capita income Y[t] = Y[t-1] * (1 + gy[t]); positive on every path"),
    "medical_cost_index": Var(PY, "index (base year = 1)", "medical unit cost index Cm[t] = Cm[t-1] * (1 + gw[t]) * (1 + ge[t]); positive on every path"),
    "wage_growth": Var(PY, "fraction per year", "wage growth gw = expm1(l), l = log(1 + gw) following the AR(1); always > -1"),
    "excess_cost_growth": Var(PY, "fraction per year", "excess medical cost growth ge = expm1(l), l = log(1 + ge) following the AR(1); always > -1"),
    "interest_rate": Var(PY, "fraction per year", "interest rate the funds earn i = expm1(l), l = log(1 + i) following the AR(1); always > -1"),
    "resident_income_growth": Var(PY, "fraction per year", "resident income growth gy = expm1(l), l = log(1 + gy) following the AR(1); always > -1"),
    "epidemic": Var(PY, "flag", "1 in an epidemic year"),
    "mortality_index": Var(PY, "years of improvement", "Lee-Carter mortality index kappa"),
}

_K = "simulator.kernels."
#: the step function of :mod:`simulator.kernels` that computes each variable (for a derived
#: variable, the step computing what it is derived from)
STEPS = {
    "contribution_income": _K + "income.contribution_income",
    "interest": _K + "funds.balances",
    "borrowing_cost": _K + "funds.balances",
    "income": _K + "income.contribution_income",
    "fiscal_transfer": _K + "rules.backstop_transfer",
    "expenditure": _K + "funds.fund_expenditure",
    "balance": _K + "funds.balances",
    "reserve_months": _K + "funds.reserve_months",
    "fiscal_gap": _K + "funds.balances",
    "operating_balance": _K + "funds.balances",
    "current_balance": _K + "funds.balances",
    "expenditure_growth_5y": _K + "funds.fund_expenditure",
    "combined_pooled_balance": _K + "funds.balances",
    "combined_pooled_reserve_months": _K + "funds.reserve_months",
    "account_balance_per_member": _K + "funds.balances",
    "medical_expenditure": _K + "expenditure.medical_by_line",
    "leakage": _K + "reform.leakage_and_epidemic",
    "recoveries": _K + "income.recoveries",
    "dip_demand": _K + "reform.dip_points",
    "dip_payment": _K + "reform.global_budget",
    "dip_budget": _K + "reform.global_budget",
    "dip_floor_overrun": _K + "reform.budget_payment",
    "dip_floor_binding": _K + "reform.global_budget",
    "dip_income_cap_binding": _K + "reform.global_budget",
    "dip_points": _K + "reform.dip_points",
    "point_value": _K + "reform.global_budget",
    "point_value_reference": _K + "reform.dip_points",
    "point_value_ratio": _K + "reform.global_budget",
    "hospital_margin": _K + "reform.hospital_margin",
    "maternity": _K + "expenditure.maternity",
    "critical_illness_premiums": _K + "expenditure.critical_illness_premium",
    "long_term_care": _K + "funds.fund_expenditure",
    "employer_contributions": _K + "income.employee_scheme_contributions",
    "employee_contributions": _K + "income.employee_scheme_contributions",
    "flexible_contributions": _K + "income.employee_scheme_contributions",
    "retiree_contributions": _K + "income.employee_scheme_contributions",
    "buyback_income": _K + "income.employee_scheme_contributions",
    "resident_contributions": _K + "income.resident_contributions",
    "employer_rate": _K + "rules.trigger_offsets",
    "breakeven_rate": _K + "breakeven.breakeven_rate",
    "breakeven_premium": _K + "breakeven.breakeven_premium",
    "contribution_base": _K + "income.contribution_base",
    "resident_premium": _K + "income.resident_premium",
    "resident_subsidy": _K + "income.resident_subsidy",
    "subsidy_premium_ratio": _K + "income.resident_subsidy",
    "population": _K + "population.population_and_deaths",
    "employees": _K + "membership.working_members",
    "flexible": _K + "membership.working_members",
    "retirees": _K + "membership.working_members",
    "residents": _K + "membership.residents",
    "births": _K + "population.births_by_group",
    "births_to_employees": _K + "population.births_by_group",
    "deaths": _K + "population.population_and_deaths",
    "net_migration": _K + "population.migrate",
    "old_age_dependency": _K + "membership.working_members",
    "average_wage": _K + "economy.price_levels",
    "resident_income": _K + "economy.price_levels",
    "medical_cost_index": _K + "economy.price_levels",
    "wage_growth": _K + "economy.drivers_ar1",
    "excess_cost_growth": _K + "economy.drivers_ar1",
    "interest_rate": _K + "economy.drivers_ar1",
    "resident_income_growth": _K + "economy.drivers_ar1",
    "epidemic": _K + "economy.epidemic_draw",
    "mortality_index": _K + "population.mortality_index",
}
VARIABLES = {name: replace(var, step=STEPS[name]) for name, var in VARIABLES.items()}

_SCALARS = {  # dataset name -> kernel output index
    "maternity": L.O_MATERNITY, "critical_illness_premiums": L.O_CII, "long_term_care": L.O_LTC,
    "employer_contributions": L.O_EMPLOYER_CONTRIB, "employee_contributions": L.O_EMPLOYEE_CONTRIB,
    "flexible_contributions": L.O_FLEX_CONTRIB, "retiree_contributions": L.O_RETIREE_CONTRIB,
    "buyback_income": L.O_BUYBACK, "resident_contributions": L.O_RES_CONTRIB, "employer_rate": L.O_EMPLOYER_RATE,
    "resident_premium": L.O_PREMIUM, "resident_subsidy": L.O_SUBSIDY, "population": L.O_POP,
    "employees": L.O_EMPLOYEES, "flexible": L.O_FLEXIBLE, "retirees": L.O_RETIREES, "residents": L.O_RESIDENTS,
    "births": L.O_BIRTHS, "births_to_employees": L.O_BIRTHS_EMP, "deaths": L.O_DEATHS, "net_migration": L.O_NET_MIG,
    "average_wage": L.O_WAGE, "resident_income": L.O_RES_INCOME, "medical_cost_index": L.O_COST_INDEX,
    "wage_growth": L.O_WAGE_GROWTH, "excess_cost_growth": L.O_EXCESS, "interest_rate": L.O_INTEREST_RATE,
    "resident_income_growth": L.O_RESINC_GROWTH, "epidemic": L.O_EPIDEMIC, "mortality_index": L.O_KAPPA,
    "breakeven_rate": L.O_BREAKEVEN_RATE, "breakeven_premium": L.O_BREAKEVEN_PREMIUM,
    "contribution_base": L.O_CONTRIB_BASE,
}
_BY_SCHEME = {
    "leakage": L.O_LEAK, "recoveries": L.O_RECOV, "dip_demand": L.O_DIP_DEMAND, "dip_payment": L.O_DIP_PAY,
    "dip_budget": L.O_DIP_BUDGET, "dip_points": L.O_POINTS, "point_value_reference": L.O_PV_REF,
    "hospital_margin": L.O_MARGIN, "dip_floor_overrun": L.O_DIP_FLOOR_OVERRUN, "dip_floor_binding": L.O_DIP_FLOOR_BINDING,
    "dip_income_cap_binding": L.O_DIP_CAP_BINDING,
}

#: variables allowed to hold NaN (by construction), all others are checked for finiteness
MAY_BE_NAN = {"dip_budget", "breakeven_rate", "breakeven_premium", "old_age_dependency", "point_value", "point_value_ratio", "expenditure_growth_5y", "reserve_months",
              "combined_pooled_reserve_months", "subsidy_premium_ratio", "account_balance_per_member"}


def _safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


#: the variables kept with ``variables="core"``: what summaries, break-even and the actuarial
#: balance need, for runs too large to keep everything (about a third of the memory of "all")
CORE = ("income", "contribution_income", "interest", "borrowing_cost", "fiscal_transfer", "expenditure", "balance",
        "reserve_months", "combined_pooled_balance", "combined_pooled_reserve_months", "employer_rate",
        "resident_premium", "resident_subsidy", "breakeven_rate", "breakeven_premium", "contribution_base",
        "population", "employees", "flexible", "retirees", "residents", "interest_rate")


def select_variables(variables="all") -> tuple:
    """Names of the variables to keep: ``"all"``, ``"core"`` or an iterable of names."""
    if variables == "all":
        return tuple(VARIABLES)
    if variables == "core":
        return CORE
    names = tuple(variables)
    unknown = [n for n in names if n not in VARIABLES]
    if unknown:
        from .errors import SimulatorError
        from .scenario.values import suggest
        raise SimulatorError(f"unknown output variable(s) {', '.join(unknown)}{suggest(unknown[0], VARIABLES)}")
    return names


def assemble(data: dict, years, path_ids, attrs: dict) -> xr.Dataset:
    """A Dataset from arrays of declared variables (checked for units and long names)."""
    coords = {"path": np.asarray(path_ids, dtype=np.int64), "year": np.asarray(years), "fund": list(FUNDS),
              "scheme": list(SCHEMES), "line": list(LINES)}
    ds = xr.Dataset(coords=coords, attrs=dict(attrs))
    for name, arr in data.items():
        var = VARIABLES[name]
        ds[name] = (var.dims, arr, {"units": var.units, "long_name": var.long_name, "computed_in": var.computed_in})
    missing = [n for n in ds.data_vars if not {"units", "long_name"} <= set(ds[n].attrs)]
    assert not missing, f"variables without units/long_name: {missing}"
    ds["year"].attrs.update(units="calendar year", long_name="calendar year (mid-year stocks, flows during the year, balances at year end)")
    ds["path"].attrs.update(long_name="Monte Carlo path index (draws depend only on seed and this index)")
    ds["fund"].attrs.update(long_name="fund: employee_pooled (the employee scheme's pooled fund), employee_accounts "
                                      "(its individual accounts), resident (the resident scheme's fund)")
    ds["scheme"].attrs.update(long_name="scheme: employee (employee basic medical insurance), resident (resident "
                                        "basic medical insurance)")
    ds["line"].attrs.update(long_name="service line of medical expenditure")
    return ds


def derive(out: np.ndarray, previous_expenditure) -> dict:
    """Every declared variable, as arrays, from the kernel output of some paths."""
    data = {}
    inc_c = out[:, :, list(L.O_INC_C)]
    J = out[:, :, list(L.O_J)]
    exp = out[:, :, list(L.O_EXP)]
    bal = out[:, :, list(L.O_BAL)]
    interest = np.maximum(J, 0.0)
    transfer = out[:, :, list(L.O_TRANSFER)]
    income = inc_c + interest + transfer
    data["contribution_income"] = inc_c
    data["interest"] = interest
    data["borrowing_cost"] = np.maximum(-J, 0.0)
    data["income"] = income
    data["fiscal_transfer"] = transfer
    data["expenditure"] = exp
    data["balance"] = bal
    data["reserve_months"] = _safe_div(bal, exp / 12.0)
    data["fiscal_gap"] = np.maximum(-bal, 0.0)
    data["operating_balance"] = inc_c - exp
    data["current_balance"] = income - exp
    prev = np.asarray(previous_expenditure, dtype=float)[None, None, :]
    hist = np.concatenate([np.broadcast_to(prev, (exp.shape[0], 1, 3)), exp], axis=1)  # year base-1 first
    g5 = np.full(exp.shape, np.nan)
    for t in range(exp.shape[1]):
        k = t + 1 - 5
        if k >= 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                g5[:, t] = (hist[:, t + 1] / hist[:, k]) ** 0.2 - 1
    data["expenditure_growth_5y"] = g5
    pooled = [0, 2]
    cb = bal[:, :, pooled].sum(axis=2)
    data["combined_pooled_balance"] = cb
    data["combined_pooled_reserve_months"] = _safe_div(cb, exp[:, :, pooled].sum(axis=2) / 12.0)
    data["medical_expenditure"] = np.stack([out[:, :, list(L.O_MED[m])] for m in range(2)], axis=2)
    for name, idx in _BY_SCHEME.items():
        data[name] = out[:, :, list(idx)]
    for name, idx in _SCALARS.items():
        data[name] = out[:, :, idx]
    data["point_value"] = _safe_div(data["dip_payment"], data["dip_points"])
    data["point_value_ratio"] = _safe_div(data["point_value"], data["point_value_reference"])
    data["subsidy_premium_ratio"] = _safe_div(data["resident_subsidy"], data["resident_premium"])
    active = data["employees"] + data["flexible"]
    data["old_age_dependency"] = _safe_div(data["retirees"], active)
    data["account_balance_per_member"] = _safe_div(bal[:, :, 1], data["employees"] + data["retirees"])
    return data


def first_nonfinite(ds: xr.Dataset):
    """(path, year, variable) of the first non-finite value outside MAY_BE_NAN, or None."""
    for name in VARIABLES:
        if name in MAY_BE_NAN or name not in ds:
            continue
        v = ds[name].values
        bad = ~np.isfinite(v)
        if bad.any():
            idx = np.argwhere(bad)[0]
            return int(ds["path"].values[idx[0]]), int(ds["year"].values[idx[1]]), name
    return None


# --------------------------------------------------------------------------- CF-1.11 results files

#: the Conventions attribute of a results file
CF_CONVENTIONS = "CF-1.11"

#: declared units (as :data:`VARIABLES` and the summaries write them, for people) -> (``units``
#: for the file, parseable by UDUNITS and by pint's CF registry; ``units_note`` saying what the
#: number counts). UDUNITS has no currency and no persons: a sum of yuan or a head count is a
#: count, so such a quantity is written as ``1`` (per ``year`` for a flow during the year) and its
#: ``units_note`` names what is counted. ``None`` as ``units`` leaves the attribute out (a label).
CF_UNITS = {
    "yuan": ("1", "yuan (CNY), nominal"),
    "yuan per year": ("year-1", "yuan (CNY) per year, nominal: the flow during the calendar year"),
    "yuan per member": ("1", "yuan (CNY) per member, nominal"),
    "yuan per point": ("1", "yuan (CNY) per DRG/DIP point, nominal"),
    "yuan per person per year": ("year-1", "yuan (CNY) per person per year, nominal"),
    "points (base-year yuan)": ("1", "DRG/DIP points, counted in base-year yuan"),
    "persons": ("1", "persons"),
    "persons per year": ("year-1", "persons per year"),
    "months": ("month", None),
    "fraction": ("1", "fraction (0.05 is 5%)"),
    "fraction per year": ("year-1", "fraction per year (0.05 is 5% a year)"),
    "fraction of paths": ("1", "fraction of the Monte Carlo paths"),
    "ratio": ("1", "ratio"),
    "flag": ("1", "flag: 1 where it holds, else 0"),
    "index (base year = 1)": ("1", "index, base year = 1"),
    # kappa[t] = kappa[t-1] + 1 + noise: it counts years of improvement at the scenario's rates
    "years of improvement": ("year", "Lee-Carter mortality index kappa: years of mortality improvement"),
    "calendar year": (None, "calendar year (Gregorian)"),
}

#: netCDF4 compression of data variables: zlib (deflate) after byte shuffling, which groups the
#: similar high bytes of neighbouring float64 values; level 4 compresses about as well as 9 here
#: at a fraction of the time
CF_COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}


def cf_units(units: str) -> tuple:
    """(``units``, ``units_note``) to write for declared ``units`` (:data:`CF_UNITS`).

    Units not in the table are kept as ``units_note`` and the ``units`` attribute is left out,
    so that a results file never claims a unit that UDUNITS would misread."""
    if units in CF_UNITS:
        return CF_UNITS[units]
    if units in _CF_FORMS:  # already written for a file (a result read back and written again)
        return units, None
    return None, units


_CF_FORMS = {cf for cf, _ in CF_UNITS.values() if cf is not None}


def software_versions() -> dict:
    """Versions of fundsim, the libraries that compute and write a result, Python and the platform
    (global attributes of a results file: what a reader needs to reproduce it)."""
    import platform
    from importlib import metadata

    from . import __version__

    out = {"fundsim_version": __version__}
    for dist in ("numba", "numpy", "xarray", "netCDF4"):
        try:
            out[f"{dist.lower()}_version"] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[f"{dist.lower()}_version"] = "not installed"
    out["python_version"] = platform.python_version()
    out["platform"] = platform.platform()
    return out


def _api_call(attrs) -> str:
    """The API call that makes a result with these attributes (the history line of a file written
    from Python)."""
    args = [repr(attrs.get("scenario_name", "baseline"))]
    for key in ("paths", "seed", "horizon"):
        if key in attrs:
            args.append(f"{key}={int(attrs[key])}")
    if attrs.get("assumption_set") not in (None, "stochastic"):
        args.append(f"assumption_set={attrs['assumption_set']!r}")
    return f"simulator.run({', '.join(args)})"


def to_cf(ds: xr.Dataset, *, command: str | None = None, now=None) -> xr.Dataset:
    """A copy of a result ready to be written as a CF-1.11 netCDF file (``ds`` is not changed).

    * global attributes ``Conventions``, ``history`` (a new first line ``<UTC time> <command>``;
      ``command`` defaults to the :func:`simulator.run` call that made ``ds``; without a
      ``command``, a result that is already CF keeps its history), ``date_created``
      (UTC, ISO 8601), ``source`` and the software versions (:func:`software_versions`);
    * every ``units`` attribute as UDUNITS writes it, with a ``units_note`` where the quantity
      has no UDUNITS unit (:data:`CF_UNITS`: yuan and persons are counts, written ``1``);
    * an auxiliary coordinate ``time(year)``, the middle of each calendar year, with
      ``standard_name: time`` and ``axis: T``, so that CF tools find the time axis while
      ``year`` stays the integer dimension (``ds.sel(year=2030)`` works as before);
    * zlib compression of every data variable (:data:`CF_COMPRESSION`).

    ``now`` (a timezone-aware ``datetime``) fixes the time stamp, for tests.
    """
    import datetime as dt

    now = now or dt.datetime.now(dt.timezone.utc)
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = ds.copy(deep=False)
    attrs = dict(ds.attrs)
    # a result already made CF (a writer applying to_cf to what the CLI prepared) keeps its
    # history unless a new command is named: the simulator.run call would not be what made it
    if command is not None or attrs.get("Conventions") != CF_CONVENTIONS:
        line = f"{stamp} {command or _api_call(attrs)}"
        attrs["history"] = line + ("\n" + attrs["history"] if attrs.get("history") else "")
    attrs["Conventions"] = CF_CONVENTIONS
    attrs.setdefault("date_created", stamp)
    from . import __version__
    attrs["source"] = (f"fundsim {attrs.get('software_version', __version__)} ({attrs.get('engine', 'numba kernel')}): "
                       "Monte Carlo projection of China's basic medical insurance funds")
    attrs.update(software_versions())
    out.attrs = attrs
    for name in list(out.variables):
        var = out[name]
        a = dict(var.attrs)
        if "units" in a and name != "time":
            units, note = cf_units(str(a.pop("units")))
            if units is not None:
                a["units"] = units
            if note is not None:
                a["units_note"] = note
        out[name].attrs = a
        if name in out.data_vars and var.dtype.kind == "f":
            out[name].encoding = {**var.encoding, **CF_COMPRESSION}
    if "year" in out.dims and "time" not in out.variables:
        years = np.asarray(out["year"].values, dtype=int)
        # the middle of each calendar year: the row holds mid-year stocks, flows during the year
        # and balances at its end, so no single instant is exact; the middle is the one that
        # plots each year in its own place
        mid = np.array([f"{y:04d}-07-02" for y in years], dtype="datetime64[ns]")
        out = out.assign_coords(time=("year", mid, {
            "standard_name": "time", "axis": "T",
            "long_name": "middle of the calendar year (stocks mid-year, flows during the year, balances at year end)"}))
        out["time"].encoding = {"units": "days since 1970-01-01 00:00:00", "calendar": "proleptic_gregorian"}
    return out
