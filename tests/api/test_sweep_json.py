"""fundsim sweep --json, and stacks of files sent to the workers with absolute paths."""

import json
from pathlib import Path

from click.testing import CliRunner

from simulator import sweep as sw
from simulator.cli import cli


def test_sweep_json_prints_one_object(tmp_path):
    res = CliRunner().invoke(cli, ["sweep", "--grid", "employee.employer_rate=0.06,0.08", "-n", "8", "--horizon", "3",
                                   "--scheduler", "sync", "-o", str(tmp_path / "s.zarr"), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["keys"] == ["employee.employer_rate"] and len(d["variants"]) == 2
    assert [v["values"]["employee.employer_rate"] for v in d["variants"]] == [0.06, 0.08]
    m = d["metrics"][0]["metric"]
    assert all(isinstance(v["metrics"][m], float) for v in d["variants"])
    assert next(x["units"] for x in d["metrics"] if x["metric"].startswith("reserve_months")) == "months"
    assert d["run"]["ran"] == 2


def test_stack_elements_become_absolute(tmp_path, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text("extends: baseline\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ref, label = sw._scenario_ref("qingdao+a.yaml")
    assert label == "qingdao+a.yaml"
    head, tail = ref.split("+")
    assert head == "qingdao" and Path(tail).is_absolute() and Path(tail) == f.resolve()
