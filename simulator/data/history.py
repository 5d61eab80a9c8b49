"""Historical national series for the back-test and for fitting the economic drivers.

Three shipped files, each row with its source and a ``verified`` flag (``verified``: the figure
appears in stored public material; ``derived``: arithmetic on such figures, method in ``note``;
``unverified (recall)``: from memory, NOT found in stored material, check before use); see
``SOURCES.md``:

``china_history.csv``
    annual series, long format ``year, series, value, unit, verified, use, source, note``.
    Values are in yuan, persons, fractions, days or counts (``unit``); money reported in 亿元 and
    people in 万人 are converted (x 1e8, x 1e4).  A year of a series can have several rows (the
    bulletin, a quick report, a recalled figure ...); exactly one of them has ``use=primary``
    and the others ``use=alternative``.
``china_policy_events.csv``
    dated policy facts ``date, region, topic, item, value, unit, verified, source, note``:
    the PBoC benchmark deposit-rate changes, maternity-leave days by province, the 2021
    outpatient mutual-aid reform's rules and local dates.
``china_benefits_by_line.csv``
    a byte-identical copy of the project's benefit-use table by scheme and service line
    (NHSA 医保数智库, 2012-2024), in its own units (亿元, 万人, 万人次).

    >>> from simulator.data import history
    >>> history.series("avg_wage_urban_nonprivate")[2024]          # yuan per year
    124110.0
    >>> round(history.growth("avg_wage_urban_nonprivate")[2011], 4)  # like for like (on-post basis)
    0.1428
    >>> history.series("maternity_fund_expenditure")[2024]          # yuan, from the benefits table
    140300000000.0

Nothing here reads outside the package or downloads anything.  The functions return new
dicts/arrays on each call; the parsed files are cached.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

import numpy as np

from . import read_rows

FILE = "china_history.csv"
EVENTS_FILE = "china_policy_events.csv"
BENEFITS_FILE = "china_benefits_by_line.csv"

VERIFIED_FLAGS = ("verified", "derived", "unverified (recall)")
USES = ("primary", "alternative")

#: series served from the benefits table: name -> (scheme, service_line, measure)
BENEFIT_SERIES = {
    "maternity_fund_expenditure": ("total", "maternity", "fund_payment"),
    "maternity_enrollees": ("total", "maternity", "enrollees"),
    "maternity_beneficiaries": ("total", "maternity", "beneficiaries"),
}

#: definition breaks: in the year given, growth is taken from a same-basis series instead
BASIS_BREAKS = {
    "avg_wage_urban_nonprivate": {2011: "avg_wage_urban_nonprivate_on_post"},
}

_BENEFIT_UNITS = {"亿元": (1e8, "yuan"), "万人": (1e4, "persons"), "万人次": (1e4, "person-times")}


def _suggest(name, names):
    from simulator.errors import suggest
    return suggest(name, names)


@lru_cache(maxsize=None)
def table() -> tuple:
    """Every row of ``china_history.csv`` (``year`` int, ``value`` float, the rest as text)."""
    out = []
    for r in read_rows(FILE):
        d = dict(r)
        d["year"] = int(d["year"])
        d["value"] = float(d["value"])
        out.append(d)
    return tuple(out)


def rows(name: str | None = None, year: int | None = None) -> list:
    """The rows (copies) of one series and/or year, primary and alternative."""
    return [dict(r) for r in table()
            if (name is None or r["series"] == name) and (year is None or r["year"] == year)]


def series_names() -> list:
    """Names accepted by :func:`series` (the history table's and :data:`BENEFIT_SERIES`)."""
    return sorted({r["series"] for r in table()} | set(BENEFIT_SERIES))


def series(name: str, *, include_recall: bool = True) -> dict:
    """``{year: value}`` of a series' primary rows, sorted by year.

    ``include_recall=False`` drops years whose primary figure is ``unverified (recall)``.
    Names of :data:`BENEFIT_SERIES` are read from the benefits table and converted to yuan,
    persons or person-times.
    """
    if name in BENEFIT_SERIES:
        return benefits(*BENEFIT_SERIES[name])
    picked = [r for r in table() if r["series"] == name and r["use"] == "primary"]
    if not picked:
        raise ValueError(f"unknown history series '{name}'{_suggest(name, series_names())}")
    return {r["year"]: r["value"] for r in sorted(picked, key=lambda r: r["year"])
            if include_recall or r["verified"] != "unverified (recall)"}


def primary_row(name: str, year: int) -> dict:
    """The primary row of a series in a year (with its source, flag and note)."""
    for r in table():
        if r["series"] == name and r["year"] == year and r["use"] == "primary":
            return dict(r)
    raise KeyError(f"no primary row for '{name}' in {year}")


def unit(name: str) -> str:
    """The unit of a series' values."""
    if name in BENEFIT_SERIES:
        scheme, line, measure = BENEFIT_SERIES[name]
        for r in read_rows(BENEFITS_FILE):
            if (r["scheme"], r["service_line"], r["measure"]) == (scheme, line, measure):
                return _BENEFIT_UNITS[r["unit"]][1]
    for r in table():
        if r["series"] == name:
            return r["unit"]
    raise ValueError(f"unknown history series '{name}'{_suggest(name, series_names())}")


def array(name: str, years=None, *, include_recall: bool = True):
    """``(years, values)`` as numpy arrays; ``years`` given: NaN where a year is missing."""
    s = series(name, include_recall=include_recall)
    ys = np.array(sorted(s) if years is None else list(years), dtype=int)
    return ys, np.array([s.get(int(y), np.nan) for y in ys], dtype=float)


def growth(name: str, *, include_recall: bool = True) -> dict:
    """``{year: x[year] / x[year - 1] - 1}`` over consecutive years of a series.

    Across a definition break listed in :data:`BASIS_BREAKS` the growth of that year comes from
    the same-basis series (for wages, 2011 on the on-post basis: 42452 / 37147 - 1).
    """
    s = series(name, include_recall=include_recall)
    breaks = BASIS_BREAKS.get(name, {})
    out = {}
    for y in sorted(s):
        if y - 1 not in s:
            continue
        if y in breaks:
            alt = series(breaks[y], include_recall=include_recall)
            if y in alt and y - 1 in alt:
                out[y] = alt[y] / alt[y - 1] - 1.0
            continue
        out[y] = s[y] / s[y - 1] - 1.0
    return out


# ------------------------------------------------------------------------- events


@lru_cache(maxsize=None)
def _events() -> tuple:
    out = []
    for r in read_rows(EVENTS_FILE):
        d = dict(r)
        d["value"] = float(d["value"])
        out.append(d)
    return tuple(out)


def events(topic: str | None = None, *, region: str | None = None, item: str | None = None) -> list:
    """Rows (copies) of ``china_policy_events.csv``, filtered; ``date`` is ``YYYY`` or ``YYYY-MM-DD``."""
    return [dict(r) for r in _events()
            if (topic is None or r["topic"] == topic) and (region is None or r["region"] == region)
            and (item is None or r["item"] == item)]


def deposit_rate_schedule() -> list:
    """PBoC benchmark one-year deposit rate: ``[(effective date, rate as a fraction), ...]``."""
    out = [(_dt.date.fromisoformat(r["date"]), r["value"])
           for r in events("deposit_rate", region="national", item="pboc_benchmark_deposit_rate_1y")]
    return sorted(out)


def deposit_rate_on(day: _dt.date) -> float:
    """The benchmark rate in force on a day (the last change on or before it)."""
    rate = None
    for d, r in deposit_rate_schedule():
        if d <= day:
            rate = r
    if rate is None:
        raise ValueError(f"no deposit rate in force on {day} (schedule starts {deposit_rate_schedule()[0][0]})")
    return rate


# ------------------------------------------------------------------------- benefits table


def benefit_rows() -> list:
    """Every row (copies) of ``china_benefits_by_line.csv``, as stored."""
    return [dict(r) for r in read_rows(BENEFITS_FILE)]


def benefits(scheme: str, service_line: str, measure: str, *, convert: bool = True) -> dict:
    """``{year: value}`` of one benefits series; ``convert``: 亿元 -> yuan, 万人(次) -> persons (times)."""
    out = {}
    for r in read_rows(BENEFITS_FILE):
        if (r["scheme"], r["service_line"], r["measure"]) == (scheme, service_line, measure):
            v = float(r["value"])
            out[int(r["year"])] = v * _BENEFIT_UNITS[r["unit"]][0] if convert else v
    if not out:
        keys = sorted({f"{r['scheme']}/{r['service_line']}/{r['measure']}" for r in read_rows(BENEFITS_FILE)})
        raise ValueError(f"no benefits series '{scheme}/{service_line}/{measure}'"
                         f"{_suggest(f'{scheme}/{service_line}/{measure}', keys)}")
    return dict(sorted(out.items()))
