"""A province's results (specification section 17): the regions' variables along a ``region``
dimension (each region, then ``province``), the provincial fund, the counts of regions in deficit
or exhausted, and their summaries."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import NonFiniteResultError
from ..results import VARIABLES, first_nonfinite
from ..results.variables import POOLED_FUNDS
from .spec import PROVINCE_ENTRY

#: the variables of a province run besides those of :data:`simulator.results.VARIABLES`
PROVINCE_VARIABLES = {
    "adjustment_levy": (("path", "region", "year", "fund"), "yuan per year",
                        "paid into the provincial adjustment fund: share * contribution income (pooled funds)"),
    "adjustment_top_up": (("path", "region", "year", "fund"), "yuan per year",
                          "received from the adjustment fund at year end, up to the minimum months, largest need first"),
    "provincial_fund_balance": (("path", "year", "fund"), "yuan",
                                "balance at year end of the adjustment fund (mode adjustment_fund) or of the unified "
                                "pool (mode unified); 0 in mode separate"),
    "provincial_fund_interest": (("path", "year", "fund"), "yuan per year", "interest of the provincial fund"),
    "provincial_fund_transfer": (("path", "year", "fund"), "yuan per year",
                                 "adjustment fund: top-ups paid to the regions; unified pool: fiscal backstop transfer"),
    "regions_in_deficit": (("path", "year", "fund"), "regions",
                           "number of regions with a current deficit (income < expenditure); pooled funds (accounts 0)"),
    "regions_exhausted": (("path", "year", "fund"), "regions",
                          "number of regions whose own balance is below zero (a region in the unified pool has none); "
                          "pooled funds (accounts 0)"),
}
#: variables without a value while a region is in the unified pool (it keeps no balance)
BALANCE_VARIABLES = {"balance", "reserve_months", "fiscal_gap", "combined_pooled_balance",
                     "combined_pooled_reserve_months"}


def assemble_province(prep, arrays: dict, extra: dict, years, path_ids, attrs: dict) -> xr.Dataset:
    """A Dataset from the per-entry arrays (entries = regions, then the province) of
    :func:`simulator.province.run.run_prepared`."""
    from ..results import assemble
    entries = prep.names + [PROVINCE_ENTRY]
    parts = [assemble({k: v[e] for k, v in arrays.items()}, years, path_ids, {}) for e in range(len(entries))]
    ds = xr.concat(parts, dim=xr.DataArray(entries, dims="region", name="region",
                                           attrs={"long_name": "region of the province; 'province' is their sum "
                                                  "with the provincial fund"}),
                   data_vars="all", coords="minimal", compat="override", join="override")
    ds = ds.transpose("path", "region", ...)
    for name, (dims, units, long_name) in PROVINCE_VARIABLES.items():
        if name in extra:
            arr = extra[name]
            if dims[1] == "region":
                arr = np.moveaxis(arr, 0, 1)
            ds[name] = (dims, arr, {"units": units, "long_name": long_name, "computed_in": "simulator.province"})
    if "current_balance" in ds and "balance" in ds:
        regions = ds.sel(region=prep.names)
        for name, flag in (("regions_in_deficit", regions["current_balance"] < 0),
                           ("regions_exhausted", regions["balance"] < 0)):
            count = flag.sum("region").astype(float)
            count = count.where(count["fund"].isin(list(POOLED_FUNDS)), 0.0).transpose("path", "year", "fund")
            units, long_name = PROVINCE_VARIABLES[name][1:]
            ds[name] = count.assign_attrs(units=units, long_name=long_name, computed_in="simulator.province")
    ds.attrs.update(attrs)
    return ds


def check_province_finite(prep, ds: xr.Dataset) -> None:
    """Every region's variables finite (as a single run's), the balances of regions in the unified
    pool excepted (they keep none)."""
    from ..kernels.pooling import MODE_UNIFIED
    skip = BALANCE_VARIABLES if prep.mode == MODE_UNIFIED else set()
    for r in prep.names:
        part = ds.sel(region=r)[[v for v in VARIABLES if v in ds and v not in skip]]
        bad = first_nonfinite(part)
        if bad is not None:
            path, year, name = bad
            raise NonFiniteResultError(f"the projection of region {r} produced a non-finite value: first at path "
                                       f"{path}, year {year}, variable '{name}'; check its scenario's extreme values")


def any_region_exhausted(ds: xr.Dataset) -> xr.DataArray:
    """(path, year, fund) True from the first year in which any region's own balance, or the
    provincial fund's in mode unified, is below zero; ``fund`` the pooled funds and
    ``pooled_combined`` (both pooled funds of a region together)."""
    regions = [r for r in ds["region"].values if r != PROVINCE_ENTRY]
    own = ds["balance"].sel(region=regions, fund=list(POOLED_FUNDS))
    combined = ds["combined_pooled_balance"].sel(region=regions).expand_dims(fund=["pooled_combined"])
    flag = (xr.concat([own, combined], dim="fund") < 0).any("region")
    if ds.attrs.get("pooling_mode") == "unified":
        fund = ds["provincial_fund_balance"].sel(fund=list(POOLED_FUNDS))
        fund = xr.concat([fund, fund.sum("fund").expand_dims(fund=["pooled_combined"])], dim="fund")
        flag = flag | (fund < 0)
    return (flag.cumsum("year") > 0).transpose("path", "year", "fund")


def summarize_province(ds: xr.Dataset) -> xr.Dataset:
    """:func:`simulator.summary.summarize` per region and for the province, plus the probability,
    by year, that any region is exhausted (pooled funds) and the mean number of regions in deficit."""
    import warnings

    from ..summary import summarize
    with warnings.catch_warnings():
        # a region in the unified pool has no balance of its own: its reserve months are NaN
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        out = summarize(ds)
    anyx = any_region_exhausted(ds)
    n = ds.sizes["path"]
    p = anyx.mean("path")
    out["any_region_exhausted_probability_by_year"] = p.assign_attrs(units="fraction of paths")
    out["any_region_exhausted_probability_by_year_se"] = np.sqrt(p * (1 - p) / n).assign_attrs(units="fraction of paths")
    out["regions_in_deficit_mean"] = ds["regions_in_deficit"].sel(fund=list(POOLED_FUNDS)).mean("path").assign_attrs(units="regions")
    out["regions_exhausted_mean"] = ds["regions_exhausted"].sel(fund=list(POOLED_FUNDS)).mean("path").assign_attrs(units="regions")
    out.attrs.update({k: ds.attrs[k] for k in ("pooling_mode", "regions") if k in ds.attrs})
    return out


def format_province(ds: xr.Dataset, step: int = 5) -> str:
    """The province's summary as text: per region and fund, median reserve months every ``step``
    years and the probability of exhaustion by the last year; then any region exhausted."""
    s = summarize_province(ds)
    years = [int(y) for y in ds["year"].values]
    shown = years[::step] + ([years[-1]] if (len(years) - 1) % step else [])
    last = years[-1]
    mode = ds.attrs.get("pooling_mode", "separate")
    lines = [f"province {ds.attrs.get('scenario_name')}: {len(ds['region']) - 1} regions, pooling {mode}, "
             f"{ds.sizes['path']} paths", ""]
    rm = s["reserve_months_quantile"].sel(quantile=0.5)
    ex = s["exhaustion_probability_by_year"]
    for fund in POOLED_FUNDS:
        lines.append(f"{fund}: median reserve months (months) and P(exhausted by {last})")
        lines.append(f"  {'region':<16}" + "".join(f"{y:>8}" for y in shown) + f"{'P(exh.)':>10}")
        for r in ds["region"].values:
            vals = rm.sel(region=r, fund=fund)
            row = "".join(f"{float(vals.sel(year=y)):>8.1f}" if np.isfinite(float(vals.sel(year=y))) else f"{'pooled':>8}"
                          for y in shown)
            lines.append(f"  {str(r):<16}{row}{float(ex.sel(region=r, fund=fund, year=last)):>10.3f}")
        lines.append("")
    pa = s["any_region_exhausted_probability_by_year"]
    lines.append("P(any region exhausted by year)" + (" (or the unified pool)" if mode == "unified" else ""))
    lines.append(f"  {'fund':<16}" + "".join(f"{y:>8}" for y in shown))
    for fund in POOLED_FUNDS:
        lines.append(f"  {fund:<16}" + "".join(f"{float(pa.sel(fund=fund, year=y)):>8.3f}" for y in shown))
    if mode != "separate":
        fb = ds["provincial_fund_balance"].median("path") / 1e8
        lines.append("")
        lines.append(("adjustment fund" if mode == "adjustment_fund" else "unified pool") +
                     " balance at year end, median (亿元 = 1e8 yuan)")
        for fund in POOLED_FUNDS:
            lines.append(f"  {fund:<16}" + "".join(f"{float(fb.sel(fund=fund, year=y)):>8.1f}" for y in shown))
    return "\n".join(lines)
