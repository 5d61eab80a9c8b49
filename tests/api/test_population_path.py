"""The population by age on the central path (simulator.population_path), for pyramids of
projected years and of cities (issue 18 item 2)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.population_path import central_population, projected_population


@pytest.fixture(scope="module")
def central():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = simulator.run("baseline", paths=1, seed=1, horizon=12, assumption_set="central")
        _, compiled = simulator.prepare("baseline", paths=1, seed=1, horizon=12, assumption_set="central")
    return ds, compiled


def test_the_central_path_is_the_models_own_population(central):
    """Its totals are the kernel's population of the central assumption set, year by year, and
    its base year is the scenario's base population."""
    ds, compiled = central
    pop = central_population(compiled)
    assert sorted(pop) == [int(y) for y in ds["year"].values]
    np.testing.assert_allclose([pop[y].sum() for y in sorted(pop)], ds["population"].values.ravel(), rtol=1e-12)
    np.testing.assert_array_equal(pop[2024], compiled.inputs.pop0)
    assert all((a >= 0).all() and a.shape == (101, 2) for a in pop.values())


def test_a_result_gives_its_projected_population_back(central):
    ds, compiled = central
    again = projected_population(ds, [2030, 2036])
    np.testing.assert_allclose(again[2036], central_population(compiled, [2036])[2036], rtol=1e-12)


def test_a_city_draws_its_pyramid_from_the_command_line(tmp_path):
    r = CliRunner()
    city = tmp_path / "city.yaml"
    assert r.invoke(cli, ["init", str(city), "--region", "A city", "--population", "3e6"]).exit_code == 0
    out = tmp_path / "city.nc"
    res = r.invoke(cli, ["run", str(city), "--paths", "10", "--horizon", "8", "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = r.invoke(cli, ["plot", str(out), "--kind", "pyramid", "-o", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    res = r.invoke(cli, ["plot", str(out), "--kind", "pyramid", "--year", "2050", "-o", str(tmp_path / "q.png")])
    assert res.exit_code == 2 and "outside the run's years 2024-2032" in res.output
    assert "population_by_age" not in res.output  # no Python keyword advice on the command line
