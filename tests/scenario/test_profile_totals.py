"""Population by age band (issue 18 item 1): band counts spread to single ages keeping each band's
total, and any profile scaled to a total."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.scenario import load_scenario
from simulator.scenario.profiles import parse_profile, spread_band_totals
from simulator.errors import ScenarioError

FIVE_YEAR = [(lo, lo + 4) for lo in range(0, 85, 5)] + [(85, 100)]


def _band_key(lo, hi):
    return f"{lo}+" if hi == 100 and lo != 0 else f"{lo}-{hi}"


@pytest.mark.parametrize("seed", range(5))
def test_each_band_keeps_its_total_and_no_age_is_negative(seed):
    rng = np.random.default_rng(seed)
    totals = rng.uniform(0, 5e5, len(FIVE_YEAR))
    totals[rng.integers(len(totals))] = 0.0  # an empty band stays empty
    single = spread_band_totals(FIVE_YEAR, totals)
    assert single.shape == (101,)
    assert (single >= 0).all()
    for (lo, hi), t in zip(FIVE_YEAR, totals):
        assert single[lo:hi + 1].sum() == pytest.approx(t, rel=1e-12, abs=1e-6)


def test_a_smooth_population_comes_back_close_to_itself():
    """Bands of a smooth single-age population spread back to nearly the same single ages (the
    interpolation is not a step: a step would miss by the within-band slope)."""
    ages = np.arange(101)
    truth = 1e5 * np.exp(-((ages - 35) / 30.0) ** 2) + 2e4
    totals = [truth[lo:hi + 1].sum() for lo, hi in FIVE_YEAR]
    single = spread_band_totals(FIVE_YEAR, totals)
    inner = slice(0, 85)
    assert np.max(np.abs(single[inner] / truth[inner] - 1)) < 0.03
    step = np.concatenate([np.full(hi - lo + 1, t / (hi - lo + 1)) for (lo, hi), t in zip(FIVE_YEAR, totals)])
    assert np.abs(single[inner] - truth[inner]).sum() < 0.5 * np.abs(step[inner] - truth[inner]).sum()


def test_a_profile_of_band_counts_by_sex():
    male = {_band_key(lo, hi): 1000.0 * (i + 1) for i, (lo, hi) in enumerate(FIVE_YEAR)}
    female = {_band_key(lo, hi): 900.0 * (i + 1) for i, (lo, hi) in enumerate(FIVE_YEAR)}
    p = parse_profile({"value": {"male": male, "female": female}, "interpolation": "totals", "source": "test"})
    assert p.values[:, 0].sum() == pytest.approx(sum(male.values()))
    assert p.values[:, 1].sum() == pytest.approx(sum(female.values()))
    assert p.values[0:5, 1].sum() == pytest.approx(900.0)


def test_negative_band_counts_and_bad_totals_are_refused():
    with pytest.raises(ValueError, match="negative"):
        parse_profile({"value": {"male": {"0-49": 10.0, "50-100": -1.0}, "female": {"0-100": 5.0}}, "interpolation": "totals"})
    with pytest.raises(ValueError, match="'total' must be a positive number"):
        parse_profile({"value": 1.0, "total": -5})
    with pytest.raises(ValueError, match="interpolation must be"):
        parse_profile({"value": {"0-49": 10.0, "50-100": 1.0}, "interpolation": "spline"})


def test_a_shipped_structure_scaled_to_a_city_total():
    p = parse_profile({"table": "china_population_2024", "column": "population", "total": 9.46e6, "source": "t"})
    national = parse_profile({"table": "china_population_2024", "column": "population"})
    assert p.values.sum() == pytest.approx(9.46e6)
    np.testing.assert_allclose(p.values / p.values.sum(), national.values / national.values.sum(), rtol=1e-12)


def test_a_scenario_with_population_by_band_loads_and_names_the_key_on_error():
    bands = {_band_key(lo, hi): 50000.0 for lo, hi in FIVE_YEAR}
    data = {"extends": "baseline", "name": "city",
            "population": {"base": {"value": {"male": bands, "female": bands}, "interpolation": "totals",
                                    "source": "test: 50,000 persons in each band"}}}
    loaded = load_scenario(data)
    assert loaded.scenario.population.base.values.sum() == pytest.approx(2 * 18 * 50000.0)
    bad = {"extends": "baseline", "name": "city",
           "population": {"base": {"value": {"male": bands, "female": {**bands, "85+": -3}}, "interpolation": "totals"}}}
    with pytest.raises(ScenarioError, match=r"population\.base.*negative"):
        load_scenario(bad)


def test_band_counts_without_a_sex_split_are_refused():
    with pytest.raises(ValueError, match="need 'male' and 'female'"):
        parse_profile({"value": {"0-49": 10.0, "50-100": 1.0}, "interpolation": "totals"})


def test_broad_bands_take_the_shape_of_a_reference_population_within_each_band():
    """A yearbook with only 0-14, 15-59 and 60+: each band keeps the city's total, and inside it
    the ages follow the national table's shape (by sex)."""
    male = {"0-14": 790900.0, "15-59": 3300464.0, "60+": 1040870.0}
    female = {"0-14": 761197.0, "15-59": 3176512.0, "60+": 1001779.0}
    p = parse_profile({"value": {"male": male, "female": female}, "interpolation": "totals",
                       "shape": {"table": "china_population_2024"}, "source": "test"})
    national = parse_profile({"table": "china_population_2024"}).values
    for j, counts in enumerate((male, female)):
        for (lo, hi), key in (((0, 14), "0-14"), ((15, 59), "15-59"), ((60, 100), "60+")):
            got = p.values[lo:hi + 1, j]
            assert got.sum() == pytest.approx(counts[key])
            np.testing.assert_allclose(got / got.sum(), national[lo:hi + 1, j] / national[lo:hi + 1, j].sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="'shape' spreads band counts"):
        parse_profile({"value": {"0-49": 1.0, "50-100": 2.0}, "shape": {"table": "china_population_2024"}})
    with pytest.raises(ValueError, match="'shape' must be non-negative"):
        parse_profile({"value": {"male": male, "female": female}, "interpolation": "totals", "shape": -1.0})
