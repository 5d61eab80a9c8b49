"""What a run may use (threads, memory) and which output variables it keeps, checked before it
starts: the limits behind ``fundsim run``'s exit code 2 for a run that cannot fit, and the errors
it raises. :mod:`simulator.api` re-exports every name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from . import layout as L
from .errors import EXIT_BAD_INPUT, SimulatorError
from .results import select_variables

#: paths per kernel call at most; bounds the kernel's buffer (about 24 KB per path) and gives progress steps
DEFAULT_CHUNK = 5000
#: bytes of one chunk's kernel outputs and derived variables (about 530 paths of 40 years, 70 of a
#: 16-region province): each chunk reuses the last one's memory, which stays small beside the kept
#: variables (fresh pages' first writes are slow on the development VM: a 16-region province spent
#: a third of its run on them; results do not depend on the chunking)
CHUNK_WORK_BYTES = 32 * 2**20
#: how the kept variables are stored: the projection is always computed in double precision;
#: "single" keeps its results as float32 (about 7 significant digits), half the memory and file
PRECISIONS = {"double": np.float64, "single": np.float32}


def kept_dtype(precision="double"):
    """The NumPy type the kept variables are stored in (:data:`PRECISIONS`); OptionError otherwise."""
    try:
        return PRECISIONS[precision]
    except (KeyError, TypeError):
        raise OptionError(f"precision: {precision!r} is not one of {', '.join(PRECISIONS)}") from None


def chunk_paths(chunk_size, years, regions=1) -> int:
    """Paths per kernel call: at most ``chunk_size``, and no more than fit one chunk's work (each
    of ``regions`` regions' kernel outputs and the derived variables) in :data:`CHUNK_WORK_BYTES`
    (at least 50)."""
    from .results import VARIABLES
    per_path = max(1, int(years)) * (max(1, int(regions)) * L.N_OUT + _cells(VARIABLES)) * 8
    return max(1, min(int(chunk_size), max(50, CHUNK_WORK_BYTES // per_path)))


def double_only(precision, option="precision") -> None:
    """OptionError unless ``precision`` is "double": a province keeps its results so (its entry sums
    the regions' values)."""
    if precision != "double":
        raise OptionError(f"{option}: a province's results are kept in double precision only")


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


@contextlib.contextmanager
def numba_threads(threads):
    """Run the block with numba's thread count set to ``threads`` (``None``: as it is), restored
    after; results do not depend on it (specification section 13)."""
    if threads is None:
        yield
        return
    import numba
    old = numba.get_num_threads()
    numba.set_num_threads(int(threads))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def variable_names(variables="all") -> tuple:
    """The variables to keep: ``"all"``, ``"core"``, one name or names; :class:`OptionError` for unknown names."""
    if isinstance(variables, str) and variables not in ("all", "core"):
        variables = [variables]
    if not isinstance(variables, str):
        names = [str(v) for v in variables]
        if not names:
            raise OptionError("variables: give at least one output variable (or 'all' or 'core')")
        from .results import VARIABLES
        from .errors import suggest
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
                    summary=False, regions=1, precision="double") -> int:
    """Bytes a run of ``paths`` x ``years`` (years including the base year) needs beyond what is in use.

    The kept variables (paths x years x numbers per path-year x 8 bytes, 4 with ``precision="single"``), one chunk's kernel
    buffer and derived variables, the compiled per-path draws (``rows`` parameter rows; left out
    with ``compiled=True``, when they exist already) and, with ``summary``, the working memory of
    the summary ``fundsim run`` prints; ``variables=None``: compiling only. Measured peaks are
    within about 10% below this.  A province of ``regions`` > 1 keeps every variable for each
    region and the province's own entry, and one chunk's buffer per region.
    """
    from .results import VARIABLES
    P, T = int(paths), int(years)
    rows = 140 if rows is None else int(rows)
    draws = 0 if compiled else P * (rows + 4) * 8
    if variables is None:  # compiling only
        return draws
    R = max(1, int(regions))
    chunk = min(chunk_paths(chunk_size, T, R), P)  # the paths per kernel call the run uses
    entries = R + 1 if R > 1 else 1
    kept = P * T * _cells(variable_names(variables)) * np.dtype(kept_dtype(precision)).itemsize * entries
    work = chunk * T * (R * L.N_OUT + _cells(VARIABLES)) * 8 + R * chunk * (rows + 1) * 8
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
                            + "; run fewer paths, keep fewer variables (variables 'core' or a list) or keep them in "
                            "single precision (precision 'single')")


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
    if variables is not None and kw.get("precision", "double") == "single":
        which += " in single precision"
    where = f" of {int(kw['regions'])} regions" if kw.get("regions", 1) > 1 else ""
    head = (f"a run{where} of {int(paths):,} paths x {int(years)} years {which} needs about {_gib(need)} of memory, "
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
    if variables is not None and kw.get("precision", "double") == "double":
        single = max_paths(years, variables, avail, **dict(kw, precision="single"))
        if single > fit:
            more += f"; in single precision (--precision single) {_round_down(single):,} fit"
    raise RunTooLargeError(f"{head}: at most {_round_down(fit):,} paths fit{more}")
