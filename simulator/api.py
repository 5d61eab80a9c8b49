"""The Python API: scenario -> compile -> kernel -> labelled xarray Dataset.

>>> import simulator
>>> ds = simulator.run("baseline", paths=1000, seed=1)          # doctest: +SKIP
>>> simulator.summarize(ds)["reserve_months_quantile"]          # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from . import layout as L
from .compile import Compiled, compile_scenario
from .data import data_versions
from .errors import EXIT_BAD_INPUT, NonFiniteResultError, SimulatorError
from .results import assemble, derive, first_nonfinite, select_variables
from .scenario import LoadedScenario, load_scenario
from .summary import format_summary, summarize  # noqa: F401  (re-exported)

#: paths per kernel call; bounds the kernel's buffer (about 24 KB per path) and gives progress steps
DEFAULT_CHUNK = 5000
#: file name endings of result files (netCDF)
RESULT_SUFFIXES = (".nc",)
#: variables the summary ``fundsim run`` prints needs (:func:`simulator.summary.summarize`)
SUMMARY_VARIABLES = ("reserve_months", "combined_pooled_reserve_months", "balance", "combined_pooled_balance",
                     "income", "expenditure", "contribution_income")


class RunTooLargeError(SimulatorError):
    """A run that does not fit in the available memory (found before it starts): exit code 2,
    with the number of paths that would fit."""

    exit_code = EXIT_BAD_INPUT


class OptionError(SimulatorError):
    """A run option that cannot be used (threads, output variables): exit code 2."""

    exit_code = EXIT_BAD_INPUT


# --------------------------------------------------------------------------- resources

def max_threads() -> int:
    """The most numba threads a run may use (``NUMBA_NUM_THREADS``: the cores, unless set)."""
    import numba
    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(threads, option="threads") -> int | None:
    """``threads`` as an int, or :class:`OptionError` when it is not between 1 and :func:`max_threads`."""
    if threads is None:
        return None
    n = int(threads)
    top = max_threads()
    if not 1 <= n <= top:
        cores = os.cpu_count() or top
        raise OptionError(f"{option}: {n} is not possible here: give 1 to {top} (numba's NUMBA_NUM_THREADS; this "
                          f"machine has {cores} core{'s' if cores != 1 else ''})")
    return n


def variable_names(variables="all") -> tuple:
    """The variables to keep: ``"all"``, ``"core"``, one name or names; :class:`OptionError` for unknown names."""
    if isinstance(variables, str) and variables not in ("all", "core"):
        variables = [variables]
    if not isinstance(variables, str):
        names = [str(v) for v in variables]
        if not names:
            raise OptionError("variables: give at least one output variable (or 'all' or 'core')")
        from .results import VARIABLES
        from .scenario.values import suggest
        unknown = [n for n in names if n not in VARIABLES]
        if unknown:
            raise OptionError(f"variables: unknown output variable(s) {', '.join(unknown)}"
                              f"{suggest(unknown[0], VARIABLES)} (the names are listed in simulator.results.VARIABLES)")
        variables = list(dict.fromkeys(names))
    return select_variables(variables)


def _cells(names) -> int:
    """Numbers per path and year of the variables ``names``."""
    from .results import FUNDS, LINES, SCHEMES, VARIABLES
    size = {"path": 1, "year": 1, "fund": len(FUNDS), "scheme": len(SCHEMES), "line": len(LINES)}
    return sum(int(np.prod([size[d] for d in VARIABLES[n].dims])) for n in names)


def _parameter_rows(scn) -> int:
    """Rows of the compiled parameter table (:func:`simulator.compile.compile_scenario`)."""
    return len(L.FIXED_ROW_NAMES) + len(scn.expenditure.disease_groups) * len(L.DISEASE_ROW_FIELDS)


#: working memory of the printed summary per path and year, in numbers (measured: 44 to 50)
_SUMMARY_CELLS = 56


def estimate_memory(paths, years, variables="all", *, chunk_size=DEFAULT_CHUNK, rows=None, compiled=False,
                    summary=False) -> int:
    """Bytes a run of ``paths`` x ``years`` (years including the base year) needs beyond what is in use.

    The kept variables (paths x years x numbers per path-year x 8 bytes), one chunk's kernel
    buffer and derived variables, the compiled per-path draws (``rows`` parameter rows; left out
    with ``compiled=True``, when they exist already) and, with ``summary``, the working memory of
    the summary ``fundsim run`` prints; ``variables=None``: compiling only. Measured peaks are
    within about 10% below this.
    """
    from .results import VARIABLES
    P, T = int(paths), int(years)
    rows = 140 if rows is None else int(rows)
    draws = 0 if compiled else P * (rows + 4) * 8
    if variables is None:  # compiling only
        return draws
    chunk = min(max(1, int(chunk_size)), P)
    kept = P * T * _cells(variable_names(variables)) * 8
    work = chunk * T * (L.N_OUT + _cells(VARIABLES)) * 8 + chunk * (rows + 1) * 8
    if summary:
        work = max(work, P * T * _SUMMARY_CELLS * 8)
    return kept + work + draws


def available_memory() -> int | None:
    """Bytes of memory this process can still use: the system's MemAvailable, lowered by a cgroup
    (container) memory limit; None when it cannot be told."""
    found = []
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            pass
    cg = _cgroup_available()
    if cg is not None:
        found.append(cg)
    return min(found) if found else None


def _cgroup_available() -> int | None:
    """Room left under the tightest cgroup memory limit of this process (v1 or v2), or None."""
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    best = None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, rel = parts
        if controllers == "":  # v2
            root, limit_f, usage_f = Path("/sys/fs/cgroup"), "memory.max", "memory.current"
        elif "memory" in controllers.split(","):
            root, limit_f, usage_f = Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
        else:
            continue
        d = root / rel.lstrip("/")
        while True:
            try:
                limit = (d / limit_f).read_text().strip()
                if limit != "max" and int(limit) < 2**60:
                    usage = int((d / usage_f).read_text().strip())
                    cache = 0
                    for s in (d / "memory.stat").read_text().splitlines():
                        k, _, v = s.partition(" ")
                        if k in ("inactive_file", "total_inactive_file"):
                            cache = max(cache, int(v))
                    room = max(0, int(limit) - usage + cache)
                    best = room if best is None else min(best, room)
            except (OSError, ValueError):
                pass
            if d == root or root not in d.parents:
                break
            d = d.parent
    return best


class OutOfMemoryError(SimulatorError):
    """The memory ran out during a run (other programs took it, or the estimate was short): exit code 1."""


def _out_of_memory(paths, years) -> OutOfMemoryError:
    avail = available_memory()
    return OutOfMemoryError(f"out of memory during a run of {int(paths):,} paths x {int(years)} years"
                            + (f" ({_gib(avail)} available now)" if avail is not None else "")
                            + "; run fewer paths or keep fewer variables (variables 'core' or a list)")


def _gib(n) -> str:
    for unit, k in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n / 2**20:.0f} MiB"


def _round_down(n: int) -> int:
    """``n`` rounded down to two significant figures (a number of paths to suggest)."""
    if n < 100:
        return n
    k = 10 ** (len(str(n)) - 2)
    return n // k * k


def max_paths(years, variables="all", available=None, **kw) -> int:
    """The most paths of ``years`` years that fit in ``available`` bytes (0 if not even one)."""
    if available is None:
        return 0
    lo, hi = 0, 1
    while estimate_memory(hi, years, variables, **kw) <= available:
        lo, hi = hi, hi * 2
        if hi > 2**62:
            return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if estimate_memory(mid, years, variables, **kw) <= available:
            lo = mid
        else:
            hi = mid
    return lo


def check_memory(paths, years, variables="all", *, available=None, **kw) -> None:
    """:class:`RunTooLargeError` when :func:`estimate_memory` exceeds the available memory
    (:func:`available_memory`; nothing is checked when that is unknown). The message says how
    many paths fit, and how many would keeping fewer variables."""
    avail = available_memory() if available is None else int(available)
    if avail is None:
        return
    need = estimate_memory(paths, years, variables, **kw)
    if need <= avail:
        return
    if variables is None:
        which = "(compiling: the per-path parameter draws)"
    elif isinstance(variables, str) and variables in ("all", "core"):
        n = len(variable_names(variables))
        which = f"keeping all {n} variables" if variables == "all" else f"keeping the {n} 'core' variables"
    else:
        names = variable_names(variables)
        which = "keeping " + (", ".join(names) if len(names) <= 5 else f"{len(names)} variables")
    head = (f"a run of {int(paths):,} paths x {int(years)} years {which} needs about {_gib(need)} of memory, "
            f"more than the {_gib(avail)} available")
    fit = max_paths(years, variables, avail, **kw)
    if fit == 0:
        raise RunTooLargeError(head + ": not even one path fits; free some memory")
    alternatives = []
    cells = None if variables is None else _cells(variable_names(variables))
    for label, alt in (("'core'", "core"), ("reserve_months alone", ["reserve_months"])):
        if cells is not None and _cells(variable_names(alt)) < cells:
            alternatives.append(f"{label}: {_round_down(max_paths(years, alt, avail, **kw)):,}")
    more = f" (keeping fewer variables fits more: {'; '.join(alternatives)})" if alternatives else ""
    raise RunTooLargeError(f"{head}: at most {_round_down(fit):,} paths fit{more}")


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
            assumption_quantile=0.9, variables=None, summary=False,
            chunk_size=DEFAULT_CHUNK) -> tuple[LoadedScenario, Compiled]:
    """Load, validate and compile a scenario (a built-in name, a path, a dict or a LoadedScenario).

    ``assumption_set`` (``"central"``, ``"low_cost"``, ``"high_cost"``) makes the run
    deterministic at that set (specification section 13; see :mod:`simulator.scenario.assumption_sets`).

    Before compiling, the memory is checked (:func:`check_memory`; :class:`RunTooLargeError`,
    which says how many paths fit): for the compiled draws, and with ``variables`` for the whole
    run keeping them (with ``summary``, also the summary ``fundsim run`` prints).
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
        loaded = dataclasses.replace(load_scenario(loaded.data, extra, base_dir=base), origin=loaded.origin,
                                     stack=loaded.stack)
    scn = loaded.scenario
    if assumption_set is not None:
        from .scenario.assumption_sets import assumption_set as make_set
        scn = make_set(scn, assumption_set, assumption_quantile)
    check_memory(scn.simulation.paths, len(scn.years), variables, chunk_size=chunk_size, rows=_parameter_rows(scn),
                 summary=summary)
    try:
        compiled = compile_scenario(scn, file=loaded.origin)
    except MemoryError:
        raise _out_of_memory(scn.simulation.paths, len(scn.years)) from None
    compiled.assumption_set = assumption_set
    return loaded, compiled


def run(scenario=None, *, paths=None, seed=None, horizon=None, overrides=(), threads=None,
        chunk_size=DEFAULT_CHUNK, progress=None, use_reference=False, check_finite=True,
        assumption_set=None, assumption_quantile=0.9, variables="all") -> xr.Dataset:
    """Run a scenario and return the results as an ``xarray.Dataset`` (specification section 14).

    Parameters
    ----------
    scenario : str, path, dict, list or LoadedScenario, optional
        Installed name (default ``"baseline"``; ``fundsim scenarios`` lists them), YAML file,
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
                               assumption_set=assumption_set, assumption_quantile=assumption_quantile,
                               variables=variables, chunk_size=chunk_size)
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
    names = variable_names(variables)
    if not use_reference:
        threads = check_threads(threads)
    check_memory(P, T, variables, chunk_size=chunk_size, rows=inp.sched.shape[0], compiled=True)
    scn = compiled.scenario
    rep_prev = scn.reported.previous_year
    prev_exp = [rep_prev.employee_pooled.expenditure.central, rep_prev.employee_accounts.expenditure.central,
                rep_prev.resident.expenditure.central]
    chunk_size = max(1, int(chunk_size))
    try:
        buf = np.empty((min(chunk_size, P), T, L.N_OUT))
    except MemoryError:
        raise _out_of_memory(P, T) from None
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
    except MemoryError:
        arrays.clear()
        raise _out_of_memory(P, T) from None
    finally:
        if old_threads is not None:
            import numba
            numba.set_num_threads(old_threads)
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


#: said when a result file name has another suffix than .nc
RESULT_SUFFIX_HINT = "; results are written as netCDF: write FILE.nc, then 'fundsim export FILE.nc -o FILE.csv' (or .xlsx, .parquet)"


def result_file_size(paths, years, variables="all") -> int:
    """Bytes of the netCDF file of a run (the kept variables, uncompressed, plus about 1 MB)."""
    return int(paths) * int(years) * _cells(variable_names(variables)) * 8 + 2**20


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
