"""Scenario stacks: ``fundsim run baseline+a.yaml+b.yaml`` and ``simulator.run(["a.yaml", "b.yaml"])``
apply each later variant's changes on top of the earlier result, in order, and record the stack."""

import json

import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.errors import EXIT_BAD_INPUT, ScenarioError
from simulator.scenario import load_scenario

A = """extends: baseline
name: a
description: employer rate 8% and a 30-year horizon
horizon: 30
employee:
  employer_rate: {value: 0.08, source: "test variant a"}
"""
B = """extends: baseline
name: b
description: employer rate 9% and a higher resident premium
employee:
  employer_rate: {value: 0.09, source: "test variant b"}
resident:
  premium: {value: 500, source: "test variant b"}
"""
# a variant written over another variant: its changes include those of the file it extends
C = """extends: a.yaml
name: c
resident:
  premium: {value: 600, source: "test variant c"}
"""


@pytest.fixture()
def variants(tmp_path, monkeypatch):
    for name, text in (("a", A), ("b", B), ("c", C)):
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rate(loaded):
    return loaded.data["employee"]["employer_rate"]["value"]


def test_later_variants_override_earlier_ones_and_keep_the_rest(variants):
    base = load_scenario("baseline")
    ab = load_scenario("baseline+a.yaml+b.yaml")
    assert _rate(ab) == 0.09                                    # b wrote it last
    assert ab.data["horizon"] == 30                             # only a wrote it: kept
    assert ab.data["resident"]["premium"]["value"] == 500
    assert ab.data["economy"] == base.data["economy"]           # neither wrote it: the baseline's
    ba = load_scenario("baseline+b.yaml+a.yaml")
    assert _rate(ba) == 0.08 and ba.data["resident"]["premium"]["value"] == 500 and ba.data["horizon"] == 30
    assert ab.name == "baseline+a+b" and ab.stack == ("baseline", "a.yaml", "b.yaml")
    assert ab.origin == "baseline+a.yaml+b.yaml"
    assert "employer rate 8%" in ab.scenario.description and "higher resident premium" in ab.scenario.description
    # a key's location is the file that wrote it last
    assert ab.where("employee.employer_rate")[0].endswith("b.yaml")
    assert ab.where("horizon")[0].endswith("a.yaml")


def test_a_list_is_the_same_stack_and_the_first_element_is_resolved_whole(variants):
    as_list = load_scenario(["a.yaml", "b.yaml"])
    as_text = load_scenario("baseline+a.yaml+b.yaml")
    strip = lambda d: {k: v for k, v in d.items() if k not in ("name", "description")}   # noqa: E731
    assert strip(as_list.data) == strip(as_text.data)
    assert as_list.name == "a+b" and as_list.stack == ("a.yaml", "b.yaml")
    # one element is that scenario itself
    assert load_scenario(["a.yaml"]).text == load_scenario("a.yaml").text


def test_a_variant_over_a_variant_brings_the_changes_of_its_chain(variants):
    bc = load_scenario("b.yaml+c.yaml")
    # c extends a: a's rate and horizon come with c, and c's premium over b's
    assert _rate(bc) == 0.08 and bc.data["horizon"] == 30 and bc.data["resident"]["premium"]["value"] == 600


def test_overrides_come_after_the_whole_stack(variants):
    s = load_scenario("a.yaml+b.yaml", ["employee.employer_rate=0.1"])
    assert _rate(s) == 0.1


def test_a_resolved_stack_reloads_to_itself(variants):
    s = load_scenario("baseline+a.yaml+b.yaml")
    again = load_scenario(s.data)
    assert again.text == s.text
    assert "extends" not in s.data   # complete: nothing is merged twice on a reload


def test_shipped_scenarios_stack_by_name(variants):
    q, r = load_scenario("qingdao"), load_scenario("rate_trigger")
    s = load_scenario("qingdao+rate_trigger")
    assert s.data["population"] == q.data["population"]
    assert s.data["reported"] == q.data["reported"]
    assert s.data["policy"] == r.data["policy"] != q.data.get("policy")


def test_a_file_whose_name_holds_a_plus_is_one_scenario(variants):
    (variants / "a+b.yaml").write_text(A.replace("name: a", "name: plus"), encoding="utf-8")
    s = load_scenario("a+b.yaml")
    assert s.name == "plus" and s.stack == ("a+b.yaml",)


@pytest.mark.parametrize("ref, needle", [
    ("baseline+a.yaml+missing.yaml", "element 3 of 3 of the stack: file not found: missing.yaml"),
    ("baseline+qingdaoo", "element 2 of 2 of the stack: no built-in scenario or file named 'qingdaoo'; did you mean 'qingdao'?"),
    ("a.yaml++b.yaml", "element 2 of 3 of the stack: is empty"),
    ("a.yaml+", "element 2 of 2 of the stack: is empty"),
])
def test_a_bad_element_is_named_with_its_position(variants, ref, needle):
    with pytest.raises(ScenarioError) as e:
        load_scenario(ref)
    assert needle in str(e.value)
    assert str(e.value).startswith(f"invalid scenario: {ref}: ")


def test_an_empty_list_is_refused(variants):
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario([])


def test_a_bad_value_in_a_stacked_file_names_that_file(variants):
    (variants / "bad.yaml").write_text("extends: baseline\nname: bad\nemployee:\n  employer_rate: 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario("a.yaml+bad.yaml")
    assert "bad.yaml:4: employee.employer_rate" in str(e.value)


def test_the_result_records_the_stack(variants):
    ds = simulator.run(["a.yaml", "b.yaml"], paths=2, horizon=3)
    assert json.loads(ds.attrs["scenario_stack"]) == ["a.yaml", "b.yaml"]
    assert ds.attrs["scenario_name"] == "a+b"
    assert float(ds["employer_rate"].isel(path=0).sel(year=2026)) == pytest.approx(0.09)
    plain = simulator.run("a.yaml", paths=2, horizon=3)
    assert json.loads(plain.attrs["scenario_stack"]) == ["a.yaml"]
    assert float(plain["employer_rate"].isel(path=0).sel(year=2026)) == pytest.approx(0.08)


def test_the_command_line_runs_and_shows_a_stack(variants):
    runner = CliRunner()
    res = runner.invoke(cli, ["show", "baseline+a.yaml+b.yaml"])
    assert res.exit_code == 0, res.output
    assert res.output == load_scenario("baseline+a.yaml+b.yaml").text
    out = variants / "r.nc"
    res = runner.invoke(cli, ["run", "baseline+a.yaml+b.yaml", "--paths", "2", "--horizon", "3", "--no-named-sets",
                              "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    import xarray as xr
    with xr.open_dataset(out) as ds:
        assert json.loads(ds.attrs["scenario_stack"]) == ["baseline", "a.yaml", "b.yaml"]
    res = runner.invoke(cli, ["run", "baseline+a.yaml+nothere.yaml", "--paths", "2"])
    assert res.exit_code == EXIT_BAD_INPUT
    assert "element 3 of 3 of the stack: file not found: nothere.yaml" in res.output
