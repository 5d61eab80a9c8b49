"""Results kept in single precision (issue 17: 100,000 paths x 40 years of the core variables in
at most 1 GiB): the projection is computed in double precision either way, so every single
value is the double result rounded once; the memory check and the file size count 4 bytes a
value; a bad precision is one clear error."""

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator import limits
from simulator.cli import cli


@pytest.fixture(scope="module")
def both():
    loaded, compiled = simulator.prepare("baseline", paths=40, seed=11, horizon=12)
    double = simulator.run_compiled(loaded, compiled)
    single = simulator.run_compiled(loaded, compiled, precision="single")
    return double, single


def test_single_is_the_double_result_rounded_once(both):
    double, single = both
    assert double.attrs["precision"] == "double" and single.attrs["precision"] == "single"
    assert set(single.data_vars) == set(double.data_vars)
    for name in double.data_vars:
        assert single[name].dtype == np.float32, name
        np.testing.assert_array_equal(single[name].values, double[name].values.astype(np.float32), err_msg=name)


def test_the_summary_of_single_agrees_with_double(both):
    """Every summary variable; means and their standard errors are summed in double precision (in
    float32 the base year's standard error of identical paths was not 0)."""
    double, single = both
    a, b = simulator.summarize(double), simulator.summarize(single)
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        rtol = 1e-4 if name.endswith("_se") else 1e-6
        finite = np.abs(a[name].values[np.isfinite(a[name].values)])
        atol = 1e-9 * (finite.max() if finite.size else 0.0)  # a double run's 'zero' is rounding noise
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
    base = {"year": double["year"].values[0]}
    assert float(b["balance_mean_se"].sel(base).max()) == 0.0


def test_single_halves_the_kept_variables_in_the_estimate():
    kept64 = (limits.estimate_memory(200_000, 41, "core", compiled=True)
              - limits.estimate_memory(100_000, 41, "core", compiled=True))
    kept32 = (limits.estimate_memory(200_000, 41, "core", compiled=True, precision="single")
              - limits.estimate_memory(100_000, 41, "core", compiled=True, precision="single"))
    assert kept32 == kept64 // 2
    assert simulator.api.result_file_size(1000, 41, "core", precision="single") < simulator.api.result_file_size(1000, 41, "core")


def test_chunks_are_capped_by_their_work_memory():
    assert limits.chunk_paths(5000, 41) * 41 * 8 * 150 < limits.CHUNK_WORK_BYTES
    assert limits.chunk_paths(7, 41) == 7
    assert limits.chunk_paths(5000, 100_000) == 50


def test_a_bad_precision_is_one_clear_error():
    with pytest.raises(limits.OptionError, match="precision: 'half' is not one of double, single"):
        simulator.run("baseline", paths=2, horizon=2, precision="half")


def test_cli_writes_single_precision_and_a_province_refuses_it(tmp_path):
    runner = CliRunner()
    out = tmp_path / "single.nc"
    res = runner.invoke(cli, ["run", "--paths", "5", "--horizon", "3", "--precision", "single", "--quiet", "-o", str(out)])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out) as ds:
        assert ds["balance"].dtype == np.float32 and ds.attrs["precision"] == "single"
    res = runner.invoke(cli, ["run", "example_province", "--paths", "3", "--horizon", "2", "--precision", "single"])
    assert res.exit_code == 2 and "--precision" in res.output, res.output
    res = runner.invoke(cli, ["run", "--paths", "3", "--precision", "half"])
    assert res.exit_code == 2 and "half" in res.output


def test_a_value_beyond_single_range_is_said_as_such(monkeypatch):
    from simulator import api
    from simulator.errors import NonFiniteResultError

    real = api.derive

    def huge(view, prev):
        part = real(view, prev)
        part["balance"] = part["balance"].copy()
        part["balance"][1, 2, 0] = 1e39
        return part
    monkeypatch.setattr(api, "derive", huge)
    with pytest.raises(NonFiniteResultError, match=r"'balance' at path 1, year 2026 is 1e\+39, beyond single precision"):
        simulator.run("baseline", paths=3, horizon=3, precision="single")
    assert float(simulator.run("baseline", paths=3, horizon=3)["balance"][1, 2, 0]) == 1e39


def test_the_precision_is_said_wherever_the_result_is_described(both):
    from simulator.export.tables import about_table
    from simulator.results import to_cf
    from simulator.summary import summary_dict

    double, single = both
    assert "precision='single'" in to_cf(single).attrs["history"]
    assert "precision" not in to_cf(double).attrs["history"]
    assert summary_dict(single)["precision"] == "single" and summary_dict(double)["precision"] == "double"
    about = dict(about_table(single).values.tolist())
    assert about["precision"].startswith("single (float32")


def test_a_run_too_large_in_double_says_what_single_precision_fits():
    avail = int(0.7 * 2**30)
    with pytest.raises(limits.RunTooLargeError) as e:
        limits.check_memory(100_000, 41, "core", available=avail, compiled=True)
    said = str(e.value)
    single = int(said.split("in single precision (--precision single) ")[1].split(" fit")[0].replace(",", ""))
    assert 100_000 <= single and limits.estimate_memory(single, 41, "core", compiled=True, precision="single") <= avail
    with pytest.raises(limits.RunTooLargeError, match="'core' variables in single precision needs"):
        limits.check_memory(300_000, 41, "core", available=avail, compiled=True, precision="single")
