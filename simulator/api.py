"""The Python API: scenario -> compile -> kernel -> labelled xarray Dataset.

>>> import simulator
>>> ds = simulator.run("baseline", paths=1000, seed=1)          # doctest: +SKIP
>>> simulator.summarize(ds)["reserve_months_quantile"]          # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from . import layout as L
from .compile import Compiled, compile_scenario
from .data import data_versions
from .errors import NonFiniteResultError
from .results import assemble, derive, first_nonfinite, select_variables
from .scenario import LoadedScenario, load_scenario
from .summary import format_summary, summarize  # noqa: F401  (re-exported)

#: paths per kernel call; bounds the kernel's buffer (about 24 KB per path) and gives progress steps
DEFAULT_CHUNK = 5000


def _kernel(use_reference: bool):
    if use_reference:
        from .reference import project as ref

        def run_ref(inputs, out):
            out[:] = ref(inputs)
        return run_ref
    from .kernels.project import project

    def run_kernel(inputs, out):
        project(*inputs, out)
    return run_kernel


def prepare(scenario=None, *, paths=None, seed=None, horizon=None, overrides=(), assumption_set=None,
            assumption_quantile=0.9) -> tuple[LoadedScenario, Compiled]:
    """Load, validate and compile a scenario (a built-in name, a path, a dict or a LoadedScenario).

    ``assumption_set`` (``"central"``, ``"low_cost"``, ``"high_cost"``) makes the run
    deterministic at that set (specification section 13; see :mod:`simulator.scenario.assumption_sets`).
    """
    # paths, seed and horizon become part of the resolved scenario, so that the text stored in a
    # result file is exactly what ran
    extra = [f"{k}={v}" for k, v in (("simulation.paths", paths), ("simulation.seed", seed), ("horizon", horizon))
             if v is not None]
    if isinstance(scenario, LoadedScenario) and not overrides:
        loaded = scenario
    else:
        src = scenario.data if isinstance(scenario, LoadedScenario) else scenario
        # validate the file and the user's overrides first, so that their errors name the file
        loaded = load_scenario(src, list(overrides))
    if extra:
        import dataclasses
        # the resolved data keeps relative `extends:` paths: resolve them against the file's folder
        origin = str(loaded.origin)
        base = Path(origin).parent if origin.endswith((".yaml", ".yml")) else None
        loaded = dataclasses.replace(load_scenario(loaded.data, extra, base_dir=base), origin=loaded.origin)
    scn = loaded.scenario
    if assumption_set is not None:
        from .scenario.assumption_sets import assumption_set as make_set
        scn = make_set(scn, assumption_set, assumption_quantile)
    compiled = compile_scenario(scn, file=loaded.origin)
    compiled.assumption_set = assumption_set
    return loaded, compiled


def run(scenario=None, *, paths=None, seed=None, horizon=None, overrides=(), threads=None,
        chunk_size=DEFAULT_CHUNK, progress=None, use_reference=False, check_finite=True,
        assumption_set=None, assumption_quantile=0.9, variables="all") -> xr.Dataset:
    """Run a scenario and return the results as an ``xarray.Dataset`` (specification section 14).

    Parameters
    ----------
    scenario : str, path, dict or LoadedScenario, optional
        Built-in name (default ``"baseline"``), YAML file, or parsed scenario.
    paths, seed, horizon : int, optional
        Override ``simulation.paths``, ``simulation.seed`` and ``horizon`` (years after the base).
    overrides : sequence of ``"key.path=value"``
        As ``--set`` on the command line.
    threads : int, optional
        Numba threads (results do not depend on it).
    chunk_size : int
        Paths per kernel call (results do not depend on it).
    progress : callable(done_paths, total_paths), optional
        Called after each chunk.
    use_reference : bool
        Run the plain-NumPy reference instead of the numba kernel (slow; for checks).
    assumption_set : {"central", "low_cost", "high_cost"}, optional
        Run deterministically at that assumption set: every sigma zero, uncertain values at their
        mean (central) or at ``assumption_quantile`` in their cost direction, epidemics at their
        expected cost.
    variables : "all", "core" or a list of names
        Output variables to keep (``simulator.results.VARIABLES``); "core" keeps what summaries
        and break-even analysis need, for large runs (memory grows with paths x years x variables).
    """
    loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                               assumption_set=assumption_set, assumption_quantile=assumption_quantile)
    return run_compiled(loaded, compiled, threads=threads, chunk_size=chunk_size, progress=progress,
                        use_reference=use_reference, check_finite=check_finite, variables=variables)


def run_compiled(loaded: LoadedScenario, compiled: Compiled, *, threads=None, chunk_size=DEFAULT_CHUNK,
                 progress=None, use_reference=False, check_finite=True, path_ids=None, variables="all") -> xr.Dataset:
    """Run an already compiled scenario (for repeated runs: sweeps, break-even searches).

    Paths run in chunks of ``chunk_size``; each chunk's kernel output is turned into the kept
    variables at once, so memory is the kept variables plus one chunk's buffer.
    """
    inp = compiled.inputs
    all_ids = inp.path_ids if path_ids is None else np.asarray(path_ids, dtype=np.int64)
    P, T = all_ids.shape[0], inp.sched.shape[1]
    names = select_variables(variables)
    scn = compiled.scenario
    rep_prev = scn.reported.previous_year
    prev_exp = [rep_prev.employee_pooled.expenditure.central, rep_prev.employee_accounts.expenditure.central,
                rep_prev.resident.expenditure.central]
    chunk_size = max(1, int(chunk_size))
    buf = np.empty((min(chunk_size, P), T, L.N_OUT))
    arrays = {}
    kernel = _kernel(use_reference)
    old_threads = None
    if threads is not None and not use_reference:
        import numba
        old_threads = numba.get_num_threads()
        numba.set_num_threads(int(threads))
    started = time.perf_counter()
    kernel_time = 0.0
    try:
        for start in range(0, P, chunk_size):
            ids = all_ids[start:start + chunk_size]
            shift = compiled.draw_shifts(ids)
            view = buf[:len(ids)]
            k0 = time.perf_counter()
            kernel(inp.with_paths(ids, shift), view)
            kernel_time += time.perf_counter() - k0
            part = derive(view, prev_exp)
            for name in names:
                if name not in arrays:
                    arrays[name] = np.empty((P,) + part[name].shape[1:])
                arrays[name][start:start + len(ids)] = part[name]
            del part
            if progress is not None:
                progress(start + len(ids), P)
    finally:
        if old_threads is not None:
            import numba
            numba.set_num_threads(old_threads)
    elapsed = time.perf_counter() - started
    attrs = {
        "title": f"fundsim projection of scenario {scn.name}",
        "scenario_name": scn.name,
        "scenario_origin": str(loaded.origin),
        "scenario_yaml": loaded.text,
        "scenario_sha256": loaded.hash,
        "seed": int(inp.seed),
        "paths": int(P),
        "base_year": int(scn.base_year),
        "horizon": int(T - 1),
        "software_version": __version__,
        "data_versions": json.dumps(data_versions(), sort_keys=True),
        "calibration": json.dumps(compiled.calibration, sort_keys=True, default=float),
        "calibration_warnings": "\n".join(compiled.warnings),
        "engine": "numpy reference" if use_reference else "numba kernel",
        "assumption_set": str(getattr(compiled, "assumption_set", None) or "stochastic"),
        "kernel_seconds": float(kernel_time),
        "run_seconds": float(elapsed),
        "conventions": "mid-year stocks; flows during the year; balances at year end; money in nominal yuan",
    }
    ds = assemble(arrays, compiled.years[:T], all_ids, attrs)
    if check_finite:
        bad = first_nonfinite(ds)
        if bad is not None:
            path, year, name = bad
            raise NonFiniteResultError(f"the projection produced a non-finite value: first at path {path}, "
                                       f"year {year}, variable '{name}'; check the scenario's extreme values")
    return ds


def calibration_report(ds: xr.Dataset) -> dict:
    """The base-year calibration factors and checks stored in a result's attributes."""
    return json.loads(ds.attrs["calibration"])


def write_netcdf(ds: xr.Dataset, path) -> Path:
    """Write ``ds`` to ``path`` atomically (:func:`simulator.io.atomic_path`)."""
    from .io import atomic_path

    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return Path(path)
