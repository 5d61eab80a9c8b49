"""Out-of-region care (异地就醫, specification 2.3 section 17; simulator.province.care): the prices
solved over whole projections are a fixed point checked by hand, the base year stays calibrated,
a zero share changes no bit, and kernel, reference, chunks and threads agree."""

import warnings

import numpy as np
import pytest

from simulator import layout as L
from simulator.api import _kernel
from simulator.province import PROVINCE_ENTRY, prepare_province, run_province
from simulator.province.run import run_prepared

PATHS, HORIZON, SEED = 12, 15, 5
REGIONS = [{"name": "qd", "scenario": "qingdao"}, {"name": "qy", "scenario": "qingyuan"},
           {"name": "ag", "scenario": "ageing_city"}]
CARE = {"qy": {"qd": {"share": 0.06, "price_factor": 1.3}},
        "ag": {"qd": {"share": 0.05, "price_factor": 1.2}, "qy": {"share": 0.02}},
        "qd": {"ag": {"share": 0.01}}}


def _province(care, mode="separate", **pooling):
    body = {"name": "t", "pooling": {"mode": mode, **pooling}, "regions": REGIONS}
    if care is not None:
        body["out_of_region_care"] = care
    return {"province": body}


@pytest.fixture(scope="module")
def runs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = dict(paths=PATHS, seed=SEED, horizon=HORIZON)
        return {"none": run_province(_province(None), **kw), "care": run_province(_province(CARE), **kw),
                "prep": prepare_province(_province(CARE), **kw)}


def test_money_shares_follow_the_price_factor(runs):
    s = runs["prep"].shares
    # qy sends 6% of its care at 1.3 times the price: 0.078 / (0.94 + 0.078) of its inpatient cost
    assert s[1, 0] == pytest.approx(0.06 * 1.3 / (1 - 0.06 + 0.06 * 1.3))
    assert s[2, 0] == pytest.approx(0.05 * 1.2 / (1 - 0.07 + 0.05 * 1.2 + 0.02))
    assert s[2, 1] == pytest.approx(0.02 / (1 - 0.07 + 0.05 * 1.2 + 0.02))
    assert s[0, 0] == s[1, 1] == s[1, 2] == 0.0
    for r, co in enumerate(runs["prep"].compiled):
        assert co.inputs.base[L.B_OUT_SHARE] == co.inputs.base[L.B_OUT_SHARE + 1] == pytest.approx(s[r].sum())


def _check_fixed_point(ds, prep):
    Q = ds["inpatient_price_ratio"]  # (region, path, year, scheme)
    Cm = ds["medical_cost_index"]
    names = prep.names
    for r, sender in enumerate(names):
        hosts = CARE[sender]
        money = {h: c["share"] * c.get("price_factor", 1.0) for h, c in hosts.items()}
        total = 1 - sum(c["share"] for c in hosts.values()) + sum(money.values())
        w = sum(money.values()) / total
        # at the host's price relative to its base year, and the host's cost level, not the sender's
        price = sum((money[h] / total) * Q.sel(region=h) / Q.sel(region=h).isel(year=0)
                    * Cm.sel(region=h) / Cm.sel(region=sender) for h in hosts) / w
        price = price * Q.sel(region=sender).isel(year=0)
        price = np.ascontiguousarray(price.transpose("path", "year", "scheme").values)
        co = prep.compiled[r]
        ids = co.inputs.path_ids
        out = np.empty((len(ids), HORIZON + 1, L.N_OUT))
        _kernel(False)(co.inputs.with_paths(ids, co.draw_shifts(ids))._replace(out_price=price), out)
        np.testing.assert_allclose(out[:, :, L.O_EXP[L.F_RES]], ds["expenditure"].sel(region=sender, fund="resident").values,
                                   rtol=1e-13)
        np.testing.assert_allclose(out[:, :, L.O_OUT_OF_REGION[0]],
                                   ds["out_of_region_expenditure"].sel(region=sender, scheme="employee").values, rtol=1e-13)
        # and a price off by 1% would show
        _kernel(False)(co.inputs.with_paths(ids, co.draw_shifts(ids))._replace(out_price=price * 1.01), out)
        assert not np.allclose(out[:, 1:, L.O_OUT_OF_REGION[0]],
                               ds["out_of_region_expenditure"].sel(region=sender, scheme="employee").values[:, 1:], rtol=1e-4)


def test_the_prices_are_the_fixed_point_computed_by_hand(runs):
    """Each sender re-run alone with the prices its hosts' results imply (formula written out here,
    not the module's, so rounding in another order) reproduces the province's result for it."""
    assert runs["care"].attrs["out_of_region_passes"] > 1
    _check_fixed_point(runs["care"], runs["prep"])


def test_care_away_follows_the_hosts_cost_level():
    """With a local deviation of excess cost growth the regions' cost levels part; care away is
    paid at the host's, so the fixed point (checked by hand, with Cm[host]/Cm[sender]) holds."""
    kw = dict(paths=PATHS, seed=SEED, horizon=HORIZON, overrides=["economy.drivers.excess_cost_growth.local_sd=0.01"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds, prep = run_province(_province(CARE), **kw), prepare_province(_province(CARE), **kw)
    Cm = ds["medical_cost_index"]
    assert float(np.abs(Cm.sel(region="qd") / Cm.sel(region="qy") - 1).max()) > 0.01
    _check_fixed_point(ds, prep)


def test_the_base_year_stays_calibrated_and_later_years_move(runs):
    none, care = runs["none"], runs["care"]
    for name in ("expenditure", "contribution_income", "balance"):
        np.testing.assert_allclose(care[name].isel(year=0).values, none[name].isel(year=0).values, rtol=1e-12, err_msg=name)
    assert (care["out_of_region_expenditure"].sel(region=["qy", "ag", "qd"]).values > 0).all()
    # the hosts' budgets price care away differently from home: the senders' spending moves
    moved = np.abs(care["expenditure"].sel(region="qy", fund="resident") / none["expenditure"].sel(region="qy", fund="resident") - 1)
    assert float(moved.isel(year=slice(2, None)).max()) > 1e-4
    # the province's own entry holds no price ratio (a ratio is not summed) but the care away
    assert np.isnan(care["inpatient_price_ratio"].sel(region=PROVINCE_ENTRY).values).all()
    np.testing.assert_allclose(care["out_of_region_expenditure"].sel(region=PROVINCE_ENTRY).values,
                               care["out_of_region_expenditure"].sel(region=["qd", "qy", "ag"]).sum("region").values,
                               rtol=1e-12)


def test_a_zero_share_changes_no_bit(runs):
    zero = run_province(_province({"qy": {"qd": {"share": 0.0, "price_factor": 1.5}}}), paths=PATHS, seed=SEED,
                        horizon=HORIZON)
    for name in ("expenditure", "balance", "medical_expenditure", "dip_payment", "breakeven_premium"):
        np.testing.assert_array_equal(zero[name].values, runs["none"][name].values, err_msg=name)
    assert zero.attrs["out_of_region_passes"] == 1


def test_kernel_reference_chunks_and_threads_agree(runs):
    prep = runs["prep"]
    ref = run_prepared(prep, use_reference=True)
    chunked = run_prepared(prep, chunk_size=5, threads=1)
    for name in ("expenditure", "balance", "out_of_region_expenditure", "inpatient_price_ratio"):
        np.testing.assert_allclose(ref[name].values, runs["care"][name].values, rtol=1e-9, err_msg=name)
        np.testing.assert_array_equal(chunked[name].values, runs["care"][name].values, err_msg=name)


@pytest.mark.parametrize("mode, pooling", [("adjustment_fund", {"share": 0.03, "min_months": 3}),
                                           ("unified", {"unified_from": 2027})])
def test_pooling_modes_take_the_same_flows(runs, mode, pooling):
    ds = run_province(_province(CARE, mode, **pooling), paths=PATHS, seed=SEED, horizon=HORIZON)
    for name in ("expenditure", "out_of_region_expenditure"):
        np.testing.assert_array_equal(ds[name].sel(region=["qd", "qy", "ag"]).values,
                                      runs["care"][name].sel(region=["qd", "qy", "ag"]).values, err_msg=name)


def test_the_province_breakeven_projects_with_the_prices_solved(runs):
    """The adjustment-share search (simulator.province.solve) re-runs the pooling on projections
    that carry the out-of-region prices a province run solves, not care away priced at 1."""
    from simulator.province.solve import _regions_raw
    raws, _ = _regions_raw(runs["prep"])
    for r, name in enumerate(runs["prep"].names):
        for row, var in ((L.O_BAL[L.F_POOL], ("balance", "employee_pooled")),
                         (L.O_BAL[L.F_RES], ("balance", "resident"))):
            np.testing.assert_array_equal(raws[r, :, :, row],
                                          runs["care"][var[0]].sel(region=name, fund=var[1]).values, err_msg=f"{name} {var}")
