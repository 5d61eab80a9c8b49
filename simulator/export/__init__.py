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

A province's results file (``fundsim run PROVINCE --out``, a ``region`` dimension) gives the
same tables with a ``region`` column first: each city's rows, then region ``province`` (the sum,
or the unified pool), whose summary also holds ``any_region_exhausted_probability_by_year``.

CSV and Parquet write one file per table, named after the output file with the table's name
added (``-o r.csv`` writes ``r_summary.csv``, ``r_events.csv``, ``r_about.csv`` and, with paths,
``r_paths.csv``); Excel writes one workbook with a sheet per table. CSV files are UTF-8 with a
byte-order mark, which Excel needs to read UTF-8 and readr and pandas skip. All files are
written atomically and together: either every table is written or none is.

The package has three parts, each importing only from those before it: ``read``
(:func:`open_results`, :class:`ExportError`), ``tables`` (the tables as DataFrames:
:func:`summary_table`, :func:`events_table`, :func:`paths_table` and :func:`iter_paths_table`,
:func:`about_table`) and ``write`` (the format and files, :func:`check_export`, and
:func:`export`, which writes them). Every name is imported here: ``simulator.export.X`` is the
name to use.
"""

from __future__ import annotations

from .read import NEEDED, ExportError, open_results
from .tables import (COLUMN_NOTES, EVENTS_COLUMNS, PATH_BLOCK, PATHS_COLUMNS, SUMMARY_COLUMNS, _money_view, _rows,
                     _units, about_table, events_table, iter_paths_table, path_variables, paths_rows, paths_table,
                     summary_table)
from .write import (FORMAT_OF_SUFFIX, FORMATS, PARQUET_HINT, XLSX_MAX_ROWS, _excel_sheet, _write_csv, _write_parquet,
                    check_export, check_parquet, export, output_format, table_files)

__all__ = [
    "NEEDED", "ExportError", "open_results",
    "COLUMN_NOTES", "EVENTS_COLUMNS", "PATH_BLOCK", "PATHS_COLUMNS", "SUMMARY_COLUMNS", "about_table", "events_table",
    "iter_paths_table", "path_variables", "paths_rows", "paths_table", "summary_table",
    "FORMAT_OF_SUFFIX", "FORMATS", "PARQUET_HINT", "XLSX_MAX_ROWS", "check_export", "check_parquet", "export",
    "output_format", "table_files",
]
