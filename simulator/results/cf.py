"""Results as CF-1.11 netCDF files: units UDUNITS reads, global attributes, a time coordinate.

:func:`to_cf` makes a copy of a result ready to be written (:data:`CF_UNITS` maps the declared
units to UDUNITS ones, :func:`software_versions` lists what made it, :data:`CF_COMPRESSION` the
compression of its data variables).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

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
    "yuan per year per unit of rate": ("year-1", "yuan (CNY) per year per unit of the contribution rate (1 = 100%), nominal"),
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

    from .. import __version__

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
    if attrs.get("precision", "double") != "double":
        args.append(f"precision={attrs['precision']!r}")
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
    from .. import __version__
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
