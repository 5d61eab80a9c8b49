"""Writing the tables: the output format and files (:func:`output_format`, :func:`table_files`,
:func:`check_export`, all checked before the results are read) and :func:`export`, which writes
CSV, Excel or Parquet files atomically and together."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pandas as pd
import xarray as xr

from ..io import OutputPathError, atomic_path, check_output_path
from ..summary import summarize
from .read import ExportError
from .tables import (about_table, events_table, iter_paths_table, paths_columns, paths_rows, paths_table,
                     summary_table)

#: export format -> file name ending
FORMATS = {"csv": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
#: file name ending -> export format
FORMAT_OF_SUFFIX = {suffix: fmt for fmt, suffix in FORMATS.items()}
#: rows an Excel sheet holds (with the header row)
XLSX_MAX_ROWS = 1_048_576
#: what `pip` installs for Parquet
PARQUET_HINT = "pip install 'fundsim[parquet]'"


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
    if "region" in ds.dims:  # a province: each region's tables, with a region column
        from ..province.assemble import summarize_province
        s = summarize_province(ds)
    else:
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
                    _write_parquet(tmp, frames, paths_columns(ds))
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
