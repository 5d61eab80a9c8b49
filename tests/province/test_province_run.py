"""A province run (specification section 17) against single-region runs: the identities the
issue names as done-when, the province's entry as the sum of its books, and local streams."""

import numpy as np
import pytest

import simulator
from simulator.province import PROVINCE_ENTRY, run_province

PATHS, HORIZON, SEED = 16, 12, 11
FLOWS = ("contribution_income", "expenditure", "medical_expenditure", "employees", "retirees", "residents",
         "maternity", "employer_contributions", "resident_contributions", "dip_payment")


def _province(mode, regions, **pooling):
    return {"province": {"name": "t", "pooling": {"mode": mode, **pooling}, "regions": regions}}


@pytest.fixture(scope="module")
def single():
    return simulator.run("qingyuan", paths=PATHS, seed=SEED, horizon=HORIZON)


def test_one_region_separate_equals_the_single_run_bit_for_bit(single):
    ds = run_province(_province("separate", [{"name": "a", "scenario": "qingyuan"}]), paths=PATHS, seed=SEED,
                      horizon=HORIZON)
    region = ds.sel(region="a")
    for name in single.data_vars:
        np.testing.assert_array_equal(region[name].values, single[name].values, err_msg=name)
    # the province of one region is that region, in every money and person variable
    for name in FLOWS + ("balance",):
        np.testing.assert_array_equal(ds[name].sel(region=PROVINCE_ENTRY).values, single[name].values, err_msg=name)


def test_unified_two_identical_regions_is_twice_one_region(single):
    ds = run_province(_province("unified", [{"name": "a", "scenario": "qingyuan"}, {"name": "b", "scenario": "qingyuan"}]),
                      paths=PATHS, seed=SEED, horizon=HORIZON)
    prov = ds.sel(region=PROVINCE_ENTRY)
    for name in FLOWS + ("balance", "interest", "income"):
        np.testing.assert_allclose(prov[name].values, 2 * single[name].values, rtol=1e-12, atol=1e-6, err_msg=name)
    for name in ("reserve_months", "combined_pooled_reserve_months", "breakeven_rate"):
        np.testing.assert_allclose(prov[name].values, single[name].values, rtol=1e-11, err_msg=name)
    # the regions keep no pooled balance of their own after the base year; the pool holds it
    assert np.isnan(ds["balance"].sel(region="a", fund="employee_pooled").values[:, 1:]).all()
    np.testing.assert_allclose(ds["provincial_fund_balance"].sel(fund="resident").values[:, 1:],
                               2 * single["balance"].sel(fund="resident").values[:, 1:], rtol=1e-12)
    # accounts are not pooled
    np.testing.assert_array_equal(ds["balance"].sel(region="a", fund="employee_accounts").values,
                                  single["balance"].sel(fund="employee_accounts").values)


def test_adjustment_fund_books_add_up():
    regions = [{"name": "qd", "scenario": "qingdao"}, {"name": "qy", "scenario": "qingyuan"}]
    ds = run_province(_province("adjustment_fund", regions, share=0.05, min_months=8), paths=PATHS, seed=SEED,
                      horizon=HORIZON)
    sep = run_province(_province("separate", regions), paths=PATHS, seed=SEED, horizon=HORIZON)
    pooled = ["employee_pooled", "resident"]
    # flows do not change; balances do
    for name in ("contribution_income", "expenditure"):
        np.testing.assert_array_equal(ds[name].values, sep[name].values)
    bal = ds["balance"].sel(fund=pooled)
    total = bal.sel(region=["qd", "qy"]).sum("region") + ds["provincial_fund_balance"].sel(fund=pooled)
    np.testing.assert_allclose(bal.sel(region=PROVINCE_ENTRY).values, total.values, rtol=1e-12)
    levy = ds["adjustment_levy"].sel(region=["qd", "qy"], fund=pooled)
    np.testing.assert_allclose(levy.values, 0.05 * ds["contribution_income"].sel(region=["qd", "qy"], fund=pooled)
                               .values * (ds["year"] > ds["year"][0]).values[None, None, :, None], rtol=1e-14)
    assert float(ds["adjustment_top_up"].sum()) > 0
    # a region's current balance is net of its levy and counts its top-up
    r = ds.sel(region="qy")
    np.testing.assert_allclose(r["current_balance"].values, (r["income"] - r["expenditure"]).values, rtol=1e-12)
    s = simulator.province.summarize_province(ds)
    p = s["any_region_exhausted_probability_by_year"].sel(fund=pooled)
    per_region = s["exhaustion_probability_by_year"].sel(region=["qd", "qy"], fund=pooled).max("region")
    assert (p.values >= per_region.values - 1e-12).all() and (np.diff(p.values, axis=-1) >= 0).all()


def test_local_parameters_differ_by_region_shared_ones_do_not():
    data = _province("separate", [{"name": "a", "scenario": "baseline"}, {"name": "b", "scenario": "baseline"}])
    shared = run_province(data, paths=PATHS, seed=SEED, horizon=4)
    np.testing.assert_array_equal(shared["expenditure"].sel(region="a").values, shared["expenditure"].sel(region="b").values)
    from simulator.province import prepare_province
    prep = prepare_province(data, paths=PATHS, seed=SEED, horizon=4)
    key = sorted({k for k, _ in prep.compiled[0].uncertain_rows.values()})[0]
    data["province"]["local"] = [key, "disease"]
    local = run_province(data, paths=PATHS, seed=SEED, horizon=4)
    a, b = (local["expenditure"].sel(region=r).values for r in ("a", "b"))
    assert not np.array_equal(a, b)
    # the shared drivers are still shared
    np.testing.assert_array_equal(local["wage_growth"].sel(region="a").values, local["wage_growth"].sel(region="b").values)


def test_local_drivers_are_drawn_per_region_the_others_stay_shared():
    data = _province("separate", [{"name": "a", "scenario": "baseline"}, {"name": "b", "scenario": "baseline"}])
    data["province"]["local"] = ["drivers"]
    ds = run_province(data, paths=PATHS, seed=SEED, horizon=4)
    for name in ("wage_growth", "interest_rate", "excess_cost_growth", "resident_income_growth"):
        v = ds[name].sel(year=slice(2025, None))
        assert not np.array_equal(v.sel(region="a").values, v.sel(region="b").values), name
    np.testing.assert_array_equal(ds["mortality_index"].sel(region="a").values, ds["mortality_index"].sel(region="b").values)


def test_the_province_sums_its_books_gaps_and_interest():
    """The province's fiscal gap, interest and borrowing cost are its books' sums, not those of the
    summed balance (which would net one region's deficit against another's surplus)."""
    regions = [{"name": "qd", "scenario": "qingdao"}, {"name": "ag", "scenario": "ageing_city"}]
    ds = run_province(_province("separate", regions), paths=PATHS, seed=SEED, horizon=HORIZON)
    for name in ("fiscal_gap", "interest", "borrowing_cost", "income"):
        np.testing.assert_allclose(ds[name].sel(region=PROVINCE_ENTRY).values,
                                   ds[name].sel(region=["qd", "ag"]).sum("region").values, rtol=1e-12, err_msg=name)
    assert float(ds["fiscal_gap"].sel(region=PROVINCE_ENTRY, fund="employee_pooled").max()) > 0


def test_unified_pool_members_have_no_books_in_the_summary():
    regions = [{"name": "a", "scenario": "qingyuan"}, {"name": "b", "scenario": "ageing_city", "joins_unified_pool": 2030}]
    ds = run_province(_province("unified", regions, unified_from=2026), paths=PATHS, seed=SEED, horizon=HORIZON)
    s = simulator.province.summarize_province(ds)
    ex = s["exhaustion_probability_by_year"].sel(fund="employee_pooled")
    assert np.isnan(ex.sel(region="a", year=2026)) and np.isfinite(ex.sel(region="a", year=2025))
    assert np.isfinite(ex.sel(region="b", year=2029)) and np.isnan(ex.sel(region="b", year=2030))
    assert np.isfinite(ex.sel(region=PROVINCE_ENTRY)).all()
    rm = ds["provincial_fund_reserve_months"].sel(fund="employee_pooled")
    exp = ds["provincial_fund_expenditure"].sel(fund="employee_pooled")
    np.testing.assert_allclose(exp.sel(year=2027).values, ds["expenditure"].sel(region="a", year=2027,
                                                                               fund="employee_pooled").values)
    np.testing.assert_allclose(exp.sel(year=2031).values, ds["expenditure"].sel(region=["a", "b"], year=2031,
                                                                               fund="employee_pooled").sum("region").values)
    assert np.isnan(rm.sel(year=2025)).all() and np.isfinite(rm.sel(year=2027)).all()


def test_a_local_deviation_of_a_driver_is_the_regions_own_on_top_of_the_shared_one(single):
    """economy.drivers.NAME.local_sd (section 17): two copies of one city with a local deviation of
    wage growth differ from each other, each by its own stream, while the shared part and every
    other driver stay common; without it they are the single run."""
    regions = [{"name": "a", "scenario": "qingyuan"}, {"name": "b", "scenario": "qingyuan"}]
    ds = run_province(_province("separate", regions), paths=PATHS, seed=SEED, horizon=HORIZON,
                      overrides=["economy.drivers.wage_growth.local_sd=0.01"])
    a, b = (ds["wage_growth"].sel(region=r).values for r in ("a", "b"))
    base = single["wage_growth"].values
    assert not np.allclose(a[:, 1:], b[:, 1:]) and not np.allclose(a[:, 1:], base[:, 1:])
    np.testing.assert_array_equal(a[:, 0], base[:, 0])  # the base year is observed
    # each region's deviation from the shared path is about local_sd a year, independent between them
    da, db = np.log1p(a[:, 1:]) - np.log1p(base[:, 1:]), np.log1p(b[:, 1:]) - np.log1p(base[:, 1:])
    assert 0.003 < float(np.std(da)) < 0.04
    assert abs(float(np.corrcoef(da.ravel(), db.ravel())[0, 1])) < 0.4
    for name in ("excess_cost_growth", "interest_rate", "mortality_index"):
        np.testing.assert_array_equal(ds[name].sel(region="a").values, single[name].values, err_msg=name)
    # a region alone with local_sd draws on its own stream too
    alone = simulator.run("qingyuan", paths=PATHS, seed=SEED, horizon=HORIZON,
                          overrides=["economy.drivers.wage_growth.local_sd=0.01"])
    assert not np.allclose(alone["wage_growth"].values[:, 1:], base[:, 1:])
    # a province of that one region is the single run, local deviation and all
    one = run_province(_province("separate", [{"name": "a", "scenario": "qingyuan"}]), paths=PATHS, seed=SEED,
                       horizon=HORIZON, overrides=["economy.drivers.wage_growth.local_sd=0.01"])
    for name in ("wage_growth", "expenditure", "balance"):
        np.testing.assert_array_equal(one[name].sel(region="a").values, alone[name].values, err_msg=name)


def test_the_provinces_breakeven_rate_balances_all_its_books():
    """The break-even employer rate is linear in the rate (section 12): the province's is its
    regions' weighted by breakeven_rate_slope, and at it the regions' gaps (slope x (own rate -
    province's)) cancel; it lies between the regions' own."""
    regions = [{"name": "qd", "scenario": "qingdao"}, {"name": "ag", "scenario": "ageing_city"}]
    ds = run_province(_province("unified", regions), paths=PATHS, seed=SEED, horizon=HORIZON)
    rate, slope = ds["breakeven_rate"], ds["breakeven_rate_slope"]
    prov = rate.sel(region=PROVINCE_ENTRY)
    own = rate.sel(region=["qd", "ag"])
    assert (slope.sel(region=["qd", "ag"]) > 0).all()
    gap = (slope.sel(region=["qd", "ag"]) * (own - prov)).sum("region")
    np.testing.assert_allclose(gap.values, 0.0, atol=1e-9 * float(slope.max()))
    assert ((prov >= own.min("region") - 1e-12) & (prov <= own.max("region") + 1e-12)).all()
    assert float(abs(own.sel(region="qd") - own.sel(region="ag")).max()) > 1e-3  # the regions differ
