"""``fundsim init``: a city's scenario to fill in (issue 18 item 1)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.city_template import FILL_IN, placeholders
from simulator.cli import cli


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = tmp_path_factory.mktemp("city") / "qingdao.yaml"
    res = CliRunner().invoke(cli, ["init", str(path), "--region", "Qingdao (青岛市)", "--population", "10370000"])
    assert res.exit_code == 0, res.output
    return path


def test_the_file_loads_and_every_value_it_writes_is_a_marked_placeholder(city):
    text = city.read_text(encoding="utf-8")
    assert text.startswith("# Qingdao") and "extends: baseline" in text
    loaded = simulator.load_scenario(str(city))
    left = placeholders(loaded.scenario)
    assert "population.base" in left and "reported.base_year.employee_pooled.income" in left
    assert len(left) >= 30
    assert text.count(f'source: "{FILL_IN}') == len(left)
    # the population by band keeps the total given
    assert loaded.scenario.population.base.values.sum() == pytest.approx(10370000, abs=50)


def _with_national_structure(city, tmp_path):
    """The city file with its population bands replaced by the national single-age structure
    scaled to the same total (the bands smooth the within-band shape, which moves the projection)."""
    text = city.read_text(encoding="utf-8")
    start = text.index("  base:\n")
    end = text.index("  migration:\n")
    block = ('  base: {table: china_population_2024, column: population, total: 10370000, '
             'source: "test: the national structure scaled to the city"}\n')
    path = tmp_path / "national_shape.yaml"
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    return path


def test_a_city_of_national_shape_projects_the_national_reserve_months(city, tmp_path):
    """Every placeholder is the national figure times the same share, so a city of the national
    age structure projects the nation's reserve months, to the rounding of whole persons and yuan;
    a template that scaled one figure and not another would show here."""
    kw = dict(paths=40, seed=3, horizon=6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        city_ds = simulator.run(str(_with_national_structure(city, tmp_path)), **kw)
    assert any("placeholders" in str(w.message) for w in caught)
    nation = simulator.run("baseline", **kw)
    np.testing.assert_allclose(city_ds["reserve_months"].values, nation["reserve_months"].values, rtol=1e-5)
    ratio = city_ds["expenditure"].values / nation["expenditure"].values
    assert np.nanmax(np.abs(ratio / np.nanmean(ratio) - 1)) < 1e-5
    national_population = float(simulator.load_scenario("baseline").scenario.population.base.values.sum())
    assert np.nanmean(ratio) == pytest.approx(10370000 / national_population, rel=1e-5)


def test_the_city_template_by_band_runs_near_the_national_shape(city):
    """With the bands as written the projection moves only by the within-band smoothing."""
    kw = dict(paths=40, seed=3, horizon=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        city_ds = simulator.run(str(city), **kw)
        nation = simulator.run("baseline", **kw)
    rel = np.abs(city_ds["reserve_months"].values / nation["reserve_months"].values - 1)
    assert np.nanmedian(rel) < 0.02


def test_filling_a_value_removes_its_placeholder(city, tmp_path):
    text = city.read_text(encoding="utf-8")
    filled = text.replace('employer_rate: {value: 0.07, source: "FILL IN', 'employer_rate: {value: 0.075, source: "Qingdao 2024 notice (test) -', 1)
    path = tmp_path / "filled.yaml"
    path.write_text(filled, encoding="utf-8")
    left = placeholders(simulator.load_scenario(str(path)).scenario)
    assert "employee.employer_rate" not in left
    assert len(left) == len(placeholders(simulator.load_scenario(str(city)).scenario)) - 1


@pytest.mark.parametrize("args, message", [
    (["--population", "1037"], "万"),
    (["--population", "-5"], "positive"),
    (["--population", "abc"], "population"),
])
def test_bad_population_is_exit_2_with_the_likely_mistake(tmp_path, args, message):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "c.yaml"), "--region", "X"] + args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert not (tmp_path / "c.yaml").exists()


def test_an_existing_file_is_kept_without_force(city, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("keep me", encoding="utf-8")
    res = CliRunner().invoke(cli, ["init", str(path), "--region", "X", "--population", "2e6"])
    assert res.exit_code == 2 and "--force" in res.output
    assert path.read_text() == "keep me"
    res = CliRunner().invoke(cli, ["init", str(path), "--region", "X", "--population", "2e6", "--force"])
    assert res.exit_code == 0, res.output
    assert path.read_text().startswith("# X")
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "c.txt"), "--region", "X", "--population", "2e6"])
    assert res.exit_code == 2 and ".yaml" in res.output


@pytest.mark.slow
def test_a_city_with_its_own_history_is_back_tested(city, tmp_path):
    """The back-test of a city runs on the city's reported.history, and the baseline's reported.fitted
    (what was fitted to the national figures) does not mark the city's rows as fitted. The history
    here is the national one times the city's share (a test fixture, not Qingdao's accounts), so the
    errors are close to the national back-test's."""
    import json

    from simulator.backtest import backtest
    from simulator.backtest.history import national_history

    nat = float(simulator.load_scenario("baseline").scenario.population.base.values.sum())
    k = 10370000 / nat

    def scale(node):
        if isinstance(node, dict) and "value" in node:
            return {"value": node["value"] * k, "source": "test fixture: national x the city's share"}
        return {key: scale(v) for key, v in node.items()} if isinstance(node, dict) else node

    hist = {str(y): scale(v) for y, v in national_history().to_mapping().items() if 2021 <= y <= 2024}
    text = city.read_text(encoding="utf-8").replace("  # history:", "  history: " + json.dumps(hist) + "\n  # history:", 1)
    path = tmp_path / "with_history.yaml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = backtest(str(path), starts=[2022])
    rows = {(r["year"], r["fund"], r["measure"]): r for r in bt.rows if r["start"] == 2022}
    assert not rows[(2023, "employee_pooled", "expenditure")]["fitted"]  # the baseline's @2023 entry is national
    assert abs(rows[(2024, "resident", "income")]["relative_error"]) < 0.05
    res = CliRunner().invoke(cli, ["backtest", str(path), "--start", "2023", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["rows"]


def test_region_from_the_path_and_bad_names_refused(tmp_path):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "qingdao_city.yaml"), "--population", "2e6"])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "qingdao_city.yaml").read_text(encoding="utf-8")
    assert "\nname: qingdao_city\n" in text and '\nregion: "qingdao_city"\n' in text
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "qd.yaml"), "--region", "青岛市", "--population", "2e6"])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "qd.yaml").read_text(encoding="utf-8")
    assert "\nname: qd\n" in text and '\nregion: "青岛市"\n' in text  # no letters in the region: the file names it
    for args, words in ((["--region", " "], "--region"), (["--region", "X", "--population", "2e9"], "more than China")):
        argv = ["init", str(tmp_path / "bad.yaml")] + args + ([] if "--population" in args else ["--population", "2e6"])
        res = CliRunner().invoke(cli, argv)
        assert res.exit_code == 2 and words in res.output, res.output
        assert not (tmp_path / "bad.yaml").exists()


def test_the_template_spreads_bands_in_the_national_shape(city):
    """The open 85+ band keeps the national share of the oldest old (a smooth curve through the band
    totals put 15-16% of the 85+ at 95 and over, the national table 2-5%)."""
    from simulator.data import load_profile_table
    v = simulator.load_scenario(str(city)).scenario.population.base.values
    nat = load_profile_table("china_population_2024", "population")
    np.testing.assert_allclose(v[95:].sum(axis=0) / v[85:].sum(axis=0), nat[95:].sum(axis=0) / nat[85:].sum(axis=0),
                               rtol=1e-9)


@pytest.mark.parametrize("base, words", [
    ("{total: 3000000, source: x}", "give the structure too"),
    ("{value: 3000000, source: x}", "every single age and sex"),
])
def test_a_population_given_as_one_number_names_the_total_form(tmp_path, base, words):
    path = tmp_path / "t.yaml"
    path.write_text(f"extends: qingyuan\nname: t\npopulation:\n  base: {base}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(path), "--paths", "2", "--horizon", "2"])
    assert res.exit_code == 2 and words in res.output and "table: china_population_2024, total: N" in res.output, res.output
