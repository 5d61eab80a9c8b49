"""Reasons for change (issue 16, item 3): parts and the interaction remainder add up to the total."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.compare import CompareError, compare, scenario_groups
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SLOW = str(ROOT / "simulator" / "scenarios" / "slow_growth.yaml")   # differs from baseline in several sections
FAST = dict(paths=40, seed=7, horizon=12)
METRICS = ["reserve_months:employee_pooled:end:median", "exhaustion_probability:resident:end",
           "actuarial_balance:resident:median", "balance:pooled_combined:2030:mean"]


def _adds_up(m):
    parts = sum(p["contribution"] for p in m["parts"])
    assert math.isclose(parts + m["remainder"], m["total"], rel_tol=1e-9, abs_tol=1e-9 * max(1, abs(m["total"])))
    assert math.isclose(m["b_value"] - m["a_value"], m["total"], rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("method", ["one_at_a_time", "sequential"])
def test_parts_and_remainder_add_up_to_the_total(method):
    c = compare("baseline", SLOW, metrics=METRICS, depth=2, method=method, **FAST)
    assert len(c.groups) >= 3
    for m in c.metrics:
        _adds_up(m)
    if method == "sequential":   # the parts telescope: nothing is left for interactions
        assert all(m["remainder"] == 0.0 for m in c.metrics)
    # the headline moved: the decomposition is not of a zero difference
    assert c.metrics[0]["total"] != 0.0


def test_end_points_are_the_two_scenarios_run_with_common_random_numbers():
    import simulator
    from simulator.sweep import evaluate_metric

    c = compare("baseline", SLOW, metrics=METRICS[:1], **FAST)
    b = simulator.run(SLOW, **FAST)
    a = simulator.run("baseline", **FAST)
    assert c.metrics[0]["a_value"] == float(evaluate_metric(a, METRICS[0]))
    assert c.metrics[0]["b_value"] == float(evaluate_metric(b, METRICS[0]))


def test_one_group_gets_the_whole_difference():
    c = compare("baseline", "baseline", metrics=METRICS[:1], overrides_b=["employee.employer_rate=0.08"], **FAST)
    assert [g.name for g in c.groups] == ["employee"]
    m = c.metrics[0]
    assert m["parts"][0]["contribution"] == m["total"] and m["remainder"] == 0.0
    assert m["total"] > 0   # a higher employer rate leaves more in reserve


def test_identical_scenarios_and_text_only_changes_have_no_groups(baseline_data):
    import copy
    b = copy.deepcopy(baseline_data)
    b["name"] = "renamed"
    b["employee"]["employer_rate"]["source"] = "a different citation, same number"
    assert scenario_groups(baseline_data, b) == []
    c = compare(baseline_data, b, metrics=METRICS[:1], **FAST)
    assert c.groups == [] and c.metrics[0]["total"] == 0.0 and c.metrics[0]["remainder"] == 0.0


def test_depth_two_splits_a_section_into_its_keys():
    a = load_scenario("baseline").data
    b = load_scenario("baseline", ["employee.employer_rate=0.08", "employee.employee_rate=0.03"]).data
    assert [g.name for g in scenario_groups(a, b, 1)] == ["employee"]
    assert [g.name for g in scenario_groups(a, b, 2)] == ["employee.employer_rate", "employee.employee_rate"]


def test_bad_metric_and_method_are_input_errors():
    with pytest.raises(CompareError, match="is not a fund"):
        compare("baseline", SLOW, metrics=["reserve_months:nowhere:end:median"], **FAST)
    with pytest.raises(CompareError, match="method"):
        compare("baseline", SLOW, method="shapley", **FAST)
    with pytest.raises(CompareError, match="actuarial_balance"):
        compare("baseline", SLOW, metrics=["actuarial_balance:employee_accounts:median"], **FAST)


def test_cli_json_and_waterfall(tmp_path):
    from simulator.cli import cli

    out, fig = tmp_path / "c.json", tmp_path / "w.png"
    res = CliRunner().invoke(cli, ["compare", "baseline", SLOW, "--metric", METRICS[0], "--metric", METRICS[1],
                                   "-n", "40", "--seed", "7", "--horizon", "12", "--json", "-q",
                                   "-o", str(out), "--plot", str(fig)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["metric"] == METRICS[0] and set(d) >= {"total", "parts", "remainder", "metrics"}
    assert all(set(p) >= {"group", "contribution"} for p in d["parts"])
    for m in d["metrics"]:
        _adds_up(m)
    assert json.loads(out.read_text()) == d
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(cli, ["compare", "baseline", SLOW, "--metric", "nonsense:1", "-q"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
