"""Runs beyond the machine's limits (issue 14, item 9): too many threads, too many paths for the
memory, and the --variables option that makes large runs fit. One line each, exit code 2 when the
options ask for more than the machine can give (1 when memory runs out during a run); never a
traceback or an 'internal error'."""

import re
import tracemalloc

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator import api, limits
from simulator.cli import cli
from simulator.results import CORE


@pytest.fixture()
def runner():
    return CliRunner()


def _invoke(runner, args):
    res = runner.invoke(cli, args)
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    return res


def _one_error_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    return lines[0]


# --------------------------------------------------------------------------- threads

def test_more_threads_than_numba_has_is_one_line_with_the_maximum(runner):
    top = api.max_threads()
    for cmd in (["run", "--paths", "2", "--horizon", "2"], ["bench", "--paths", "2", "--years", "2", "--repeat", "1"]):
        res = _invoke(runner, cmd + ["--threads", str(top + 1)])
        assert res.exit_code == 2, res.output
        line = _one_error_line(res.output)
        assert "--threads" in line and f"1 to {top}" in line and "NUMBA_NUM_THREADS" in line, line


def test_api_threads_out_of_range_is_a_clean_error():
    for bad in (0, api.max_threads() + 1):
        with pytest.raises(api.OptionError, match="threads") as e:
            simulator.run("baseline", paths=2, horizon=2, threads=bad)
        assert e.value.exit_code == 2


# --------------------------------------------------------------------------- memory

def test_paths_beyond_any_memory_exit_2_before_compiling(runner, monkeypatch):
    def no_compile(*a, **k):
        raise AssertionError("compiled although the run cannot fit in memory")
    monkeypatch.setattr(api, "compile_scenario", no_compile)
    res = _invoke(runner, ["run", "--paths", str(10**12)])
    assert res.exit_code == 2, res.output
    line = _one_error_line(res.output)
    assert "1,000,000,000,000 paths" in line and "memory" in line and "paths fit" in line, line


def _fits(line):
    m = re.search(r"at most ([\d,]+) paths fit", line)
    assert m, line
    return int(m.group(1).replace(",", ""))


def test_run_that_does_not_fit_says_how_many_paths_would(runner, monkeypatch):
    """With the available memory set (as if the machine had that much), a run that needs more stops
    before it starts, and the number of paths it names does fit, for each choice of variables."""
    avail = 400 * 2**20
    monkeypatch.setattr(limits, "available_memory", lambda: avail)  # check_memory lives in simulator.limits
    T = 41
    res = _invoke(runner, ["run", "--paths", "40000", "--horizon", str(T - 1)])
    assert res.exit_code == 2, res.output
    line = _one_error_line(res.output)
    n = _fits(line)
    assert 0 < n < 40000
    # the estimate counts the scenario's own parameter rows (the baseline gains rows as the model grows)
    rows = api._parameter_rows(api.load_scenario("baseline").scenario)
    assert api.estimate_memory(n, T, "all", summary=True, rows=rows) <= avail
    assert api.max_paths(T, "all", avail, summary=True, rows=rows) < n * 1.11 + 100  # a tight suggestion
    core = int(re.search(r"'core': ([\d,]+)", line).group(1).replace(",", ""))
    alone = int(re.search(r"reserve_months alone: ([\d,]+)", line).group(1).replace(",", ""))
    assert n < core < alone
    assert api.estimate_memory(core, T, "core", summary=True, rows=rows) <= avail
    # the same limit in the API (no summary there)
    with pytest.raises(api.RunTooLargeError, match="paths fit"):
        simulator.run("baseline", paths=40000, variables="all")
    # the number suggested for 'core' passes the check the command makes before compiling
    _, compiled = api.prepare("baseline", paths=core, horizon=T - 1, variables="core", summary=True)
    assert compiled.inputs.path_ids.shape[0] == core


def test_estimate_bounds_the_memory_a_run_allocates():
    """tracemalloc counts numpy's allocations: the estimate is an upper bound, and not a loose one."""
    for P, variables, chunk, precision in ((3000, "all", 1000, "double"), (2000, "core", 500, "double"),
                                           (1500, ["reserve_months"], 5000, "double"), (3000, "core", 1000, "single")):
        loaded, compiled = simulator.prepare("baseline", paths=P, seed=1, horizon=20)
        simulator.run_compiled(loaded, compiled, chunk_size=chunk, variables=variables)  # warm
        tracemalloc.start()
        try:
            ds = simulator.run_compiled(loaded, compiled, chunk_size=chunk, variables=variables, precision=precision)
            if variables != ["reserve_months"]:
                simulator.summarize(ds)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        est = api.estimate_memory(P, 21, variables, chunk_size=limits.chunk_paths(chunk, 21),
                                  rows=compiled.inputs.sched.shape[0], compiled=True,
                                  summary=variables != ["reserve_months"], precision=precision)
        assert 0.6 * est <= peak <= est, (P, variables, precision, peak, est)


def test_memory_running_out_during_a_run_is_one_line(runner, monkeypatch):
    def oom(*a, **k):
        raise MemoryError()
    monkeypatch.setattr(api, "derive", oom)
    res = _invoke(runner, ["run", "--paths", "3", "--horizon", "2"])
    assert res.exit_code == 1, res.output
    assert "out of memory" in _one_error_line(res.output)


def test_available_memory_is_known_here():
    avail = api.available_memory()
    assert avail is None or avail > 0


# --------------------------------------------------------------------------- --variables

def test_variables_core_and_lists_are_kept_in_the_file(runner, tmp_path):
    out = tmp_path / "core.nc"
    res = _invoke(runner, ["run", "--paths", "4", "--horizon", "3", "--variables", "core", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Employee pooled fund" in res.output  # the summary still prints
    with xr.open_dataset(out) as ds:
        # the named deterministic sets (small: sets x years x funds) are kept beside the paths
        assert {v for v in ds.data_vars if not v.startswith("named_")} == set(CORE)
        assert "named_reserve_months" in ds
    out = tmp_path / "some.nc"
    res = _invoke(runner, ["run", "--paths", "4", "--horizon", "3", "--variables", "reserve_months,balance",
                           "--variables", "income", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "no summary printed" in res.output
    with xr.open_dataset(out) as ds:
        assert {v for v in ds.data_vars if not v.startswith("named_")} == {"reserve_months", "balance", "income"}
        full = simulator.run("baseline", paths=4, horizon=3)
        np.testing.assert_array_equal(ds["balance"].values, full["balance"].values)


@pytest.mark.parametrize("args, needle", [
    (["--variables", "reserve_month", "--out", "{tmp}/r.nc"], "did you mean 'reserve_months'"),
    (["--variables", "core,balance", "--out", "{tmp}/r.nc"], "cannot be combined"),
    (["--variables", ",", "--out", "{tmp}/r.nc"], "give all, core or variable names"),
    (["--variables", "reserve_months"], "the summary needs"),
])
def test_bad_variables_exit_2(runner, tmp_path, args, needle):
    res = _invoke(runner, ["run", "--paths", "2", "--horizon", "2"] + [a.format(tmp=tmp_path) for a in args])
    assert res.exit_code == 2, res.output
    assert needle in _one_error_line(res.output)
    assert list(tmp_path.iterdir()) == []


def test_api_variables_takes_one_name_and_rejects_unknown_ones_with_exit_2():
    ds = simulator.run("baseline", paths=2, horizon=2, variables="reserve_months")
    assert list(ds.data_vars) == ["reserve_months"]
    with pytest.raises(api.OptionError, match="did you mean 'reserve_months'") as e:
        simulator.run("baseline", paths=2, horizon=2, variables=["reserve_month"])
    assert e.value.exit_code == 2


def test_a_province_that_does_not_fit_stops_before_it_runs(monkeypatch):
    """Each region's own check counts it alone; the province's counts every region and its entry."""
    from simulator.province import run_province
    T = 11
    one = limits.estimate_memory(6000, T, "core", compiled=True)
    three = limits.estimate_memory(6000, T, "core", compiled=True, regions=3)
    assert 2 * one < three < 4.5 * one
    avail = int(0.5 * (one + three))  # room for one region, not for the province
    monkeypatch.setattr(limits, "available_memory", lambda: avail)
    regions = [{"name": n, "scenario": "qingyuan"} for n in ("a", "b", "c")]
    with pytest.raises(api.RunTooLargeError, match="3 regions.*paths fit"):
        run_province({"province": {"name": "t", "regions": regions}}, paths=6000, horizon=T - 1, variables="core")
