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
    double, single = both
    a, b = simulator.summarize(double), simulator.summarize(single)
    for name in ("reserve_months", "balance"):
        if name in a:
            np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-6, atol=1e-6, equal_nan=True)


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
