"""Results for spreadsheets and scripts (issue 20 item 1): ``fundsim export`` to CSV, Excel and
Parquet, ``fundsim summary`` of a results file, ``--json`` on run and summary, and the refusals
(unknown or contradicting suffixes, a run --out that is not netCDF, Parquet without pyarrow)."""

import errno
import json
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from click.testing import CliRunner

from simulator import export as ex
from simulator.cli import cli
from simulator.results import VARIABLES
from simulator.summary import EVENTS, quantile_key, summarize

RUN = ["run", "--paths", "12", "--seed", "7", "--horizon", "6"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(results file, what fundsim run printed, the file opened) of a small run with named sets."""
    out = tmp_path_factory.mktemp("export") / "r.nc"
    res = CliRunner().invoke(cli, RUN + ["--out", str(out)])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out) as f:
        ds = f.load()
    return out, res.stdout, ds


def _invoke(args):
    res = CliRunner().invoke(cli, args)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    return res


def _error(res):
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


# --------------------------------------------------------------------------- the tables

def test_summary_table_holds_what_summarize_computes(made):
    _, _, ds = made
    s = summarize(ds)
    t = ex.summary_table(ds, s)
    assert tuple(t.columns) == ex.SUMMARY_COLUMNS
    assert not t.duplicated(["fund", "year", "variable", "statistic"]).any()
    year = int(ds["year"].values[-1])

    def one(fund, variable, statistic):
        row = t[(t.fund == fund) & (t.year == year) & (t.variable == variable) & (t.statistic == statistic)]
        assert len(row) == 1, (fund, variable, statistic)
        return row.iloc[0]

    for fund in s["fund"].values:
        for q in s["quantile"].values:
            r = one(str(fund), "reserve_months", quantile_key(q))
            assert r.value == float(s["reserve_months_quantile"].sel(fund=fund, year=year, quantile=q))
            assert r.units == "months"
        r = one(str(fund), "band_probability_below_0", "probability")
        assert r.value == float(s["band_probability"].sel(fund=fund, year=year, band="below_0"))
        assert r.units == "fraction of paths"
        r = one(str(fund), "exhaustion_probability_by_year", "probability")
        assert r.value == float(s["exhaustion_probability_by_year"].sel(fund=fund, year=year))
        # the named deterministic sets travel with the file and into the table
        r = one(str(fund), "reserve_months", "named_set_central")
        ref = (ds["named_combined_pooled_reserve_months"] if fund == "pooled_combined"
               else ds["named_reserve_months"].sel(fund=fund))
        assert r.value == float(ref.sel(assumption_set="central", year=year))
    r = one("employee_accounts", "balance", "mean")
    assert r.value == float(ds["balance"].sel(fund="employee_accounts", year=year).mean())
    # both pooled funds together: quantiles of the per-path sum
    both = ds["income"].sel(fund=["employee_pooled", "resident"], year=year).sum("fund")
    assert one("pooled_combined", "income", "p75").value == float(both.quantile(0.75))
    assert one("employee_pooled", "expenditure", "p50").value == float(s["expenditure_quantile"].sel(
        fund="employee_pooled", year=year, quantile=0.5))
    # units as declared, not the UDUNITS form the file stores
    assert r.units == VARIABLES["balance"].units == "yuan"
    assert one("resident", "income", "p50").units == VARIABLES["income"].units
    share = one("resident", "dip_floor_binding_share", "probability")
    assert share.value == float(ds["dip_floor_binding"].sel(scheme="resident", year=year).mean())


def test_events_table_is_each_events_distribution(made):
    _, _, ds = made
    s = summarize(ds)
    t = ex.events_table(ds, s)
    assert tuple(t.columns) == ex.EVENTS_COLUMNS
    years = ds["year"].values[1:]
    for fund in s["fund"].values:
        for name in EVENTS:
            sub = t[(t.fund == fund) & (t.event == name)]
            first = sub[sub.statistic == "first_in_year"]
            by = sub[sub.statistic == "by_year"]
            assert list(first.year) == list(years)
            # the first-year shares add up to the share within the horizon, year by year
            np.testing.assert_allclose(np.cumsum(first.value.values), by.value.values)
            within = float(s[f"{name}_within_horizon"].sel(fund=fund))
            np.testing.assert_allclose(by.value.values[-1], within)
            np.testing.assert_allclose(by.value.values,
                                       s[f"{name.replace('first_', '').replace('_year', '')}_probability_by_year"]
                                       .sel(fund=fund, year=years).values)
            assert sub[sub.statistic == "probability"].value.iloc[0] == within
            med = sub[sub.statistic == "p50"]
            assert med.year.isna().all() and (med.units == "calendar year").all()
            q = float(s[f"{name}_quantile"].sel(fund=fund, quantile=0.5))
            assert (np.isnan(med.value.iloc[0]) and not np.isfinite(q)) or med.value.iloc[0] == q


def test_paths_table_has_every_value_once(made):
    _, _, ds = made
    t = ex.paths_table(ds, ["reserve_months", "medical_expenditure", "population"])
    assert tuple(t.columns) == ex.PATHS_COLUMNS
    n, y = ds.sizes["path"], ds.sizes["year"]
    assert len(t) == n * y * (ds.sizes["fund"] + ds.sizes["scheme"] * ds.sizes["line"] + 1)
    path, year = int(ds["path"].values[3]), int(ds["year"].values[4])
    pick = t[(t.path == path) & (t.year == year)]
    r = pick[(pick.variable == "reserve_months") & (pick.fund == "resident")]
    assert r.value.item() == float(ds["reserve_months"].sel(path=path, year=year, fund="resident"))
    line = str(ds["line"].values[1])
    r = pick[(pick.variable == "medical_expenditure") & (pick.scheme == "employee") & (pick.line == line)]
    assert r.value.item() == float(ds["medical_expenditure"].sel(path=path, year=year, scheme="employee", line=line))
    r = pick[pick.variable == "population"]
    assert r.value.item() == float(ds["population"].sel(path=path, year=year)) and r.fund.isna().all()
    assert set(t.units[t.variable == "population"]) == {"persons"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_paths_written_in_blocks_are_the_whole_table(made, tmp_path, monkeypatch, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out, _, ds = made
    monkeypatch.setattr(ex.tables, "PATH_BLOCK", 5)  # 12 paths: three blocks of each variable (read where it is used)
    names = ["balance", "population", "medical_expenditure"]
    res = _invoke(["export", str(out), "-o", str(tmp_path / f"t.{fmt}"), "--all-paths", "--variables", ",".join(names)])
    assert res.exit_code == 0, res.output
    f = tmp_path / f"t_paths.{fmt}"
    back = pd.read_csv(f, encoding="utf-8-sig") if fmt == "csv" else pd.read_parquet(f)
    want = ex.paths_table(ds, names)
    assert list(back.columns) == list(ex.PATHS_COLUMNS) and len(back) == len(want) == ex.paths_rows(ds, names)
    key = ["variable", "path", "year", "fund", "scheme", "line"]
    back = back.astype({c: object for c in key[3:]}).fillna({c: "" for c in key[3:]})
    want = want.astype({c: object for c in key[3:]}).fillna({c: "" for c in key[3:]})
    merged = want.merge(back, on=key, suffixes=("", "_back"), validate="one_to_one")
    assert len(merged) == len(want)
    np.testing.assert_array_equal(merged.value_back.values, merged.value.values)


# --------------------------------------------------------------------------- the command

def test_csv_one_file_per_table_with_a_bom_and_the_same_numbers(made, tmp_path):
    out, _, ds = made
    res = _invoke(["export", str(out), "-o", str(tmp_path / "t.csv")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t_about.csv", "t_events.csv", "t_summary.csv"]
    assert (tmp_path / "t_summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    back = pd.read_csv(tmp_path / "t_summary.csv", encoding="utf-8-sig")
    want = ex.summary_table(ds)
    assert list(back.columns) == list(ex.SUMMARY_COLUMNS) and len(back) == len(want)
    np.testing.assert_allclose(back.value.values, want.value.values, rtol=1e-15, equal_nan=True)
    assert (back.units == want.units).all() and (back.statistic == want.statistic).all()
    about = pd.read_csv(tmp_path / "t_about.csv", encoding="utf-8-sig").set_index("key")["value"]
    assert about["results_file"] == str(out) and about["seed"] == "7"


def test_no_suffix_takes_the_format_of_to(made, tmp_path):
    out, _, _ = made
    res = _invoke(["export", str(out), "--to", "csv", "-o", str(tmp_path / "t"), "--all-paths",
                   "--variables", "reserve_months,balance"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t_about.csv", "t_events.csv", "t_paths.csv",
                                                          "t_summary.csv"]
    paths = pd.read_csv(tmp_path / "t_paths.csv", encoding="utf-8-sig")
    assert set(paths.variable) == {"reserve_months", "balance"}


def test_xlsx_one_sheet_per_table(made, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out, _, ds = made
    f = tmp_path / "t.xlsx"
    res = _invoke(["export", str(out), "-o", str(f), "--all-paths", "--variables", "balance"])
    assert res.exit_code == 0, res.output
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]
    wb = openpyxl.load_workbook(f, read_only=True)
    assert wb.sheetnames == ["summary", "events", "paths", "about"]
    rows = list(wb["summary"].iter_rows(values_only=True))
    assert rows[0] == ex.SUMMARY_COLUMNS
    assert len(rows) == len(ex.summary_table(ds)) + 1
    back = pd.read_excel(f, sheet_name="paths")
    assert len(back) == ds.sizes["path"] * ds.sizes["year"] * ds.sizes["fund"]


def test_xlsx_refuses_a_paths_table_larger_than_a_sheet(made, tmp_path, monkeypatch):
    out, _, _ = made
    monkeypatch.setattr(ex.write, "XLSX_MAX_ROWS", 100)  # read where it is used
    res = _invoke(["export", str(out), "-o", str(tmp_path / "t.xlsx"), "--all-paths"])
    msg = _error(res)
    assert "more than an Excel sheet holds" in msg and "csv or parquet" in msg
    assert list(tmp_path.iterdir()) == []


def test_parquet_round_trips(made, tmp_path):
    pytest.importorskip("pyarrow")
    out, _, ds = made
    res = _invoke(["export", str(out), "-o", str(tmp_path / "t.parquet")])
    assert res.exit_code == 0, res.output
    back = pd.read_parquet(tmp_path / "t_events.parquet")
    want = ex.events_table(ds)
    assert list(back.columns) == list(ex.EVENTS_COLUMNS)
    np.testing.assert_array_equal(back.value.values, want.value.values)
    assert back.year.isna().sum() == want.year.isna().sum() > 0


def test_parquet_without_pyarrow_says_what_to_install(made, tmp_path, monkeypatch):
    out, _, _ = made
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    msg = _error(_invoke(["export", str(out), "-o", str(tmp_path / "t.parquet")]))
    assert "pip install 'fundsim[parquet]'" in msg
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, needle", [
    (["-o", "{tmp}/t.txt"], "unknown suffix '.txt'"),
    (["-o", "{tmp}/t.xls"], "write .xlsx"),
    (["-o", "{tmp}/t.nc"], "unknown suffix '.nc'"),
    (["-o", "{tmp}/t"], "no suffix; give --to"),
    (["--to", "csv", "-o", "{tmp}/t.xlsx"], "ends in .xlsx but --to is csv; name it t.csv or give --to xlsx"),
    (["-o", "{tmp}/t.csv", "--variables", "balance"], "give --all-paths too"),
    (["-o", "{tmp}/t.csv", "--all-paths", "--variables", "balanse"], "balanse not in the results file"),
])
def test_bad_outputs_are_refused_with_one_line(made, tmp_path, args, needle):
    out, _, _ = made
    msg = _error(_invoke(["export", str(out)] + [a.format(tmp=tmp_path) for a in args]))
    assert needle in msg
    assert list(tmp_path.iterdir()) == []


def test_bad_results_files_are_refused_with_one_line(tmp_path):
    assert "results file not found" in _error(_invoke(["export", str(tmp_path / "none.nc"), "-o", str(tmp_path / "t.csv")]))
    junk = tmp_path / "junk.nc"
    junk.write_text("not netCDF")
    assert "cannot be read as a results file" in _error(_invoke(["summary", str(junk)]))
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("path", np.arange(3.0))}).to_netcdf(other)
    assert "not a fundsim results file" in _error(_invoke(["summary", str(other)]))


def test_a_failed_write_leaves_no_table(made, tmp_path, monkeypatch):
    out, _, _ = made
    real = pd.DataFrame.to_csv
    calls = []

    def fail_second(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_second)
    res = _invoke(["export", str(out), "-o", str(tmp_path / "t.csv")])
    assert res.exit_code == 1 and "disk is full" in res.stderr
    assert list(tmp_path.iterdir()) == []  # not even the first table


# --------------------------------------------------------------------------- summary and --json

def test_summary_prints_what_run_printed(made):
    out, printed, _ = made
    res = _invoke(["summary", str(out)])
    assert res.exit_code == 0, res.output
    table = printed.split("\n\n" + "12 paths x")[0]  # run adds its timing line after the table
    assert res.stdout.rstrip("\n") == table.rstrip("\n")


def test_summary_json_is_one_object_with_the_same_numbers(made):
    out, _, ds = made
    res = _invoke(["summary", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    s = summarize(ds)
    last = d["funds"]["resident"]["by_year"][-1]
    assert last["year"] == int(ds["year"].values[-1])
    assert last["reserve_months"]["p50"] == float(s["reserve_months_quantile"].sel(fund="resident", year=last["year"], quantile=0.5))
    assert last["band_probability"]["below_0"] == float(s["band_probability"].sel(fund="resident", year=last["year"], band="below_0"))
    ev = d["funds"]["employee_pooled"]["events"]["exhaustion_year"]
    assert ev["probability_within_horizon"] == float(s["exhaustion_year_within_horizon"].sel(fund="employee_pooled"))
    assert set(d["funds"]) == {"employee_pooled", "resident", "pooled_combined"}
    assert d["seed"] == 7 and d["paths"] == 12 and "named_sets_reserve_months" in last


def test_run_json_prints_only_the_summary_object(made, tmp_path):
    out, _, _ = made
    res = _invoke(RUN + ["--json", "--out", str(tmp_path / "again.nc")])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)  # nothing but the object on standard output
    # the same object fundsim summary --json makes from the file
    assert d == json.loads(_invoke(["summary", str(out), "--json"]).stdout)


def test_run_out_must_be_netcdf_and_points_to_export(tmp_path):
    for name, then in (("r.csv", "fundsim export {t}/r.nc -o {t}/r.csv"), ("r.txt", "fundsim export {t}/r.nc -o {t}/r.xlsx")):
        msg = _error(_invoke(RUN + ["--quiet", "--out", str(tmp_path / name)]))
        assert "must end in .nc" in msg and then.format(t=tmp_path) in msg
    assert list(tmp_path.iterdir()) == []


def test_a_core_run_without_named_sets_exports_what_it_holds(tmp_path):
    out = tmp_path / "core.nc"
    res = _invoke(RUN + ["--variables", "core", "--no-named-sets", "-q", "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = _invoke(["export", str(out), "-o", str(tmp_path / "c.csv"), "--all-paths"])
    assert res.exit_code == 0, res.output
    s = pd.read_csv(tmp_path / "c_summary.csv", encoding="utf-8-sig")
    assert not s.statistic.str.startswith("named_set").any()
    assert not s.variable.str.startswith("dip_").any()  # core keeps no DRG/DIP flags
    paths = pd.read_csv(tmp_path / "c_paths.csv", encoding="utf-8-sig")
    with xr.open_dataset(out) as ds:
        assert set(paths.variable) == {n for n in ds.data_vars if "path" in ds[n].dims}
    too_few = tmp_path / "few.nc"
    assert _invoke(RUN + ["--variables", "balance", "-q", "--out", str(too_few)]).exit_code == 0
    msg = _error(_invoke(["export", str(too_few), "-o", str(tmp_path / "f.xlsx")]))
    assert "written with too few --variables" in msg and "reserve_months" in msg
