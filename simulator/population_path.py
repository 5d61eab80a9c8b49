"""The population by single age and sex along the central path of a scenario (specification
section 3), for figures: a results file keeps population totals by year, not by age, so a pyramid
of a projected year (or of a region whose base population is not a shipped table) projects it
again here.

The central path is the model's own cohort-component projection with every uncertain parameter
at its central value and no shocks: the Lee-Carter index one year of improvement a year, the
central fertility, sex ratio and net migration. It runs the NumPy reference's population steps
(:mod:`simulator.reference.population`, the same equations as the kernel) on one path, so it is
the population every path starts from and follows in expectation, not any one path's.
"""

from __future__ import annotations

import numpy as np

from . import layout as L


def central_population(compiled, years=None) -> dict:
    """``{year: array (101, 2)}`` of mid-year persons by single age (0..100+) and sex (male,
    female) on the central path of a compiled scenario (:func:`simulator.prepare`), for ``years``
    (default every projection year)."""
    from .reference import population as PO
    from .reference.parameters import year_parameters

    inp = compiled.inputs
    T = inp.sched.shape[1]
    base_year = int(inp.flags[L.FLAG_BASE_YEAR])
    want = set(range(base_year, base_year + T)) if years is None else {int(y) for y in years}
    shift = np.zeros((1, inp.sched.shape[0]))
    N = inp.pop0[None].copy()
    zeros = np.zeros_like(N)
    out = {}
    kappa = np.zeros(1)
    h_prev = births_prev = None
    for t in range(T):
        par = year_parameters(inp.sched, shift, inp.lo, inp.hi, t, t > 0)
        if t > 0:
            kappa = kappa + 1.0  # the central Lee-Carter index: one year of improvement a year
            S = PO.survival_factors(h_prev)
            N, _ = PO.migrate(PO.survive(N, births_prev, S, h_prev), par[:, L.MIG_TOTAL], inp.mig_prof)
        h = PO.mortality_rates(inp.m0, inp.ri, kappa)
        if base_year + t in want:
            out[base_year + t] = N[0].copy()
        _, _, births_all = PO.births_by_group(par[:, L.TFR], inp.fx[t], zeros, zeros, N)
        births_prev = PO.births_by_sex(births_all, par[:, L.SRB])
        h_prev = h
    return out


def projected_population(ds, years) -> dict:
    """:func:`central_population` of the scenario a result was run from (:func:`simulator.scenario_of`),
    over the result's years; ``years`` must lie within them."""
    import warnings

    from .api import prepare, scenario_of

    run_years = [int(y) for y in ds["year"].values]
    outside = [int(y) for y in years if int(y) not in run_years]
    if outside:
        from .plots.style import PlotInputError
        raise PlotInputError(f"year {', '.join(map(str, outside))} is outside the run's years {run_years[0]}-{run_years[-1]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the run warned already when it was made
        _, compiled = prepare(scenario_of(ds), paths=1, seed=int(ds.attrs.get("seed", 0)), horizon=max(run_years) - run_years[0])
    return central_population(compiled, years)
