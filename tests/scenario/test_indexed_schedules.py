"""Indexed schedules (specification 2.3 section 2).

``{value: {2025: 400}, index: resident_income, index_plus: 0.01}`` grows after its last year t0
with the path's own index: ``v[t] = v[t0]·I[t]/I[t0]·(1 + index_plus)^(t - t0)``, with I the
average wage W (``wage``), resident income Y (``resident_income``), the medical cost index Cm
(``medical_cost``) or 1 (``fixed``).
"""

import copy
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator import layout as L
from simulator.cli import cli
from simulator.compile import compile_scenario
from simulator.errors import ScenarioError
from simulator.kernels.project import project as kernel_project
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario

from ..conftest import rel_close, set_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def baseline_ds():
    return simulator.run("baseline", paths=12, seed=20240101, horizon=20)


def _after(ds, name, year):
    return ds[name].sel(year=slice(year + 1, None)).values


def test_baseline_premium_and_subsidy_follow_each_paths_resident_income_after_2025(baseline_ds):
    ds = baseline_ds
    y = ds["resident_income"]
    growth = (y / y.sel(year=2025)).sel(year=slice(2026, None)).values
    np.testing.assert_allclose(_after(ds, "resident_premium", 2025), 400.0 * growth, rtol=1e-12)
    np.testing.assert_allclose(_after(ds, "resident_subsidy", 2025), 700.0 * growth, rtol=1e-12)
    # the legislated years are as written, the same on every path
    assert (ds["resident_premium"].sel(year=[2024, 2025]).values == 400.0).all()
    assert (ds["resident_subsidy"].sel(year=2025).values == 700.0).all()
    # and the premium differs across paths: a path with slower income growth pays less
    last = ds["resident_premium"].isel(year=-1).values
    assert last.std() > 0.02 * last.mean()


def test_the_baseline_retiree_quota_stays_fixed_and_the_variant_follows_wages():
    kw = dict(paths=6, seed=3, horizon=15)
    base = simulator.run("baseline", **kw)
    variant = simulator.run(str(ROOT / "simulator" / "scenarios" / "indexed_retiree_quota.yaml"), **kw)
    loaded = load_scenario("baseline")
    assert loaded.scenario.accounts.retiree_quota.is_indexed is False
    # account credits differ by 12 * retirees * (quota_t - 70) (no pool-only share in the baseline)
    extra = (variant["contribution_income"] - base["contribution_income"]).sel(fund="employee_accounts")
    quota = 70.0 + extra / (12.0 * variant["retirees"])
    w = variant["average_wage"]
    np.testing.assert_allclose(quota.values, (70.0 * w / w.sel(year=2024)).values, rtol=1e-9)
    assert float(extra.isel(year=-1).min()) > 0


def test_fixed_is_flat_and_a_plain_schedule_is_unchanged(baseline_data):
    for key in ("resident.premium", "resident.subsidy"):
        set_path(baseline_data, key, {"value": {2023: 380, 2024: 400, 2025: 400} if key.endswith("premium") else
                                      {2023: 640, 2024: 670, 2025: 700}, "index": "fixed", "source": "test"})
    fixed = simulator.run(baseline_data, paths=4, seed=2, horizon=10)
    for key in ("resident.premium", "resident.subsidy"):
        baseline_data["resident"][key.split(".")[1]].pop("index")
    plain = simulator.run(baseline_data, paths=4, seed=2, horizon=10)
    assert (fixed["resident_premium"].values[:, 1:] == 400.0).all()
    for name in ("balance", "resident_premium", "resident_subsidy", "breakeven_premium"):
        np.testing.assert_array_equal(fixed[name].values, plain[name].values)


def test_index_plus_adds_its_growth_and_fixed_with_index_plus_grows_at_that_rate(baseline_data):
    set_path(baseline_data, "resident.premium",
             {"value": {2024: 400, 2026: 420}, "index": "fixed", "index_plus": 0.03, "source": "test"})
    set_path(baseline_data, "resident.subsidy",
             {"value": 300, "index": "wage", "index_plus": 0.01, "source": "test"})
    ds = simulator.run(baseline_data, paths=3, seed=4, horizon=10)
    years = ds["year"].values
    prem = ds["resident_premium"].values
    later = years > 2026
    np.testing.assert_allclose(prem[:, later], np.broadcast_to(420.0 * 1.03 ** (years[later] - 2026), prem[:, later].shape),
                               rtol=1e-12)
    np.testing.assert_allclose(prem[:, years == 2025], 410.0)
    # a constant is indexed from the base year (below the 2:1 subsidy cap)
    w = ds["average_wage"]
    expected = 300.0 * (w / w.sel(year=2024)).values * 1.01 ** (years - 2024)[None]
    np.testing.assert_allclose(ds["resident_subsidy"].values, expected, rtol=1e-12)


def test_medical_cost_index_on_the_critical_illness_premium(baseline_data):
    baseline_data["critical_illness"] = {"premium": {"value": {2024: 60, 2027: 66}, "index": "medical_cost", "source": "test"}}
    ds = simulator.run(baseline_data, paths=3, seed=6, horizon=10)
    per_member = (ds["critical_illness_premiums"] / ds["residents"])
    cm = ds["medical_cost_index"]
    np.testing.assert_allclose(per_member.sel(year=slice(2028, None)).values,
                               (66.0 * cm / cm.sel(year=2027)).sel(year=slice(2028, None)).values, rtol=1e-12)


def test_a_schedule_ending_before_the_base_year_is_indexed_from_the_base_year(baseline_data):
    set_path(baseline_data, "resident.premium", {"value": {2020: 350, 2022: 380}, "index": "resident_income",
                                                 "source": "test"})
    with pytest.warns(UserWarning, match="resident.premium: the indexed schedule ends in 2022, before the base year 2024"):
        ds = simulator.run(baseline_data, paths=3, seed=1, horizon=6)
    y = ds["resident_income"]
    np.testing.assert_allclose(ds["resident_premium"].values, (380.0 * y / y.sel(year=2024)).values, rtol=1e-12)


def test_the_rate_trigger_offset_stays_additive_on_the_indexed_premium(baseline_data):
    baseline_data["policy"] = {"rate_trigger": {"enabled": True, "lower_months": 200.0, "upper_months": 240.0,
                                                "employer_step": 0.0, "premium_step": 25.0}}
    ds = simulator.run(baseline_data, paths=4, seed=8, horizon=10)
    y = ds["resident_income"]
    indexed = (400.0 * y / y.sel(year=2025)).sel(year=slice(2026, None)).values
    offset = ds["resident_premium"].sel(year=slice(2026, None)).values - indexed
    steps = offset / 25.0
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    assert (np.round(steps)[:, -1] == np.arange(2026, 2035)[-1] - 2024).all()  # one step a year, from 2025's state


def test_an_override_of_the_schedule_keeps_the_index_and_a_whole_override_drops_it():
    one_year = load_scenario("baseline", ["resident.premium.value.2027=500"]).scenario.resident.premium
    assert one_year.index == "resident_income" and one_year.last_year == 2027
    assert dict(one_year.central)[2024] == 400  # the years before stay
    new_schedule = load_scenario("baseline", ["resident.premium.value={2026: 450}"]).scenario.resident.premium
    assert new_schedule.index == "resident_income" and new_schedule.central == ((2026, 450.0),)
    whole = load_scenario("baseline", ["resident.premium={2026: 450}"]).scenario.resident.premium
    assert whole.index is None
    ds = simulator.run("baseline", overrides=["resident.premium.value.2027=500"], paths=2, seed=1, horizon=6)
    y = ds["resident_income"]
    np.testing.assert_allclose(ds["resident_premium"].sel(year=2029).values,
                               (500.0 * y.sel(year=2029) / y.sel(year=2027)).values, rtol=1e-12)


def test_the_resolved_scenario_text_keeps_the_index():
    from ruamel.yaml import YAML
    loaded = load_scenario("baseline")
    again = load_scenario(YAML(typ="safe", pure=True).load(loaded.text))
    assert again.scenario.resident.premium.index == "resident_income"
    assert again.scenario.resident.premium.to_yaml()["index"] == "resident_income"


@pytest.mark.parametrize("value, needle", [
    ({"value": 400, "index": "salary"}, "valid indices: fixed, wage, resident_income, medical_cost"),
    ({"value": 400, "index_plus": 0.01}, "'index_plus' needs 'index'"),
    ({"value": 400, "index": "wage", "index_plus": 5}, "index_plus 5 is outside"),
    ({"dist": "normal", "mean": 400, "sd": 10, "cost_direction": "decreases_cost", "index": "wage"},
     "an indexed value cannot also be uncertain"),
])
def test_bad_index_forms_are_refused(baseline_data, value, needle):
    set_path(baseline_data, "resident.premium", dict(value, source="test"))
    with pytest.raises(ScenarioError, match="resident.premium") as err:
        load_scenario(baseline_data)
    assert needle in str(err.value)


def test_only_amounts_that_policy_resets_can_be_indexed(baseline_data):
    set_path(baseline_data, "employee.employer_rate", {"value": 0.07, "index": "wage", "source": "test"})
    with pytest.raises(ScenarioError, match="employee.employer_rate: this value cannot be indexed"):
        load_scenario(baseline_data)


def test_a_bad_index_name_on_the_command_line_exits_2_with_the_valid_names():
    res = CliRunner().invoke(cli, ["run", "--paths", "2", "--horizon", "3", "--set", "resident.subsidy.index=income"])
    assert res.exit_code == 2, res.output
    assert "resident.subsidy" in res.output and "valid indices: fixed, wage, resident_income, medical_cost" in res.output


def test_kernel_matches_reference_with_every_index(baseline_data):
    set_path(baseline_data, "resident.premium", {"value": {2024: 400, 2027: 450}, "index": "wage", "index_plus": 0.01,
                                                 "source": "test"})
    set_path(baseline_data, "accounts.retiree_quota", {"value": 70, "index": "medical_cost", "source": "test"})
    baseline_data["critical_illness"] = {"premium": {"value": 60, "index": "fixed", "index_plus": -0.01, "source": "test"}}
    set_path(baseline_data, "economy.drivers.resident_income_growth.sd", 0.05)
    compiled = compile_scenario(load_scenario(baseline_data).scenario, paths=6, seed=9, horizon=15)
    assert compiled.inputs.index_rows.shape == (4, 3)
    rows = {int(r): (int(k), int(t0)) for r, k, t0 in compiled.inputs.index_rows}
    assert rows[L.PI] == (L.IDX_WAGE, 3) and rows[L.PS] == (L.IDX_RESINC, 1) and rows[L.QR] == (L.IDX_COST, 0)
    ref = reference_project(compiled.inputs)
    ker = np.empty_like(ref)
    kernel_project(*compiled.inputs, ker)
    ok, err = rel_close(ker, ref, 1e-9)
    assert ok, err
    # the comparison can fail: another index moves the output
    other = compiled.inputs._replace(index_plus=compiled.inputs.index_plus + 0.001)
    ker2 = np.empty_like(ref)
    kernel_project(*other, ker2)
    assert not rel_close(ker2, ref, 1e-9)[0]
