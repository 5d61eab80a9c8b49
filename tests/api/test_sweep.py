"""Sweeps and sensitivity (issue 4): variants equal single runs bit for bit, results do not depend
on the workers, an interrupted sweep resumes to identical results, memory stays bounded, and the
metric language agrees with ``simulator.summarize``.

Small path counts and horizons throughout; one test uses a real ``distributed.LocalCluster``.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator import sweep as sw
from simulator.cli import cli
from simulator.errors import ScenarioError

PATHS, H = 20, 5
GRID = {"employee.employer_rate": "0.06,0.08", "reform.drg_dip.coverage": [0.7, 1.0]}


def _run_vars(ds):
    return [n for n in ds.data_vars if "path" in ds[n].dims]


def _summary_vars(ds):
    return [n for n in ds.data_vars if sw.SUMMARY_FUND_DIM in ds[n].dims]


def _assert_same(a: xr.Dataset, b: xr.Dataset, names):
    for n in names:
        assert a[n].dims == b[n].dims, n
        x, y = a[n].values, b[n].values
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), n


def _no_partials(store):
    return not [f for _, _, fs in os.walk(store) for f in fs if f.endswith(".partial")]


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "grid.zarr"
    ds = sw.sweep("baseline", grid=GRID, paths=PATHS, horizon=H, scheduler="sync", out=out)
    return out, ds


# ----------------------------------------------------------------------------- definitions


def test_grid_values_ranges_and_flow_text():
    assert sw._range_values("0.06:0.10:0.01", "g") == [0.06, 0.07, 0.08, 0.09, 0.1]
    assert sw._range_values("1:2:0.3", "g") == [1.0, 1.3, 1.6, 1.9]
    assert sw._range_values("0.5,0.6", "g") is None
    with pytest.raises(sw.SweepError, match="no values"):
        sw._range_values("1:0:0.5", "g")
    assert sw._split_top("0.06,{2026: 0.0, 2027: 0.02}, [1, 2],'a,b'") == ["0.06", "{2026: 0.0, 2027: 0.02}", "[1, 2]", "'a,b'"]
    ax = sw._grid_axis("k", ["0.060000", 0.07, {2026: 0.0, 2030: 0.02}])
    assert ax.texts == ("0.060000", "0.07", "{2026: 0.0, 2030: 0.02}")
    assert ax.values[0] == 0.06 and ax.values[2] == {2026: 0.0, 2030: 0.02}
    assert sw._fmt_float(1e-05) == "1.0e-05" and float(sw._yaml_value("1.0e-05")) == 1e-05
    with pytest.raises(sw.SweepError, match="without a step"):
        sw._grid_axis("k", "0.06:0.09")
    with pytest.raises(sw.SweepError, match="twice"):
        sw._grid_axis("k", "0.1,0.1")


def test_plan_product_latin_hypercube_and_bad_input():
    plan = sw.plan_sweep("baseline", grid={"employee.employer_rate": "0.06:0.08:0.01"}, sample=8,
                         uniform={"economy.drivers.wage_growth.mean": "0.03:0.05"}, paths=PATHS, horizon=H, seed=7)
    assert len(plan.variants) == 3 * 8
    assert plan.keys == ["employee.employer_rate", "economy.drivers.wage_growth.mean"]
    w = plan.coords["economy.drivers.wage_growth.mean"][:8]
    assert ((w >= 0.03) & (w <= 0.05)).all()
    # Latin hypercube: one point in each of the 8 strata; reproducible from the seed
    assert sorted(np.floor((w - 0.03) / 0.02 * 8).astype(int)) == list(range(8))
    again = sw.plan_sweep("baseline", grid={"employee.employer_rate": "0.06:0.08:0.01"}, sample=8,
                          uniform={"economy.drivers.wage_growth.mean": "0.03:0.05"}, paths=PATHS, horizon=H, seed=7)
    assert again.sha256 == plan.sha256
    v = plan.variants[9]
    assert v.overrides[-2:] == (f"employee.employer_rate={plan.coords['employee.employer_rate'][9]:g}",
                                f"economy.drivers.wage_growth.mean={sw._fmt_float(plan.coords['economy.drivers.wage_growth.mean'][9])}")
    with pytest.raises(ScenarioError, match="did you mean 'employer_rate'"):
        sw.plan_sweep("baseline", grid={"employee.employer_rat": "0.06,0.07"}, paths=PATHS, horizon=H)
    with pytest.raises(ScenarioError):  # a rate above 1 fails validation before anything runs
        sw.plan_sweep("baseline", grid={"employee.employer_rate": "0.06,1.5"}, paths=PATHS, horizon=H)
    for kwargs, msg in (({}, "nothing to sweep"), ({"sample": 3}, "needs at least one --uniform"),
                        ({"uniform": {"employee.employer_rate": "0.05:0.06"}}, "needs --sample"),
                        ({"grid": {"employee.employer_rate": "0.06,0.07"}, "overrides": ["employee.employer_rate=0.05"]},
                         "both swept and set")):
        with pytest.raises(sw.SweepError, match=msg):
            sw.plan_sweep("baseline", paths=PATHS, horizon=H, **kwargs)


# ----------------------------------------------------------------------------- equal to single runs


def test_each_variant_equals_its_single_run_bit_for_bit(grid_sweep):
    out, ds = grid_sweep
    assert ds.sizes["scenario"] == 4 and bool(ds["completed"].all())
    assert list(ds["employee.employer_rate"].values) == [0.06, 0.06, 0.08, 0.08]
    assert list(ds["reform.drg_dip.coverage"].values) == [0.7, 1.0, 0.7, 1.0]
    for k in range(4):
        rate, cov = ds["employee.employer_rate"].values[k], ds["reform.drg_dip.coverage"].values[k]
        ov = [f"employee.employer_rate={float(rate)!r}", f"reform.drg_dip.coverage={float(cov)!r}"]
        run = simulator.run("baseline", paths=PATHS, horizon=H, overrides=ov)
        v = ds.isel(scenario=k).load()
        names = list(run.data_vars)
        assert sorted(_run_vars(ds)) == sorted(names)  # the same variables as a single run
        _assert_same(v, run, names)
        for c in ("path", "year", "fund", "scheme", "line"):
            assert np.array_equal(v[c].values, run[c].values)
        assert str(v["scenario_sha256"].values) == run.attrs["scenario_sha256"]
        s = simulator.summarize(run).rename(fund=sw.SUMMARY_FUND_DIM)
        _assert_same(v, s, list(s.data_vars))  # summaries over paths, computed per block, are equal too
    assert _no_partials(out)


def test_scenario_files_and_summaries_only(tmp_path):
    f = tmp_path / "rich.yaml"
    f.write_text("extends: baseline\nname: rich\nemployee:\n  employer_rate: 0.09\n")
    ds = sw.sweep(["baseline", str(f)], grid={"reform.drg_dip.coverage": "0.8,1.0"}, paths=PATHS, horizon=H,
                  scheduler="sync", variables="none")
    assert list(ds["scenario_file"].values) == ["baseline", "baseline", str(f), str(f)]
    assert not _run_vars(ds) and _summary_vars(ds)
    run = simulator.run(str(f), paths=PATHS, horizon=H, overrides=["reform.drg_dip.coverage=0.8"])
    s = simulator.summarize(run).rename(fund=sw.SUMMARY_FUND_DIM)
    _assert_same(ds.isel(scenario=2), s, list(s.data_vars))
    # the metric language answers from the summaries when the paths are not kept
    got = sw.evaluate_metric(ds, "reserve_months:employee_pooled:end:median").values
    assert got[2] == float(s["reserve_months_quantile"].sel(quantile=0.5, pooled_fund="employee_pooled").isel(year=-1))
    with pytest.raises(sw.MetricError, match="needs the paths"):
        sw.evaluate_metric(ds, "reserve_months:employee_pooled:end:p10")
    g = tmp_path / "other_seed.yaml"
    g.write_text("extends: baseline\nname: other\nsimulation:\n  seed: 5\n")
    with pytest.raises(sw.SweepError, match="different seeds"):
        sw.plan_sweep(["baseline", str(g)], paths=PATHS, horizon=H)


# ----------------------------------------------------------------------------- workers


@pytest.mark.slow
def test_one_or_two_workers_on_a_local_cluster_give_identical_results(tmp_path):
    """1 worker x 2 numba threads (a cluster the sweep starts) and 2 workers x 1 thread (an existing
    distributed.LocalCluster, one of whose workers is killed mid-sweep) store the same numbers."""
    from distributed import Client, LocalCluster

    grid = {"employee.employer_rate": "0.06,0.065,0.07,0.08"}
    one = sw.sweep("baseline", grid=grid, paths=PATHS, horizon=H, workers=1, threads_per_worker=2,
                   variants_per_task=1, out=tmp_path / "one.zarr")
    st1 = sw.LAST_STATS
    assert st1.executor.startswith("1 worker x 2 threads (local dask cluster)")
    assert {b["threads"] for b in st1.blocks} == {2}
    killed = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            pids = set(client.run(os.getpid).values())

        def kill_the_other_worker(done, total):
            if not killed:  # a killed worker: its task runs again elsewhere, nothing is lost or doubled
                other = sorted(pids - {sw.LAST_STATS.blocks[-1]["pid"]})
                if other:
                    os.kill(other[0], signal.SIGKILL)
                    killed.append(other[0])

        two = sw.sweep("baseline", grid=grid, paths=PATHS, horizon=H, scheduler=cluster.scheduler_address,
                       variants_per_task=1, out=tmp_path / "two.zarr", progress=kill_the_other_worker)
    st2 = sw.LAST_STATS
    assert killed and "dask cluster at tcp://" in st2.executor and {b["threads"] for b in st2.blocks} == {1}
    # which workers ran tasks depends on timing (the killed worker may die before its first task and
    # all blocks then run on the survivor): the guarantee is the identical store below, not the spread
    names = list(one.data_vars)
    assert sorted(names) == sorted(two.data_vars)
    _assert_same(one.load(), two.load(), [n for n in names if n != "run_seconds"])
    run = simulator.run("baseline", paths=PATHS, horizon=H, overrides=["employee.employer_rate=0.06"])
    _assert_same(one.isel(scenario=0), run, list(run.data_vars))
    assert _no_partials(tmp_path / "two.zarr")


def test_a_finished_sweep_leaves_no_file_under_a_temporary_name(tmp_path):
    """A worker killed while writing leaves a ``*.partial`` file and its block runs again elsewhere;
    the finished sweep deletes such leftovers (here one is planted while the sweep runs)."""
    out = tmp_path / "s.zarr"
    planted = []

    def plant(done, total):
        if not planted and out.is_dir():
            leftover = out / "completed" / ".0.deadbeef.partial"
            leftover.write_text("{", encoding="utf-8")
            planted.append(leftover)

    sw.sweep("baseline", grid={"employee.employer_rate": "0.06,0.08"}, paths=PATHS, horizon=H,
             scheduler="sync", variants_per_task=1, out=out, progress=plant)
    assert planted and not planted[0].exists()
    assert _no_partials(out)


# ----------------------------------------------------------------------------- resume


RESUME_GRID = {"employee.employer_rate": "0.05:0.075:0.005"}


@pytest.mark.slow
def test_resume_after_sigkill_gives_identical_results(tmp_path):
    ref = sw.sweep("baseline", grid=RESUME_GRID, paths=40, horizon=10, scheduler="sync", variants_per_task=1,
                   out=tmp_path / "ref.zarr").load()
    n = ref.sizes["scenario"]
    out = tmp_path / "killed.zarr"
    cmd = [sys.executable, "-m", "simulator", "sweep", "--grid", "employee.employer_rate=0.05:0.075:0.005",
           "-n", "40", "--horizon", "10", "--variants-per-task", "1", "--scheduler", "sync", "-q", "-o", str(out)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            marks = out / "completed"
            done = len([p for p in marks.iterdir() if p.name.isdigit()]) if marks.is_dir() else 0
            if done >= 2:
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and anything it started
        proc.wait()
    assert 2 <= done < n, (done, proc.stderr.read().decode()[-2000:])
    # what the killed sweep left is a valid store: every variant marked completed is whole and exact
    part = sw.open_sweep(out).load()
    finished = np.flatnonzero(part["completed"].values)
    assert 2 <= len(finished) < n
    _assert_same(part.isel(scenario=finished), ref.isel(scenario=finished), _run_vars(ref) + _summary_vars(ref))
    # running the same sweep again finishes only the rest, with the same numbers as one sweep
    again = sw.sweep("baseline", grid=RESUME_GRID, paths=40, horizon=10, scheduler="sync", out=out)
    assert sw.LAST_STATS.skipped == len(finished) and sw.LAST_STATS.ran == n - len(finished)
    _assert_same(again.load(), ref, [v for v in ref.data_vars if v != "run_seconds"])
    assert _no_partials(out)


def test_a_store_of_another_sweep_is_never_mixed_or_deleted(tmp_path, grid_sweep):
    out, _ = grid_sweep
    with pytest.raises(sw.SweepError, match="holds a different sweep"):
        sw.sweep("baseline", grid={"employee.employer_rate": "0.06,0.09"}, paths=PATHS, horizon=H, scheduler="sync",
                 out=out)
    other = tmp_path / "not_a_store"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(sw.SweepError, match="not a fundsim sweep store"):
        sw.sweep("baseline", grid={"employee.employer_rate": "0.06,0.09"}, paths=PATHS, horizon=H, scheduler="sync",
                 out=other, overwrite=True)
    assert (other / "keep.txt").read_text() == "mine"


# ----------------------------------------------------------------------------- memory


_MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from simulator import sweep as sw

    def main():
        driver = []
        prog = lambda done, total: driver.append((done, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
        sw.sweep("baseline", grid={"employee.employer_rate": "0.05:0.069:0.001", "reform.drg_dip.coverage": "0.1:1.0:0.1"},
                 paths=250, horizon=5, workers=2, variables="core", out=sys.argv[1], progress=prog)
        st = sw.LAST_STATS
        plan = sw.plan_sweep("baseline", grid={"employee.employer_rate": "0.06,0.07"}, paths=250, horizon=5,
                             variables="core")
        print(json.dumps({"driver": driver, "blocks": [(b["pid"], b["start"], b["maxrss_kb"]) for b in st.blocks],
                          "variants": st.variants, "per_task": st.variants_per_task,
                          "bytes_per_variant": sw._bytes_per_variant(plan)}))

    if __name__ == "__main__":
        main()
""")


@pytest.mark.slow
def test_a_sweep_of_200_variants_runs_in_bounded_memory(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(_MEMORY_SCRIPT)
    res = subprocess.run([sys.executable, str(script), str(tmp_path / "mem.zarr")], capture_output=True, text=True,
                         timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    r = json.loads(res.stdout.strip().splitlines()[-1])
    n = r["variants"]
    assert n == 200
    total_mb = n * r["bytes_per_variant"] / 2**20
    assert total_mb > 80  # holding every result at once would show
    # the driver holds no results: its peak after the first tenth of the variants hardly moves
    first = next(rss for done, rss in r["driver"] if done >= n // 10)
    growth_driver = (r["driver"][-1][1] - first) / 1024
    assert growth_driver < 25, growth_driver
    # each worker holds one block at a time: its peak after its first block hardly moves
    by_pid = {}
    for pid, _start, rss in r["blocks"]:
        by_pid.setdefault(pid, []).append(rss)
    assert len(by_pid) == 2
    for peaks in by_pid.values():
        assert (peaks[-1] - peaks[0]) / 1024 < 30, peaks
    ds = sw.open_sweep(tmp_path / "mem.zarr")
    assert bool(ds["completed"].all()) and ds.sizes["scenario"] == 200


# ----------------------------------------------------------------------------- metrics


def test_metric_language_agrees_with_summarize():
    run = simulator.run("baseline", paths=40, horizon=30, seed=3)
    s = simulator.summarize(run)
    last = int(run["year"].values[-1])

    def ev(text):
        return float(sw.evaluate_metric(run, text))

    for fund in ("employee_pooled", "resident", "pooled_combined"):
        assert ev(f"reserve_months:{fund}:2040:median") == float(
            s["reserve_months_quantile"].sel(fund=fund, year=2040, quantile=0.5))
        assert ev(f"reserve_months:{fund}:end:p95") == float(
            s["reserve_months_quantile"].sel(fund=fund, year=last, quantile=0.95))
        for ev_name, key in (("exhaustion", "exhaustion"), ("deficit", "deficit"),
                             ("operating_deficit", "operating_deficit")):
            assert ev(f"{ev_name}_probability:{fund}:2045") == float(
                s[f"{key}_probability_by_year"].sel(fund=fund, year=2045))
        assert ev(f"exhaustion_year:{fund}:median") == float(
            s["exhaustion_year_quantile"].sel(fund=fund, quantile=0.5))
        assert ev(f"deficit_year:{fund}:p5") == float(s["first_deficit_year_quantile"].sel(fund=fund, quantile=0.05))
        assert ev(f"band_probability:{fund}:2050:6_9") == float(s["band_probability"].sel(fund=fund, year=2050, band="6_9"))
    rm = run["reserve_months"].sel(fund="employee_pooled", year=2040).values
    assert ev("reserve_months:employee_pooled:2040:prob<30") == float(np.mean(rm < 30))
    assert ev("reserve_months:employee_pooled:2040:mean") == float(run["reserve_months"].sel(
        fund="employee_pooled", year=2040).mean("path"))
    assert ev("medical_expenditure:resident:inpatient:2030:max") == float(
        run["medical_expenditure"].sel(scheme="resident", line="inpatient", year=2030).max())
    assert ev("employer_rate:2030:median") == 0.07
    m = sw.parse_metric("reserve_months:employee_pooled:2035:median")
    assert sw.metric_label(m) == "employee pooled reserve months in 2035, median"
    for bad, msg in (("reserve_months:employee_pooled:2035", "write reserve_months:FUND:YEAR:STAT"),
                     ("reserve_month:employee_pooled:2035:median", "did you mean 'reserve_months'"),
                     ("reserve_months:employee_pool:2035:median", "did you mean 'employee_pooled'"),
                     ("reserve_months:employee_pooled:2035:p150", "p0-p100"),
                     ("reserve_months:employee_pooled:soon:median", "not a year"),
                     ("exhaustion_year:resident:mean", "takes median"),
                     ("band_probability:resident:2040:7_9", "not a band"),
                     ("breakeven:employee.employer_rate:6:1.5", "probability")):
        with pytest.raises(sw.MetricError, match=msg):
            sw.parse_metric(bad)
    with pytest.raises(sw.MetricError, match="outside the results"):
        sw.evaluate_metric(run, "reserve_months:employee_pooled:2099:median")


# ----------------------------------------------------------------------------- sensitivity


def test_sensitivity_is_one_at_a_time_with_common_random_numbers(tmp_path):
    from simulator import plots

    metric = "reserve_months:employee_pooled:end:median"
    vary = {"employee.employer_rate": "0.06:0.08", "economy.drivers.wage_growth.mean": (0.03, 0.05)}
    ds = sw.sensitivity("baseline", metric=metric, vary=vary, paths=PATHS, horizon=H, scheduler="sync")
    assert set(ds.data_vars) == {"low", "high", "base"} and ds["low"].dims == ("parameter",)
    assert list(ds["parameter"].values) == list(vary)
    assert list(ds["low_value"].values) == [0.06, 0.03] and list(ds["high_value"].values) == [0.08, 0.05]
    assert ds.attrs["metric"] == "employee pooled reserve months in 2029, median" and ds.attrs["units"] == "months"
    base = simulator.run("baseline", paths=PATHS, horizon=H)
    assert (ds["base"].values == float(sw.evaluate_metric(base, metric))).all()
    lo = simulator.run("baseline", paths=PATHS, horizon=H, overrides=["employee.employer_rate=0.06"])
    assert float(ds["low"][0]) == float(sw.evaluate_metric(lo, metric))
    assert float(ds["high"][0]) > float(ds["base"][0]) > float(ds["low"][0])
    fig = plots.tornado(ds)  # the shape the tornado chart takes
    assert len(fig.axes[0].patches) == 4
    table = sw.format_sensitivity(ds)
    assert "employee.employer_rate" in table and "swing" in table


# ----------------------------------------------------------------------------- command line


def test_cli_sweep_sweep_file_and_errors(tmp_path):
    r = CliRunner()
    out = tmp_path / "cli.zarr"
    args = ["sweep", "--grid", "employee.employer_rate=0.06,0.08", "--grid", "reform.drg_dip.coverage=0.7:1.0:0.3",
            "-n", str(PATHS), "--horizon", str(H), "--scheduler", "sync", "-o", str(out)]
    res = r.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "Sweep of baseline: 4 variants (employee.employer_rate x reform.drg_dip.coverage)" in res.output
    assert "employee median months 2029" in res.output and "4 run in" in res.output
    # the same sweep written as a sweep file is the same sweep: it finds every variant done
    sf = tmp_path / "s.yaml"
    sf.write_text(textwrap.dedent(f"""
        sweep:
          scenario: baseline
          grid:
            employee.employer_rate: [0.06, 0.08]
            reform.drg_dip.coverage: "0.7:1.0:0.3"
          paths: {PATHS}
          horizon: {H}
          scheduler: sync
          out: cli.zarr
        """))
    res = r.invoke(cli, ["sweep", str(sf), "--metric", "exhaustion_year:resident:median"])
    assert res.exit_code == 0, res.output
    assert "all already in the store" in res.output and "resident median exhaustion year" in res.output
    for bad, msg in ((["--grid", "employee.employer_rat=0.06,0.07"], "did you mean 'employer_rate'"),
                     (["--grid", "employee.employer_rate=0.06:0.07"], "without a step"),
                     (["--grid", "employee.employer_rate=0.06,0.07", "--metric", "reserve_months:x"], "metric"),
                     (["--sample", "4"], "needs at least one --uniform"),
                     (["--grid", "employee.employer_rate=0.06,0.07", "--workers", "2"], "needs a cluster")):
        res = r.invoke(cli, ["sweep", *bad, "-n", "5", "--horizon", "2", "--scheduler", "sync", "-o", str(tmp_path / "b.zarr")])
        assert res.exit_code == 2, res.output
        assert msg in res.output and "Traceback" not in res.output
    res = r.invoke(cli, ["sweep", "--grid", "employee.employer_rate=0.06,0.07"])
    assert res.exit_code == 2 and "give --out" in res.output
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("sweep:\n  grids: {employee.employer_rate: [0.06]}\n")
    res = r.invoke(cli, ["sweep", str(bad_file), "-o", str(tmp_path / "c.zarr")])
    assert res.exit_code == 2 and "did you mean 'grid'" in res.output


def test_cli_sensitivity_json_and_file(tmp_path):
    r = CliRunner()
    out = tmp_path / "sens.nc"
    res = r.invoke(cli, ["sensitivity", "--metric", "exhaustion_probability:resident:end", "--vary",
                         "resident.premium=350:450", "-n", str(PATHS), "--horizon", str(H), "--scheduler", "sync",
                         "--json", "-o", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["parameters"][0]["parameter"] == "resident.premium" and d["units"] == "fraction of paths"
    ds = xr.open_dataset(out)
    assert ds["low"].dims == ("parameter",) and float(ds["base"][0]) == d["base"]
    ds.close()
    for bad, msg in ((["--metric", "reserve_months:employee_pooled:2030:median", "--vary", "employee.employer_rate=0.06:0.06"],
                      "the same"),
                     (["--metric", "reserve_months:employee_pooled:2090:median", "--vary", "employee.employer_rate=0.06:0.08"],
                      "outside"),
                     (["--metric", "breakeven:employee.nothing", "--vary", "employee.employer_rate=0.06:0.08"],
                      "not a numeric lever")):
        res = r.invoke(cli, ["sensitivity", *bad, "-n", "5", "--horizon", "10", "--scheduler", "sync"])
        assert res.exit_code == 2, res.output
        assert msg in res.output and "Traceback" not in res.output


def test_a_bad_varied_value_is_blamed_on_vary_not_set():
    from click.testing import CliRunner

    from simulator.cli import cli
    base = ["sensitivity", "baseline", "-m", "reserve_months:employee_pooled:2030:median", "-n", "4", "--horizon", "6"]
    r = CliRunner().invoke(cli, base + ["--vary", "employee.employer_rate=0.07:7"])
    assert r.exit_code == 2 and "--vary: employee.employer_rate" in r.output, r.output
    r = CliRunner().invoke(cli, base + ["--vary", "employee.employer_rate=0.07:0.08", "--set", "employee.nokey=1"])
    assert r.exit_code == 2 and "--set: employee.nokey" in r.output, r.output
