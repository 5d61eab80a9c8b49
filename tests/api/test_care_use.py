"""The realised epidemic fed to the back-test (simulator.care_use; specification 2.3 section 11)."""

import math

import pytest

from simulator.care_use import care_use_levels, realised_excess_growth


def _synthetic(level_by_year, growth=0.05, members=100.0):
    """Benefit series whose cost per enrollee is on a log-linear path times the given levels."""
    def benefits(scheme, line, measure):
        years = range(2017, 2025)
        if measure == "enrollees":
            return {y: members for y in years}
        base = 10.0 if scheme == "employee" else 30.0
        return {y: base * members * math.exp(growth * (y - 2017)) * level_by_year.get(y, 1.0) for y in years}
    return benefits


def test_known_levels_are_recovered_and_normal_years_are_one():
    want = {2020: 0.85, 2021: 0.9, 2022: 0.95}
    lv = care_use_levels(_synthetic(want))
    assert lv.level(2019) == pytest.approx(1.0) and lv.level(2023) == pytest.approx(1.0)
    assert lv.level(2018) == 1.0 and lv.level(2024) == 1.0  # outside the span
    for y, v in want.items():
        assert lv.level(y) == pytest.approx(v, rel=1e-12)
        assert lv.by_scheme["employee"][y] == pytest.approx(v, rel=1e-12)
    assert sum(lv.weights.values()) == pytest.approx(1.0)
    assert lv.weights["resident"] == pytest.approx(0.75)  # 30 of 40 units of inpatient cost


def test_schemes_are_combined_geometrically_by_cost_weight():
    emp, res = {2021: 0.8}, {2021: 0.9}

    def benefits(scheme, line, measure):
        return _synthetic(emp if scheme == "employee" else res)(scheme, line, measure)

    lv = care_use_levels(benefits)
    assert lv.level(2021) == pytest.approx(math.exp(0.25 * math.log(0.8) + 0.75 * math.log(0.9)), rel=1e-12)


def test_package_data_show_the_epidemic_below_normal():
    lv = care_use_levels()
    for y in (2020, 2021, 2022):
        assert 0.8 < lv.level(y) < 0.97, (y, lv.level(y))
    assert "医保数智库" in lv.describe()


def test_missing_years_are_refused():
    def benefits(scheme, line, measure):
        series = _synthetic({})(scheme, line, measure)
        series.pop(2021)
        return series

    with pytest.raises(ValueError, match="lacks"):
        care_use_levels(benefits)


def test_realised_growth_carries_only_the_changes_of_the_level():
    lv = care_use_levels(_synthetic({2021: 0.9, 2022: 0.8}))
    g = realised_excess_growth(lambda y: -0.01, lv, [2022, 2023, 2024])
    assert g[2022] == pytest.approx(0.99 * 0.8 / 0.9 - 1, rel=1e-12)
    assert g[2023] == pytest.approx(0.99 / 0.8 - 1, rel=1e-12)
    assert g[2024] == pytest.approx(-0.01, rel=1e-12)


def test_the_back_test_feeds_it_from_epidemic_start_years_only():
    from simulator.backtest import policy_history
    from simulator.scenario import load_scenario

    scn = load_scenario("baseline").scenario
    lv = care_use_levels()
    over, notes = policy_history(scn, 2022, 2024, True)
    fed = over["economy"]["drivers"]["excess_cost_growth"]["mean"]["value"]
    mean_2023 = float(scn.economy.drivers.excess_cost_growth.mean.evaluate([2023])[0])
    assert fed[2023] == pytest.approx((1 + mean_2023) / lv.level(2022) - 1, rel=1e-8)
    assert fed[2024] == pytest.approx(mean_2023, abs=1e-9)  # normal use in 2023 and 2024
    assert any("realised epidemic" in n for n in notes)
    over, notes = policy_history(scn, 2023, 2024, True)
    assert "excess_cost_growth" not in over["economy"]["drivers"]
