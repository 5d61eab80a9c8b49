"""Break-even rates, actuarial balance and the policy rules (specification section 10 and 12)."""

import numpy as np
import pytest

import simulator
from simulator.breakeven import BreakevenError, actuarial_balance, breakeven

from ..compile.test_model import _stationary_scenario

SPIKE_YEAR = 2030


@pytest.fixture(scope="module")
def central():
    return simulator.run("baseline", paths=1, assumption_set="central", horizon=20)


def test_payg_breakeven_rate_balances_the_pooled_fund(central):
    be = float(central["breakeven_rate"].sel(year=SPIKE_YEAR)[0])
    assert 0.03 < be < 0.15
    # put the rate into that one year only: the year's budget and everything before are unchanged
    ds = simulator.run("baseline", paths=1, assumption_set="central", horizon=20,
                       overrides=[f"employee.employer_rate={{value: {{{SPIKE_YEAR - 1}: 0.07, {SPIKE_YEAR}: {be!r}, {SPIKE_YEAR + 1}: 0.07}}}}"])
    d = ds.sel(year=SPIKE_YEAR, fund="employee_pooled").isel(path=0)
    income = d["contribution_income"] - ds["buyback_income"].sel(year=SPIKE_YEAR)[0] - ds["recoveries"].sel(year=SPIKE_YEAR, scheme="employee")[0]
    np.testing.assert_allclose(float(income), float(d["expenditure"]), rtol=1e-10)
    np.testing.assert_allclose(float(ds["employer_rate"].sel(year=SPIKE_YEAR)[0]), be, rtol=1e-12)


def premium_spike(year, value, ds):
    """The premium path of the deterministic run ``ds`` (the baseline's premium is indexed to each
    path's resident income, specification 2.3 section 2) as a schedule, with one year replaced."""
    knots = {int(y): float(v) for y, v in zip(ds["year"].values, ds["resident_premium"].isel(path=0).values)}
    knots[year] = value
    body = ", ".join(f"{y}: {v!r}" for y, v in sorted(knots.items()))
    return f"resident.premium={{value: {{{body}}}}}"


def test_payg_breakeven_premium_balances_the_resident_fund(central):
    be = float(central["breakeven_premium"].sel(year=SPIKE_YEAR)[0])
    assert 100 < be < 5000
    ds = simulator.run("baseline", paths=1, assumption_set="central", horizon=20,
                       overrides=[premium_spike(SPIKE_YEAR, be, central)])
    d = ds.sel(year=SPIKE_YEAR, fund="resident").isel(path=0)
    income = d["contribution_income"] - ds["recoveries"].sel(year=SPIKE_YEAR, scheme="resident")[0]
    np.testing.assert_allclose(float(income), float(d["expenditure"]), rtol=1e-9)


def test_payg_premium_with_enrolment_response_and_subsidy_cap(baseline_data):
    """With an enrolment elasticity the root is not linear; the bisection must still balance the year."""
    over = ["membership.resident_enrolment_elasticity=0.3", "resident.subsidy_cap_ratio=1.5"]
    ds = simulator.run(baseline_data, paths=1, assumption_set="central", horizon=10, overrides=over)
    be = float(ds["breakeven_premium"].sel(year=2030)[0])
    ds2 = simulator.run(baseline_data, paths=1, assumption_set="central", horizon=10, overrides=over + [premium_spike(2030, be, ds)])
    d = ds2.sel(year=2030, fund="resident").isel(path=0)
    income = d["contribution_income"] - ds2["recoveries"].sel(year=2030, scheme="resident")[0]
    np.testing.assert_allclose(float(income), float(d["expenditure"]), rtol=1e-8)
    assert float(ds2["residents"].sel(year=2030)[0]) != pytest.approx(float(ds["residents"].sel(year=2030)[0]), rel=1e-6)


@pytest.fixture(scope="module")
def solved():
    return breakeven("baseline", lever="employee.employer_rate", target_months=6, probability=0.8, paths=120, seed=3, horizon=25)


def test_level_rate_put_back_meets_the_target(solved):
    ds = simulator.run("baseline", paths=120, seed=3, horizon=25, overrides=[solved.override()])
    rm = ds["reserve_months"].sel(fund="employee_pooled").isel(year=-1).values
    q = np.quantile(rm, 1 - 0.8)
    assert abs(q - 6) < 0.01
    assert np.mean(rm >= 6) >= 0.8 - 1 / 120
    assert solved.iterations >= 1 and solved.bracket == (0.0, 1.0)


def test_level_rate_moves_the_right_way(solved):
    higher_target = breakeven("baseline", lever="employee.employer_rate", target_months=9, probability=0.8, paths=120, seed=3, horizon=25)
    higher_prob = breakeven("baseline", lever="employee.employer_rate", target_months=6, probability=0.95, paths=120, seed=3, horizon=25)
    assert higher_target.value > solved.value
    assert higher_prob.value > solved.value


def _central_schedules(data):
    """Overrides that put every uncertain schedule of the scenario at its central schedule (what
    the central assumption set does), read from the scenario so that a recalibrated baseline
    keeps the test valid."""
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            if "dist" in node and "schedule" in node:
                sched = ", ".join(f"{y}: {v}" for y, v in node["schedule"].items())
                out.append(f"{'.'.join(path)}={{value: {{{sched}}}}}")
                return
            for k, v in node.items():
                walk(v, path + [str(k)])

    walk({k: data[k] for k in ("economy", "population")}, [])
    return out


def test_level_rate_matches_the_closed_form_in_a_deterministic_scenario(baseline_data):
    """Without the budget's feedback, the horizon balance is affine in the level employer rate:
    Bal_H(c) = Bal_H(c0) + (c - c0) * G, G the future value of the rate's base at the funds' interest."""
    over = ["reform.drg_dip.global_budget.enabled=false", "epidemic.probability=0"]
    c0, horizon, start = 0.07, 15, 2025
    ds = simulator.run(baseline_data, paths=1, assumption_set="central", horizon=horizon, overrides=over)
    d = ds.isel(path=0).sel(year=slice(start, None))
    i = d["interest_rate"].values
    per_rate = (d["employer_contributions"] / d["employer_rate"]).values  # base x relief
    per_rate = per_rate * (1 - 0.0)  # the legacy employer share into accounts is 0 from 2026; see below
    alpha = np.interp(d["year"].values, [2024, 2026], [0.03, 0.0])
    per_rate = per_rate * (1 - alpha)
    growth = np.array([np.prod(1 + i[k + 1:]) for k in range(len(i))])
    G = float(np.sum(per_rate * (1 + i / 2) * growth))
    exp_H = float(d["expenditure"].sel(fund="employee_pooled")[-1])
    bal_H = float(d["balance"].sel(fund="employee_pooled")[-1])
    closed = c0 + (6 * exp_H / 12 - bal_H) / G
    res = breakeven(baseline_data, lever="employee.employer_rate", target_months=6, probability=0.5, paths=1,
                    horizon=horizon, start_year=start, overrides=over + [
                        "economy.drivers.wage_growth.sd=0", "economy.drivers.excess_cost_growth.sd=0",
                        "economy.drivers.interest_rate.sd=0", "economy.drivers.resident_income_growth.sd=0",
                        "population.mortality.kappa_sd=0",
                    ] + _central_schedules(baseline_data) + [f"expenditure.disease_groups.{k}.prevalence_sd=0" for k in range(5)]
                    + [f"expenditure.disease_groups.{k}.intensity_sd=0" for k in range(5)], xtol=1e-12)
    assert res.value == pytest.approx(closed, rel=1e-6)


def test_no_value_in_range_gives_a_clear_error():
    with pytest.raises(BreakevenError, match=r"no value of employee.retiree_rate in \[0, 1\]"):
        breakeven("baseline", lever="employee.retiree_rate", target_months=500, probability=0.9, paths=20, horizon=10)
    with pytest.raises(BreakevenError, match="not a numeric lever"):
        breakeven("baseline", lever="employee.employer_rat", paths=5)


def test_actuarial_balance_sign_agrees_with_the_level_rate():
    ds = simulator.run("baseline", paths=60, seed=2, horizon=25)
    ab = actuarial_balance(ds, target_months=6)["actuarial_balance"]
    assert ab.dims == ("fund", "path")
    med = float(ab.sel(fund="employee_pooled").median())
    res = breakeven("baseline", lever="employee.employer_rate", target_months=6, probability=0.5, paths=60, seed=2, horizon=25)
    # a positive balance means the current rate is more than enough for the median path
    assert (med > 0) == (res.value < 0.07)


def test_projected_trigger_keeps_a_stationary_fund_inside_its_band(baseline_data):
    data = _stationary_scenario(baseline_data)
    over = ["policy.rate_trigger.enabled=true", "policy.rate_trigger.mode=projected",
            "policy.rate_trigger.employer_step=0.005", "policy.rate_trigger.employer_floor=0",
            "policy.rate_trigger.employer_cap=0.3", "policy.rate_trigger.premium_step=20"]
    ds = simulator.run(data, paths=1, horizon=80, overrides=over)
    rm = ds["reserve_months"].isel(path=0).sel(year=slice(ds.year.values[0] + 35, None))
    for fund in ("employee_pooled", "resident"):
        v = rm.sel(fund=fund).values
        assert v.min() > 6 - 0.5 and v.max() < 9 + 0.5, (fund, v.min(), v.max())
    # the rates move: the trigger did act
    assert np.ptp(ds["employer_rate"].values) > 0.01


def test_threshold_trigger_moves_rates_with_one_year_of_lag(baseline_data):
    over = ["policy.rate_trigger.enabled=true", "policy.rate_trigger.upper_months=9", "policy.rate_trigger.employer_step=0.005"]
    ds = simulator.run(baseline_data, paths=1, assumption_set="central", horizon=6, overrides=over)
    rm = ds["reserve_months"].sel(fund="employee_pooled").isel(path=0).values
    rate = ds["employer_rate"].isel(path=0).values
    assert rm[0] > 9 and rate[0] == 0.07
    np.testing.assert_allclose(rate[1:4], [0.065, 0.06, 0.055])


def test_fiscal_backstop_restores_the_minimum(baseline_data):
    over = ["policy.fiscal_backstop.enabled=true", "policy.fiscal_backstop.minimum_months=3"]
    ds = simulator.run(baseline_data, paths=20, seed=1, horizon=40, overrides=over)
    rm = ds["reserve_months"].sel(fund=["employee_pooled", "resident"]).isel(year=slice(1, None))
    assert float(rm.min()) >= 3 - 1e-9
    tr = ds["fiscal_transfer"]
    assert float(tr.sum()) > 0 and float(tr.min()) >= 0
    assert float(tr.sel(fund="employee_accounts").max()) == 0
    bal = ds["balance"]
    rhs = (bal.shift(year=1) + ds["income"] - ds["expenditure"] - ds["borrowing_cost"]).isel(year=slice(1, None))
    np.testing.assert_allclose(bal.isel(year=slice(1, None)).values, rhs.values, rtol=1e-12, atol=1e-2)
    # transfers are income but not contribution income
    np.testing.assert_allclose((ds["income"] - ds["contribution_income"] - ds["interest"]).values, tr.values, atol=1e-3)
