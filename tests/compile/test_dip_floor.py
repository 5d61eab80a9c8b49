"""The floor under the DIP point value (specification 2.3 section 8).

Under the regional global budget the fund pays at least ``κpv·Dd`` (``reform.drg_dip.point_value_floor``),
so the realised point value ``Pay / Pts`` never falls below ``κpv · pv_ref``; what the floor adds
to the budget's overrun-sharing payment is ``dip_floor_overrun``, and ``dip_floor_binding`` and
``dip_income_cap_binding`` say in which path-years the floor and the income cap bind.
"""

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.compile import compile_scenario
from simulator.kernels.project import project as kernel_project
from simulator.reference import budget_payment
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario

from ..conftest import rel_close, set_path

ROOT = Path(__file__).resolve().parents[2]
# the stressed scenario raises excess cost growth on purpose
pytestmark = pytest.mark.filterwarnings("ignore:calibration. the mean of excess_cost_growth")


def _stressed(data, floor=None):
    """Spending outside the budget outgrows income: the income cap squeezes the budget hard."""
    gb = "reform.drg_dip.global_budget"
    set_path(data, f"{gb}.surplus_margin", {"value": {2024: 0.02, 2026: 0.25}, "source": "test"})
    set_path(data, f"{gb}.budget_growth", {"value": -0.05, "source": "test"})
    set_path(data, f"{gb}.overrun_share", {"value": 0.2, "source": "test"})
    set_path(data, "economy.drivers.excess_cost_growth.mean", {"value": {2024: 0.0, 2026: 0.03}, "source": "test"})
    if floor is not None:
        set_path(data, "reform.drg_dip.point_value_floor", {"value": floor, "source": "test"})
    return data


@pytest.fixture(scope="module")
def baseline_ds():
    return simulator.run("baseline", paths=40, seed=20240101)


@pytest.fixture(scope="module")
def stressed_ds(baseline_loaded):
    import copy
    return simulator.run(_stressed(copy.deepcopy(baseline_loaded.data)), paths=30, seed=5, horizon=30)


def _floor_holds(ds, floor=0.9):
    after_base = ds.isel(year=slice(1, None))
    pay, demand = after_base["dip_payment"].values, after_base["dip_demand"].values
    assert (pay >= floor * demand * (1 - 1e-12)).all(), "a path-year pays less than the floor"
    ratio = after_base["point_value_ratio"].values
    assert (ratio >= floor * (1 - 1e-12)).all(), "a realised point value is below kappa_pv * pv_ref"
    binding = after_base["dip_floor_binding"].values == 1
    np.testing.assert_allclose(pay[binding], floor * demand[binding], rtol=1e-12)
    return binding


def test_no_baseline_path_year_pays_less_than_the_floor(baseline_ds):
    binding = _floor_holds(baseline_ds, 0.9)
    assert binding.any(), "the baseline's floor never binds: the test would pass without it"


def test_no_stressed_path_year_pays_less_than_the_floor_and_the_budget_may_be_negative(stressed_ds):
    binding = _floor_holds(stressed_ds, 0.9)
    assert binding.mean() > 0.3
    # the budget is not floored at zero any more: the floor keeps the payment up
    assert (stressed_ds["dip_budget"].values[:, 1:] < 0).any()
    assert (stressed_ds["dip_payment"].values > 0).all()


def test_the_floor_overrun_is_what_the_floor_adds_to_the_sharing_rule(stressed_ds):
    ds = stressed_ds.isel(year=slice(1, None))
    pay, demand, budget = ds["dip_payment"].values, ds["dip_demand"].values, ds["dip_budget"].values
    eta_o, eta_s = 0.2, 0.5  # the stressed overrun share, the baseline's savings share
    rule = np.where(demand > budget, budget + eta_o * (demand - budget), demand + eta_s * (budget - demand))
    overrun = ds["dip_floor_overrun"].values
    np.testing.assert_allclose(pay - overrun, rule, rtol=1e-9, atol=1e-6 * np.abs(pay).max())
    assert (overrun >= 0).all()
    np.testing.assert_array_equal(ds["dip_floor_binding"].values, (overrun > 0).astype(float))
    assert ds["dip_floor_overrun"].attrs["units"] == "yuan per year"


def test_the_income_cap_flag_says_which_bound_set_the_budget(baseline_loaded):
    """Deterministic: the payment-based bound is last year's payment grown at gb (coverage
    changes scaled); the budget is that bound where the cap does not bind and below it where it does."""
    import copy

    from simulator.scenario.assumption_sets import assumption_set
    data = _stressed(copy.deepcopy(baseline_loaded.data))
    loaded = load_scenario(data)
    scn = assumption_set(loaded.scenario, "central")
    ds = simulator.run_compiled(loaded, compile_scenario(scn, paths=1, seed=1, horizon=20)).isel(path=0)
    theta = scn.reform.drg_dip.coverage.evaluate(ds["year"].values)
    by_payment = ds["dip_payment"].values[:-1] * (theta[1:] / theta[:-1])[:, None] * (1 - 0.05)
    budget = ds["dip_budget"].values[1:]
    cap = ds["dip_income_cap_binding"].values[1:] == 1
    assert cap.any() and (~cap).any()
    np.testing.assert_allclose(budget[~cap], by_payment[~cap], rtol=1e-12)
    assert (budget[cap] < by_payment[cap]).all()
    # in the base year the budget is not set: nothing binds
    assert ds["dip_income_cap_binding"].values[0].tolist() == [0.0, 0.0]
    assert ds["dip_floor_binding"].values[0].tolist() == [0.0, 0.0]


def test_a_lower_floor_binds_in_fewer_path_years_and_a_floor_of_one_pays_at_least_demand(baseline_loaded):
    import copy
    low = simulator.run(_stressed(copy.deepcopy(baseline_loaded.data), floor=0.7), paths=10, seed=5, horizon=30)
    full = simulator.run(_stressed(copy.deepcopy(baseline_loaded.data), floor=1.0), paths=10, seed=5, horizon=30)
    _floor_holds(low, 0.7)
    after_base = full.isel(year=slice(1, None))
    assert (after_base["dip_payment"].values >= after_base["dip_demand"].values * (1 - 1e-12)).all()
    assert low["dip_floor_binding"].sum() < full["dip_floor_binding"].sum()
    # a higher floor costs the fund: lower reserves in the employee pool
    def final_reserve_months(ds):
        return float(ds["reserve_months"].sel(fund="employee_pooled").isel(year=-1).median())
    assert final_reserve_months(full) < final_reserve_months(low)


def test_without_the_budget_the_fund_pays_demand_and_nothing_binds():
    ds = simulator.run(str(ROOT / "simulator" / "scenarios" / "no_dip_budget.yaml"), paths=5, seed=7, horizon=12)
    np.testing.assert_array_equal(ds["dip_payment"].values, ds["dip_demand"].values)
    for name in ("dip_floor_overrun", "dip_floor_binding", "dip_income_cap_binding"):
        assert not ds[name].values.any(), name
    assert np.isnan(ds["dip_budget"].values).all()


def test_the_no_budget_variant_only_switches_the_budget_off(baseline_loaded):
    loaded = load_scenario(str(ROOT / "simulator" / "scenarios" / "no_dip_budget.yaml"))
    assert loaded.scenario.reform.drg_dip.global_budget.enabled is False
    assert baseline_loaded.scenario.reform.drg_dip.global_budget.enabled is True
    import copy
    off, on = copy.deepcopy(loaded.data), copy.deepcopy(baseline_loaded.data)
    off["reform"]["drg_dip"]["global_budget"].pop("enabled")
    on["reform"]["drg_dip"]["global_budget"].pop("enabled")
    for key in ("name", "description", "extends"):
        off.pop(key, None), on.pop(key, None)
    assert off == on


def test_kernel_matches_reference_where_the_floor_and_the_cap_bind(baseline_loaded):
    import copy
    data = _stressed(copy.deepcopy(baseline_loaded.data), floor=0.85)
    compiled = compile_scenario(load_scenario(data).scenario, paths=8, seed=11, horizon=25)
    ref = reference_project(compiled.inputs)
    ker = np.empty_like(ref)
    kernel_project(*compiled.inputs, ker)
    ok, err = rel_close(ker, ref, 1e-9)
    assert ok, err
    from simulator import layout as L
    assert ref[:, :, list(L.O_DIP_FLOOR_BINDING)].any() and ref[:, :, list(L.O_DIP_CAP_BINDING)].any()
    assert not ref[:, :, list(L.O_DIP_FLOOR_BINDING)].all()


def test_budget_payment_function():
    demand = np.array([100.0, 100.0, 100.0, 100.0])
    budget = np.array([120.0, 80.0, 10.0, -50.0])
    pay, over = budget_payment(demand, budget, 0.5, 0.5, 0.9)
    np.testing.assert_allclose(pay, [110.0, 90.0, 90.0, 90.0])
    np.testing.assert_allclose(over, [0.0, 0.0, 90.0 - 55.0, 90.0 - 25.0])
    pay0, _ = budget_payment(demand, budget, 0.0, 0.0, 0.0)
    assert (pay0 >= 0).all()  # a zero floor still never pays a negative amount
