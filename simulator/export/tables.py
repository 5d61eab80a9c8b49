"""The tables of a result, as pandas DataFrames in long format (the tables are described in
:mod:`simulator.export`): ``summary``, ``events``, ``paths`` (whole or in blocks, for writers that
stream it) and ``about``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import xarray as xr

from ..results import VARIABLES
from ..summary import BANDS, EVENTS, quantile_key, summarize
from .read import ExportError

SUMMARY_COLUMNS = ("fund", "year", "variable", "statistic", "value", "units")
EVENTS_COLUMNS = ("fund", "event", "year", "statistic", "value", "units")
PATHS_COLUMNS = ("path", "year", "variable", "fund", "scheme", "line", "value", "units")

#: how the result's variables were kept (the run's ``precision``)
PRECISION_NOTES = {"double": "double (float64)",
                   "single": "single (float32, about 7 significant digits: each value is the double-precision "
                             "result rounded once; written here with more digits than it holds)"}
#: what each column and statistic means (the ``about`` table, and the how-to page)
COLUMN_NOTES = {
    "fund": "employee_pooled (统筹基金), employee_accounts (individual accounts), resident (居民医保基金), "
            "pooled_combined (both pooled funds together)",
    "year": "calendar year; stocks mid-year, flows during the year, balances at year end",
    "statistic": "p05, p25, p50, p75, p95: quantiles over the Monte Carlo paths (p50 is the median); mean; "
                 "mean_se: Monte Carlo standard error of the mean; probability: share of paths; "
                 "probability_se: its binomial standard error; named_set_*: the deterministic low-cost, central "
                 "and high-cost projections; first_in_year / by_year: share of paths whose event first happens "
                 "in / by that year",
    "value": "the number, in the row's units; empty: not defined (a reserve month with no expenditure) or, for an "
             "event year, not within the horizon",
    "units": "units of value: yuan are nominal CNY; months of expenditure; fraction of paths (0.25 is 25%)",
}


def _units(name, da) -> str:
    """The units to show for a variable: as declared (:data:`simulator.results.VARIABLES`), else
    the readable note or ``units`` a file carries."""
    if name in VARIABLES:
        return VARIABLES[name].units
    return str(da.attrs.get("units_note") or da.attrs.get("units") or "")


def _rows(da: xr.DataArray, variable, statistic, units, fund_dim="fund") -> pd.DataFrame:
    """Long rows ``fund, year, variable, statistic, value, units`` of a (fund, year) array."""
    da = da.transpose(fund_dim, "year")
    funds = np.repeat(da[fund_dim].values.astype(str), da.sizes["year"])
    years = np.tile(da["year"].values.astype(int), da.sizes[fund_dim])
    return pd.DataFrame({"fund": funds, "year": years, "variable": variable, "statistic": statistic,
                         "value": da.values.astype(float).ravel(), "units": units})


def _money_view(ds: xr.Dataset) -> xr.Dataset:
    """Income, expenditure and balance per path of every fund (the accounts too) and of both pooled
    funds together (``pooled_combined``: per-path sums, so that its quantiles are those of the sum)."""
    from ..results import POOLED_FUNDS

    out = {}
    for var in ("income", "expenditure", "balance"):
        combined = ds[var].sel(fund=list(POOLED_FUNDS)).sum("fund").expand_dims(fund=["pooled_combined"])
        out[var] = xr.concat([ds[var], combined], dim="fund")
    return xr.Dataset(out)


REGION_NOTE = ("a city of the province (each region's own books), or province: the province's sum, or its "
               "unified pool; a province result's tables start with this column")


def _by_region(table, ds: xr.Dataset, s: xr.Dataset | None) -> pd.DataFrame:
    """``table`` of a province result (with a ``region`` dimension): each region's rows, a
    ``region`` column first."""
    import warnings

    from ..province.assemble import summarize_province
    frames = []
    with warnings.catch_warnings():
        # a region in the unified pool keeps no balance: its reserve months are NaN
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        s = summarize_province(ds) if s is None else s
        for r in ds["region"].values:
            df = table(ds.sel(region=r), s.sel(region=r))
            df.insert(0, "region", str(r))
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def summary_table(ds: xr.Dataset, s: xr.Dataset | None = None) -> pd.DataFrame:
    """The ``summary`` table (:mod:`simulator.export`) of a result; ``s`` is its :func:`summarize` if
    already computed.  A province result (``region`` dimension) gives each region's rows, with a
    ``region`` column, and the probability that any region is exhausted as region ``province``."""
    from ..named_sets import SET_ORDER, has_named_sets, named_reserve_months

    if "region" in ds.dims:
        from ..province.assemble import any_region_exhausted
        out = _by_region(summary_table, ds, s)
        p = any_region_exhausted(ds).mean("path").transpose("fund", "year")
        extra = _rows(p, "any_region_exhausted_probability_by_year", "probability", "fraction of paths")
        extra.insert(0, "region", "province")
        return pd.concat([out, extra], ignore_index=True)
    s = summarize(ds) if s is None else s
    parts = []
    for q in s["quantile"].values:
        parts.append(_rows(s["reserve_months_quantile"].sel(quantile=q, drop=True), "reserve_months",
                           quantile_key(q), "months"))
    parts.append(_rows(s["reserve_months_mean"], "reserve_months", "mean", "months"))
    parts.append(_rows(s["reserve_months_mean_se"], "reserve_months", "mean_se", "months"))
    if has_named_sets(ds):
        for fund in s["fund"].values:
            named = named_reserve_months(ds, str(fund))
            for k in SET_ORDER:
                parts.append(_rows(named.sel(assumption_set=k, drop=True).expand_dims(fund=[str(fund)]),
                                   "reserve_months", f"named_set_{k}", "months"))
    for band, _, _ in BANDS:
        parts.append(_rows(s["band_probability"].sel(band=band, drop=True), f"band_probability_{band}",
                           "probability", "fraction of paths"))
        parts.append(_rows(s["band_probability_se"].sel(band=band, drop=True), f"band_probability_{band}",
                           "probability_se", "fraction of paths"))
    for key in ("deficit", "operating_deficit", "exhaustion"):
        name = f"{key}_probability_by_year"
        parts.append(_rows(s[name], name, "probability", "fraction of paths"))
        parts.append(_rows(s[f"{name}_se"], name, "probability_se", "fraction of paths"))
    flows = _money_view(ds)
    n = ds.sizes["path"]
    for var in ("income", "expenditure", "balance"):
        units = _units(var, ds[var])
        da = flows[var]
        for q in s["quantile"].values:
            parts.append(_rows(da.quantile(float(q), dim="path").drop_vars("quantile"), var, quantile_key(q), units))
        parts.append(_rows(da.mean("path"), var, "mean", units))
        se = da.std("path", ddof=1) / np.sqrt(n) if n > 1 else da.mean("path") * np.nan
        parts.append(_rows(se, var, "mean_se", units))
    for flag in ("dip_floor_binding", "dip_income_cap_binding"):
        if flag in ds:  # share of paths per scheme; the scheme's pooled fund carries it
            share = ds[flag].mean("path").sel(scheme=["employee", "resident"])
            share = share.assign_coords(scheme=["employee_pooled", "resident"])
            parts.append(_rows(share, f"{flag}_share", "probability", "fraction of paths", fund_dim="scheme"))
    return pd.concat(parts, ignore_index=True)[list(SUMMARY_COLUMNS)]


def events_table(ds: xr.Dataset, s: xr.Dataset | None = None) -> pd.DataFrame:
    """The ``events`` table (:mod:`simulator.export`): the distribution of each event's year (a
    province result's by region, with a ``region`` column)."""
    from ..summary import event_years

    if "region" in ds.dims:
        return _by_region(events_table, ds, s)
    s = summarize(ds) if s is None else s
    ev = event_years(ds)
    years = ds["year"].values.astype(int)
    projected = years[1:] if len(years) > 1 else years
    rows = []
    for name in EVENTS:
        e = ev[name].transpose("path", "fund")
        for j, fund in enumerate(e["fund"].values.astype(str)):
            col = e.values[:, j]
            n = col.shape[0]
            cumulative = 0.0
            for y in projected:
                first = float(np.sum(col == y)) / n
                cumulative += first
                rows.append((fund, name, int(y), "first_in_year", first, "fraction of paths"))
                rows.append((fund, name, int(y), "by_year", cumulative, "fraction of paths"))
            within = float(s[f"{name}_within_horizon"].sel(fund=fund))
            rows.append((fund, name, None, "probability", within, "fraction of paths"))
            rows.append((fund, name, None, "probability_se", float(s[f"{name}_within_horizon_se"].sel(fund=fund)),
                         "fraction of paths"))
            qv = s[f"{name}_quantile"].sel(fund=fund)
            for q in s["quantile"].values:
                v = float(qv.sel(quantile=q))
                rows.append((fund, name, None, quantile_key(q), v if np.isfinite(v) else np.nan, "calendar year"))
    df = pd.DataFrame(rows, columns=list(EVENTS_COLUMNS))
    df["year"] = df["year"].astype("Int64")  # whole years, empty where the row is not per year
    return df


def path_variables(ds: xr.Dataset, variables=None) -> list:
    """The variables of the ``paths`` table: ``variables`` (names) or every variable along
    ``path``; :class:`ExportError` for a name the result does not hold."""
    along = [n for n in ds.data_vars if "path" in ds[n].dims]
    if not variables:
        return along
    names = list(dict.fromkeys(variables))
    unknown = [n for n in names if n not in along]
    if unknown:
        from ..errors import suggest
        raise ExportError(f"--variables: {', '.join(unknown)} not in the results file{suggest(unknown[0], along)}; "
                          f"it holds {', '.join(along)}")
    return names


#: paths per block of the paths table made and written at a time: bounds the memory of a large
#: export to a block's rows (a block of 2,000 paths of one variable by fund is 246,000 rows)
PATH_BLOCK = 2000


def paths_rows(ds: xr.Dataset, variables=None) -> int:
    """Rows of the ``paths`` table, known before it is made."""
    return int(sum(ds[n].size for n in path_variables(ds, variables)))


def paths_columns(ds: xr.Dataset) -> list:
    """The columns of the ``paths`` table: :data:`PATHS_COLUMNS`, with ``region`` first for a province."""
    return (["region"] if "region" in ds.dims else []) + list(PATHS_COLUMNS)


def iter_paths_table(ds: xr.Dataset, variables=None, block: int | None = None):
    """The ``paths`` table in pieces (one variable, at most ``block`` paths each; default
    :data:`PATH_BLOCK`), for writers that stream it to disk."""
    block = int(block or PATH_BLOCK)
    columns = paths_columns(ds)
    for name in path_variables(ds, variables):
        da = ds[name]
        extra = [d for d in da.dims if d not in ("path", "year")]
        da = da.transpose("path", "year", *extra)
        units = _units(name, da)
        for start in range(0, da.sizes["path"], block):
            part = da.isel(path=slice(start, start + block))
            index = pd.MultiIndex.from_product([part[d].values for d in part.dims], names=list(part.dims))
            df = index.to_frame(index=False)
            df["value"] = part.values.astype(float).ravel()
            df["variable"] = name
            df["units"] = units
            for col in columns:
                if col not in df:
                    df[col] = None
            yield df[columns]


def paths_table(ds: xr.Dataset, variables=None) -> pd.DataFrame:
    """The ``paths`` table (:mod:`simulator.export`): every value of the chosen variables, one per row."""
    parts = list(iter_paths_table(ds, variables))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=paths_columns(ds))
    for col in ("region", "variable", "fund", "scheme", "line", "units")[0 if "region" in ds.dims else 1:]:
        out[col] = out[col].astype("category")  # few distinct words over millions of rows
    return out


def about_table(ds: xr.Dataset, source=None, now=None) -> pd.DataFrame:
    """The ``about`` table: what the result is and what the columns mean (``key, value``)."""
    from .. import __version__

    now = now or dt.datetime.now(dt.timezone.utc)
    a = ds.attrs
    years = ds["year"].values
    rows = [
        ("scenario", a.get("scenario_name", "")),
        ("paths", str(a.get("paths", ds.sizes.get("path", "")))),
        ("seed", str(a.get("seed", ""))),
        ("years", f"{int(years[0])}-{int(years[-1])}"),
        ("precision", PRECISION_NOTES.get(str(a.get("precision", "double")), str(a.get("precision")))),
        ("results_file", str(source) if source else "(in memory)"),
        ("results_software_version", str(a.get("software_version", ""))),
        ("exported", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("exported_by", f"fundsim {__version__}"),
        ("money", "nominal yuan (CNY)"),
    ]
    if "region" in ds.dims:
        rows.append(("column region", REGION_NOTE))
    rows += [(f"column {k}", v) for k, v in COLUMN_NOTES.items()]
    rows += [(f"event {k}", v) for k, v in EVENTS.items()]
    rows += [(f"band {name}", f"reserve months in [{lo:g}, {hi:g})") for name, lo, hi in BANDS]
    return pd.DataFrame(rows, columns=["key", "value"])
