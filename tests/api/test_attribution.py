"""Attribution of uncertainty (issue 16, item 4): Sobol shares by group of random components."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.attribution import AttributionError, _shifts, attribute, sobol_indices

FAST = dict(paths=300, seed=11, horizon=15)


def test_estimators_recover_the_indices_of_an_additive_function():
    # Y = X1 + 2 X2 with independent standard normals: S1 = 1/5, S2 = 4/5, no interactions
    gen = np.random.default_rng(1)
    n = 200_000
    a, b = gen.standard_normal((2, n)), gen.standard_normal((2, n))

    def f(x):
        return x[0] + 2 * x[1]

    ab1 = a.copy()
    ab1[0] = b[0]
    ab2 = a.copy()
    ab2[1] = b[1]
    s1, t1 = sobol_indices(f(a), f(b), f(ab1))
    s2, t2 = sobol_indices(f(a), f(b), f(ab2))
    assert s1 == pytest.approx(0.2, abs=0.01) and t1 == pytest.approx(0.2, abs=0.01)
    assert s2 == pytest.approx(0.8, abs=0.01) and t2 == pytest.approx(0.8, abs=0.01)


def test_shares_are_non_negative_and_first_order_sums_to_at_most_one():
    a = attribute("baseline", **FAST)
    assert {g["group"] for g in a.groups} >= {"wage_growth", "excess_cost_growth", "uncertain_parameters"}
    for g in a.groups:
        assert g["first_order"] >= 0 and g["total"] >= 0
        assert g["first_order_se"] >= 0 and g["total_se"] >= 0
        # a group explains at least as much with its interactions as alone (within the errors)
        assert g["total"] + 2 * g["total_se"] + 2 * g["first_order_se"] >= g["first_order_estimate"]
    assert a.first_order_sum <= 1 + 2 * a.first_order_sum_se


def test_a_single_random_group_explains_everything():
    # switch every source of randomness off but the wage driver
    offs = ["economy.drivers.excess_cost_growth.sd=0", "economy.drivers.interest_rate.sd=0",
            "economy.drivers.resident_income_growth.sd=0", "population.mortality.kappa_sd=0",
            "epidemic.probability=0"]
    from simulator.scenario import load_scenario
    data = load_scenario("baseline", offs).data

    def strip(v):
        if isinstance(v, dict):
            if "dist" in v:   # an uncertain parameter: its central value, no draw
                if "schedule" in v:
                    return v["schedule"]
                if "mean" in v:
                    return v["mean"]
                if v["dist"] == "uniform":
                    return (v["low"] + v["high"]) / 2
                return (v["low"] + v["mode"] + v["high"]) / 3
            return {k: strip(x) for k, x in v.items()}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    data = strip(data)
    for grp in data["expenditure"]["disease_groups"]:
        for k in list(grp):
            if k.endswith("_sd"):
                grp[k] = 0.0
    a = attribute(data, **FAST)
    assert [g["group"] for g in a.groups] == ["wage_growth"]
    g = a.groups[0]
    assert g["total"] == pytest.approx(1.0, abs=3 * g["total_se"] + 0.02)
    assert g["first_order"] == pytest.approx(1.0, abs=3 * g["first_order_se"] + 0.02)


def test_sample_a_is_the_scenario_as_it_runs():
    import simulator
    loaded, compiled = simulator.prepare("baseline", **FAST)
    ids = compiled.inputs.path_ids
    assert np.array_equal(_shifts(compiled, ids, set()), compiled.draw_shifts(ids))
    assert not np.array_equal(_shifts(compiled, ids, set(compiled.uncertain_rows)), compiled.draw_shifts(ids))


def test_bad_metrics_are_input_errors():
    with pytest.raises(AttributionError, match="unknown variable"):
        attribute("baseline", metric="reserve_monthz:employee_pooled:end", **FAST)
    with pytest.raises(AttributionError, match="outside the projection"):
        attribute("baseline", metric="reserve_months:employee_pooled:2200", **FAST)
    with pytest.raises(AttributionError, match="no variance"):
        attribute("baseline", metric="exhaustion:employee_pooled:2025", **FAST)


def test_cli_json_and_chart(tmp_path):
    from simulator.cli import cli

    fig = tmp_path / "a.svg"
    res = CliRunner().invoke(cli, ["attribute", "--metric", "exhaustion:resident:end", "-n", "200", "--seed", "3",
                                   "--horizon", "15", "--json", "-q", "--plot", str(fig)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["metric"] == "exhaustion:resident:end" and d["groups"]
    assert all(g["first_order"] >= 0 for g in d["groups"])
    assert fig.read_text().lstrip().startswith("<?xml")
    bad = CliRunner().invoke(cli, ["attribute", "--metric", "nope", "-q"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
