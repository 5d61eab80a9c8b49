"""Sweeps on the user's own dask: the session's ``distributed.Client`` (left open), the scheduler
dask is configured with, the dashboard link, and progress where the user is (a bar on a
terminal, a few plain lines in a log, nothing when silenced).

The cluster here runs its workers as threads of this process (``processes=False``): the same
scheduler protocol as worker processes, without starting new interpreters on a shared machine.
"""

import io

import dask
import numpy as np
import pytest

from simulator import sweep as sw

pytestmark = pytest.mark.slow  # dask clusters

GRID = {"employee.employer_rate": "0.06,0.07"}
KW = {"grid": GRID, "paths": 20, "horizon": 3, "variables": "core", "variants_per_task": 1}


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same sweep with no dask at all."""
    return sw.sweep("baseline", scheduler="sync", out=tmp_path_factory.mktemp("ref") / "s.zarr", **KW).load()


def _same(a, b):
    for name in ("reserve_months", "balance"):
        np.testing.assert_array_equal(a[name].values, b[name].values)


def test_the_sessions_client_is_used_and_left_open(cluster, reference, tmp_path):
    from distributed import Client

    with Client(cluster) as client:
        ds = sw.sweep("baseline", out=tmp_path / "s.zarr", **KW)
        assert sw.LAST_STATS.executor.startswith("the session's dask client at " + cluster.scheduler_address)
        assert client.status == "running"  # the user's client, not closed by the sweep
        assert client.submit(sum, [1, 2]).result() == 3
        with pytest.raises(sw.SweepError, match="does not apply to an existing cluster"):
            sw.sweep("baseline", out=tmp_path / "w.zarr", workers=2, **KW)
    _same(ds.load(), reference)


def test_an_explicit_scheduler_wins_over_the_sessions_client(cluster, tmp_path):
    from distributed import Client

    with Client(cluster):
        sw.sweep("baseline", scheduler="sync", out=tmp_path / "s.zarr", **KW)
        assert sw.LAST_STATS.executor.endswith("(this process, no dask)")


def test_the_configured_scheduler_address_is_used(cluster, reference, tmp_path):
    assert sw._session_client() is None
    with dask.config.set({"scheduler-address": cluster.scheduler_address}):
        ds = sw.sweep("baseline", out=tmp_path / "s.zarr", **KW)
    assert sw.LAST_STATS.executor.startswith(f"dask cluster at {cluster.scheduler_address}")
    _same(ds.load(), reference)


def test_the_dashboard_link_is_printed_where_progress_shows(cluster, tmp_path, monkeypatch):
    from distributed import Client

    monkeypatch.setenv("FUNDSIM_PROGRESS", "1")  # the stream counts as a terminal
    with Client(cluster) as client:
        said = io.StringIO()
        sw.sweep("baseline", out=tmp_path / "s.zarr", progress_stream=said, **KW)
        assert f"dask dashboard: {client.dashboard_link}" in said.getvalue()
    monkeypatch.setenv("FUNDSIM_PROGRESS", "")
    with Client(cluster):
        log = io.StringIO()  # a log: no dashboard line (a log's lines are read for what happened)
        sw.sweep("baseline", out=tmp_path / "t.zarr", progress_stream=log, **KW)
        assert "dashboard" not in log.getvalue()


def test_progress_in_a_log_is_a_few_plain_lines(tmp_path, monkeypatch):
    monkeypatch.delenv("FUNDSIM_PROGRESS", raising=False)
    log = io.StringIO()
    grid = {"employee.employer_rate": "0.05:0.075:0.005"}  # 6 variants, one per block
    sw.sweep("baseline", scheduler="sync", out=tmp_path / "s.zarr", progress_stream=log,
             **{**KW, "grid": grid})
    text = log.getvalue()
    assert "\r" not in text
    lines = [ln for ln in text.splitlines() if "variants" in ln]
    assert lines[-1].lstrip().startswith("6/6 variants") and "ETA" in lines[-1]
    assert 1 <= len(lines) <= 6


def test_progress_on_a_terminal_is_a_bar_and_can_be_silenced(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDSIM_PROGRESS", "1")
    bar = io.StringIO()
    seen = []
    sw.sweep("baseline", scheduler="sync", out=tmp_path / "s.zarr", progress_stream=bar,
             progress=lambda done, total: seen.append((done, total)), **KW)
    assert "sweep" in bar.getvalue() and "2/2" in bar.getvalue()  # tqdm's bar
    assert seen == [(1, 2), (2, 2)]
    monkeypatch.setenv("FUNDSIM_PROGRESS", "0")
    quiet = io.StringIO()
    seen.clear()
    sw.sweep("baseline", scheduler="sync", out=tmp_path / "q.zarr", progress_stream=quiet,
             progress=lambda done, total: seen.append(done), **KW)
    assert quiet.getvalue() == "" and seen == [1, 2]  # silenced display, the callback still called


def test_quiet_commands_show_no_progress_even_where_it_is_forced(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from simulator.cli import cli

    monkeypatch.setenv("FUNDSIM_PROGRESS", "1")  # as on a terminal: --quiet still means quiet
    res = CliRunner().invoke(cli, ["sensitivity", "--metric", "reserve_months:employee_pooled:end:median",
                                   "--vary", "employee.employer_rate=0.06:0.08", "--paths", "20", "--horizon", "3",
                                   "--scheduler", "sync", "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    loud = CliRunner().invoke(cli, ["sensitivity", "--metric", "reserve_months:employee_pooled:end:median",
                                    "--vary", "employee.employer_rate=0.06:0.08", "--paths", "20", "--horizon", "3",
                                    "--scheduler", "sync"])
    assert loud.exit_code == 0 and "sensitivity" in loud.stderr and "3/3" in loud.stderr, loud.stderr
    res = CliRunner().invoke(cli, ["sweep", "--grid", "employee.employer_rate=0.06,0.07", "--paths", "20",
                                   "--horizon", "3", "--scheduler", "sync", "-o", str(tmp_path / "q.zarr"), "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.stderr == "" and res.stdout == ""
