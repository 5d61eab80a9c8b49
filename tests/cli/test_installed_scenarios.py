"""The scenario library is installed with the package: every file of ``simulator/scenarios/`` runs by
name from any folder (``fundsim run qingdao``, ``simulator.run("qingdao")``), and ``fundsim scenarios``
lists each once. (A real non-editable install is tested in ``tests/cli/test_packaging.py``.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.scenario import list_builtin_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p.stem for p in (ROOT / "simulator" / "scenarios").glob("*.yaml"))


def test_every_shipped_file_is_an_installed_name():
    assert list_builtin_scenarios() == FILES
    assert {"baseline", "qingdao", "qingyuan", "delayed_retirement", "rate_trigger"} <= set(FILES)


@pytest.mark.parametrize("name", [n for n in FILES if n != "baseline"])
def test_each_library_scenario_loads_by_name_from_an_empty_folder(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded = load_scenario(name)
    assert loaded.origin == name and loaded.scenario.name == name
    # its `extends: baseline` is the installed baseline, whatever the working folder holds
    assert Path(loaded.chain[-1]).name == "baseline.yaml"
    assert Path(loaded.chain[0]).parent == Path(loaded.chain[-1]).parent


def test_a_local_file_of_the_same_name_is_a_path_not_the_installed_one(tmp_path, monkeypatch):
    # a bare name is the installed scenario; a file is named by its path
    (tmp_path / "qingdao.yaml").write_text("extends: baseline\nname: my_qingdao\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("qingdao").name == "qingdao"
    assert load_scenario("qingdao.yaml").name == "my_qingdao"


def test_fundsim_scenarios_lists_each_installed_scenario_once_with_a_description(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["scenarios"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("Installed scenarios")
    for name in FILES:
        hits = [ln for ln in lines if ln.split()[:1] == [name]]
        assert len(hits) == 1, name
        assert "does not load" not in hits[0] and len(hits[0].split(name, 1)[1].strip()) > 10
    assert "(none in ./scenarios or the current folder)" in res.output


def test_fundsim_run_by_name_outside_the_repository(tmp_path):
    env = dict(os.environ, FUNDSIM_PROGRESS="0")
    r = subprocess.run([sys.executable, "-m", "simulator", "run", "qingdao", "--paths", "5", "--horizon", "3",
                        "--no-named-sets"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "Scenario qingdao: 5 paths" in r.stdout
    ds = simulator.run("qingyuan", paths=2, horizon=2)
    assert ds.attrs["scenario_name"] == "qingyuan" and ds.attrs["scenario_origin"] == "qingyuan"
