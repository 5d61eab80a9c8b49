"""The multi-start back-test (specification section 11; issue 15): every start year 2018-2023 of
the national history, the rows and their JSON form, fit statistics that leave out the fitted base
year, a city-like scenario with its own reported.history, scenarios without history, and recalled
figures kept out of the reported truth."""

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.backtest import (AGGREGATES, FUNDS, MEASURES, BacktestError, History, backtest, figure_basis,
                                national_history)
from simulator.cli import cli

pytestmark = pytest.mark.slow  # back-test fits over every start year

ROOT = Path(__file__).resolve().parents[2]
QINGDAO = ROOT / "simulator" / "scenarios" / "qingdao.yaml"
ROW_KEYS = {"start", "year", "horizon", "fund", "measure", "reported", "modelled", "relative_error", "basis",
            "fitted", "fitted_by", "epidemic_year", "source"}


@pytest.fixture(scope="module")
def bt():
    """The national back-test from every start year (deterministic; about 20 s)."""
    return backtest()


@pytest.fixture(scope="module")
def bt23():
    return backtest(starts=[2023])


@pytest.fixture()
def runner():
    return CliRunner()


# ----------------------------------------------------------------------------- national history


def test_no_row_rests_on_a_recalled_figure(bt):
    assert all(r["basis"] != "recall" and "recall" not in r["source"].lower() for r in bt.rows)
    assert {(o["year"], o["key"]) for o in bt.omitted} >= {(2017, "employee_scheme.income"), (2017, "resident.income")}
    assert any("only recalled figures, not used" in n for n in bt.runs[2018].notes)


def test_every_start_year_2018_to_2023_runs(bt):
    assert bt.starts == [2018, 2019, 2020, 2021, 2022, 2023] and bt.end == 2024 and bt.national
    for s in bt.starts:
        ds = bt.runs[s].results
        assert int(ds.attrs["base_year"]) == s and int(ds["year"].values[-1]) == 2024
        assert ds.attrs["assumption_set"] == "central" and ds.sizes["path"] == 1
        checks = [r for r in bt.rows if r["start"] == s and r["horizon"] >= 1]
        assert checks, s
        assert all(np.isfinite(r["relative_error"]) for r in checks)
    # every start is compared with the latest year
    assert {r["start"] for r in bt.rows if r["year"] == 2024 and r["horizon"] >= 1} == set(bt.starts)


def test_national_history_holds_no_recalled_figure_and_flags_derivations():
    H = national_history()
    # recalled figures are kept only where nothing else exists (2017's flows), flagged, and never served as truth
    assert H.recalled() and {y for y, _, _ in H.recalled()} == {2017}
    for y, k, f in H.recalled():
        assert f.basis == "recall" and H.get(y, k) is None
    for y, d in H.figures.items():
        for k, f in d.items():
            if f.truth:
                assert "recall" not in f.source.lower(), (y, k, f)
    # 2019 resident flows: derived from the 2019 bulletin's totals, not the recalled 8,575 / 8,191
    f = H.get(2019, "resident.income")
    assert f.basis == "derived" and f.value == pytest.approx(24421e8 - 1584646000000.0)
    # the pool/account split is reported from 2023 only; before, the employee scheme's totals
    for y in range(2018, 2023):
        assert H.get(y, "employee_pooled.income") is None and H.get(y, "employee_scheme.income") is not None
    assert H.get(2023, "employee_pooled.income").value == 1658030000000.0
    assert H.get(2023, "employee_pooled.income").basis == "bulletin"
    # 2017 residents exclude the un-integrated NRCMS: not comparable, left out
    assert H.get(2017, "members.residents") is None and H.get(2018, "members.residents").value == 1027778000.0


def test_start_scenarios_carry_the_policy_then_in_force(bt):
    scn18 = bt.runs[2018].scenario.scenario
    share = scn18.accounts.employer_share
    assert share.evaluate([2018, 2021])[0] == pytest.approx(0.3) and share.evaluate([2021])[0] == pytest.approx(0.3)
    # the baseline dates the phase-out itself (fitted: simulator.account_phase_out), so the scenario's own schedule is used
    assert share.evaluate([2022, 2023, 2024]).tolist() == pytest.approx([0.2436, 0.0544, 0.03])
    assert any("the scenario's own schedules before 2023 are used (accounts.employer_share)" in n for n in bt.runs[2018].notes)
    w18 = 82461
    assert scn18.accounts.retiree_quota.evaluate([2018])[0] == pytest.approx(0.05 * 0.35 * w18 / 12, abs=0.006)   # rounded to fen
    rate = scn18.employee.employer_rate.evaluate([2019, 2020, 2021])
    assert rate[1] == pytest.approx(0.07 * (1 - 0.5 * 5 / 12)) and rate[0] == rate[2] == pytest.approx(0.07)
    assert scn18.resident.premium.evaluate([2018])[0] == 220 and scn18.resident.subsidy.evaluate([2018])[0] == 490
    assert scn18.resident.subsidy_cap_ratio is None          # the realised subsidies are fed
    assert scn18.maternity.paid_leave_days.evaluate([2021, 2022]).tolist() == [148.0, 158.0]
    assert scn18.reform.drg_dip.coverage.evaluate([2020])[0] == 0.0
    ds = bt.runs[2018].results
    assert ds["average_wage"].sel(year=2024).item() == pytest.approx(124110, rel=1e-7)   # realised wages fed
    # the start year's reported block is the history of that year
    rep = bt.runs[2021].scenario.scenario.reported.base_year
    assert rep.resident.expenditure.central == 929637000000.0
    assert rep.employee_pooled.income.central + rep.employee_accounts.income.central == pytest.approx(1900310000000.0)
    assert any("pool/account split is not reported" in n for n in bt.runs[2021].notes)
    rep23 = bt.runs[2023].scenario.scenario.reported.base_year
    assert rep23.employee_pooled.income.central == 1658030000000.0
    assert not any("pool/account split" in n for n in bt.runs[2023].notes)


def test_horizon_zero_rows_are_fitted_and_left_out_of_the_statistics(bt):
    h0 = [r for r in bt.rows if r["horizon"] == 0]
    assert h0 and all(r["fitted"] for r in h0)
    for r in h0:  # the calibration fits the base year's flows
        if r["fund"] == "resident" and r["measure"] in ("income", "expenditure", "balance"):
            assert r["relative_error"] == pytest.approx(0.0, abs=1e-9)
    summ = bt.summary()
    assert all(s["horizon"] == "all" or s["horizon"] >= 1 for s in summ)
    # rows the scenario's parameters were fitted to (reported.fitted) are no checks either
    checks = [r for r in bt.rows if r["horizon"] >= 1 and not r["fitted"]]
    total = sum(s["n"] for s in summ if s["horizon"] == "all")
    assert total == len(checks)


def test_mean_absolute_error_and_bias_by_hand(bt):
    rows = [r for r in bt.rows if r["fund"] == "resident" and r["measure"] == "expenditure" and r["horizon"] == 2]
    e = [r["modelled"] / r["reported"] - 1 for r in rows]
    s = next(s for s in bt.summary() if s["fund"] == "resident" and s["measure"] == "expenditure" and s["horizon"] == 2)
    assert s["n"] == len(rows) == 5 and s["starts"] == [2018, 2019, 2020, 2021, 2022]
    assert s["mean_abs_error"] == pytest.approx(sum(abs(x) for x in e) / len(e), rel=1e-12)
    assert s["bias"] == pytest.approx(sum(e) / len(e), rel=1e-12)
    assert s["max_abs_error"] == pytest.approx(max(abs(x) for x in e), rel=1e-12)
    # members: mid-year modelled against the mean of the year-end counts of t-1 and t
    r = next(r for r in bt.rows if r["start"] == 2021 and r["year"] == 2024 and r["measure"] == "actives")
    assert r["fund"] is None and r["reported"] == pytest.approx((274908400 + 270990000) / 2)
    ds = bt.runs[2021].results
    assert r["modelled"] == pytest.approx(float((ds["employees"] + ds["flexible"]).sel(year=2024).median()))


def test_acceptance_uses_the_three_funds_and_the_members_from_2021_2023(bt):
    c = bt.criteria()
    assert c["starts"] == [2021, 2022, 2023]
    rows = [r for r in bt.rows if r["start"] in (2021, 2022, 2023) and r["horizon"] >= 1 and not r["fitted"]
            and r["fund"] in FUNDS + (None,) and r["measure"] in MEASURES
            and not (r["fund"] == "employee_accounts" and r["measure"] == "balance")]  # the issue: balances of the pooled funds
    assert c["n"] == len(rows)
    assert not any(r["fund"] == "employee_accounts" and r["measure"] == "balance" for r in rows)
    assert any(r["fund"] == "employee_accounts" and r["measure"] == "balance" for r in bt.checks())  # shown, summarised
    e = np.array([r["relative_error"] for r in rows])
    assert c["mean_abs_error"] == pytest.approx(np.mean(np.abs(e))) and c["max_abs_error"] == pytest.approx(np.max(np.abs(e)))
    assert c["met"] == bool(c["max_abs_error"] <= 0.05 and c["mean_abs_error"] <= 0.025)


def test_epidemic_years_are_marked_and_printed(bt):
    assert {r["year"] for r in bt.rows if r["epidemic_year"]} == {2020, 2021, 2022}
    text = bt.format()
    assert "2020*" in text and "2022*" in text and "fit" in text and "MAE" in text and "bias" in text
    for label in ("employee pooled fund", "individual accounts", "resident fund", "members (mid-year): actives",
                  "members (mid-year): retirees", "members (mid-year): residents"):
        assert label in text


# ----------------------------------------------------------------------------- JSON and CLI


def test_json_rows_shape(runner):
    res = runner.invoke(cli, ["backtest", "--start", "2023", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["starts"] == [2023] and d["end"] == 2024 and d["deterministic"] and d["assumption_set"] == "central"
    assert d["rows"] and {"summary", "criteria", "assumptions", "omitted"} <= set(d)
    for r in d["rows"]:
        assert ROW_KEYS <= set(r)
        assert r["fund"] in FUNDS + AGGREGATES + (None,)
        assert r["measure"] in MEASURES + ("maternity",)
        assert (r["fund"] is None) == (r["measure"] in ("actives", "retirees", "residents"))
        assert r["start"] == 2023 and r["horizon"] == r["year"] - r["start"]
        assert r["relative_error"] == pytest.approx(r["modelled"] / r["reported"] - 1, rel=1e-9)
    s = d["summary"][0]
    assert {"fund", "measure", "horizon", "n", "mean_abs_error", "bias"} <= set(s)
    pooled = [r for r in d["rows"] if r["fund"] == "employee_pooled" and r["measure"] == "expenditure" and r["year"] == 2024]
    assert len(pooled) == 1 and pooled[0]["reported"] == 1322271000000.0


def test_paths_one_is_deterministic(bt23):
    again = backtest(starts=[2023])
    assert [r["modelled"] for r in again.rows] == [r["modelled"] for r in bt23.rows]


def test_cli_text_markdown_and_plot(runner, tmp_path, bt23):
    res = runner.invoke(cli, ["backtest", "--start", "2023"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == bt23.format().strip()
    res = runner.invoke(cli, ["backtest", "--start", "2023", "--markdown"])
    assert res.exit_code == 0 and "| start |" in res.output
    out = tmp_path / "history.png"
    res = runner.invoke(cli, ["backtest", "--start", "2023", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = runner.invoke(cli, ["backtest", "--start", "2023", "--plot", str(tmp_path / "history.txt")])
    assert res.exit_code == 2 and "--plot" in res.output


def test_history_figure_has_a_panel_per_flow_member_group_and_line(bt23):
    from simulator.plots.history import history_figure
    fig = history_figure(bt23)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    for needle in ("employee scheme income", "resident fund expenditure", "individual accounts balance", "maternity",
                   "active members", "retirees", "resident members", "employee: inpatient",
                   "resident: outpatient", "resident: chronic outpatient"):
        assert any(needle in t for t in titles), needle


@pytest.mark.parametrize("args, needle", [
    (["backtest", str(QINGDAO)], "carries no reported history"),
    (["backtest", "--start", "2017"], "lacks"),
    (["backtest", "--start", "2024"], "before the end year"),
    (["backtest", "--end", "2030"], "latest reported year 2024"),
])
def test_bad_back_tests_exit_2_with_one_message(runner, args, needle):
    res = runner.invoke(cli, args)
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output


# ----------------------------------------------------------------------------- a city with its own history


def _city_history(recall_2023_resident_income=False):
    """A synthetic history for Qingdao: the national 2023-2024 figures per member times the city's
    2024 members (a test fixture, not data)."""
    from simulator.scenario import load_scenario
    rep = load_scenario(str(QINGDAO)).scenario.reported.base_year
    H = national_history()
    k_emp = (rep.members.active.central + rep.members.retirees.central) / (274908400 + 104575000)
    k_res = rep.members.residents.central / 947137300
    out = {}
    for y in (2022, 2023, 2024):
        d = {}
        for key, f in H.figures[y].items():
            if key.startswith(("pooled_funds", "employee_scheme")):
                continue
            k = k_res if key.startswith("resident") or key == "members.residents" else k_emp
            sec, _, m = key.partition(".")
            node = {"value": f.value * k, "source": f"test fixture: national {y} {key} x {k:.5f}"}
            if m:
                d.setdefault(sec, {})[m] = node
            else:
                d[sec] = node
        out[y] = d
    if recall_2023_resident_income:
        out[2023]["resident"]["income"]["note"] = "unverified (recall)"
    return out


def _city(tmp_path, history):
    from ruamel.yaml import YAML
    doc = {"extends": str(QINGDAO), "name": "qingdao_with_history", "reported": {"history": history}}
    path = tmp_path / "qingdao_history.yaml"
    YAML(typ="safe", pure=True).dump(doc, path)
    return path


def test_a_city_scenario_with_reported_history_runs_its_own_back_test(tmp_path, runner):
    path = _city(tmp_path, _city_history())
    bt = backtest(str(path))
    assert not bt.national and bt.scenario == "qingdao_with_history"
    assert bt.starts == [2023] and bt.end == 2024           # 2022 lacks the pool/account split and the 2021 members
    assert any("population" in n and "stands in" in n for n in bt.runs[2023].notes)
    r = next(r for r in bt.rows if r["fund"] == "resident" and r["measure"] == "income" and r["year"] == 2024)
    assert r["reported"] == pytest.approx(1118091000000.0 * _k_res())
    assert 0 < r["modelled"] and math.isfinite(r["relative_error"])
    # the city's premiums follow the national standards scaled to its own level
    scn = bt.runs[2023].scenario.scenario
    assert scn.base_year == 2023 and scn.population.base.values.sum() < 2e7
    res = runner.invoke(cli, ["backtest", str(path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert not d["national_history"] and {r["start"] for r in d["rows"]} == {2023}


def _k_res():
    from simulator.scenario import load_scenario
    return load_scenario(str(QINGDAO)).scenario.reported.base_year.members.residents.central / 947137300


def test_recalled_figures_are_not_reported_truth(tmp_path, runner):
    path = _city(tmp_path, _city_history(recall_2023_resident_income=True))
    res = runner.invoke(cli, ["backtest", str(path)])
    # 2023 was the only start; its resident income is a recalled figure, so no year can start
    assert res.exit_code == 2, res.output
    assert "recalled" in res.output or "recall" in res.output
    # a recalled check year is omitted, not compared
    hist = _city_history()
    hist[2024]["resident"]["expenditure"]["note"] = "unverified (recall)"
    bt = backtest(str(_city(tmp_path, hist)))
    assert not [r for r in bt.rows if r["fund"] == "resident" and r["measure"] == "expenditure" and r["year"] == 2024]
    assert [o for o in bt.omitted if o["year"] == 2024 and o["key"] == "resident.expenditure"]
    assert "Not used as reported truth" in bt.format()


def test_figure_basis_reads_the_flags():
    assert figure_basis("bulletin 2019", "unverified (recall)") == "recall"
    assert figure_basis("assistant recall of the bulletin") == "recall"
    assert figure_basis("derived: a minus b") == "derived"
    assert figure_basis("2020年医疗保障事业发展统计快报") == "quick report"
    assert figure_basis("x", "bulletin") == "bulletin"
    assert figure_basis("Qingdao statistics") == "reported"
    h = History.from_mapping({2020: {"resident": {"income": {"value": 1.0, "note": "unverified (recall)"}}}})
    assert h.get(2020, "resident.income") is None and len(h.recalled()) == 1


def test_history_round_trips_through_the_schema():
    from simulator.scenario import load_scenario
    H = national_history()
    data = copy.deepcopy(load_scenario("baseline").data)
    data["reported"]["history"] = {y: d for y, d in H.to_mapping().items() if y >= 2022}
    loaded = load_scenario(data)
    again = History.from_mapping(loaded.scenario.reported.history)
    assert again.get(2023, "employee_pooled.income") == H.get(2023, "employee_pooled.income")
    assert again.get(2022, "employee_scheme.expenditure").basis == "bulletin"


def test_no_history_scenario_message_names_the_key():
    with pytest.raises(BacktestError, match="reported.history"):
        backtest(str(QINGDAO))


def test_a_scenario_that_states_the_earlier_policy_is_taken_at_its_word():
    """The back-test feeds its own pre-reform account rules only where the scenario's schedule
    says nothing about the years before 2023; a scenario (the baseline refitted, a city) that gives
    them is used as written, and --set makes a sensitivity of the fit."""
    bt = backtest(starts=[2021], overrides=["accounts.employer_share={2021: 0.15, 2023: 0.03, 2026: 0.0}"])
    scn = bt.runs[2021].scenario.scenario
    assert scn.accounts.employer_share.evaluate([2021, 2022]).tolist() == pytest.approx([0.15, 0.09])
    assert any("scenario's own schedules before 2023" in n for n in bt.runs[2021].notes)
    assert bt.national and scn.population.base.values.sum() > 1e9          # still the national history and populations


def test_history_the_scenario_was_fitted_to_is_shown_as_fitted_not_checked():
    """reported.fitted lists what a scenario's parameters were fitted to (a fitted quantity is no check)."""
    bt23 = backtest(starts=[2023], overrides=["reported.fitted={}"])   # nothing declared fitted
    bt = backtest(starts=[2023], overrides=["reported.fitted={members.active: 'membership.working_coverage_trend 2018-2024'}"])
    act = [r for r in bt.rows if r["measure"] == "actives" and r["horizon"] == 1]
    assert act and all(r["fitted"] and "working_coverage_trend" in r["fitted_by"] for r in act)
    assert not [s for s in bt.summary() if s["measure"] == "actives"]
    assert bt.criteria()["n"] == bt23.criteria()["n"] - len(act)
    block = bt.format().split("members (mid-year): actives")[1].split("\n\n")[0]
    assert "%f" in block
    assert any("reported.fitted" in n for n in bt.common_notes)


def test_causes_of_the_pooled_fund_error_add_up(runner):
    from simulator.backtest import diagnose
    d = diagnose(start=2022)
    assert d["start"] == 2022 and d["end"] == 2024
    assert sum(d["parts"].values()) == pytest.approx(d["error"], abs=1e-12)     # the residual closes it
    assert set(d["lines"]) == {"inpatient", "outpatient", "chronic_outpatient"}
    assert d["gross_level"]["base_year"] == 2024
    res = runner.invoke(cli, ["backtest", "--causes", "--start", "2022"])
    assert res.exit_code == 0 and "comes from" in res.output and "service lines" in res.output


def test_a_variant_of_the_baseline_is_back_tested_on_the_national_history(tmp_path):
    """A stack on the baseline, or a file that extends it, keeps the national population and
    reported figures, so it is back-tested on the national history (it was refused as carrying no
    history); the variant's own value reaches the start scenarios, so its rows differ."""
    overlay = tmp_path / "outpatient.yaml"
    overlay.write_text("expenditure:\n  reimbursement:\n    employee:\n      outpatient: "
                       "{value: 0.55, source: \"test variant\"}\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("extends: baseline\nname: child\n" + overlay.read_text(encoding="utf-8"), encoding="utf-8")
    base = backtest(None, [2023])
    for scenario in (f"baseline+{overlay}", str(child)):
        bt = backtest(scenario, [2023])
        assert [(r["year"], r["fund"], r["measure"]) for r in bt.rows] == [(r["year"], r["fund"], r["measure"]) for r in base.rows]
        pooled = [r for r in bt.rows if r["year"] == 2024 and r["fund"] == "employee_pooled" and r["measure"] == "expenditure"][0]
        pooled0 = [r for r in base.rows if r["year"] == 2024 and r["fund"] == "employee_pooled" and r["measure"] == "expenditure"][0]
        assert pooled["reported"] == pooled0["reported"]
        # the base year absorbs the level (calibration), so only the variant's reach is checked
        assert abs(pooled["modelled"] / pooled0["modelled"] - 1) > 1e-6


def test_a_city_that_extends_the_baseline_without_history_is_still_refused(tmp_path):
    city = tmp_path / "city.yaml"
    city.write_text("extends: baseline\nname: city\nregion: Somewhere\n", encoding="utf-8")
    with pytest.raises(BacktestError, match="no reported history"):
        backtest(str(city), [2023])
