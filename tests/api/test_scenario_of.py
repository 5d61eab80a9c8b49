"""A result gives its scenario back (issue 19 item 1: ``simulator.scenario_of``)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import simulator
from simulator.errors import ScenarioError


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """A small run of a stack with an override, written to netCDF and read back."""
    ds = simulator.run("baseline+slow_growth", paths=12, seed=7, horizon=4, overrides=["employee.employer_rate=0.071"])
    path = tmp_path_factory.mktemp("scenario_of") / "r.nc"
    simulator.write_netcdf(ds, path)
    with xr.open_dataset(path) as f:
        return f.load()


def test_a_result_file_reruns_to_the_same_bits(result):
    loaded = simulator.scenario_of(result)
    assert loaded.hash == result.attrs["scenario_sha256"]
    assert float(loaded.scenario.employee.employer_rate.evaluate([2030])[0]) == pytest.approx(0.071)
    again = simulator.run(loaded, paths=int(result.attrs["paths"]), seed=int(result.attrs["seed"]),
                          horizon=int(result.attrs["horizon"]))
    for name in ("balance", "reserve_months", "expenditure", "contribution_income"):
        np.testing.assert_array_equal(again[name].values, result[name].values, err_msg=name)


def test_the_data_keep_values_and_sources(result):
    data = simulator.scenario_data_of(result)
    assert type(data) is dict
    rate = data["employee"]["employer_rate"]
    assert rate["value"] == pytest.approx(0.071) and "source" in rate
    # schedule years stay numbers, not strings
    share = data["accounts"]["employer_share"]["value"]
    assert all(isinstance(y, int) for y in share)


def test_a_result_without_a_scenario_says_so():
    ds = xr.Dataset(attrs={"seed": 1})
    with pytest.raises(ScenarioError, match="scenario_yaml attribute.*carries no scenario"):
        simulator.scenario_of(ds)


def test_a_damaged_scenario_text_names_the_attribute_and_line(result):
    broken = result.copy()
    broken.attrs = dict(result.attrs, scenario_yaml="name: x\nemployee: [1, 2\n")
    with pytest.raises(ScenarioError, match="scenario_yaml attribute") as e:
        simulator.scenario_of(broken)
    assert "line" in str(e.value)
    # the figures and the report fall back rather than fail on it
    from simulator.plots.population import _scenario_dict
    from simulator.report.assumptions import _scenario_data
    assert _scenario_dict(broken) == {}
    assert "could not be parsed" in _scenario_data(broken)["__error__"]
