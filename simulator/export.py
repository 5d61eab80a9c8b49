"""Results as tables for spreadsheets and scripts: CSV, Excel (.xlsx) and Parquet (``fundsim export``).

Every table is in long format, one number per row, with its unit in a ``units`` column (so a
filter or a pivot table in Excel, or ``dplyr::filter`` in R, picks any figure without reshaping):

``summary``
    ``fund, year, variable, statistic, value, units``: what :func:`simulator.summary.summarize`
    computes over paths, for every year: reserve months (quantiles ``p05`` ... ``p95``, ``mean``,
    ``mean_se``), the probability of each warning band, of a deficit and of exhaustion by the year
    (``probability`` and its binomial ``probability_se``), income, expenditure and balance of
    every fund and of both pooled funds together (quantiles, mean), the DRG/DIP binding shares, and the named deterministic sets
    (``named_set_low_cost`` ...) where the result carries them.
``events``
    ``fund, event, year, statistic, value, units``: for each pooled fund and event (first current
    deficit, first operating deficit, exhaustion) the share of paths in which it first happens in
    each year (``first_in_year``) and by each year (``by_year``); with an empty ``year``, the share
    of paths in which it happens within the horizon and the quantiles of its year (an empty
    ``value``: not within the horizon in that share of paths).
``paths`` (only with ``all_paths``)
    ``path, year, variable, fund, scheme, line, value, units``: every kept variable of every path
    (``fund``, ``scheme`` and ``line`` are empty where a variable has no such dimension).
``about``
    ``key, value``: the scenario, seed, paths, source file, software version and what the columns
    mean.

CSV and Parquet write one file per table, named after the output file with the table's name
added (``-o r.csv`` writes ``r_summary.csv``, ``r_events.csv``, ``r_about.csv`` and, with paths,
``r_paths.csv``); Excel writes one workbook with a sheet per table. CSV files are UTF-8 with a
byte-order mark, which Excel needs to read UTF-8 and readr and pandas skip. All files are
written atomically and together: either every table is written or none is.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .errors import EXIT_BAD_INPUT, SimulatorError
from .io import OutputPathError, atomic_path, check_output_path
from .results import VARIABLES
from .summary import BANDS, EVENTS, quantile_key, summarize

#: export format -> file name ending
FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
#: file name ending -> export format
FORMAT_OF_SUFFIX = {suffix: fmt for fmt, suffix in FORMATS.items()}
#: rows an Excel sheet holds (with the header row)
XLSX_MAX_ROWS = 1_048_576
#: what `pip` installs for Parquet
PARQUET_HINT = "pip install 'fundsim[parquet]'"

SUMMARY_COLUMNS = ("fund", "year", "variable", "statistic", "value", "units")
EVENTS_COLUMNS = ("fund", "event", "year", "statistic", "value", "units")
PATHS_COLUMNS = ("path", "year", "variable", "fund", "scheme", "line", "value", "units")

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


class ExportError(SimulatorError):
    """An export that cannot be made: a results file that cannot be read, an option that does not
    fit the file (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


# --------------------------------------------------------------------------- input

#: variables a results file must hold for the summary tables
NEEDED = ("reserve_months", "combined_pooled_reserve_months", "balance", "combined_pooled_balance", "income",
          "expenditure", "contribution_income")


def open_results(path, *, what="RESULTS") -> xr.Dataset:
    """A results file written by ``fundsim run --out`` (netCDF), loaded into memory.

    :class:`ExportError` (exit 2) names the file and the problem: not found, a folder, not a
    netCDF file, or a file without the variables the summary needs."""
    p = Path(path)
    label = f"{what} {path}" if what else str(path)
    if not p.exists():
        raise ExportError(f"{label}: results file not found")
    if p.is_dir():
        raise ExportError(f"{label}: is a directory, not a results file (a netCDF file written by fundsim run --out)")
    try:
        with xr.open_dataset(p, engine="netcdf4") as f:
            ds = f.load()
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise ExportError(f"{label}: cannot be read as a results file (netCDF written by fundsim run --out): "
                          f"{type(e).__name__}: {e}") from None
    missing = [v for v in NEEDED if v not in ds] + [d for d in ("path", "year", "fund") if d not in ds.dims]
    if missing:
        raise ExportError(f"{label}: not a fundsim results file, or written with too few --variables: it lacks "
                          f"{', '.join(missing)} (rerun fundsim run with --variables core or all)")
    return ds


# --------------------------------------------------------------------------- tables

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
    from .results import POOLED_FUNDS

    out = {}
    for var in ("income", "expenditure", "balance"):
        combined = ds[var].sel(fund=list(POOLED_FUNDS)).sum("fund").expand_dims(fund=["pooled_combined"])
        out[var] = xr.concat([ds[var], combined], dim="fund")
    return xr.Dataset(out)


def summary_table(ds: xr.Dataset, s: xr.Dataset | None = None) -> pd.DataFrame:
    """The ``summary`` table (module docstring) of a result; ``s`` is its :func:`summarize` if
    already computed."""
    from .named_sets import SET_ORDER, has_named_sets, named_reserve_months

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
    """The ``events`` table (module docstring): the distribution of each event's year."""
    from .summary import event_years

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
        from .scenario.values import suggest
        raise ExportError(f"--variables: {', '.join(unknown)} not in the results file{suggest(unknown[0], along)}; "
                          f"it holds {', '.join(along)}")
    return names


#: paths per block of the paths table made and written at a time: bounds the memory of a large
#: export to a block's rows (a block of 2,000 paths of one variable by fund is 246,000 rows)
PATH_BLOCK = 2000


def paths_rows(ds: xr.Dataset, variables=None) -> int:
    """Rows of the ``paths`` table, known before it is made."""
    return int(sum(ds[n].size for n in path_variables(ds, variables)))


def iter_paths_table(ds: xr.Dataset, variables=None, block: int | None = None):
    """The ``paths`` table in pieces (one variable, at most ``block`` paths each; default
    :data:`PATH_BLOCK`), for writers that stream it to disk."""
    block = int(block or PATH_BLOCK)
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
            for col in PATHS_COLUMNS:
                if col not in df:
                    df[col] = None
            yield df[list(PATHS_COLUMNS)]


def paths_table(ds: xr.Dataset, variables=None) -> pd.DataFrame:
    """The ``paths`` table (module docstring): every value of the chosen variables, one per row."""
    parts = list(iter_paths_table(ds, variables))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(PATHS_COLUMNS))
    for col in ("variable", "fund", "scheme", "line", "units"):
        out[col] = out[col].astype("category")  # few distinct words over millions of rows
    return out


def _write_csv(tmp, frames) -> None:
    """Frames one after the other as one CSV file (UTF-8 with a byte-order mark, one header)."""
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        header = True
        for df in frames:
            df.to_csv(fh, index=False, na_rep="", header=header)
            header = False


def _write_parquet(tmp, frames, columns) -> None:
    """Frames one after the other as one Parquet file (pyarrow; one row group per frame)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"path": pa.int64(), "year": pa.int64(), "value": pa.float64()}  # the rest: text
    schema = pa.schema([(c, kinds.get(c, pa.string())) for c in columns])
    with pq.ParquetWriter(tmp, schema) as writer:
        for df in frames:
            writer.write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False))


def about_table(ds: xr.Dataset, source=None, now=None) -> pd.DataFrame:
    """The ``about`` table: what the result is and what the columns mean (``key, value``)."""
    from . import __version__

    now = now or dt.datetime.now(dt.timezone.utc)
    a = ds.attrs
    years = ds["year"].values
    rows = [
        ("scenario", a.get("scenario_name", "")),
        ("paths", str(a.get("paths", ds.sizes.get("path", "")))),
        ("seed", str(a.get("seed", ""))),
        ("years", f"{int(years[0])}-{int(years[-1])}"),
        ("results_file", str(source) if source else "(in memory)"),
        ("results_software_version", str(a.get("software_version", ""))),
        ("exported", now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("exported_by", f"fundsim {__version__}"),
        ("money", "nominal yuan (CNY)"),
    ]
    rows += [(f"column {k}", v) for k, v in COLUMN_NOTES.items()]
    rows += [(f"event {k}", v) for k, v in EVENTS.items()]
    rows += [(f"band {name}", f"reserve months in [{lo:g}, {hi:g})") for name, lo, hi in BANDS]
    return pd.DataFrame(rows, columns=["key", "value"])


# --------------------------------------------------------------------------- output

def output_format(out, to=None, *, option="-o/--out") -> tuple:
    """(format, path to write) for output ``out`` and ``--to`` ``to``.

    The format is ``to`` or, without it, the one the name ends in; a name without a suffix gets
    the format's. An unknown suffix, or one that contradicts ``to``, is refused with
    :class:`~simulator.io.OutputPathError` (exit 2)."""
    raw = str(out) if out is not None else ""
    if not raw.strip():
        raise OutputPathError(f"{option} {raw!r}: empty file name; give a file name")
    p = Path(raw)
    suffix = p.suffix.lower()
    endings = ", ".join(FORMATS.values())
    if to is not None and to not in FORMATS:
        raise ExportError(f"--to {to}: unknown format; choose {', '.join(FORMATS)}")
    if not suffix:
        if to is None:
            raise OutputPathError(f"{option} {raw}: no suffix; give --to {'|'.join(FORMATS)} or a name ending in {endings}")
        return to, p.with_name(p.name + FORMATS[to])
    if suffix not in FORMAT_OF_SUFFIX:
        hint = ("; .xls is the old Excel format, write .xlsx (Excel 2007 and later)" if suffix == ".xls"
                else "; fundsim run --out writes the netCDF results, fundsim export makes tables of them"
                if suffix == ".nc" else "")
        raise OutputPathError(f"{option} {raw}: unknown suffix '{p.suffix}'; give a name ending in {endings}{hint}")
    fmt = FORMAT_OF_SUFFIX[suffix]
    if to is not None and to != fmt:
        raise OutputPathError(f"{option} {raw}: the name ends in {p.suffix} but --to is {to}; "
                              f"name it {p.with_suffix(FORMATS[to]).name} or give --to {fmt}")
    return fmt, p


def table_files(path: Path, fmt: str, tables) -> dict:
    """Table -> file it goes to: one file per table for CSV and Parquet (``r.csv`` ->
    ``r_summary.csv``), the one workbook for Excel."""
    if fmt == "xlsx":
        return {t: path for t in tables}
    return {t: path.with_name(f"{path.stem}_{t}{path.suffix}") for t in tables}


def check_parquet() -> None:
    """:class:`ExportError` with the install command when pyarrow (the ``[parquet]`` extra) is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ExportError(f"--to parquet needs pyarrow, which is not installed: {PARQUET_HINT}") from None


def check_export(out, to=None, *, option="-o/--out", all_paths=False) -> tuple:
    """Everything about the output that can be checked before reading the results: the format,
    the files (each a new name or a regular file), pyarrow for Parquet. Returns (format, path)."""
    fmt, path = output_format(out, to, option=option)
    if fmt == "parquet":
        check_parquet()
    tables = ("summary", "events", "about") + (("paths",) if all_paths else ())
    for f in set(table_files(path, fmt, tables).values()):
        check_output_path(f, option=option)
    return fmt, path


def export(ds: xr.Dataset, out, to=None, *, all_paths=False, variables=None, source=None,
           option="-o/--out") -> list:
    """Write the tables of result ``ds`` to ``out`` as ``to`` (``csv``, ``xlsx`` or ``parquet``;
    default: from the suffix) and return the files written.

    ``all_paths`` adds the ``paths`` table of ``variables`` (default every variable along
    ``path``); ``source`` names the results file in the ``about`` table. An Excel sheet holds at
    most 1,048,575 rows: a larger paths table is refused before anything is written."""
    fmt, path = check_export(out, to, option=option, all_paths=all_paths)
    if not all_paths and variables:
        raise ExportError("--variables: chooses the variables of the paths table; give --all-paths too")
    if all_paths:  # before any work: the variables exist, an Excel sheet holds the rows
        rows = paths_rows(ds, variables)
        if fmt == "xlsx" and rows + 1 > XLSX_MAX_ROWS:
            raise ExportError(f"{option} {out}: the paths table has {rows:,} rows, more than an Excel sheet holds "
                              f"({XLSX_MAX_ROWS - 1:,} below the header); keep fewer variables (--variables NAME,...), "
                              "or export to csv or parquet")
    s = summarize(ds)
    tables = {"summary": summary_table(ds, s), "events": events_table(ds, s)}
    if all_paths:
        # made while it is written, a block at a time (all of it only for Excel, which it fits)
        tables["paths"] = paths_table(ds, variables) if fmt == "xlsx" else None
    tables["about"] = about_table(ds, source)
    files = table_files(path, fmt, tables)
    with ExitStack() as stack:  # every file renamed into place only when all are written
        if fmt == "xlsx":
            tmp = stack.enter_context(atomic_path(path, suffix=".xlsx", option=option))
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for name, df in tables.items():
                    _excel_sheet(xw, name, df)
        else:
            for name, df in tables.items():
                tmp = stack.enter_context(atomic_path(files[name], suffix=path.suffix, option=option))
                frames = iter_paths_table(ds, variables) if name == "paths" else [df]
                if fmt == "csv":
                    _write_csv(tmp, frames)
                elif name == "paths":
                    _write_parquet(tmp, frames, PATHS_COLUMNS)
                else:
                    df.to_parquet(tmp, engine="pyarrow", index=False)
    return list(dict.fromkeys(files.values()))


def _excel_sheet(writer, name, df) -> None:
    """One table as a sheet: header row frozen, columns wide enough to read, a filter on the header."""
    df.to_excel(writer, sheet_name=name, index=False, na_rep="")
    sheet = writer.sheets[name]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    from openpyxl.utils import get_column_letter
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) + 2
        sheet.column_dimensions[get_column_letter(i)].width = min(width, 80)
