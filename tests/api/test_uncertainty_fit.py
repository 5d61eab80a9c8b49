"""The drivers' AR(1) fits to history and the 10-year spread check (simulator.uncertainty;
specification sections 5 and 13)."""

from __future__ import annotations

import copy
import json
import math
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from simulator import uncertainty as U
from simulator.cli import cli
from simulator.scenario import load_scenario


def _simulate_l(n, phi, sigma, mean_rate, seed, slope=0.0):
    """log(1 + x) of an AR(1) around mu_l[t] = log(1 + mean_rate) + slope * (t - tbar), stationary start."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    mu = math.log1p(mean_rate) + slope * (t - t.mean())
    dev = np.empty(n)
    dev[0] = sigma / math.sqrt(1 - phi * phi) * rng.standard_normal()
    for i in range(1, n):
        dev[i] = phi * dev[i - 1] + sigma * rng.standard_normal()
    return mu + dev


# ----------------------------------------------------------------------------- fit_ar1


def test_fit_recovers_phi_sigma_and_mean_of_a_simulated_ar1_within_its_standard_errors():
    phi, sigma, mean = 0.6, 0.02, 0.05
    n = 4000
    years = np.arange(1000, 1000 + n)
    x = np.expm1(_simulate_l(n, phi, sigma, mean, seed=7))
    f = U.fit_ar1(years, x)
    assert f.n == n - 1 and f.n_points == n and f.period == (1000, 1000 + n - 1)
    assert abs(f.phi - phi) < 4 * f.se_phi
    assert abs(f.sigma - sigma) < 4 * f.se_sigma
    assert abs(f.mean - mean) < 4 * f.se_mean
    assert abs(f.mean_ols - mean) < 4 * f.se_mean
    # the standard errors are the right size, not merely large: OLS sqrt((1 - phi^2) / n),
    # sigma / sqrt(2 n), and the long-run sd sigma / (1 - phi) over sqrt(n)
    assert f.se_phi == pytest.approx(math.sqrt((1 - phi**2) / n), rel=0.1)
    assert f.se_sigma == pytest.approx(sigma / math.sqrt(2 * n), rel=0.1)
    assert f.se_mean == pytest.approx((1 + mean) * sigma / (1 - phi) / math.sqrt(n), rel=0.15)


def test_fit_with_a_trend_recovers_phi_and_slope_where_a_constant_mean_reads_the_trend_as_persistence():
    phi, sigma, slope = 0.4, 0.015, -0.002
    n = 3000
    years = np.arange(n)
    x = np.expm1(_simulate_l(n, phi, sigma, 0.08, seed=11, slope=slope))
    f = U.fit_ar1(years, x, trend=True)
    assert abs(f.phi - phi) < 4 * f.se_phi
    assert abs(f.sigma - sigma) < 4 * f.se_sigma
    assert abs(f.slope - slope) < 4 * f.se_slope
    flat = U.fit_ar1(years, x)
    assert flat.phi > 0.9 > f.phi + 4 * f.se_phi


def test_ols_estimates_and_standard_errors_by_hand():
    x = np.array([0.10, 0.12, 0.09, 0.11, 0.10, 0.13, 0.08, 0.11, 0.10, 0.12, 0.115, 0.095])
    years = np.arange(2001, 2001 + x.size)
    f = U.fit_ar1(years, x, warn=False)
    l = np.log1p(x)
    lag, y = l[:-1], l[1:]
    sxx = ((lag - lag.mean()) ** 2).sum()
    phi = ((lag - lag.mean()) * (y - y.mean())).sum() / sxx
    c = y.mean() - phi * lag.mean()
    resid = y - c - phi * lag
    sigma = math.sqrt((resid**2).sum() / (y.size - 2))      # ddof-corrected: two coefficients
    assert f.phi == pytest.approx(phi, rel=1e-10)
    assert f.intercept == pytest.approx(c, rel=1e-10)
    assert f.sigma == pytest.approx(sigma, rel=1e-10)
    assert f.se_phi == pytest.approx(sigma / math.sqrt(sxx), rel=1e-10)
    assert f.se_sigma == pytest.approx(sigma / math.sqrt(2 * (y.size - 2)), rel=1e-10)
    assert f.mean == pytest.approx(math.expm1(l.mean()), rel=1e-12)
    assert f.se_mean == pytest.approx(math.exp(l.mean()) * sigma / (1 - phi) / math.sqrt(x.size), rel=1e-10)
    assert f.mean_ols == pytest.approx(math.expm1(c / (1 - phi)), rel=1e-10)
    assert set(f.residuals) == set(years[1:].tolist())


def test_standard_errors_shrink_with_the_length_of_the_series():
    l = _simulate_l(1600, 0.5, 0.02, 0.04, seed=3)
    years = np.arange(l.size)
    short = U.fit_ar1(years[:25], np.expm1(l[:25]), warn=False)
    long_ = U.fit_ar1(years[:1600], np.expm1(l[:1600]))
    for se in ("se_phi", "se_sigma", "se_mean"):
        ratio = getattr(short, se) / getattr(long_, se)
        assert 3 < ratio < 14, (se, ratio)     # about sqrt(1600 / 25) = 8


def test_excluded_years_leave_the_mean_and_every_pair_they_touch():
    rng = np.random.default_rng(5)
    years = np.arange(2000, 2025)
    x = 0.08 + 0.01 * rng.standard_normal(years.size)
    epi = (2020, 2021, 2022)
    f = U.fit_ar1(years, x, exclude=epi)
    assert f.excluded == epi
    assert not set(epi) & set(f.years_used) and not set(epi) & set(f.pair_years)
    assert 2023 not in f.pair_years and 2024 in f.pair_years   # (2022, 2023) touches 2022
    assert f.n == 24 - 4 and f.n_points == 22
    # any value in an excluded year gives the same fit, the same as leaving the year out
    y2 = x.copy()
    y2[np.isin(years, epi)] = [5.0, -0.5, 2.0]
    g = U.fit_ar1(years, y2, exclude=epi)
    keep = ~np.isin(years, epi)
    h = U.fit_ar1(years[keep], x[keep])
    for a in ("phi", "sigma", "mean", "se_phi", "se_sigma", "se_mean", "n", "years_used"):
        assert getattr(f, a) == getattr(g, a) == getattr(h, a), a
    # an exclusion changes the fit (else this test could not fail)
    assert U.fit_ar1(years, y2).sigma > 10 * f.sigma


def test_short_series_warn_and_too_short_series_raise():
    years = np.arange(2010, 2016)
    x = [0.05, 0.06, 0.04, 0.07, 0.05, 0.06]
    with pytest.warns(U.ShortSeriesWarning, match="only 5 pairs"):
        f = U.fit_ar1(years, x)
    assert f.warnings and f.n == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        U.fit_ar1(np.arange(2000, 2010), [0.05, 0.06, 0.04, 0.07, 0.05, 0.06, 0.05, 0.07, 0.04, 0.06])
    with pytest.raises(ValueError, match="at least 3"):
        U.fit_ar1([2023, 2024, 2025], [0.1, 0.2, 0.15], exclude=(2025,), warn=False)
    with pytest.raises(ValueError, match="exceed -1"):
        U.fit_ar1([1, 2, 3, 4], [0.1, -1.0, 0.1, 0.1])


# ----------------------------------------------------------------------------- the drivers' fits


def test_driver_fits_say_their_period_n_and_excluded_years():
    fits = {f["key"]: f for f in U.driver_fits()}
    w = fits["wage_growth"]
    assert w["fitted"] and w["period"] == [2001, 2024] and w["n"] == 23 and w["trend"] and w["excluded"] == []
    inc = fits["resident_income_growth"]
    assert inc["period"] == [2014, 2024] and inc["n"] == 10
    ir = fits["interest_rate"]
    assert ir["period"] == [2000, 2024] and ir["n"] == 24
    ex = fits["excess_cost_growth"]
    assert ex["excluded"] == [2020, 2021, 2022] and not {2020, 2021, 2022} & set(ex["years_used"])
    assert ex["period"] == [2001, 2024] and ex["n"] == 19
    emp = fits["excess_cost_growth_employee"]
    assert emp["period"] == [2014, 2024] and emp["warnings"]          # 6 pairs: warned
    res = fits["excess_cost_growth_resident"]
    assert not res["fitted"] and res["years_used"] == [2023, 2024]
    prop = U.proposed_fits()
    assert sorted(prop) == sorted(U.DRIVERS)
    for f in prop.values():
        for k in ("mean", "se_mean", "phi", "se_phi", "sigma", "se_sigma"):
            assert f[k] is not None and math.isfinite(f[k]), (f["key"], k)
    # the wage fit is the history as the package has it: 2011 like for like
    g = U.wage_growth()
    assert g[2011] == pytest.approx(42452 / 37147 - 1)


def test_ageing_effect_is_the_calibrations_own_over_its_period():
    ag = U.ageing_effects("baseline")
    assert ag["period_2017_2023"] == pytest.approx(ag["check"]["decomposition_ageing"], rel=1e-9)
    assert [(i["from"], i["to"]) for i in ag["intervals"]] == [(2017, 2021), (2021, 2022), (2022, 2023), (2023, 2024)]


# ----------------------------------------------------------------------------- 10-year spread


def _deterministic_drivers(data):
    d = copy.deepcopy(data)
    for name in U.DRIVERS:
        drv = d["economy"]["drivers"][name]
        m = drv["mean"]
        if isinstance(m, dict) and "dist" in m:
            drv["mean"] = {"value": m["schedule"] if "schedule" in m else m["mean"]}
        drv["sd"] = {"value": 0.0}
    return d


def test_ten_year_spread_of_a_deterministic_scenario_is_the_deterministic_growth():
    loaded = load_scenario("baseline")
    data = _deterministic_drivers(loaded.data)
    sp = U.spread_of_10y_growth(data, paths=4, years=10, with_history=False)
    base = loaded.scenario.base_year
    assert (sp["start_year"], sp["end_year"]) == (base, base + 10)
    yrs = np.arange(base + 1, base + 11)
    drv = loaded.scenario.economy.drivers

    def mu(name):   # the schedule as written in the scenario file, interpolated here
        s = dict(getattr(drv, name).mean.central)
        xs = sorted(s)
        return np.interp(yrs, xs, [s[x] for x in xs])

    expect = {"average_wage": np.prod(1 + mu("wage_growth")) - 1,
              "resident_income": np.prod(1 + mu("resident_income_growth")) - 1,
              "medical_cost_index": np.prod((1 + mu("wage_growth")) * (1 + mu("excess_cost_growth"))) - 1,
              "excess_index": np.prod(1 + mu("excess_cost_growth")) - 1}
    for idx, g in expect.items():
        q = sp["model"][idx]
        for k in ("q5", "q25", "q50", "q75", "q95"):
            assert q[k] == pytest.approx(g, rel=1e-10, abs=1e-12), (idx, k)
        assert q["sd_log"] == pytest.approx(0.0, abs=1e-12)


def test_ten_year_spread_widens_with_the_shocks_and_history_has_every_wage_window():
    loaded = load_scenario("baseline")
    data = _deterministic_drivers(loaded.data)
    data["economy"]["drivers"]["wage_growth"]["sd"] = {"value": 0.02}
    sp = U.spread_of_10y_growth(data, paths=400, years=10)
    q = sp["model"]["average_wage"]
    assert q["q5"] < q["q25"] < q["q50"] < q["q75"] < q["q95"]
    # 10 shocks of sd 0.02 with persistence 0.5: the sd of the 10-year log growth is near
    # 0.02 * sqrt(sum over t of ((1 - 0.5^(10 - t + 1)) / 0.5)^2) ~ 0.113
    assert 0.09 < q["sd_log"] < 0.14
    assert sp["model"]["resident_income"]["sd_log"] == pytest.approx(0.0, abs=1e-12)
    wage = sp["history"]["average_wage"][0]
    assert wage["n_windows"] == 15 and wage["windows"][0][:2] == [2000, 2010] and wage["windows"][-1][:2] == [2014, 2024]
    assert wage["windows"][-1][2] == pytest.approx(U._chain(U.wage_growth(), 2000)[2024] / U._chain(U.wage_growth(), 2000)[2014] - 1)


def test_history_spread_check_sets_history_against_histories_simulated_from_the_fit():
    c = U.history_spread_check("wage_growth", reps=500)
    assert c["windows"] == 15 and 0 < c["history"] < 0.2
    assert c["simulated"]["q5"] < c["simulated"]["q50"] < c["simulated"]["q95"]
    assert 0.0 <= c["share_of_simulated_below_history"] <= 1.0


# ----------------------------------------------------------------------------- proposal and CLI


def test_proposed_drivers_keep_the_means_schedules_and_take_phi_sigma_and_mean_sd_from_the_fits():
    loaded = load_scenario("baseline")
    prop = U.proposed_drivers(loaded)
    fits = U.proposed_fits()
    for name in U.DRIVERS:
        p = prop[name]
        assert p["persistence"]["value"] == round(fits[name]["phi"], 2)
        assert p["sd"]["value"] == round(fits[name]["sigma"], 4)
        assert p["mean"]["sd"] == round(fits[name]["se_mean"], 4)
        assert p["mean"]["dist"] == "normal" and p["mean"]["mean"] == 0.0
        assert all(p[k]["source"] for k in ("mean", "persistence", "sd"))
        old = getattr(loaded.scenario.economy.drivers, name).mean.central
        assert p["mean"]["schedule"] == {int(y): float(v) for y, v in old}
    scn = load_scenario(U.proposed_scenario(loaded)).scenario   # the proposal validates
    assert scn.economy.drivers.excess_cost_growth.sd.central == prop["excess_cost_growth"]["sd"]["value"]


def test_cli_json_is_one_object_with_the_fits_values_and_spread():
    res = CliRunner().invoke(cli, ["uncertainty", "--json", "--paths", "40"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["scenario"] == "baseline"
    for f in out["fits"]:
        assert {"key", "driver", "label", "data", "fitted", "excluded", "proposed"} <= set(f)
        if f["fitted"]:
            assert {"period", "n", "mean", "se_mean", "phi", "se_phi", "sigma", "se_sigma", "years_used"} <= set(f)
    assert set(out["current"]) == set(out["proposed"]) == set(U.DRIVERS)
    sp = out["spread"]
    assert sp["paths"] == 40 and sp["end_year"] - sp["start_year"] == 10
    for side in ("current", "proposed"):
        assert set(sp[side]) == set(U.INDICES)
        assert set(sp[side]["average_wage"]) == {"q5", "q25", "q50", "q75", "q95", "sd_log"}
    assert set(sp["history"]) == set(U.INDICES)
    assert {c["key"] for c in sp["history_check"]} == {"wage_growth", "excess_cost_growth"}
    assert "economy:" in out["proposed_yaml"]


def test_cli_yaml_prints_the_proposed_drivers_and_text_shows_the_tables():
    runner = CliRunner()
    res = runner.invoke(cli, ["uncertainty", "--yaml"])
    assert res.exit_code == 0, res.output
    from ruamel.yaml import YAML
    doc = YAML(typ="safe", pure=True).load(res.output)
    assert set(doc["economy"]["drivers"]) == set(U.DRIVERS)
    assert "source" in doc["economy"]["drivers"]["wage_growth"]["sd"]
    bad = runner.invoke(cli, ["uncertainty", "--yaml", "--json"])
    assert bad.exit_code == 2
    txt = runner.invoke(cli, ["uncertainty", "--paths", "20"])
    assert txt.exit_code == 0, txt.output
    assert "wage growth, around a linear trend" in txt.output and "2001-2024" in txt.output
    assert "10-year cumulative growth" in txt.output and "model, proposed values" in txt.output
