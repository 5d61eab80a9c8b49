"""Shipped reference data and its loaders.

The files here are copies of the project's calibration data (UN World Population Prospects 2024
for China; the NHSA national medical-security statistical bulletins), each with its source in
``SOURCES.md``.  Nothing is downloaded at run time.  :func:`data_versions` gives each file's
SHA-256 so that a result file records exactly which data produced it.
"""

from __future__ import annotations

import csv
import hashlib
from functools import lru_cache
from importlib import resources

import numpy as np

N_AGES = 101
SEXES = ("male", "female")

#: table name -> (file, default value column, description)
TABLES = {
    "china_population_2017": ("china_population_2017.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2017 by single age and sex (persons)"),
    "china_population_2018": ("china_population_2018.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2018 by single age and sex (persons)"),
    "china_population_2019": ("china_population_2019.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2019 by single age and sex (persons)"),
    "china_population_2020": ("china_population_2020.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2020 by single age and sex (persons)"),
    "china_population_2021": ("china_population_2021.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2021 by single age and sex (persons)"),
    "china_population_2022": ("china_population_2022.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2022 by single age and sex (persons)"),
    "china_population_2023": ("china_population_2023.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2023 by single age and sex (persons)"),
    "china_population_2024": ("china_population_2024.csv", "population",
                              "UN WPP 2024, China, population on 1 July 2024 by single age and sex (persons)"),
    "china_mortality_2023": ("china_mortality_2023.csv", "mx",
                             "UN WPP 2024, China, complete life table 2023: central death rate mx (per year)"),
    "china_mortality_improvement": ("china_mortality_improvement_derived.csv", "r_wpp_medium_2020_2025_to_2045_2050",
                                    "annual mortality improvement rates derived from WPP 2024 5-year mx (fraction per year)"),
    "china_net_migration": ("china_net_migration_by_age.csv", "net_migrants@2024",
                            "UN WPP 2024, China, net international migrants by single age and sex (persons)"),
    "china_fertility_by_year": ("china_fertility_by_year.csv", "asfr",
                                "UN WPP 2024, China, age-specific fertility rates 15-49 by year 2010-2100 (births per woman)"),
    "china_projection_assumptions": ("china_projection_assumptions.csv", None,
                                     "UN WPP 2024, China, TFR, e0, sex ratio at birth, migration by year"),
    "china_fund_flows": ("china_fund_flows.csv", None,
                         "NHSA bulletins: national fund flows and membership by year"),
    "china_history": ("china_history.csv", None,
                      "historical national series 1998-2025 by year (wages, incomes, deposit rate, members, flows, "
                      "resident financing, leave), one source per row; simulator.data.history"),
    "china_policy_events": ("china_policy_events.csv", None,
                            "dated policy facts: PBoC deposit-rate changes, maternity leave by province, 2021 "
                            "outpatient mutual-aid reform; simulator.data.history"),
    "china_benefits_by_line": ("china_benefits_by_line.csv", None,
                               "NHSA 医保数智库: benefit use and cost by scheme and service line 2012-2024 (copy)"),
}


def _path(filename):
    return resources.files(__name__).joinpath(filename)


@lru_cache(maxsize=None)
def read_rows(filename: str) -> tuple:
    with _path(filename).open("r", encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@lru_cache(maxsize=None)
def data_versions() -> dict:
    """``{file name: sha256 hex}`` of every shipped data file."""
    out = {}
    for _, (fn, _, _) in sorted(TABLES.items()):
        out[fn] = hashlib.sha256(_path(fn).read_bytes()).hexdigest()[:16]
    return out


def table_file(name: str) -> str:
    if name not in TABLES:
        from simulator.errors import suggest
        raise ValueError(f"unknown data table '{name}'{suggest(name, TABLES)}")
    return TABLES[name][0]


def load_profile_table(name: str, column: str | None = None) -> np.ndarray:
    """An age x sex table as an array (101, 2).  ``column`` may be ``name@year`` for tables by year."""
    fn = table_file(name)
    column = column or TABLES[name][1]
    if column is None:
        raise ValueError(f"table '{name}' is not an age profile")
    year = None
    if "@" in str(column):
        column, y = str(column).split("@", 1)
        year = y.strip()
    rows = read_rows(fn)
    if column not in rows[0]:
        from simulator.errors import suggest
        raise ValueError(f"table '{name}' has no column '{column}'{suggest(column, rows[0].keys())}")
    out = np.full((N_AGES, 2), np.nan)
    for r in rows:
        if year is not None and r.get("year") != year:
            continue
        out[int(r["age"]), SEXES.index(r["sex"])] = float(r[column])
    if np.isnan(out).any():
        raise ValueError(f"table '{name}' column '{column}'{'@' + year if year else ''} does not cover every age and sex")
    return out


@lru_cache(maxsize=None)
def load_fertility_table(name: str = "china_fertility_by_year"):
    """Age-specific fertility by year: ``(years, asfr)`` with asfr shape (n_years, 101)."""
    rows = read_rows(table_file(name))
    years = sorted({int(r["year"]) for r in rows})
    idx = {y: i for i, y in enumerate(years)}
    asfr = np.zeros((len(years), N_AGES))
    for r in rows:
        asfr[idx[int(r["year"])], int(r["age"])] = float(r["asfr"])
    return np.array(years), asfr
