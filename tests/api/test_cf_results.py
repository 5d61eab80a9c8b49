"""Results files follow CF-1.11 (issue 20 item 4): a real file written by ``fundsim run --out`` is
read back with cf_xarray, which must find its time axis; its global attributes say how, when and
with which software it was made; every ``units`` attribute is one UDUNITS (and pint) can parse;
its data are compressed and round-trip unchanged."""

import datetime as dt
import platform
import re
from importlib import metadata

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator.cli import cli
from simulator.results import CF_UNITS, VARIABLES, cf_units, to_cf

RUN = ["run", "--paths", "8", "--seed", "5", "--horizon", "6", "--quiet"]

#: the units strings a results file may carry when pint (cf_xarray's registry) is not installed to
#: parse them: each is UDUNITS-2 syntax for what it names: "1" the dimensionless unit (fractions,
#: ratios, flags, and counts of yuan or persons, which UDUNITS has no unit for), "month" (UDUNITS:
#: a twelfth of a year), "year" (the mortality index counts years of improvement), "year-1"
#: (UDUNITS power syntax: per year, for flows and growth rates)
UDUNITS_USED = {"1", "month", "year", "year-1"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """(path of a results file written by the CLI, the file opened)."""
    out = tmp_path_factory.mktemp("cf") / "r.nc"
    res = CliRunner().invoke(cli, RUN + ["--out", str(out)])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out) as f:
        ds = f.load()
    return out, ds


def test_cf_xarray_finds_the_time_axis_and_year_still_selects(written):
    pytest.importorskip("cf_xarray")
    _, ds = written
    assert ds.cf.axes["T"] == ["time"]
    t = ds.cf["T"]
    assert t.dims == ("year",)
    # each year's time stamp lies in that calendar year
    np.testing.assert_array_equal(t.dt.year.values, ds["year"].values)
    assert t.attrs["standard_name"] == "time" and t.encoding["units"].startswith("days since ")
    # the integer year stays the dimension existing code selects on
    assert ds["year"].dtype.kind == "i"
    assert ds.sel(year=2028)["balance"].dims == ("path", "fund")


def test_global_attributes_say_how_when_and_with_what(written):
    out, ds = written
    a = ds.attrs
    assert a["Conventions"] == "CF-1.11"
    first = a["history"].splitlines()[0]
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.*)$", first)
    assert m, first
    when = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert abs((dt.datetime.now(dt.timezone.utc) - when).total_seconds()) < 24 * 3600
    # the command as typed: the options given, not the defaults
    assert m.group(2) == f"fundsim run --paths 8 --seed 5 --horizon 6 --out {out} --quiet"
    assert dt.datetime.fromisoformat(a["date_created"].replace("Z", "+00:00")).tzinfo is not None
    assert "fundsim" in a["source"] and "numba kernel" in a["source"]
    assert a["fundsim_version"] == simulator.__version__
    assert a["numba_version"] == metadata.version("numba")
    assert a["numpy_version"] == np.__version__
    assert a["python_version"] == platform.python_version()
    assert a["platform"] == platform.platform()
    # the attributes the report and reproduction read are still there
    assert a["seed"] == 5 and "employer_rate" in a["scenario_yaml"] and a["conventions"]


def _units_attributes(ds):
    return {name: ds[name].attrs["units"] for name in ds.variables if "units" in ds[name].attrs}


def test_every_units_attribute_is_udunits(written):
    _, ds = written
    units = _units_attributes(ds)
    assert {"income", "balance", "reserve_months", "population"} <= set(units)
    assert set(units.values()) <= UDUNITS_USED, set(units.values()) - UDUNITS_USED


def test_every_units_attribute_parses_with_cf_xarrays_registry(written):
    pytest.importorskip("pint")
    from cf_xarray.units import units as ureg

    _, ds = written
    for name, u in _units_attributes(ds).items():
        ureg.parse_units(u)  # raises for a unit the registry does not know
    assert ureg.parse_units(ds["reserve_months"].attrs["units"]) == ureg.parse_units("month")
    assert ureg.parse_units(ds["income"].attrs["units"]) == 1 / ureg.parse_units("year")


def test_quantities_without_a_udunits_unit_say_what_they_count(written):
    _, ds = written
    assert ds["income"].attrs["units_note"].startswith("yuan (CNY) per year, nominal")
    assert ds["balance"].attrs["units"] == "1" and ds["balance"].attrs["units_note"] == "yuan (CNY), nominal"
    assert ds["population"].attrs["units_note"] == "persons"
    assert ds["births"].attrs["units"] == "year-1" and ds["births"].attrs["units_note"] == "persons per year"
    # a label carries no unit: the year is a calendar year, not a duration
    assert "units" not in ds["year"].attrs and "calendar year" in ds["year"].attrs["units_note"]
    assert ds["mortality_index"].attrs["units"] == "year"


def test_every_declared_unit_has_a_cf_form():
    """A new output variable with a unit missing from CF_UNITS would be written without units."""
    declared = {v.units for v in VARIABLES.values()}
    missing = sorted(u for u in declared if u not in CF_UNITS)
    assert not missing, f"add to simulator.results.CF_UNITS: {missing}"
    assert {cf_units(u)[0] for u in declared} <= UDUNITS_USED


def test_data_are_compressed_and_round_trip(written):
    out, ds = written
    floats = [n for n in ds.data_vars if ds[n].dtype.kind == "f"]
    assert floats
    with xr.open_dataset(out) as f:
        for n in floats:
            assert f[n].encoding.get("zlib") is True, n
            assert f[n].encoding.get("shuffle") is True, n
    again = simulator.run("baseline", paths=8, seed=5, horizon=6)
    for n in again.data_vars:
        np.testing.assert_array_equal(ds[n].values, again[n].values, err_msg=n)
    np.testing.assert_array_equal(ds["path"].values, again["path"].values)


def test_to_cf_leaves_the_result_unchanged_and_adds_history_on_top():
    ds = simulator.run("baseline", paths=3, seed=2, horizon=2, variables="core")
    before = {n: dict(ds[n].attrs) for n in ds.variables}
    when = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    cf = to_cf(ds, now=when)
    assert {n: dict(ds[n].attrs) for n in ds.variables} == before
    assert "Conventions" not in ds.attrs and "time" not in ds.coords
    assert cf.attrs["history"] == "2030-01-02T03:04:05Z simulator.run('baseline', paths=3, seed=2, horizon=2)"
    # written again (an export, a re-save): the new line goes first and the old one stays
    later = to_cf(cf, command="fundsim something", now=when + dt.timedelta(days=1))
    assert later.attrs["history"].splitlines() == ["2030-01-03T03:04:05Z fundsim something",
                                                   "2030-01-02T03:04:05Z simulator.run('baseline', paths=3, seed=2, horizon=2)"]
    assert later.attrs["date_created"] == cf.attrs["date_created"]
    # and its units stay as the first pass wrote them
    for n in cf.variables:
        assert later[n].attrs == cf[n].attrs, n
    assert later["income"].attrs["units"] == "year-1" and later["income"].attrs["units_note"].startswith("yuan")
    # applied twice with no new command (a writer that makes what it writes CF): one history line
    assert to_cf(cf, now=when + dt.timedelta(days=2)).attrs["history"] == cf.attrs["history"]


def test_history_holds_the_command_as_typed(tmp_path):
    out = tmp_path / "r.nc"
    res = CliRunner().invoke(cli, ["run", "-n", "2", "--horizon", "2", "--set", "horizon=3", "--set",
                                   "simulation.seed=4", "--no-named-sets", "--variables", "core", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out) as f:
        line = f.attrs["history"].splitlines()[0]
    assert line.split(" ", 1)[1] == ("fundsim run --paths 2 --horizon 2 --set horizon=3 --set simulation.seed=4 "
                                     f"--out {out} --variables core --no-named-sets --quiet")
