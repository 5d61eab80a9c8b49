"""Tests that would catch a wrong model (issue 2, item 8)."""

import numpy as np
import pytest

import simulator
from simulator import layout as L
from simulator.compile import compile_scenario
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario
from simulator.scenario.assumption_sets import assumption_set

from ..conftest import set_path


@pytest.fixture(scope="module")
def baseline_run():
    return simulator.run("baseline", paths=40, seed=5, horizon=30)


def test_balance_identity_every_year(baseline_run):
    ds = baseline_run
    bal = ds["balance"]
    lhs = bal.isel(year=slice(1, None)).values
    rhs = (bal.shift(year=1) + ds["income"] - ds["expenditure"] - ds["borrowing_cost"]).isel(year=slice(1, None)).values
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-3 * 1e0)
    rm = ds["balance"] / (ds["expenditure"] / 12)
    np.testing.assert_allclose(ds["reserve_months"].values, rm.values, rtol=1e-12)


def test_base_year_reproduces_reported_totals(baseline_run, baseline_loaded):
    ds = baseline_run.isel(year=0)
    rep = baseline_loaded.scenario.reported.base_year
    funds = {"employee_pooled": rep.employee_pooled, "employee_accounts": rep.employee_accounts, "resident": rep.resident}
    for f, figs in funds.items():
        e = ds["expenditure"].sel(fund=f).values
        np.testing.assert_allclose(e, figs.expenditure.central, rtol=1e-9)
        np.testing.assert_allclose(ds["balance"].sel(fund=f).values, figs.balance.central, rtol=1e-12)
    # employee-scheme income (pooled + accounts) and resident income, as reported (interest included)
    inc = ds["income"].sel(fund=["employee_pooled", "employee_accounts"]).sum("fund").values
    np.testing.assert_allclose(inc, rep.employee_pooled.income.central + rep.employee_accounts.income.central, rtol=1e-9)
    np.testing.assert_allclose(ds["income"].sel(fund="resident").values, rep.resident.income.central, rtol=1e-9)
    np.testing.assert_allclose(ds["maternity"].values, rep.maternity.central, rtol=1e-9)
    prev = baseline_loaded.scenario.reported.previous_year
    np.testing.assert_allclose(ds["retirees"].values, (rep.members.retirees.central + prev.members.retirees.central) / 2, rtol=1e-9)
    np.testing.assert_allclose((ds["employees"] + ds["flexible"]).values,
                               (rep.members.active.central + prev.members.active.central) / 2, rtol=1e-9)
    cal = simulator.calibration_report(baseline_run)
    assert cal["checks"]["employee_pooled.expenditure"]["fitted"] is True
    assert abs(cal["checks"]["employee_pooled.income"]["relative_error"]) < 0.05  # a check, not a fit
    assert 3.0 < cal["retiree_to_employee_cost_ratio"] < 5.0  # the published anchors: about 4x


def test_sigma_zero_paths_are_equal_and_equal_the_deterministic_projection(baseline_loaded):
    det = assumption_set(baseline_loaded.scenario, "central")
    compiled = compile_scenario(det, paths=5, seed=9, horizon=20)
    ds = simulator.run_compiled(baseline_loaded, compiled)
    for name in ("balance", "reserve_months", "population", "residents", "dip_payment"):
        v = ds[name].values
        assert np.array_equal(v, np.broadcast_to(v[:1], v.shape), equal_nan=True), name
    # the deterministic projection: one path of the NumPy reference
    one = compiled.inputs.with_paths(np.array([0]), np.zeros((1, compiled.inputs.sched.shape[0])))
    ref = reference_project(one)
    np.testing.assert_allclose(ds["balance"].values[0], ref[0][:, list(L.O_BAL)], rtol=1e-9)
    # and a stochastic run is not degenerate
    sto = simulator.run(baseline_loaded, paths=5, seed=9, horizon=20)
    assert sto["reserve_months"].isel(year=-1).std("path").min() > 0


def _stationary_scenario(data):
    """A population that reproduces itself exactly: life-table stocks, replacement births."""
    from simulator.data import load_profile_table

    m = load_profile_table("china_mortality_2023")
    srb = 1.05
    births = 18_000_000.0  # about 1.4 billion people at e0 near 78
    N = np.zeros_like(m)
    share = np.array([srb / (1 + srb), 1 / (1 + srb)])
    N[0] = births * share * np.exp(-m[0] / 2)
    for a in range(1, 100):
        N[a] = N[a - 1] * np.exp(-(m[a - 1] + m[a]) / 2)
    N[100] = N[99] * np.exp(-(m[99] + m[100]) / 2) / (1 - np.exp(-m[100]))
    fx = np.zeros(101)
    fx[20:40] = 1.0
    tfr = births / (fx / fx.sum() * N[:, 1]).sum()
    set_path(data, "population.base", {"male": N[:, 0].tolist(), "female": N[:, 1].tolist()})
    set_path(data, "population.mortality.improvement", 0.0)
    set_path(data, "population.mortality.kappa_sd", 0.0)
    set_path(data, "population.fertility.tfr", float(tfr))
    data["population"]["fertility"]["age_pattern"] = {"value": {"0-19": 0.0, "20-39": 1.0, "40-100": 0.0}, "interpolation": "step"}
    set_path(data, "population.fertility.sex_ratio_at_birth", srb)
    set_path(data, "population.migration.net_total", 0.0)
    set_path(data, "membership.retirement_override", {"men": 60, "women_50": 50, "women_55": 55})
    for k in ("working_coverage_trend", "flexible_share"):
        set_path(data, f"membership.{k}", 1.0 if k.endswith("trend") else 0.15)
    for d in ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth"):
        set_path(data, f"economy.drivers.{d}", {"mean": 0.0, "persistence": 0.0, "sd": 0.0})
    set_path(data, "epidemic.probability", 0.0)
    for g in data["expenditure"]["disease_groups"]:
        g.update(prevalence_trend=0.0, prevalence_sd=0.0, intensity_trend=0.0, intensity_sd=0.0)
    for k, v in {"employee.employer_rate": 0.07, "resident.premium": 400, "resident.subsidy": 700,
                 "accounts.employer_share": 0.0, "reform.procurement.coverage": 0.4, "reform.drg_dip.coverage": 0.7,
                 "reform.drg_dip.coding_creep": 0.0, "reform.drg_dip.efficiency_max": 0.0,
                 "reform.drg_dip.global_budget.enabled": False, "reform.capitation.growth": 0.0,
                 "reform.per_diem.growth": 0.0}.items():
        set_path(data, k, v)
    return data


def test_stationary_population_with_zero_growth_gives_constant_ratios(baseline_data):
    data = _stationary_scenario(baseline_data)
    ds = simulator.run(data, paths=2, seed=1, horizon=100)
    pop = ds["population"].isel(path=0).values
    np.testing.assert_allclose(pop, pop[0], rtol=1e-9)
    # the retiree stock renews within a lifetime after the retirement age (its 100+ tail geometrically)
    late = ds.isel(path=0, year=slice(80, None))
    for name in ("old_age_dependency", "employees", "residents", "births"):
        v = late[name].values
        np.testing.assert_allclose(v, v[0], rtol=1e-9, err_msg=name)
    for name in ("expenditure", "contribution_income"):
        v = late[name].sel(fund="employee_pooled").values
        np.testing.assert_allclose(v, v[0], rtol=1e-9, err_msg=name)


def test_raising_the_employer_rate_never_lowers_reserve_months(baseline_data):
    low = simulator.run(baseline_data, paths=30, seed=4, horizon=25)
    set_path(baseline_data, "employee.employer_rate", {"value": {2025: 0.07, 2026: 0.08}})
    high = simulator.run(baseline_data, paths=30, seed=4, horizon=25)
    d = (high["reserve_months"] - low["reserve_months"]).sel(fund="employee_pooled")
    assert float(d.min()) >= -1e-9
    assert float(d.isel(year=-1).min()) > 0  # and it does raise them


def test_reserve_months_fall_with_ageing_in_the_baseline(baseline_run):
    """A sanity check of direction: retirees grow faster than workers, so the dependency ratio rises."""
    oad = baseline_run["old_age_dependency"].median("path")
    assert float(oad.isel(year=-1)) > float(oad.isel(year=0)) * 1.3


def test_uncertain_schedule_is_shifted_around_its_schedule_and_clipped_as_a_value(baseline_data):
    """An uncertain schedule with min: the median path follows the schedule; min bounds the value."""
    set_path(baseline_data, "population.fertility.tfr",
             {"dist": "normal", "mean": 0.0, "sd": 0.3, "min": 0.9, "cost_direction": "decreases_cost",
              "schedule": {2024: 1.0, 2040: 1.2}})
    compiled = compile_scenario(load_scenario(baseline_data).scenario, paths=400, seed=2, horizon=16)
    shift = compiled.inputs.shift[:, L.TFR]
    assert abs(np.median(shift)) < 0.05 and 0.25 < shift.std() < 0.35
    ds = simulator.run_compiled(load_scenario(baseline_data), compiled)
    births = ds["births"].sel(year=2040)
    det = simulator.run(baseline_data, assumption_set="central", paths=1, horizon=16)
    assert abs(float(births.median()) / float(det["births"].sel(year=2040)[0]) - 1) < 0.05
    tfr_2040 = 1.2 + shift
    np.testing.assert_allclose(ds["births"].sel(year=2040).values / float(det["births"].sel(year=2040)[0]),
                               np.maximum(tfr_2040, 0.9) / 1.2, rtol=5e-3)  # mortality paths differ slightly


def test_baseline_excess_cost_mean_equals_its_derivation(baseline_loaded):
    """specification section 5: the default mean of excess cost growth is the historical excess net of ageing and
    disease, computed by the calibration from the scenario's own curves; the shipped number must match."""
    _, compiled = simulator.prepare(baseline_loaded, paths=1)
    dec = compiled.calibration["excess_cost_decomposition"]
    assert 0.005 < dec["ageing_effect"] < 0.03 and 0 < dec["disease_effect"] < 0.02
    mean = compiled.inputs.sched[L.MU[L.D_EXCESS], 1]
    assert abs(mean - dec["implied_mean"]) < 0.0005
    assert not [w for w in compiled.warnings if "excess_cost_growth" in w]


def test_a_migration_profile_whose_net_is_small_against_its_gross_warns_or_stops(baseline_data):
    """The profile is divided by its signed sum: a net of a small share of the gross multiplies the
    flows (the shipped profile's net is 0.63 of its gross and passes silently)."""
    from simulator.compile import MIGRATION_NET_GROSS_MIN, MIGRATION_NET_GROSS_WARN
    from simulator.errors import ScenarioError

    shipped = compile_scenario(load_scenario(baseline_data).scenario, paths=1, horizon=2)
    assert not [w for w in shipped.warnings if "migration" in w]
    # outflows at 15-44 against inflows elsewhere: net/gross = |in - out| / (in + out)
    for ratio, outcome in ((0.15, "warn"), (0.02, "error"), (0.0, "error")):
        assert (ratio < MIGRATION_NET_GROSS_MIN) == (outcome == "error") and ratio < MIGRATION_NET_GROSS_WARN
        inflow = (1 + ratio) / 2
        outflow = (1 - ratio) / 2
        ages_out, ages_in = 30, 71  # persons counted in the two bands
        set_path(baseline_data, "population.migration.age_profile",
                 {"value": {"0-14": inflow / ages_in, "15-44": -outflow / ages_out, "45-100": inflow / ages_in},
                  "interpolation": "step", "source": "test"})
        scn = load_scenario(baseline_data).scenario
        if outcome == "warn":
            with pytest.warns(UserWarning, match=r"population.migration.age_profile: its net .* is 15% of its gross"):
                compile_scenario(scn, paths=1, horizon=2)
        else:
            with pytest.raises(ScenarioError, match="population.migration.age_profile") as err:
                compile_scenario(scn, paths=1, horizon=2)
            assert "check the signs" in str(err.value)
    # without net migration the profile is never used and not checked
    set_path(baseline_data, "population.migration.net_total", 0.0)
    compile_scenario(load_scenario(baseline_data).scenario, paths=1, horizon=2)
