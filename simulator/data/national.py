"""Reported national figures of China's basic medical insurance as an ``xarray.Dataset``.

:func:`load_national` reads ``china_fund_flows.csv`` (NHSA statistical bulletins and quick
reports, the NHSA 医保数智库 long series, NBS wage bulletins, financing notices; every row names
its source and whether it is verified, derived or recalled; see ``SOURCES.md`` and the data
README of the project) and returns one value per year and series::

    >>> from simulator.data.national import load_national
    >>> nat = load_national()
    >>> nat["value"].sel(year=2024, series="urrbmi.income").item()          # yuan
    1118091000000.0
    >>> str(nat["basis"].sel(year=2024, series="urrbmi.income").item())
    'bulletin'

Dimensions and variables
------------------------
``year`` (2012-2025) x ``series``, a series being ``"<fund>.<measure>"`` as the CSV names them
(``uebmi_pool_incl_maternity.income``, ``urrbmi.cumulative_balance``, ``uebmi.insured_active``,
``wages.avg_annual_wage_urban_nonprivate``, ...).  Coordinates of ``series``: ``fund``,
``measure``, ``units`` (of ``value``) and ``reported_unit``.  Variables by (year, series):

``value``            the figure in yuan, persons, yuan per person or yuan per year (亿元 x 1e8,
                     万人 x 1e4); percentages as fractions; ratios as they are; NaN when absent
``reported_value``   the figure in the unit it was reported in (``reported_unit``)
``verified``         ``verified``, ``derived`` or ``unverified (recall)`` (empty when absent)
``basis``            ``bulletin`` (annual 公报), ``bulletin_derived``, ``official`` (NBS, notices,
                     yearbook, long series, ...), ``official_rounded`` (a figure reported
                     rounded, e.g. "2.48万亿"), ``quick_report`` (快报, preliminary),
                     ``derived`` (arithmetic on other sources) or ``recall`` (not found in the
                     stored material: check before use)
``source``, ``note`` the row's source and definition notes, verbatim
``alternatives``     how many other rows the CSV holds for the same year and series

Which row is kept
-----------------
The CSV often holds several rows for one year and series (bulletin, quick report, long series,
recall).  As the data README asks, the annual bulletin is preferred; the order is
``bulletin`` < ``bulletin_derived`` < ``official`` < ``official_rounded`` < ``quick_report`` <
``derived`` < ``recall`` (first wins; ties keep the CSV order).  A rounded final figure is
preferred to the preliminary quick report: rounding to 0.01万亿 moves a figure by at most 0.2%,
while quick reports differ from bulletins by 0.1-2%.  ``load_national(include_recall=False)``
drops the recalled rows altogether; :func:`national_rows` gives every row unfiltered.

Cautions (from the data README): fund figures include maternity insurance from 2019; the 2023
and 2024 bulletins give the accumulated balance of all pooled funds, the employee pool's is
derived by difference; the pool/account split of income and expenditure is reported only for
2023 and 2024; the 2021 outpatient mutual-aid reform moved income from the accounts to the pool
in 2022-2024; the 2020 employer-contribution relief lowered 2020 income.
"""

from __future__ import annotations

import hashlib

import numpy as np
import xarray as xr

from . import _path, read_rows

FILE = "china_fund_flows.csv"

#: preference order of a row's basis (lower wins)
BASIS_ORDER = ("bulletin", "bulletin_derived", "official", "official_rounded", "quick_report", "derived", "recall")

_UNITS = {  # reported unit -> (factor to the converted unit, converted unit)
    "亿元": (1e8, "yuan"),
    "万人": (1e4, "persons"),
    "元/人": (1.0, "yuan per person"),
    "元/年": (1.0, "yuan per year"),
    "%": (0.01, "fraction"),
    "ratio": (1.0, "ratio"),
}


def row_basis(row: dict) -> str:
    """Classify one CSV row by where its figure comes from (see :data:`BASIS_ORDER`)."""
    verified = (row.get("verified") or "").strip()
    source = row.get("source") or ""
    note = (row.get("note") or "").lower()
    if verified.startswith("unverified"):
        return "recall"
    if "快报" in source or "quick report" in note:
        return "quick_report"
    bulletin = "公报" in source
    if verified == "derived":
        return "bulletin_derived" if bulletin else "derived"
    if "rounded" in note:
        return "official_rounded"
    return "bulletin" if bulletin else "official"


def national_rows(include_recall: bool = True) -> list[dict]:
    """Every row of ``china_fund_flows.csv`` as a dict, with its ``basis`` added."""
    out = []
    for r in read_rows(FILE):
        b = row_basis(r)
        if b == "recall" and not include_recall:
            continue
        out.append({**r, "basis": b})
    return out


def load_national(include_recall: bool = True) -> xr.Dataset:
    """The reported national figures as a Dataset ``(year, series)``; see the module docstring.

    Parameters
    ----------
    include_recall : bool
        Keep rows marked ``unverified (recall)`` (figures from memory, not found in the stored
        sources) where no other row exists.  They are always last in the preference order.
    """
    rows = national_rows(include_recall)
    years = sorted({int(r["year"]) for r in rows})
    series = sorted({f"{r['fund']}.{r['measure']}" for r in rows})
    yi = {y: i for i, y in enumerate(years)}
    si = {s: i for i, s in enumerate(series)}
    shape = (len(years), len(series))
    value = np.full(shape, np.nan)
    reported = np.full(shape, np.nan)
    text = {k: np.full(shape, "", dtype=object) for k in ("verified", "basis", "source", "note")}
    rank = np.full(shape, len(BASIS_ORDER), dtype=int)
    count = np.zeros(shape, dtype=int)
    units = {}
    for r in rows:
        key = f"{r['fund']}.{r['measure']}"
        unit = r["unit"]
        if unit not in _UNITS:
            raise ValueError(f"{FILE}: unknown unit {unit!r} in year {r['year']}, series {key}")
        prev = units.setdefault(key, unit)
        if prev != unit:
            raise ValueError(f"{FILE}: series {key} is reported in both {prev!r} and {unit!r}")
        i, j = yi[int(r["year"])], si[key]
        count[i, j] += 1
        k = BASIS_ORDER.index(r["basis"])
        if k >= rank[i, j]:
            continue
        rank[i, j] = k
        reported[i, j] = float(r["value"])
        conv = (r.get("value_converted") or "").strip()
        if conv:
            value[i, j] = float(conv)
        elif unit == "%":
            value[i, j] = round(float(r["value"]) / 100, 10)
        else:
            value[i, j] = float(r["value"]) * _UNITS[unit][0]
        for name in text:
            text[name][i, j] = r[name].strip() if name != "basis" else r["basis"]
    dims = ("year", "series")
    ds = xr.Dataset(
        {
            "value": (dims, value, {"long_name": "reported figure in converted units (see the series' units)"}),
            "reported_value": (dims, reported, {"long_name": "reported figure in the unit it was reported in (reported_unit)"}),
            "verified": (dims, text["verified"], {"long_name": "verified, derived or unverified (recall)"}),
            "basis": (dims, text["basis"], {"long_name": "where the kept row comes from; preference: " + " < ".join(BASIS_ORDER)}),
            "source": (dims, text["source"], {"long_name": "source of the kept row"}),
            "note": (dims, text["note"], {"long_name": "definition notes of the kept row"}),
            "alternatives": (dims, np.maximum(count - 1, 0), {"long_name": "number of other rows in the CSV for this year and series"}),
        },
        coords={
            "year": ("year", np.array(years), {"long_name": "statistical year"}),
            "series": ("series", np.array(series, dtype=object), {"long_name": "<fund>.<measure> as in the CSV"}),
            "fund": ("series", np.array([s.split(".", 1)[0] for s in series], dtype=object)),
            "measure": ("series", np.array([s.split(".", 1)[1] for s in series], dtype=object)),
            "units": ("series", np.array([_UNITS[units[s]][1] for s in series], dtype=object)),
            "reported_unit": ("series", np.array([units[s] for s in series], dtype=object)),
        },
        attrs={
            "title": "Reported national figures of China's basic medical insurance funds",
            "source_file": FILE,
            "source_sha256": hashlib.sha256(_path(FILE).read_bytes()).hexdigest()[:16],
            "sources": "NHSA national medical security statistical bulletins and quick reports; NHSA 医保数智库 long series; "
                       "NBS wage bulletins; financing notices (each row's source is kept in 'source')",
            "row_preference": " < ".join(BASIS_ORDER),
            "include_recall": int(include_recall),
            "conventions": "money in nominal yuan, people in persons (year end), percentages as fractions",
        },
    )
    return ds


def figure(ds: xr.Dataset, year: int, series: str, *, allow_recall: bool = True) -> tuple[float, str, str] | None:
    """``(value, basis, source)`` of one figure, or None when the dataset has none (or only a
    recalled one and ``allow_recall`` is False)."""
    if series not in ds.indexes["series"] or int(year) not in ds.indexes["year"]:
        return None
    cell = ds.sel(year=int(year), series=series)
    v = float(cell["value"])
    if not np.isfinite(v):
        return None
    basis = str(cell["basis"].item())
    if basis == "recall" and not allow_recall:
        return None
    return v, basis, str(cell["source"].item())
