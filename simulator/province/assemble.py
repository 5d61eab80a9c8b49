"""A province's results (specification section 17): the regions' variables along a ``region``
dimension (each region, then ``province``), the provincial fund, the counts of regions in deficit
or exhausted, and their summaries."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import NonFiniteResultError
from ..results import VARIABLES
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
    "provincial_fund_expenditure": (("path", "year", "fund"), "yuan per year",
                                    "unified pool: its members' expenditure (what the pool pays); 0 in other modes"),
    "provincial_fund_reserve_months": (("path", "year", "fund"), "months",
                                       "unified pool: balance / (members' expenditure / 12); NaN before any region "
                                       "joins and in other modes"),
    "regions_in_deficit": (("path", "year", "fund"), "regions",
                           "number of regions with a current deficit: income (with interest, fiscal transfers and "
                           "adjustment-fund top-ups, net of the levy) below expenditure; a region kept at its floor "
                           "by top-ups is not counted (compare operating_balance); pooled funds (accounts 0)"),
    "regions_exhausted": (("path", "year", "fund"), "regions",
                          "number of regions whose own balance is below zero (a region in the unified pool has none); "
                          "pooled funds (accounts 0)"),
}
#: variables without a value while a region is in the unified pool (it keeps no balance)
BALANCE_VARIABLES = {"balance", "reserve_months", "fiscal_gap", "combined_pooled_balance",
                     "combined_pooled_reserve_months"}


def assemble_province(prep, arrays: dict, extra: dict, years, path_ids, attrs: dict) -> xr.Dataset:
    """A Dataset from the per-entry arrays (entries = regions, then the province: ``(E, P, ...)``)
    of :func:`simulator.province.run.run_prepared`, built in one step (no per-entry Datasets)."""
    from ..results.derived import _COORD_ATTRS
    from ..results.variables import FUNDS, LINES, SCHEMES
    entries = prep.names + [PROVINCE_ENTRY]
    values = {"path": np.asarray(path_ids, dtype=np.int64), "year": np.asarray(years), "fund": list(FUNDS),
              "scheme": list(SCHEMES), "line": list(LINES)}
    coords = {name: (name, v, dict(_COORD_ATTRS[name])) for name, v in values.items()}
    coords["region"] = ("region", entries, {"long_name": "region of the province; 'province' is the sum of every book "
                                                         "(the regions', the adjustment fund or the unified pool)"})
    data_vars = {}
    for name, arr in arrays.items():
        var = VARIABLES[name]
        data_vars[name] = (("path", "region") + var.dims[1:], np.moveaxis(arr, 0, 1),
                           {"units": var.units, "long_name": var.long_name, "computed_in": var.computed_in})
    for name, (dims, units, long_name) in PROVINCE_VARIABLES.items():
        if name in extra:
            arr = np.moveaxis(extra[name], 0, 1) if dims[1] == "region" else extra[name]
            data_vars[name] = (dims, arr, {"units": units, "long_name": long_name, "computed_in": "simulator.province"})
    if "provincial_fund_expenditure" in extra:
        with np.errstate(divide="ignore", invalid="ignore"):
            rm = np.where(extra["provincial_fund_expenditure"] > 0,
                          extra["provincial_fund_balance"] / (extra["provincial_fund_expenditure"] / 12.0), np.nan)
        units, long_name = PROVINCE_VARIABLES["provincial_fund_reserve_months"][1:]
        data_vars["provincial_fund_reserve_months"] = (("path", "year", "fund"), rm,
                                                       {"units": units, "long_name": long_name,
                                                        "computed_in": "simulator.province"})
    R = len(prep.names)
    pooled = np.array([f in POOLED_FUNDS for f in FUNDS])
    for name, source in (("regions_in_deficit", "current_balance"), ("regions_exhausted", "balance")):
        with np.errstate(invalid="ignore"):
            count = (arrays[source][:R] < 0).sum(axis=0).astype(float)  # (P, T, fund); NaN < 0 is False
        count[..., ~pooled] = 0.0
        units, long_name = PROVINCE_VARIABLES[name][1:]
        data_vars[name] = (("path", "year", "fund"), count,
                           {"units": units, "long_name": long_name, "computed_in": "simulator.province"})
    ds = xr.Dataset(coords=coords, attrs=dict(attrs))
    ds.update(data_vars)
    return ds


def check_province_finite(prep, arrays: dict, path_ids, years) -> None:
    """Every region's variables finite (as a single run's), the balances of regions in the unified
    pool excepted (they keep none)."""
    from ..kernels.pooling import MODE_UNIFIED
    from ..results.variables import MAY_BE_NAN
    R = len(prep.names)
    T = arrays["balance"].shape[2]
    member = np.zeros((R, 1, T), dtype=bool)  # (region, path, year): a region in the unified pool keeps no balance
    if prep.mode == MODE_UNIFIED:
        member[:, 0, :] = np.arange(T)[None, :] >= np.asarray(prep.join_t)[:, None]
    for name in VARIABLES:
        if name in MAY_BE_NAN or name not in arrays:
            continue
        bad = ~np.isfinite(arrays[name][:R])
        if name in BALANCE_VARIABLES:
            bad &= ~member.reshape(member.shape + (1,) * (bad.ndim - 3))
        if bad.any():
            r, p, t = np.argwhere(bad)[0][:3]
            raise NonFiniteResultError(f"the projection of region {prep.names[r]} produced a non-finite value: first "
                                       f"at path {int(path_ids[p])}, year {int(years[t])}, variable '{name}'; check "
                                       "its scenario's extreme values")


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
    out = _mask_pool_members(ds, out)
    out.attrs.update({k: ds.attrs[k] for k in ("pooling_mode", "regions") if k in ds.attrs})
    return out


def _mask_pool_members(ds: xr.Dataset, out: xr.Dataset) -> xr.Dataset:
    """A region in the unified pool keeps no balance: its balance-based summaries (reserve months,
    warning bands, exhaustion) are NaN ("no books") for its years in the pool, and for the whole
    horizon where the summary is over years (exhaustion year, within horizon)."""
    import json
    joins = json.loads(ds.attrs.get("unified_join_years", "{}"))
    if ds.attrs.get("pooling_mode") != "unified" or not any(v is not None for v in joins.values()):
        return out
    years = ds["year"].values
    member = xr.DataArray(np.array([[joins.get(str(r)) is not None and y >= joins[str(r)] for y in years]
                                    for r in ds["region"].values]),
                          dims=("region", "year"), coords={"region": ds["region"].values, "year": years})
    for name in list(out.data_vars):
        da = out[name]
        if "region" not in da.dims or not any(k in name for k in ("exhaustion", "band", "reserve_months")):
            continue
        mask = member if "year" in da.dims else member.any("year")
        out[name] = da.where(~mask).assign_attrs(da.attrs)
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
            p = float(ex.sel(region=r, fund=fund, year=last))
            lines.append(f"  {str(r):<16}{row}" + (f"{p:>10.3f}" if np.isfinite(p) else f"{'pooled':>10}"))
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
    if "out_of_region_expenditure" in ds and int(ds.attrs.get("out_of_region_passes", 1)) > 1:
        away = ds["out_of_region_expenditure"].sum("scheme").median("path") / 1e8
        lines.append("")
        lines.append(f"out-of-region care paid for by each region, median (亿元 = 1e8 yuan; priced by the hosts' DRG/DIP, "
                     f"solved in {int(ds.attrs['out_of_region_passes'])} passes)")
        for r in ds["region"].values[:-1]:
            if float(away.sel(region=r).max()) > 0:
                lines.append(f"  {str(r):<16}" + "".join(f"{float(away.sel(region=r, year=y)):>8.1f}" for y in shown))
    return "\n".join(lines)
