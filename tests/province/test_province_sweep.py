"""Sweeps and sensitivity of a province (issue 18 item 3): one region's overrides, the metric
language on a province's results (METRIC@REGION, any_exhaustion_probability), and variants that
equal the province runs they name."""

import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.errors import ScenarioError
from simulator.province import run_province
from simulator.province.assemble import summarize_province
from simulator.province.spec import split_overrides
from simulator.sweep import MetricError, evaluate_metric, parse_metric, sensitivity, sweep

PATHS, HORIZON = 24, 12
TWO = {"province": {"name": "two", "pooling": {"mode": "adjustment_fund", "share": 0.02, "min_months": 3},
                    "regions": [{"name": "a", "scenario": "ageing_city"}, {"name": "b", "scenario": "qingyuan"}]}}


@pytest.fixture(scope="module")
def two_file(tmp_path_factory):
    from ruamel.yaml import YAML
    path = tmp_path_factory.mktemp("sweep") / "two.yaml"
    with open(path, "w", encoding="utf-8") as f:
        YAML().dump(TWO, f)
    return path


def _run(source, overrides=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_province(source, paths=PATHS, horizon=HORIZON, overrides=list(overrides))


def test_split_overrides_sorts_province_region_and_common_keys():
    own, common, by_region = split_overrides(["province.pooling.share=0.05", "region.a.employee.employer_rate=0.08",
                                              "region=Somewhere", "economy.drivers.wage_growth.mean=0.04",
                                              "region.b.resident.premium=400"])
    assert own == ["province.pooling.share=0.05"]
    assert common == ["region=Somewhere", "economy.drivers.wage_growth.mean=0.04"]
    assert by_region == {"a": ["employee.employer_rate=0.08"], "b": ["resident.premium=400"]}


def test_a_region_override_changes_that_region_alone(two_file):
    base = _run(two_file, ["province.pooling.mode=separate", "province.pooling.share=0", "province.pooling.min_months=0"])
    moved = _run(two_file, ["province.pooling.mode=separate", "province.pooling.share=0",
                            "province.pooling.min_months=0", "region.b.employee.employer_rate=0.09"])
    inc = "contribution_income"
    np.testing.assert_array_equal(base[inc].sel(region="a").values, moved[inc].sel(region="a").values)
    assert not np.array_equal(base[inc].sel(region="b").values, moved[inc].sel(region="b").values)


def test_a_region_override_naming_no_region_is_refused(two_file):
    with pytest.raises(ScenarioError, match=r"no region 'aa'.*did you mean 'a'"):
        _run(two_file, ["region.aa.employee.employer_rate=0.08"])


@pytest.mark.parametrize("override", ["region.b.simulation.paths=5", "region.a.simulation.seed=3", "region.b.horizon=2"])
def test_a_region_override_of_the_shared_paths_seed_or_horizon_is_refused(two_file, override):
    # it used to set the whole province's value when the region came first, and to vanish otherwise
    with pytest.raises(ScenarioError, match="share their paths, seed and horizon"):
        _run(two_file, [override])


def test_region_metric_of_a_one_region_province_equals_the_scenario_metric():
    one = {"province": {"name": "one", "regions": [{"name": "a", "scenario": "ageing_city"}]}}
    prov = _run(one)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = simulator.run("ageing_city", paths=PATHS, horizon=HORIZON)
    for text in ("exhaustion_probability:employee_pooled:2030", "reserve_months:resident:2033:median",
                 "exhaustion_year:employee_pooled:median", "band_probability:employee_pooled:2028:0_3"):
        assert float(evaluate_metric(prov, text + "@a")) == float(evaluate_metric(single, text)), text


def test_any_exhaustion_probability_is_the_province_summary(two_file):
    ds = _run(two_file)
    s = summarize_province(ds)
    for fund in ("employee_pooled", "resident"):
        for year in (2028, 2036):
            want = float(s["any_region_exhausted_probability_by_year"].sel(fund=fund, year=year))
            assert float(evaluate_metric(ds, f"any_exhaustion_probability:{fund}:{year}")) == want
            # and counted here from the balances alone: a path where any region's balance fell
            # below zero in any year after the base year up to `year`
            bal = ds["balance"].sel(region=["a", "b"], fund=fund).sel(year=slice(int(ds.year[1]), year))
            by_hand = float((bal < 0).any(["region", "year"]).mean("path"))
            assert float(evaluate_metric(ds, f"any_exhaustion_probability:{fund}:{year}")) == pytest.approx(by_hand)
    # any region's exhaustion is at least each region's own
    for r in ("a", "b"):
        assert (float(evaluate_metric(ds, "any_exhaustion_probability:employee_pooled:2036"))
                >= float(evaluate_metric(ds, f"exhaustion_probability:employee_pooled:2036@{r}")))


def test_metrics_on_a_province_must_name_a_region(two_file):
    ds = _run(two_file)
    with pytest.raises(MetricError, match="name the region"):
        evaluate_metric(ds, "reserve_months:employee_pooled:2030:median")
    with pytest.raises(MetricError, match="did you mean 'a'"):
        evaluate_metric(ds, "reserve_months:employee_pooled:2030:median@aa")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single = simulator.run("qingyuan", paths=4, horizon=3)
    with pytest.raises(MetricError, match="no regions"):
        evaluate_metric(single, "reserve_months:employee_pooled:2026:median@a")
    with pytest.raises(MetricError, match="takes no @REGION"):
        parse_metric("any_exhaustion_probability:employee_pooled:2030@a")


def test_a_unified_members_balance_metrics_are_not_defined_in_the_pool():
    uni = {"province": {"name": "u", "pooling": {"mode": "unified", "unified_from": 2028},
                        "regions": [{"name": "a", "scenario": "ageing_city"}, {"name": "b", "scenario": "qingyuan"}]}}
    ds = _run(uni)
    assert np.isnan(float(evaluate_metric(ds, "reserve_months:employee_pooled:2030:median@a")))
    assert np.isnan(float(evaluate_metric(ds, "exhaustion_probability:employee_pooled:2030@a")))
    assert np.isfinite(float(evaluate_metric(ds, "reserve_months:employee_pooled:2026:median@a")))
    assert np.isfinite(float(evaluate_metric(ds, "reserve_months:employee_pooled:2030:median@province")))
    # every balance variable (not 'never below' read from NaN), and the reserve-month bands
    for text in ("reserve_months:pooled_combined:2030:prob<3@a", "balance:employee_pooled:2030:prob<0@a",
                 "fiscal_gap:employee_pooled:2030:prob>0@a", "band_probability:employee_pooled:2030:0_3@a"):
        assert np.isnan(float(evaluate_metric(ds, text))), text
    # the deficits rest on the year's flows, which a member reports: defined, and as the data say
    for kind, var in (("deficit", "current_balance"), ("operating_deficit", "operating_balance")):
        got = float(evaluate_metric(ds, f"{kind}_probability:employee_pooled:2030@a"))
        flows = ds[var].sel(region="a", fund="employee_pooled").sel(year=slice(int(ds.year[1]), 2030))
        assert got == pytest.approx(float((flows < 0).any("year").mean("path"))), kind


def test_a_province_sweep_variant_equals_its_province_run(two_file, tmp_path):
    metrics = ["any_exhaustion_probability:employee_pooled:2034", "reserve_months:employee_pooled:2030:median@b",
               "exhaustion_year:resident:median@a"]
    out = tmp_path / "s.nc"
    ds = sweep(str(two_file), grid={"province.pooling.share": [0.01, 0.04]}, paths=PATHS, horizon=HORIZON,
               scheduler="sync", metrics=metrics, out=str(out), progress_stream=False)
    assert ds.sizes["scenario"] == 2 and list(ds["metric"].values) == metrics
    np.testing.assert_array_equal(ds["province.pooling.share"].values, [0.01, 0.04])
    for k, share in enumerate((0.01, 0.04)):
        run = _run(two_file, [f"province.pooling.share={share}"])
        for m in metrics:
            assert float(ds["metric_value"].sel(metric=m).values[k]) == float(evaluate_metric(run, m)), (share, m)
    import xarray as xr
    with xr.open_dataset(out) as back:
        np.testing.assert_array_equal(back["metric_value"].values, ds["metric_value"].values)
    # the table reads the columns; a metric not computed is said so
    assert float(evaluate_metric(ds, metrics[0]).values[1]) == float(ds["metric_value"].values[1, 0])
    with pytest.raises(MetricError, match="not computed by this province sweep"):
        evaluate_metric(ds, "any_exhaustion_probability:resident:2034")


def test_province_sensitivity_low_and_high_are_the_runs(two_file):
    metric = "exhaustion_probability:employee_pooled:2034@a"
    ds = sensitivity(str(two_file), metric=metric, vary={"province.pooling.share": (0.01, 0.05)}, paths=PATHS,
                     horizon=HORIZON, scheduler="sync", progress_stream=False)
    for col, share in (("low", 0.01), ("high", 0.05)):
        run = _run(two_file, [f"province.pooling.share={share}"])
        assert float(ds[col].values[0]) == float(evaluate_metric(run, metric))
    assert float(ds["base"].values[0]) == float(evaluate_metric(_run(two_file), metric))
    with pytest.raises(MetricError, match="name the region"):
        sensitivity(str(two_file), metric="reserve_months:employee_pooled:2030:median",
                    vary={"province.pooling.share": (0.01, 0.05)}, paths=PATHS, horizon=HORIZON, scheduler="sync")
    with pytest.raises(MetricError, match="for a province file"):
        sensitivity("qingyuan", metric="any_exhaustion_probability:employee_pooled:2030",
                    vary={"employee.employer_rate": (0.07, 0.08)}, paths=4, horizon=8, scheduler="sync")


def test_cli_sweep_and_sensitivity_of_a_province(two_file, tmp_path):
    r = CliRunner().invoke(cli, ["sweep", str(two_file), "--grid", "province.pooling.share=0.01,0.03", "-n", "12",
                                 "--horizon", "8", "--scheduler", "sync", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert [v["values"]["province.pooling.share"] for v in d["variants"]] == [0.01, 0.03]
    assert "any_exhaustion_probability:employee_pooled:end" in d["variants"][0]["metrics"]
    r = CliRunner().invoke(cli, ["sweep", str(two_file), "--grid", "region.a.employee.employer_rate=0.07,0.09",
                                 "-n", "12", "--horizon", "8", "--scheduler", "sync", "-o", str(tmp_path / "x.zarr")])
    assert r.exit_code == 2 and "must end in .nc" in r.output
    r = CliRunner().invoke(cli, ["sweep", str(two_file), "baseline", "--grid", "province.pooling.share=0.01,0.03"])
    assert r.exit_code == 2 and "swept alone" in r.output
    r = CliRunner().invoke(cli, ["sensitivity", str(two_file), "-m", "any_exhaustion_probability:employee_pooled:2030",
                                 "--vary", "region.b.employee.employer_rate=0.07:0.09", "-n", "12", "--horizon", "8",
                                 "--scheduler", "sync"])
    assert r.exit_code == 0, r.output
    assert "region.b.employee.employer_rate" in r.output and "any region" in r.output


def test_cli_province_sweep_file_is_replaced_when_run_again(two_file, tmp_path):
    out = tmp_path / "m.nc"
    args = ["sweep", str(two_file), "--grid", "province.pooling.share=0.01,0.03", "-n", "8", "--horizon", "4",
            "--scheduler", "sync", "-q", "-o", str(out)]
    for _ in range(2):  # the second run found a file where a zarr store's folder was expected
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, r.output
    assert out.is_file()
    r = CliRunner().invoke(cli, args + ["--overwrite"])
    assert r.exit_code == 2 and "--overwrite is for a zarr store" in r.output


def test_cli_scenario_sweep_refuses_a_file_as_its_store(tmp_path):
    afile = tmp_path / "s.zarr"
    afile.write_text("not a store")
    r = CliRunner().invoke(cli, ["sweep", "--grid", "employee.employer_rate=0.06,0.07", "-n", "4", "--horizon", "2",
                                 "--scheduler", "sync", "-o", str(afile)])
    assert r.exit_code == 2 and "is a file; a sweep's store is a folder" in r.output


def test_cli_province_sweep_interrupted_without_out_says_nothing_was_written(two_file, monkeypatch):
    import simulator.sweep as sw

    def interrupted(**kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(sw, "sweep", interrupted)
    r = CliRunner().invoke(cli, ["sweep", str(two_file), "--grid", "province.pooling.share=0.01,0.03", "-n", "8",
                                 "--scheduler", "sync"])
    assert r.exit_code == 130, r.output
    assert "interrupted: nothing was written" in r.output and "Error" not in r.output


def test_province_sweep_provenance_covers_the_region_scenarios(tmp_path):
    from simulator.sweep.plan import plan_sweep

    (tmp_path / "p.yaml").write_text("province:\n  name: p\n  regions:\n    - {name: a, scenario: a.yaml}\n",
                                     encoding="utf-8")
    shas = []
    for premium_note in ("first", "second"):
        (tmp_path / "a.yaml").write_text(f"extends: qingyuan\nname: city {premium_note}\n", encoding="utf-8")
        plan = plan_sweep(str(tmp_path / "p.yaml"), grid={"province.pooling.mode": ["separate"]}, paths=4, horizon=2)
        shas.append(plan.sha256)
    assert shas[0] != shas[1]


def test_cli_heatmap_of_a_province_sweep_draws_one_metric(two_file, tmp_path):
    out = tmp_path / "m.nc"
    r = CliRunner().invoke(cli, ["sweep", str(two_file), "--grid", "province.pooling.share=0.01,0.03",
                                 "--grid", "region.a.employee.employer_rate=0.07,0.09", "-n", "8", "--horizon", "4",
                                 "--scheduler", "sync", "-q", "-o", str(out)])
    assert r.exit_code == 0, r.output
    png = tmp_path / "h.png"
    r = CliRunner().invoke(cli, ["plot", str(out), "--kind", "heatmap", "--metric",
                                 "any_exhaustion_probability:resident:end", "-o", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 0
    r = CliRunner().invoke(cli, ["plot", str(out), "--kind", "heatmap", "--metric", "reserve_months", "-o",
                                 str(tmp_path / "g.png")])
    assert r.exit_code == 2 and "this province sweep kept any_exhaustion_probability" in r.output
