"""The kernel's output array turned into declared variables and a labelled Dataset.

:func:`derive` computes every declared variable (:mod:`simulator.results.variables`) from the
kernel output of some paths, :func:`select_variables` names those a run keeps,
:func:`assemble` makes the Dataset (and checks that every variable leaving the API carries
``units`` and ``long_name``), :func:`first_nonfinite` finds a value that should not be NaN.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import layout as L
from .._lazy_dask import install as _lazy_dask
from .variables import CORE, FUNDS, LINES, MAY_BE_NAN, SCHEMES, VARIABLES

_lazy_dask()  # a Dataset made here does not import dask (0.2 s)

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
    "breakeven_rate_slope": L.O_BREAKEVEN_RATE_SLOPE,
    "contribution_base": L.O_CONTRIB_BASE,
}
_BY_SCHEME = {
    "leakage": L.O_LEAK, "recoveries": L.O_RECOV, "dip_demand": L.O_DIP_DEMAND, "dip_payment": L.O_DIP_PAY,
    "dip_budget": L.O_DIP_BUDGET, "dip_points": L.O_POINTS, "point_value_reference": L.O_PV_REF,
    "hospital_margin": L.O_MARGIN, "dip_floor_overrun": L.O_DIP_FLOOR_OVERRUN, "dip_floor_binding": L.O_DIP_FLOOR_BINDING,
    "dip_income_cap_binding": L.O_DIP_CAP_BINDING, "inpatient_price_ratio": L.O_DIP_PRICE_RATIO,
    "out_of_region_expenditure": L.O_OUT_OF_REGION,
}


def _safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), np.nan)


def select_variables(variables="all") -> tuple:
    """Names of the variables to keep: ``"all"``, ``"core"`` or an iterable of names."""
    if variables == "all":
        return tuple(VARIABLES)
    if variables == "core":
        return CORE
    names = tuple(variables)
    unknown = [n for n in names if n not in VARIABLES]
    if unknown:
        from ..errors import SimulatorError
        from ..errors import suggest
        raise SimulatorError(f"unknown output variable(s) {', '.join(unknown)}{suggest(unknown[0], VARIABLES)}")
    return names


_COORD_ATTRS = {
    "year": {"units": "calendar year",
             "long_name": "calendar year (mid-year stocks, flows during the year, balances at year end)"},
    "path": {"long_name": "Monte Carlo path index (draws depend only on seed and this index)"},
    "fund": {"long_name": "fund: employee_pooled (the employee scheme's pooled fund), employee_accounts "
                          "(its individual accounts), resident (the resident scheme's fund)"},
    "scheme": {"long_name": "scheme: employee (employee basic medical insurance), resident (resident "
                            "basic medical insurance)"},
    "line": {"long_name": "service line of medical expenditure"},
}


def assemble(data: dict, years, path_ids, attrs: dict) -> xr.Dataset:
    """A Dataset from arrays of declared variables (checked for units and long names).

    The coordinates with their attributes, then every variable in one update (assigning them one
    by one cost 0.1 s of a plain run)."""
    values = {"path": np.asarray(path_ids, dtype=np.int64), "year": np.asarray(years), "fund": list(FUNDS),
              "scheme": list(SCHEMES), "line": list(LINES)}
    coords = {name: (name, v, dict(_COORD_ATTRS[name])) for name, v in values.items()}
    data_vars = {}
    for name, arr in data.items():
        var = VARIABLES[name]
        data_vars[name] = (var.dims, arr, {"units": var.units, "long_name": var.long_name, "computed_in": var.computed_in})
    missing = [n for n, v in data_vars.items() if not {"units", "long_name"} <= set(v[2])]
    assert not missing, f"variables without units/long_name: {missing}"
    ds = xr.Dataset(coords=coords, attrs=dict(attrs))
    ds.update(data_vars)  # after the coordinates, so that files list the variables in the same order
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
