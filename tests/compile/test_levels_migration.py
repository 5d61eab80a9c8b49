"""Net migration: a cell loses at most its stock and an outflow never turns into an inflow
(specification section 3; issue 14, item 3).  The national age profile mixes signs (young
emigrants, returning middle-aged migrants); before, a large emigration emptied the young cells
(floored at zero) while the inflows went on in full, and the population grew."""

import numpy as np
import pytest

import simulator
from simulator import layout as L
from simulator.compile import compile_scenario
from simulator.kernels.project import project as kernel_project
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario

from ..conftest import rel_close, set_path

KEY = "population.migration.net_total"


def _requested(compiled):
    return compiled.inputs.sched[L.MIG_TOTAL]


def test_the_shipped_profile_mixes_signs(baseline_loaded):
    """The case this file is about: without opposite-sign cells the old floor alone was right."""
    prof = baseline_loaded.scenario.population.migration.age_profile.values
    assert (prof > 0).any() and (prof < 0).any()


@pytest.mark.parametrize("total", [-3e7, -1e8, -1e9])
def test_large_emigration_shrinks_the_population_and_stays_an_outflow(baseline_data, total):
    set_path(baseline_data, KEY, total)
    loaded, compiled = simulator.prepare(baseline_data, paths=3, seed=1)
    ds = simulator.run_compiled(loaded, compiled)
    pop = ds["population"].values
    mig = ds["net_migration"].values
    assert np.all(mig[:, 1:] <= 0), "an outflow turned into an inflow"
    # never more than was asked for, never more than there were people (alive or born last year)
    assert np.all(mig[:, 1:] >= total * (1 + 1e-12))
    assert np.all(-mig[:, 1:] <= (pop[:, :-1] + ds["births"].values[:, :-1]) * (1 + 1e-12))
    assert np.all(np.diff(pop, axis=1) < 0), "the population grew under net emigration"
    assert np.all(pop >= 0)
    for name in ("employees", "flexible", "retirees", "residents", "deaths", "births"):
        assert float(ds[name].min()) >= 0, name


def test_realised_migration_is_the_request_where_stocks_allow(baseline_loaded):
    """The baseline's totals are small against every cell: realised equals requested."""
    loaded, compiled = simulator.prepare(baseline_loaded, paths=2, seed=1)
    ds = simulator.run_compiled(loaded, compiled)
    req = _requested(compiled)
    assert np.all(req[1:] != 0)
    np.testing.assert_allclose(ds["net_migration"].values[:, 1:], np.broadcast_to(req[1:], (2, req.size - 1)),
                               rtol=1e-9)
    assert np.all(ds["net_migration"].values[:, 0] == 0)  # the base year's stock is observed


def test_more_emigration_never_means_more_people(baseline_data):
    pops = []
    for total in (-3e6, -3e7, -1e8, -1e9):
        set_path(baseline_data, KEY, total)
        pops.append(simulator.run(baseline_data, paths=2, seed=1, horizon=40)["population"].values)
    for lower, higher in zip(pops, pops[1:]):
        assert np.all(higher[:, 1:] <= lower[:, 1:] * (1 + 1e-12))


def test_kernel_matches_reference_with_capped_emigration(baseline_data):
    set_path(baseline_data, KEY, {2024: -3e7, 2040: -1e8})
    compiled = compile_scenario(load_scenario(baseline_data).scenario, paths=4, seed=5)
    ref = reference_project(compiled.inputs)
    ker = np.empty_like(ref)
    kernel_project(*compiled.inputs, ker)
    assert ref[:, -1, L.O_NET_MIG].max() > -1e8 * 0.99  # stocks do limit the outflow here
    ok, err = rel_close(ker, ref, 1e-9)
    assert ok, err
