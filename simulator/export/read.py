"""Reading a results file for export: :func:`open_results`, and :class:`ExportError`, the
refusal of every export that cannot be made."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from ..errors import EXIT_BAD_INPUT, SimulatorError


class ExportError(SimulatorError):
    """An export that cannot be made: a results file that cannot be read, an option that does not
    fit the file (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


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
