"""Levels stay positive on every path: each driver's AR(1) acts on log(1 + x) (specification
section 5; issue 14, item 2).  Before, the AR(1) acted on the rate itself, and a volatile driver
gave paths with a negative average wage, cost index or expenditure."""

import numpy as np
import pytest

import simulator
from simulator import layout as L
from simulator.compile import compile_scenario
from simulator.kernels.project import project as kernel_project
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario

from ..conftest import rel_close, set_path

LEVELS = ("average_wage", "resident_income", "medical_cost_index")
RATES = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
D = "economy.drivers"

VOLATILE = {
    "wage sd 0.5": {f"{D}.wage_growth.sd": 0.5},
    "wage sd 0.2, persistence 0.9": {f"{D}.wage_growth.sd": 0.2, f"{D}.wage_growth.persistence": 0.9},
    "excess sd 0.3, persistence 0.9": {f"{D}.excess_cost_growth.sd": 0.3, f"{D}.excess_cost_growth.persistence": 0.9},
    "excess with the long-run bend": {f"{D}.excess_cost_growth.sd": 0.3, f"{D}.excess_cost_growth.persistence": 0.9,
                                      "economy.cost_share_ceiling": 0.12},
    "resident income sd 0.5, persistence 0.9": {f"{D}.resident_income_growth.sd": 0.5,
                                                f"{D}.resident_income_growth.persistence": 0.9},
    "interest sd 0.5": {f"{D}.interest_rate.sd": 0.5},
}


def _with(data, sets):
    for k, v in sets.items():
        set_path(data, k, v)
    return data


@pytest.mark.parametrize("name", list(VOLATILE))
def test_levels_stay_positive_and_rates_above_minus_one_on_every_path(baseline_data, name):
    ds = simulator.run(_with(baseline_data, VOLATILE[name]), paths=100, seed=1)
    for v in LEVELS:
        assert float(ds[v].min()) > 0, v
    for v in RATES:
        assert float(ds[v].min()) > -1, v
    assert float(ds["expenditure"].min()) >= 0
    assert float(ds["medical_expenditure"].min()) >= 0
    # the rate reported is the level's own growth: W[t] / W[t-1] - 1
    for level, rate in (("average_wage", "wage_growth"), ("resident_income", "resident_income_growth")):
        lv = ds[level].values
        np.testing.assert_allclose(lv[:, 1:] / lv[:, :-1] - 1, ds[rate].values[:, 1:], rtol=1e-9, atol=1e-12)
    cm, w = ds["medical_cost_index"].values, ds["average_wage"].values
    np.testing.assert_allclose((cm[:, 1:] / cm[:, :-1]) / (w[:, 1:] / w[:, :-1]) - 1,
                               ds["excess_cost_growth"].values[:, 1:], rtol=1e-9, atol=1e-12)


def test_mean_is_an_ordinary_growth_rate_converted_to_log_space(baseline_data):
    """mean(log(W[T]/W[0])) over paths equals sum_t log(1 + mu[t]): the mean is converted, not
    the rate's AR(1) run and then compounded (which loses about sd^2/2 a year)."""
    _with(baseline_data, {f"{D}.wage_growth.mean": 0.04, f"{D}.wage_growth.sd": 0.2,
                          f"{D}.wage_growth.persistence": 0.5})
    loaded, compiled = simulator.prepare(baseline_data, paths=1000, seed=2)
    ds = simulator.run_compiled(loaded, compiled, variables=["average_wage"])
    w = ds["average_wage"].values
    growth = np.log(w[:, -1] / w[:, 0])
    expected = np.log1p(compiled.inputs.sched[L.MU[L.D_WAGE], 1:]).sum()
    se = growth.std() / np.sqrt(growth.size)
    assert abs(growth.mean() - expected) < 4 * se, (growth.mean(), expected, se)


def test_kernel_matches_reference_with_volatile_drivers(baseline_data):
    for sets in VOLATILE.values():
        _with(baseline_data, sets)
    compiled = compile_scenario(load_scenario(baseline_data).scenario, paths=8, seed=3)
    ref = reference_project(compiled.inputs)
    ker = np.empty_like(ref)
    kernel_project(*compiled.inputs, ker)
    for idx in (L.O_WAGE, L.O_RES_INCOME, L.O_COST_INDEX):  # levels spread over many orders of magnitude
        np.testing.assert_allclose(ker[:, :, idx], ref[:, :, idx], rtol=1e-9)
    ok, err = rel_close(ker, ref, 1e-9)
    assert ok, err
