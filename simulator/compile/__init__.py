"""Validated scenario + seed -> the plain arrays the kernel takes, calibrated to the base year.

:func:`compile_scenario` builds, in order:

1. the parameter table (:mod:`.parameters`, specification section 2): every schedule at the
   projection years, its bounds, the flags, the indexed schedules;
2. the population arrays and retirement tracks (:mod:`.demography`, sections 3 and 4);
3. the membership profiles, the cost curves and disease shares (section 7), the driver
   correlation's Cholesky factor and the random streams (sections 5 and 13), the base-year
   economy (wage and resident income in yuan a year, the premium burden);
4. the base-year calibration (:func:`simulator.calibrate.calibrate`, section 11), which fits the
   membership scales, ``c0``, maternity, ``β``, ``ϑ`` and ``ξb`` to the reported figures and checks
   their plausibility (:mod:`simulator.plausibility`);
5. the per-path draws of the uncertain parameters (section 13, streams ``param:<key path>``).

The names other modules import from here (``ModelInputs``, ``Compiled``, ``PLAUSIBLE``,
``retirement_age``, ``excess_cost_decomposition``, the migration thresholds) stay importable as
``simulator.compile.<name>``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import layout as L
from .. import rng
from ..calibrate import calibrate
from ..calibrate_report import excess_cost_decomposition
from ..errors import ScenarioError
from ..plausibility import PLAUSIBLE, Plausible
from ..scenario.schema import LINES, SCHEMES, Scenario
from .demography import (MIGRATION_NET_GROSS_MIN, MIGRATION_NET_GROSS_WARN, _fertility_pattern, _migration_shape,
                         _tracks, population_arrays, retirement_age)
from .inputs import Compiled, ModelInputs
from .parameters import _draw_shifts, _indexed_rows, _param_rows, parameter_table

__all__ = ["compile_scenario", "Compiled", "ModelInputs", "PLAUSIBLE", "Plausible", "retirement_age",
           "excess_cost_decomposition", "MIGRATION_NET_GROSS_MIN", "MIGRATION_NET_GROSS_WARN",
           "_draw_shifts", "_indexed_rows", "_param_rows", "_fertility_pattern", "_migration_shape", "_tracks"]


def compile_scenario(scn: Scenario, paths: int | None = None, seed: int | None = None,
                     horizon: int | None = None, file=None) -> Compiled:
    """Compile a validated scenario into kernel inputs and calibrate the base year (sections 2-13, 11).

    ``paths`` (default ``simulation.paths``), ``seed`` (default ``simulation.seed``, in [0, 2^63))
    and ``horizon`` (years after the base year; default the scenario's) override the scenario's;
    ``file`` names the scenario's origin in error messages.  Warnings (indexed schedules, migration
    profile, calibration checks) are issued here, at the caller's line, and kept in
    ``Compiled.warnings``; the calibration report is ``Compiled.calibration``.
    """
    if horizon is not None:
        scn = scn.model_copy(update={"horizon": int(horizon)})
    paths = scn.simulation.paths if paths is None else int(paths)
    seed = scn.simulation.seed if seed is None else int(seed)
    if paths < 1:
        raise ScenarioError([("simulation.paths", f"must be at least 1, got {paths}", None)], file)
    if not 0 <= seed < 2**63:
        raise ScenarioError([("simulation.seed", f"must be in [0, 2^63), got {seed}", None)], file)
    years = scn.years
    warn: list = []

    tab = parameter_table(scn, years, warn)
    sched, flags, K = tab.sched, tab.flags, len(tab.rows)
    pop = population_arrays(scn, years, sched, tab.uncertain, file, warn)

    # ---- membership profiles as given (the calibration scales them)
    mem = scn.membership
    rho = mem.working_coverage.values.astype(float).copy()
    flex_rel = mem.flexible_age_relativity.values.astype(float)
    tau = mem.participation.values.astype(float).copy()

    # ---- cost tables (section 7): age cost curves by scheme and line, disease shares
    exp_ = scn.expenditure
    h = np.zeros((2, 3, L.N_AGES, L.N_SEXES))
    for mi, m in enumerate(SCHEMES):
        for j, line in enumerate(LINES):
            h[mi, j] = getattr(exp_.age_cost_curve[m], line).values
    D = len(exp_.disease_groups)
    wdis = np.zeros((D, 3, L.N_AGES, L.N_SEXES))
    perdiem = np.zeros(D)
    for d, grp in enumerate(exp_.disease_groups):
        for j, line in enumerate(LINES):
            wdis[d, j] = getattr(grp.share, line).values
        perdiem[d] = 1.0 if grp.per_diem else 0.0

    # ---- drivers (section 5) and random streams (section 13)
    corr = scn.economy.correlation.ordered()
    try:
        # the jitter lets a singular (positive semi-definite) matrix through
        chol = np.linalg.cholesky(corr + 1e-12 * np.eye(4))
    except np.linalg.LinAlgError:
        raise ScenarioError([("economy.correlation.matrix", "is not positive semi-definite", None)], file) from None
    names = L.stream_names([grp.name for grp in exp_.disease_groups])
    streams = np.array([rng.stream_id(n) for n in names], dtype=np.uint64)

    # ---- base-year economy: wage and resident income (yuan a year), premium burden (section 4)
    base = np.zeros(L.N_BASE)
    base[L.B_W0] = scn.economy.base_wage.central
    base[L.B_Y0] = scn.economy.base_resident_income.central
    base[L.B_W_PREV] = scn.economy.previous_wage.central
    pi_prem0 = sched[L.PI_SHARE, 0] * base[L.B_Y0] if flags[L.FLAG_PI_SHARE] else sched[L.PI, 0]
    if base[L.B_Y0] <= 0 or pi_prem0 <= 0:
        if sched[L.ENROL_ELAST].any():
            raise ScenarioError([("membership.resident_enrolment_elasticity", "needs a positive base-year premium and resident income", None)], file)
        base[L.B_PSI0] = 1.0
    else:
        base[L.B_PSI0] = pi_prem0 / base[L.B_Y0]
    base[L.B_S0] = 0.0

    # path 0 with no shift: the calibration runs the base year on it (every shift is zero at t = 0)
    seed_u = np.uint64(seed)
    inputs = ModelInputs(seed_u, np.zeros(1, dtype=np.int64), streams, sched, np.zeros((1, K)), tab.lo, tab.hi,
                         flags, base, pop.pop0, pop.m0, pop.ri, pop.fx, pop.mig_prof, pop.track, rho, flex_rel, tau,
                         np.zeros_like(pop.pop0), scn.economy.wage_age_relativity.values.astype(float),
                         np.zeros_like(h), wdis, perdiem, chol, tab.index_rows, tab.index_plus)
    inputs, cal = calibrate(scn, inputs, h, file, warn)
    from ..city_template import placeholder_warning
    left = placeholder_warning(scn)
    if left:
        warn.append(left)
    for msg in warn:
        warnings.warn(msg, stacklevel=2)

    path_ids = np.arange(paths, dtype=np.int64)
    shift = _draw_shifts(seed_u, path_ids, tab.uncertain, sched, K)
    inputs = inputs.with_paths(path_ids, shift)
    return Compiled(scn, inputs, years, [g.name for g in exp_.disease_groups], [r[0] for r in tab.rows],
                    tab.uncertain, cal, warn)
