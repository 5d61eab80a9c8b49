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
from .limits import (DEFAULT_CHUNK, OptionError, OutOfMemoryError, RunTooLargeError, _cells, _out_of_memory,  # noqa: F401
                     _parameter_rows, available_memory, check_memory, check_threads, chunk_paths, double_only,
                     estimate_memory, kept_dtype, max_paths, max_threads, numba_threads, variable_names)
from .results import assemble, derive, first_nonfinite
from .scenario import LoadedScenario, load_scenario
from .summary import format_summary, summarize  # noqa: F401  (re-exported)

#: file name endings of result files (netCDF)
RESULT_SUFFIXES = (".nc",)
#: variables the summary ``fundsim run`` prints needs (:func:`simulator.summary.summarize`)
SUMMARY_VARIABLES = ("reserve_months", "combined_pooled_reserve_months", "balance", "combined_pooled_balance",
                     "income", "expenditure", "contribution_income")


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


def project_arrays(inputs, out, *, reference: bool = False) -> None:
    """Project the compiled arrays ``inputs`` (:class:`~simulator.compile.ModelInputs`) into ``out``
    (paths x years x ``layout.N_OUT``), without labels: the kernel, or with ``reference=True`` the
    NumPy reference. For solvers that run the projection many times on changed inputs (the
    break-even levels) and for the benchmark; everything else takes :func:`run_compiled`."""
    _kernel(reference)(inputs, out)


def prepare(scenario=None, *, paths=None, seed=None, horizon=None, overrides=(), assumption_set=None,
            assumption_quantile=0.9, variables=None, summary=False,
            chunk_size=DEFAULT_CHUNK, precision="double") -> tuple[LoadedScenario, Compiled]:
    """Load, validate and compile a scenario (a built-in name, a path, a dict or a LoadedScenario).

    ``assumption_set`` (``"central"``, ``"low_cost"``, ``"high_cost"``) makes the run
    deterministic at that set (specification section 13; see :mod:`simulator.scenario.assumption_sets`).

    Before compiling, the memory is checked (:func:`check_memory`; :class:`RunTooLargeError`,
    which says how many paths fit): for the compiled draws, and with ``variables`` for the whole
    run keeping them (with ``summary``, also the summary ``fundsim run`` prints) in ``precision``.
    """
    kept_dtype(precision)
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
        loaded = dataclasses.replace(load_scenario(loaded.data, extra, base_dir=base), origin=loaded.origin,
                                     stack=loaded.stack)
    scn = loaded.scenario
    from .scenario.sources import warn_if_unsourced
    warn_if_unsourced(loaded, overrides, stacklevel=2)
    if assumption_set is not None:
        from .scenario.assumption_sets import assumption_set as make_set
        scn = make_set(scn, assumption_set, assumption_quantile)
    check_memory(scn.simulation.paths, len(scn.years), variables, chunk_size=chunk_size, rows=_parameter_rows(scn),
                 summary=summary, precision=precision)
    try:
        compiled = compile_scenario(scn, file=loaded.origin)
    except MemoryError:
        raise _out_of_memory(scn.simulation.paths, len(scn.years)) from None
    compiled.assumption_set = assumption_set
    return loaded, compiled


def run(scenario=None, *, paths=None, seed=None, horizon=None, overrides=(), threads=None,
        chunk_size=DEFAULT_CHUNK, progress=None, use_reference=False, check_finite=True,
        assumption_set=None, assumption_quantile=0.9, variables="all", precision="double") -> xr.Dataset:
    """Run a scenario and return the results as an ``xarray.Dataset`` (specification section 14).

    Parameters
    ----------
    scenario : str, path, dict, list or LoadedScenario, optional
        Installed name (default ``"baseline"``; ``fundsim scenarios`` lists them), YAML file
        (a province file, whose top-level key is ``province:``, runs its regions together:
        :func:`simulator.province.run_province`, results with a ``region`` dimension),
        parsed scenario, or a stack: ``"baseline+a.yaml+b.yaml"`` or ``["a.yaml", "b.yaml"]``
        applies each later variant's changes on top of the earlier ones, in order
        (:mod:`simulator.scenario.loader`); the result's ``scenario_stack`` attribute lists them.
    paths, seed, horizon : int, optional
        Override ``simulation.paths``, ``simulation.seed`` and ``horizon`` (years after the base).
    overrides : sequence of ``"key.path=value"``
        As ``--set`` on the command line.
    threads : int, optional
        Numba threads (results do not depend on it).
    chunk_size : int
        Paths per kernel call at most (fewer when one chunk's work would pass
        ``limits.CHUNK_WORK_BYTES``; results do not depend on it).
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
    precision : "double" or "single"
        How the kept variables are stored: the projection is computed in double precision either
        way; "single" keeps float32 (about 7 significant digits: each value is the double result
        rounded once), half the memory and file size, for runs of 100,000 paths and more. The
        result's ``precision`` attribute says which.
    """
    from .province import is_province
    if is_province(scenario):
        double_only(precision)
        if assumption_set is not None:
            raise OptionError("assumption_set: not supported for a province yet; run a region's scenario")
        from .province import run_province
        return run_province(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides, threads=threads,
                            chunk_size=chunk_size, progress=progress, use_reference=use_reference,
                            check_finite=check_finite, variables=variables)
    loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                               assumption_set=assumption_set, assumption_quantile=assumption_quantile,
                               variables=variables, chunk_size=chunk_size, precision=precision)
    return run_compiled(loaded, compiled, threads=threads, chunk_size=chunk_size, progress=progress,
                        use_reference=use_reference, check_finite=check_finite, variables=variables,
                        precision=precision)


def run_compiled(loaded: LoadedScenario, compiled: Compiled, *, threads=None, chunk_size=DEFAULT_CHUNK,
                 progress=None, use_reference=False, check_finite=True, path_ids=None, variables="all",
                 precision="double") -> xr.Dataset:
    """Run an already compiled scenario (for repeated runs: sweeps, break-even searches).

    Paths run in chunks of ``chunk_size``; each chunk's kernel output is turned into the kept
    variables at once, so memory is the kept variables (in ``precision``, :func:`run`) plus one
    chunk's buffer (at most ``chunk_size`` paths, :func:`simulator.limits.chunk_paths`).
    """
    dtype = kept_dtype(precision)
    inp = compiled.inputs
    all_ids = inp.path_ids if path_ids is None else np.asarray(path_ids, dtype=np.int64)
    P, T = all_ids.shape[0], inp.sched.shape[1]
    names = variable_names(variables)
    if not use_reference:
        threads = check_threads(threads)
    chunk_size = chunk_paths(chunk_size, T)
    check_memory(P, T, variables, chunk_size=chunk_size, rows=inp.sched.shape[0], compiled=True, precision=precision)
    scn = compiled.scenario
    rep_prev = scn.reported.previous_year
    prev_exp = [rep_prev.employee_pooled.expenditure.central, rep_prev.employee_accounts.expenditure.central,
                rep_prev.resident.expenditure.central]
    try:
        buf = np.empty((min(chunk_size, P), T, L.N_OUT))
    except MemoryError:
        raise _out_of_memory(P, T) from None
    arrays = {}
    kernel = _kernel(use_reference)
    started = time.perf_counter()
    kernel_time = 0.0
    try:
        with numba_threads(None if use_reference else threads):
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
                        arrays[name] = np.empty((P,) + part[name].shape[1:], dtype=dtype)
                    if dtype is np.float32:
                        _check_single_range(part[name], name, all_ids[start:start + len(ids)], compiled.years)
                    arrays[name][start:start + len(ids)] = part[name]
                del part
                if progress is not None:
                    progress(start + len(ids), P)
    except MemoryError:
        arrays.clear()
        raise _out_of_memory(P, T) from None
    elapsed = time.perf_counter() - started
    attrs = {
        "title": f"fundsim projection of scenario {scn.name}",
        "scenario_name": scn.name,
        "scenario_origin": str(loaded.origin),
        # the scenarios stacked to make this one, in the order applied (JSON list; one for a plain run)
        "scenario_stack": json.dumps(list(loaded.stack) or [str(loaded.origin)], ensure_ascii=False),
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
        # how the variables are stored (computed in double precision either way; run's precision)
        "precision": str(precision),
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


def _check_single_range(values, name, path_ids, years) -> None:
    """NonFiniteResultError when a finite double value is beyond float32's range (about 3.4e38),
    which single precision would store as infinity: said as such, not as a non-finite projection."""
    big = np.abs(values) > np.finfo(np.float32).max
    if big.any():
        where = tuple(np.argwhere(big)[0])
        raise NonFiniteResultError(f"'{name}' at path {int(path_ids[where[0]])}, year {int(years[where[1]])} is "
                                   f"{float(values[where]):.3g}, beyond single precision's range (about 3.4e38); "
                                   "run in double precision")


def calibration_report(ds: xr.Dataset) -> dict:
    """The base-year calibration factors and checks stored in a result's attributes."""
    return json.loads(ds.attrs["calibration"])


#: where a result keeps the resolved scenario it was run from (YAML text; :func:`scenario_of`)
SCENARIO_ATTR = "scenario_yaml"


def scenario_data_of(ds: xr.Dataset) -> dict:
    """The resolved scenario a result was run from, as plain data: the dict of the YAML text in
    ``ds.attrs["scenario_yaml"]`` (every key with its value and ``source:``, after ``extends``,
    stacks and overrides). :class:`~simulator.errors.ScenarioError` when the result carries none or
    the text is damaged, naming the attribute."""
    from .scenario.yaml_read import _parse_text
    from .errors import ScenarioError

    label = f"the result's {SCENARIO_ATTR} attribute"
    text = ds.attrs.get(SCENARIO_ATTR)
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError([(None, "the result carries no scenario (it was not written by simulator.run or fundsim run)", None)], label)
    data = _parse_text(text, label)
    if not isinstance(data, dict):
        raise ScenarioError([(None, f"the stored scenario is a {type(data).__name__}, not a mapping of keys", None)], label)
    return _plain(data)


def _plain(node):
    """Parsed YAML (ruamel's mappings and sequences, which carry line marks) as plain dicts and lists."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def scenario_of(ds: xr.Dataset) -> LoadedScenario:
    """The scenario a result was run from, loaded and validated again from the text it stores
    (:func:`scenario_data_of`), so that ``simulator.run(scenario_of(ds), paths=ds.attrs["paths"],
    seed=ds.attrs["seed"], horizon=ds.attrs["horizon"])`` gives the same numbers, bit for bit."""
    return load_scenario(scenario_data_of(ds))


#: said when a result file name has another suffix than .nc
RESULT_SUFFIX_HINT = "; results are written as netCDF: write FILE.nc, then 'fundsim export FILE.nc -o FILE.csv' (or .xlsx, .parquet)"


def result_file_size(paths, years, variables="all", precision="double") -> int:
    """Bytes of the netCDF file of a run (the kept variables, uncompressed, plus about 1 MB)."""
    itemsize = np.dtype(kept_dtype(precision)).itemsize
    return int(paths) * int(years) * _cells(variable_names(variables)) * itemsize + 2**20


def check_result_path(path, *, option=None, size=None) -> Path:
    """Check before a run that ``path`` can take a result file (:func:`simulator.io.check_output_path`
    with the .nc suffix): :class:`~simulator.io.OutputPathError` (exit 2) or
    :class:`~simulator.io.OutputWriteError` (exit 1) otherwise."""
    from .io import check_output_path
    return check_output_path(path, suffixes=RESULT_SUFFIXES, option=option, suffix_hint=RESULT_SUFFIX_HINT,
                             size=size)


def write_netcdf(ds: xr.Dataset, path, *, option=None, cf: bool = True) -> Path:
    """Write ``ds`` to ``path`` (a name ending in .nc) atomically (:func:`simulator.io.atomic_path`).

    ``cf`` (default) writes it as a CF-1.11 file (:func:`simulator.results.to_cf`: conventions,
    history, UDUNITS units, a time coordinate, compression; applying it to a file the CLI already
    prepared adds nothing). Only a new name or a regular file is written (a symbolic link to a
    regular file is written through, onto its target); anything else, a full disk or a read-only
    folder raise one clear error and leave no partial file."""
    from .io import atomic_path

    if cf:
        from .results import to_cf

        ds = to_cf(ds)

    size = int(ds.nbytes) + 2**20
    check_result_path(path, option=option, size=size)
    with atomic_path(path, size=size, option=option) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return Path(path)
