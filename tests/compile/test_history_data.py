"""The shipped historical series: every row sourced and flagged, one primary figure per year, the loader faithful."""

import csv
import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulator.data import TABLES, data_versions, history

DATA = Path(history.__file__).resolve().parent
HISTORY = DATA / history.FILE
EVENTS = DATA / history.EVENTS_FILE
BENEFITS = DATA / history.BENEFITS_FILE

#: SHA-256 of the project's china_benefits_by_line.csv that the package ships a copy of
BENEFITS_SHA256 = "5fa7aa5340e32f4fcd0c7e8baaf63bdc35b4aabe0160ce249299dd69d3974b7e"


def _read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("path", [HISTORY, EVENTS], ids=lambda p: p.name)
def test_every_row_has_a_source_and_an_allowed_flag(path):
    rows = _read(path)
    assert rows
    for i, r in enumerate(rows, start=2):
        assert r["source"].strip(), f"{path.name} line {i}: no source"
        assert r["verified"] in history.VERIFIED_FLAGS, f"{path.name} line {i}: flag {r['verified']!r}"
        assert r["unit"].strip(), f"{path.name} line {i}: no unit"
        if r["verified"] == "unverified (recall)":
            assert "recall" in r["source"].lower(), f"{path.name} line {i}: a recalled figure must say so in its source"


def test_history_values_positive_years_sane_and_unique():
    rows = _read(HISTORY)
    for i, r in enumerate(rows, start=2):
        assert 1990 <= int(r["year"]) <= 2030, f"line {i}"
        assert float(r["value"]) > 0, f"line {i}: {r['series']} {r['year']} = {r['value']}"
        assert r["use"] in history.USES, f"line {i}"
    dup = [k for k, n in Counter((r["year"], r["series"], r["source"]) for r in rows).items() if n > 1]
    assert dup == [], f"duplicate (year, series, source): {dup[:5]}"
    primaries = Counter((r["year"], r["series"]) for r in rows if r["use"] == "primary")
    every = {(r["year"], r["series"]) for r in rows}
    assert all(primaries[k] == 1 for k in every), [k for k in every if primaries[k] != 1][:5]


def test_event_values_non_negative_and_dates_valid():
    for i, r in enumerate(_read(EVENTS), start=2):
        assert float(r["value"]) >= 0, f"line {i}"
        d = r["date"]
        if len(d) == 4:
            assert 1990 <= int(d) <= 2030
        else:
            dt.date.fromisoformat(d)


def test_wages_2000_2024_complete_and_increasing():
    w = history.series("avg_wage_urban_nonprivate")
    years = list(range(2000, 2025))
    assert all(y in w for y in years), [y for y in years if y not in w]
    v = np.array([w[y] for y in years])
    assert np.all(np.diff(v) > 0)
    assert w[2000] == 9371 and w[2024] == 124110
    g = history.growth("avg_wage_urban_nonprivate")
    assert g[2011] == pytest.approx(42452 / 37147 - 1)       # like for like across the 2011 break
    assert g[2012] == pytest.approx(46769 / 41799 - 1)
    assert all(0 < x < 0.25 for x in g.values())


def test_other_key_series_cover_the_backtest_years():
    for name, years in [("disposable_income_per_capita", range(2013, 2025)),
                        ("pboc_deposit_rate_1y_year_avg", range(2000, 2025)),
                        ("urrbmi_min_fiscal_subsidy_per_capita", range(2016, 2026)),
                        ("urrbmi_individual_premium_per_capita", range(2016, 2026)),
                        ("uebmi_insured_active", range(2017, 2025)),
                        ("uebmi_insured_retiree", range(2017, 2025)),
                        ("urrbmi_insured", range(2017, 2025)),
                        ("maternity_fund_expenditure", range(2018, 2025)),
                        ("total_health_expenditure", range(2000, 2025))]:
        s = history.series(name)
        assert all(y in s for y in years), (name, [y for y in years if y not in s])


def test_loader_returns_what_the_csv_holds():
    rows = _read(HISTORY)
    names = {r["series"] for r in rows}
    assert names <= set(history.series_names())
    for name in names:
        want = {int(r["year"]): float(r["value"]) for r in rows if r["series"] == name and r["use"] == "primary"}
        assert history.series(name) == want, name
        assert len(history.rows(name)) == sum(r["series"] == name for r in rows)
    recalled = [(r["series"], int(r["year"])) for r in rows if r["use"] == "primary" and r["verified"] == "unverified (recall)"]
    assert recalled, "the test expects at least one recalled primary figure"
    for name, year in recalled:
        assert year in history.series(name) and year not in history.series(name, include_recall=False)
    assert len(history.table()) == len(rows)
    assert len(history.events()) == len(_read(EVENTS))
    # the loader hands out copies: changing them leaves the cache alone
    s = history.series("avg_wage_urban_nonprivate")
    s[2024] = -1.0
    history.rows("avg_wage_urban_nonprivate")[0]["value"] = -1.0
    assert history.series("avg_wage_urban_nonprivate")[2024] == 124110
    assert min(r["value"] for r in history.rows("avg_wage_urban_nonprivate")) > 0
    ys, vals = history.array("disposable_income_per_capita", range(2012, 2015))
    assert list(ys) == [2012, 2013, 2014] and np.isnan(vals[0]) and vals[1] == 18311
    with pytest.raises(ValueError, match="unknown history series"):
        history.series("no_such_series")


def test_deposit_rate_schedule_and_annual_values_agree():
    sched = history.deposit_rate_schedule()
    assert sched == sorted(sched) and sched[-1] == (dt.date(2015, 10, 24), 0.015)
    assert history.deposit_rate_on(dt.date(2008, 1, 1)) == 0.0414
    end = history.series("pboc_deposit_rate_1y_year_end")
    avg = history.series("pboc_deposit_rate_1y_year_avg")
    for y in range(2000, 2025):
        assert end[y] == pytest.approx(history.deposit_rate_on(dt.date(y, 12, 31)))
        days = [dt.date(y, 1, 1) + dt.timedelta(days=k) for k in range((dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days)]
        assert avg[y] == pytest.approx(np.mean([history.deposit_rate_on(d) for d in days]), abs=1e-6)


def test_benefits_copy_is_the_projects_file():
    assert hashlib.sha256(BENEFITS.read_bytes()).hexdigest() == BENEFITS_SHA256
    rows = _read(BENEFITS)
    assert all(r["source"].strip() for r in rows)
    m = history.benefits("total", "maternity", "fund_payment", convert=False)
    assert m[2024] == 1403.0 and history.series("maternity_fund_expenditure")[2024] == pytest.approx(1403.0e8)
    assert history.unit("maternity_fund_expenditure") == "yuan"


def test_new_files_are_versioned_with_the_results():
    for fn in (history.FILE, history.EVENTS_FILE, history.BENEFITS_FILE):
        assert fn in {f for f, _, _ in TABLES.values()}
        assert fn in data_versions()
        assert fn in (DATA / "SOURCES.md").read_text(encoding="utf-8")
