"""A sweep kept in single precision (as ``fundsim run --precision single``): its run variables are
each variant's single-precision run, bit for bit, in half the store; its summaries over paths are
those of the double sweep to rounding; a store of one precision is not resumed in the other."""

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator import sweep as sw
from simulator.cli import cli

PATHS, H = 20, 4
GRID = {"employee.employer_rate": "0.06,0.08"}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    root = tmp_path_factory.mktemp("precision")
    single = sw.sweep("baseline", grid=GRID, paths=PATHS, horizon=H, scheduler="sync", out=root / "s.zarr",
                      variables="core", precision="single")
    double = sw.sweep("baseline", grid=GRID, paths=PATHS, horizon=H, scheduler="sync", out=root / "d.zarr",
                      variables="core")
    return root, single, double


def test_single_sweep_keeps_each_variants_single_run(sweeps):
    _, single, double = sweeps
    assert single.attrs["precision"] == "single" and double.attrs["precision"] == "double"
    run = simulator.run("baseline", paths=PATHS, horizon=H, overrides=["employee.employer_rate=0.06"],
                        variables="core", precision="single")
    for name in run.data_vars:
        assert single[name].dtype == np.float32, name
        np.testing.assert_array_equal(single[name].isel(scenario=0).values, run[name].values, err_msg=name)
        np.testing.assert_array_equal(single[name].values, double[name].values.astype(np.float32), err_msg=name)


def test_single_sweep_summaries_are_the_double_ones_to_rounding(sweeps):
    _, single, double = sweeps
    for name in double.data_vars:
        if sw.SUMMARY_FUND_DIM not in double[name].dims:
            continue
        a, b = double[name].values, single[name].values
        assert b.dtype == np.float64, name
        finite = np.abs(a[np.isfinite(a)])
        atol = 1e-9 * (finite.max() if finite.size else 0.0)
        np.testing.assert_allclose(b, a, rtol=1e-4 if name.endswith("_se") else 1e-6, atol=atol, equal_nan=True,
                                   err_msg=name)


def test_a_store_is_not_resumed_in_the_other_precision(sweeps):
    root, _, _ = sweeps
    with pytest.raises(sw.SweepError, match="kept in single precision; give --precision single to resume"):
        sw.sweep("baseline", grid=GRID, paths=PATHS, horizon=H, scheduler="sync", out=root / "s.zarr", variables="core")
    again = sw.sweep("baseline", grid=GRID, paths=PATHS, horizon=H, scheduler="sync", out=root / "s.zarr",
                     variables="core", precision="single")  # resumed: nothing left to run
    assert again.attrs["precision"] == "single"


def test_bad_precision_and_a_province_are_refused():
    with pytest.raises(sw.SweepError, match="precision: 'half'"):
        sw.plan_sweep("baseline", grid=GRID, paths=2, horizon=2, precision="half")
    res = CliRunner().invoke(cli, ["sweep", "example_province", "--grid", "province.pooling.share=0.01,0.02",
                                   "-n", "2", "--horizon", "2", "--precision", "single"])
    assert res.exit_code == 2 and "double precision only" in res.output, res.output


def test_a_sweep_file_takes_precision(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("sweep:\n  scenario: baseline\n  grid: {employee.employer_rate: '0.06,0.08'}\n  paths: 3\n"
                 "  horizon: 2\n  variables: core\n  precision: single\n  scheduler: sync\n", encoding="utf-8")
    ds = sw.sweep(str(f))
    assert ds["balance"].dtype == np.float32 and ds.attrs["precision"] == "single"


def test_metrics_of_a_single_store_are_taken_in_double(sweeps):
    """The metric language reads the store's paths: in float32 the base year's sd of identical paths
    was 2.7e5 yuan, not 0."""
    from simulator.sweep.metrics import evaluate_metric

    _, single, double = sweeps
    base = int(single["year"].values[0])
    assert float(evaluate_metric(single, f"balance:employee_pooled:{base}:sd").max()) == 0.0
    for metric in ("balance:employee_pooled:end:mean", "reserve_months:resident:end:sd", "balance:resident:end:p90"):
        a, b = evaluate_metric(double, metric).values, evaluate_metric(single, metric).values
        assert b.dtype == np.float64, metric
        np.testing.assert_allclose(b, a, rtol=1e-5, err_msg=metric)


def test_blocks_are_sized_for_the_precision():
    from simulator.sweep.store import _bytes_per_variant

    plans = [sw.plan_sweep("baseline", grid=GRID, paths=500, horizon=10, variables="core", precision=p)
             for p in ("double", "single")]
    double, single = (_bytes_per_variant(p) for p in plans)
    assert single < 0.55 * double


def test_an_argument_wins_over_the_sweep_files_precision_and_a_bad_one_names_the_key(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("sweep:\n  scenario: baseline\n  grid: {employee.employer_rate: '0.06,0.08'}\n  paths: 3\n"
                 "  horizon: 2\n  variables: core\n  precision: single\n  scheduler: sync\n", encoding="utf-8")
    assert sw.sweep(str(f), precision="double")["balance"].dtype == np.float64
    f.write_text("sweep:\n  scenario: baseline\n  precision: half\n", encoding="utf-8")
    with pytest.raises(sw.SweepError, match=r"s.yaml: sweep.precision: 'half' is not one of double, single"):
        sw.sweep(str(f))
