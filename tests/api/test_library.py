"""The scenario library (simulator/scenarios/*.yaml besides the baseline), the national data loader,
the catalogue commands (fundsim scenarios / show) and the back-test against the NHSA bulletins."""

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = sorted(p for p in (ROOT / "simulator" / "scenarios").glob("*.yaml") if p.stem != "baseline")
REQUIRED = {"delayed_retirement", "retiree_contributions", "outpatient_mutual_aid", "drg_dip_full", "drg_dip_upcoding",
            "vbp_expansion", "epidemic_shock", "slow_growth", "qingdao", "qingyuan", "ageing_city"}


def _run(ref, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = simulator.run(ref, **kw)
    return ds, [str(w.message) for w in caught]


# ----------------------------------------------------------------------------- scenario library


def test_library_has_every_scenario_of_the_issue():
    assert REQUIRED <= {p.stem for p in LIBRARY}


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_scenario_validates_documents_itself_and_runs(path):
    text = path.read_text(encoding="utf-8")
    first = text.lstrip().splitlines()[0]
    assert first.startswith("#"), "a library scenario starts with a comment block"
    comment = [ln for ln in text.splitlines() if ln.startswith("#")]
    assert len(comment) >= 5, "the comment block documents the scenario"
    loaded = load_scenario(str(path))
    assert loaded.scenario.name == path.stem
    assert loaded.scenario.description.strip()
    assert loaded.data.get("extends") in ("baseline",) or str(loaded.data.get("extends", "")).endswith(".yaml")
    ds, caught = _run(str(path), paths=5, seed=7, horizon=10)
    assert not [w for w in caught if "calibration" in w], caught
    assert ds.sizes["path"] == 5 and ds.sizes["year"] == 11
    for v in ("income", "expenditure", "balance", "reserve_months"):
        assert np.isfinite(ds[v].sel(fund="employee_pooled").values).all()
    # the base year reproduces the scenario's reported figures (to 0.1%: a long-term-care carve-out
    # is a share of modelled pooled contribution income, whose pooled/accounts split is a check)
    rep = loaded.scenario.reported.base_year
    np.testing.assert_allclose(ds["expenditure"].isel(year=0, path=0).values,
                               [rep.employee_pooled.expenditure.central, rep.employee_accounts.expenditure.central,
                                rep.resident.expenditure.central], rtol=1e-3)


def test_every_number_written_in_the_library_has_a_source():
    from tests.cli.test_docs_and_sources import _unsourced_written
    for path in LIBRARY:
        assert _unsourced_written(load_scenario(str(path))) == [], path.name


def test_delayed_retirement_is_the_counterfactual_without_the_reform():
    base, _ = _run("baseline", paths=1, horizon=12, assumption_set="central")
    cf, _ = _run(str(ROOT / "simulator" / "scenarios" / "delayed_retirement.yaml"), paths=1, horizon=12, assumption_set="central")
    base, cf = base.isel(path=0), cf.isel(path=0)
    y = 2035
    assert float(cf["retirees"].sel(year=y)) > 1.05 * float(base["retirees"].sel(year=y))
    assert float(cf["reserve_months"].sel(fund="employee_pooled", year=y)) < float(base["reserve_months"].sel(fund="employee_pooled", year=y))
    # before the reform starts (2025) the two are the same
    np.testing.assert_allclose(cf["balance"].sel(year=2024).values, base["balance"].sel(year=2024).values)


@pytest.mark.parametrize("city, insured_2020, employee_share", [("qingdao", 8.91e6, None), ("qingyuan", 4.0948e6, 0.707 / 4.0948)])
def test_city_scenarios_carry_the_reported_counts_and_show_the_plans_pressure(city, insured_2020, employee_share):
    loaded = load_scenario(str(ROOT / "simulator" / "scenarios" / f"{city}.yaml"))
    rep = loaded.scenario.reported.base_year
    members = rep.members.active.central + rep.members.retirees.central + rep.members.residents.central
    # the 2020 count carried to 2024 with the national change of each group: within 5% of it
    assert abs(members / insured_2020 - 1) < 0.05
    if employee_share is not None:
        emp = rep.members.active.central + rep.members.retirees.central
        assert abs(emp / members - employee_share) < 0.03  # 2020 share, moved by the national changes to 2024
    # the plans report a resident fund whose income does not cover its expenditure
    assert rep.resident.expenditure.central > rep.resident.income.central
    # every derived figure says so
    text = (ROOT / "simulator" / "scenarios" / f"{city}.yaml").read_text(encoding="utf-8")
    assert text.count("assumption (derived)") >= 10
    # the population is a city, not the nation
    assert 2e6 < loaded.scenario.population.base.values.sum() < 2e7


# ----------------------------------------------------------------------------- national data


def test_national_dataset_dimensions_units_and_preference():
    from simulator.data.national import BASIS_ORDER, figure, load_national
    nat = load_national()
    assert set(nat.dims) == {"year", "series"}
    assert int(nat.year.min()) == 2012 and int(nat.year.max()) >= 2024
    for v in ("value", "reported_value", "verified", "basis", "source", "alternatives"):
        assert v in nat
    units = dict(zip(nat.series.values, nat.units.values))
    assert units["urrbmi.income"] == "yuan" and units["uebmi.insured_active"] == "persons"
    assert units["uebmi.policy_range_inpatient_fund_payment_ratio"] == "fraction"
    # the bulletin wins over the quick report (2023 employee scheme income: 22,931.65 vs 22,880.57)
    v, basis, source = figure(nat, 2023, "uebmi_incl_maternity.income")
    assert v == 2293165000000.0 and basis == "bulletin" and "公报" in source
    assert int(nat["alternatives"].sel(year=2023, series="uebmi_incl_maternity.income")) == 1
    assert figure(nat, 2024, "urrbmi.policy_range_inpatient_fund_payment_ratio")[0] == pytest.approx(0.686)
    # recalled figures are marked and can be left out
    assert figure(nat, 2019, "uebmi_incl_maternity.income")[1] == "recall"
    assert figure(nat, 2019, "uebmi_incl_maternity.income", allow_recall=False) is None
    nv = load_national(include_recall=False)
    assert "recall" not in set(nv["basis"].values.ravel())
    assert set(nat["basis"].values.ravel()) - {""} <= set(BASIS_ORDER)
    assert nat.attrs["source_file"] == "china_fund_flows.csv"


def test_national_values_agree_with_the_csv():
    from simulator.data import read_rows
    from simulator.data.national import load_national
    nat = load_national()
    for r in read_rows("china_fund_flows.csv"):
        if r["unit"] == "亿元":
            assert float(r["value_converted"]) == pytest.approx(float(r["value"]) * 1e8, rel=1e-12)
    # every kept bulletin cell equals one of the CSV rows of that cell
    kept = nat["value"].sel(year=2024, series="uebmi_pool_incl_maternity.expenditure").item()
    assert kept == 1322271000000.0


@pytest.mark.parametrize("year", [2018, 2019, 2020, 2021, 2022])
def test_added_population_tables_match_the_wpp_totals(year):
    from simulator.data import TABLES, load_profile_table, read_rows
    assert f"china_population_{year}" in TABLES
    pop = load_profile_table(f"china_population_{year}")
    assert pop.shape == (101, 2) and (pop > 0).all()
    row = next(r for r in read_rows("china_projection_assumptions.csv") if int(r["year"]) == year)
    assert pop[:, 0].sum() == pytest.approx(float(row["pop_male_jul1_thousands"]) * 1000, abs=101)
    assert pop[:, 1].sum() == pytest.approx(float(row["pop_female_jul1_thousands"]) * 1000, abs=101)
    with open(ROOT / "simulator" / "data" / f"china_population_{year}.csv", encoding="utf-8") as fh:
        head = next(csv.reader(fh))
    assert head == ["age", "sex", "population", "unit"]
    assert f"china_population_{year}.csv" in (ROOT / "simulator" / "data" / "SOURCES.md").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- catalogue commands


@pytest.fixture()
def runner():
    return CliRunner()


def test_fundsim_scenarios_lists_builtin_and_local(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = runner.invoke(cli, ["scenarios"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert any(ln.strip().startswith("baseline") and "National China" in ln for ln in lines)
    for p in LIBRARY:   # installed with the package: listed by name, one line each
        hits = [ln for ln in lines if ln.split()[:1] == [p.stem]]
        assert len(hits) == 1, p.name
        assert len(hits[0].split(p.stem, 1)[1].strip()) > 10  # a description


def test_fundsim_scenarios_in_a_folder_of_its_own(runner, monkeypatch, tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text("extends: baseline\nname: mine\ndescription: my variant\n")
    (tmp_path / "here.yaml").write_text("extends: baseline\nname: here\ndescription: a file beside me\n")
    (tmp_path / "broken.yaml").write_text("extends: baseline\nname: broken\nemployee:\n  employer_rate: 3\n")
    (tmp_path / "config.yaml").write_text("jobs: [1, 2]\n")   # not a scenario: not listed
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli, ["scenarios"])
    assert res.exit_code == 0, res.output
    assert "scenarios/mine.yaml" in res.output and "my variant" in res.output
    assert "here.yaml" in res.output and "a file beside me" in res.output
    assert "broken.yaml" in res.output and "does not load" in res.output
    assert "config.yaml" not in res.output


def test_fundsim_show_prints_the_resolved_scenario(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = runner.invoke(cli, ["show", "retiree_contributions", "--set", "horizon=12"])
    assert res.exit_code == 0, res.output
    from ruamel.yaml import YAML
    data = YAML(typ="safe").load(res.output)
    assert data["name"] == "retiree_contributions" and data["horizon"] == 12
    assert data["employee"]["retiree_rate"]["value"] == {2026: 0.0, 2027: 0.02}
    assert data["employee"]["employer_rate"]["value"] == 0.07          # inherited from the baseline
    assert res.output == load_scenario("retiree_contributions", ["horizon=12"]).text
    res = runner.invoke(cli, ["show"])
    assert res.exit_code == 0 and res.output.startswith("name: baseline")


@pytest.mark.parametrize("args, needle", [
    (["show", "no_such_scenario"], "no_such_scenario"),
    (["show", "--set", "employee.employer_rat=0.08"], "did you mean 'employer_rate'"),
    (["backtest", "--start", "2017"], "2017"),
    (["backtest", "--end", "2030"], "2030"),
])
def test_catalogue_and_backtest_bad_input_exit_2(runner, args, needle):
    res = runner.invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output


# ----------------------------------------------------------------------------- back-test

# The multi-start back-test (every start year 2018-2023, rows, fit statistics, city scenarios with
# reported.history, recalled figures) is tested in tests/api/test_backtest_multi.py.
