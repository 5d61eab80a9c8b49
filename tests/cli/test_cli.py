"""The command line: the run command, its output file, and clean errors with exit code 2."""

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from simulator.cli import cli


@pytest.fixture()
def runner():
    return CliRunner()


def test_run_prints_summary_and_writes_netcdf(runner, tmp_path):
    out = tmp_path / "r.nc"
    res = runner.invoke(cli, ["run", "--paths", "30", "--seed", "3", "--horizon", "12", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for text in ("Employee pooled fund", "Resident fund", "first current deficit", "exhaustion", "below_0", "6_9"):
        assert text in res.output
    ds = xr.open_dataset(out)
    # the named deterministic sets (low cost, central, high cost) travel with the stochastic paths
    assert ds.sizes == {"path": 30, "year": 13, "fund": 3, "scheme": 2, "line": 3, "assumption_set": 3}
    assert "named sets (cost)" in res.output
    for v in ("income", "expenditure", "balance", "reserve_months"):
        assert ds[v].attrs["units"]
    assert ds.attrs["seed"] == 3 and ds.attrs["scenario_name"] == "baseline"
    assert "employer_rate" in ds.attrs["scenario_yaml"]
    # no temporary files left beside the result
    assert [p.name for p in tmp_path.iterdir()] == ["r.nc"]
    # the file reproduces: the same scenario text and seed give the same numbers
    import simulator
    again = simulator.run(simulator.load_scenario(_yaml_to_dict(ds.attrs["scenario_yaml"])), paths=30, seed=3)
    np.testing.assert_array_equal(again["balance"].values, ds["balance"].values)


def _yaml_to_dict(text):
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(text)


@pytest.mark.parametrize("content, needles", [
    ("simulation:\n  pathz: 10\n", ["simulation.pathz", "did you mean 'paths'"]),
    ("extends: baseline\nname: x\nemployee:\n  employer_rate: 1.5\n", ["employee.employer_rate", "above the allowed maximum"]),
    ("extends: baseline\nname: x\nmembership:\n  participation: -0.1\n", ["membership.participation", "below"]),
    ("extends: baseline\nname: x\neconomy:\n  correlation:\n    matrix: [[1, 0.9, 0.9, 0], [0.9, 1, -0.9, 0], [0.9, -0.9, 1, 0], [0, 0, 0, 1]]\n",
     ["economy.correlation", "positive semi-definite"]),
    ("extends: baseline\nname: x\nname: y\n", ["duplicate", "name"]),
    ("extends: nowhere.yaml\nname: x\n", ["nowhere.yaml"]),
    ("extends: baseline\nname: x\nemployee:\n  employer_rate: {dist: gamma, mean: 1}\n", ["employee.employer_rate", "unknown distribution"]),
    ("extends: baseline\nname: x\npopulation:\n  fertility:\n    tfr: {2030: 1.1, 2025: 1.0}\n", ["population.fertility.tfr", "increasing"]),
    ("", ["empty"]),
    ("extends: baseline\nname: x\nhorizon: [1\n", ["line"]),
])
def test_bad_scenarios_exit_2_with_one_clean_message(runner, tmp_path, content, needles):
    f = tmp_path / "bad_scenario.yaml"
    f.write_text(content)
    res = runner.invoke(cli, ["run", str(f), "--paths", "2"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "bad_scenario.yaml" in res.output or "nowhere.yaml" in res.output
    for n in needles:
        assert n.lower() in res.output.lower(), (n, res.output)


def test_missing_file_and_bad_override(runner):
    res = runner.invoke(cli, ["run", "does_not_exist.yaml"])
    assert res.exit_code == 2 and "does_not_exist.yaml" in res.output and "not found" in res.output
    res = runner.invoke(cli, ["run", "--set", "employee.employer_rat=0.08", "--paths", "2"])
    assert res.exit_code == 2 and "did you mean 'employer_rate'" in res.output


def test_real_process_exit_code_and_no_traceback(tmp_path):
    f = tmp_path / "bad_scenario.yaml"
    f.write_text("simulation:\n  pathz: 10\n")
    p = subprocess.run([sys.executable, "-m", "simulator", "run", str(f), "--paths", "5"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "bad_scenario.yaml" in p.stderr and "simulation.pathz" in p.stderr
