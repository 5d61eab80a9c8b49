"""Named deterministic projections beside the stochastic bands (specification section 13).

As the social-security trustees show them: the low-cost, central and high-cost assumption sets
(:mod:`simulator.scenario.assumption_sets`: every sigma zero, each uncertain value at its mean or
at the stated quantile in its cost direction, epidemics at their expected cost) are each run as
one deterministic path and attached to a stochastic result as variables with an
``assumption_set`` dimension, so that summaries, the report and the fan chart show them next to
the percentiles, and a results file carries them.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

#: in the order the trustees' reports list them
SET_ORDER = ("low_cost", "central", "high_cost")
#: the variables kept per set (pooled funds and their combination; enough for the summary)
_KEPT = ("reserve_months", "balance", "income", "expenditure", "combined_pooled_reserve_months",
         "combined_pooled_balance")


def named_set_runs(loaded, *, horizon=None, quantile=0.9, threads=None) -> xr.Dataset:
    """The three deterministic projections of a loaded scenario: a Dataset of ``named_*``
    variables over ``assumption_set`` (``low_cost``, ``central``, ``high_cost``), year and fund."""
    from .api import prepare, run_compiled

    runs = []
    for which in SET_ORDER:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lo, comp = prepare(loaded, paths=1, horizon=horizon, assumption_set=which, assumption_quantile=quantile)
            ds = run_compiled(lo, comp, threads=threads, variables=list(_KEPT))
        runs.append(ds[list(_KEPT)].isel(path=0, drop=True))
    out = xr.concat(runs, dim=xr.DataArray(list(SET_ORDER), dims="assumption_set", name="assumption_set"))
    renamed = {}
    for name in _KEPT:
        da = out[name]
        da.attrs = dict(da.attrs)
        da.attrs["long_name"] = f"{da.attrs.get('long_name', name)}, deterministic at each named assumption set"
        renamed[f"named_{name}"] = da
    res = xr.Dataset(renamed)
    res["assumption_set"].attrs = {
        "long_name": "deterministic assumption set (every sigma zero; uncertain values at their mean, or at the "
                     f"{quantile:.0%} quantile in their cost direction; epidemics at their expected cost)"}
    res.attrs["named_set_quantile"] = float(quantile)
    return res


def attach(ds: xr.Dataset, named: xr.Dataset) -> xr.Dataset:
    """``ds`` with the named sets' variables added (years must agree)."""
    if not np.array_equal(ds["year"].values, named["year"].values):
        raise ValueError("the named sets and the stochastic run cover different years")
    out = ds.assign({k: v for k, v in named.data_vars.items()})
    out.attrs["named_set_quantile"] = named.attrs.get("named_set_quantile", 0.9)
    return out


def has_named_sets(ds) -> bool:
    return "named_reserve_months" in ds and "assumption_set" in ds.dims


def named_reserve_months(ds: xr.Dataset, fund: str) -> xr.DataArray:
    """Reserve months of a pooled fund (or ``pooled_combined``) at each named set: (assumption_set, year)."""
    if fund == "pooled_combined":
        return ds["named_combined_pooled_reserve_months"]
    return ds["named_reserve_months"].sel(fund=fund)


def named_exhaustion_year(ds: xr.Dataset, fund: str) -> dict:
    """The first projection year with a negative balance at each named set (``None``: not within the horizon)."""
    bal = ds["named_combined_pooled_balance"] if fund == "pooled_combined" else ds["named_balance"].sel(fund=fund)
    years = ds["year"].values
    out = {}
    for which in bal["assumption_set"].values:
        b = bal.sel(assumption_set=which).values[1:]
        neg = np.nonzero(b < 0)[0]
        out[str(which)] = int(years[1 + neg[0]]) if neg.size else None
    return out
