"""Scenario sweeps and one-at-a-time sensitivity, run on dask (issue 4).

A **sweep** runs many variants of a scenario with the same seed (common random numbers), so the
differences between variants are the policy, not Monte Carlo noise. A variant is a list of
``key.path=value`` overrides (the CLI's ``--set``) over a scenario; the variants are the Cartesian
product of

* the scenario files given (``scenarios=[...]``; one coordinate ``scenario_file``),
* grids: ``{"employee.employer_rate": [0.06, 0.07, 0.08]}`` or ``"0.06:0.10:0.01"`` (start, stop,
  step; the stop is included when the steps land on it),
* a Latin hypercube sample: ``sample=N`` rows over ``uniform={"key.path": (low, high)}``
  (:class:`scipy.stats.qmc.LatinHypercube` seeded with the sweep's seed).

Variant ``k`` equals ``simulator.run(scenario, overrides=set + its overrides, paths=, seed=,
horizon=)`` bit for bit, whatever the number of workers or threads.

**Execution.** Variants are grouped in blocks; each block is one dask task that runs its variants
with the numba kernel, one after the other, and writes them into a zarr store (format 2) that the
driver created before submitting anything. The store has the final layout from the start: one
array per variable with a ``scenario`` dimension chunked by block, so a task writes whole chunks
that no other task touches. Durability and resume:

1. the store is created in a temporary folder next to ``out`` and renamed into place, so ``out``
   is a complete store or absent;
2. zarr writes each chunk file to a temporary name and renames it, so no chunk file is ever
   truncated; a task fsyncs the block's chunk files, then records their SHA-256 in
   ``checksums/BLOCK.json`` (fsynced), and only then sets the block in the ``completed`` array
   (and fsyncs that); the files written with the store (metadata, coordinates) have their
   SHA-256 in ``checksums/store.json``;
3. rerunning the same sweep (same definition, checked by a SHA-256 of it) with the same ``out``
   runs only the blocks not marked completed, after verifying the ones it skips
   (:func:`check_store`): a completed block with a chunk file missing or not matching its
   checksum is run again (and said so on stderr); a store whose metadata is damaged is refused
   (``overwrite`` starts it again). A store written before checksums is verified by decoding
   every chunk. An interrupted block is simply run again: its values are deterministic, so a
   half-written block holds the same numbers it will hold.

A variant counts as finished when its block is marked completed; an interruption costs at most
the blocks that were running. Memory: the driver holds no results; a worker holds one block
(blocks are sized to about 16 MB of results, at least one variant).

**Schedulers.** ``scheduler=None`` (default): the dask ``distributed.Client`` of this session if
there is one (``distributed.default_client()``: a notebook that made ``Client(LocalCluster(...))``
or ``Client("tcp://...")`` runs its sweeps there, and the client is left open), else the scheduler
dask is configured with (``dask.config.get("scheduler-address")``, which ``DASK_SCHEDULER_ADDRESS``
also sets), else a ``distributed.LocalCluster`` of ``workers`` processes (default: one per core),
each running one task at a time with ``threads_per_worker`` numba threads (default: cores /
workers). Where progress is shown (a terminal, a notebook) the cluster's dashboard link is printed
when the sweep starts a cluster or uses one.
``"threads"``: the same in this process (one dask worker thread; numba uses the cores).
``"sync"``: no dask at all, tasks run in a loop here (debugging). Any other text is the address of
a running ``distributed`` scheduler (``tcp://host:8786``): its workers need this package at the
same version, and ``out`` and any scenario files on a filesystem they share. A process runs one
kernel at a time (a lock), so a worker with several dask threads still runs correctly.

**Sensitivity** (:func:`sensitivity`): the base scenario and each parameter at its low and its
high value, one at a time, all with the same seed; the result is a Dataset with ``low``, ``high``
and ``base`` over a ``parameter`` dimension (what :func:`simulator.plots.tornado` draws).

**Metrics** (:func:`parse_metric`, :func:`evaluate_metric`): a small language naming one number
per run, written ``NAME:SELECTOR:...``:

* ``VARIABLE[:LABEL...]:YEAR:STAT``: any output variable of a run, its labels (fund, scheme,
  line, in the variable's order), a year and a statistic over paths, e.g.
  ``reserve_months:employee_pooled:2035:median``, ``balance:pooled_combined:2040:mean``,
  ``employer_rate:2030:median``, ``medical_expenditure:employee:inpatient:end:p95``;
* ``exhaustion_probability:FUND:YEAR``: the share of paths whose balance went below zero in or
  before YEAR (``deficit_probability``: income below expenditure; ``operating_deficit_probability``:
  contributions below expenditure), as :func:`simulator.summarize` counts them;
* ``exhaustion_year:FUND:STAT`` (also ``deficit_year``, ``operating_deficit_year``): the year of
  the event over paths, "not within the horizon" counting as +inf;
* ``band_probability:FUND:YEAR:BAND``: the share of paths in a warning band (``below_0``, ``0_3``,
  ``3_6``, ``6_9``, ``9_15``, ``above_15``);
* ``breakeven:LEVER[:MONTHS[:PROBABILITY]]``: the level break-even value of a lever
  (:func:`simulator.breakeven.breakeven`; default 6 months in 90% of paths); sensitivity only.

YEAR is a calendar year or ``end`` (the last year). FUND is ``employee_pooled``, ``resident``,
``pooled_combined`` (both pooled funds) or, for plain variables, ``employee_accounts``. STAT is
``median``, ``mean``, ``sd``, ``min``, ``max``, ``pNN`` (a percentile: ``p5``, ``p95``, ``p2.5``) or
``prob<X``, ``prob<=X``, ``prob>X``, ``prob>=X`` (the share of paths; quote it in a shell).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, SimulatorError

__all__ = ["DEFAULT_METRICS", "MetricError", "SweepError", "check_store", "evaluate_metric", "format_sensitivity",
           "format_store_check", "format_sweep", "load_sweep_file", "open_sweep", "parse_metric", "plan_sweep",
           "sensitivity", "sweep"]

STORE_FORMAT = 1
#: aim for blocks of about this many bytes of results (at least one variant per block)
BLOCK_BYTES = 16 * 2**20
#: at least this many blocks when there are enough variants (load balancing)
MIN_BLOCKS = 16
SUMMARY_FUND_DIM = "pooled_fund"
DEFAULT_METRICS = ("reserve_months:employee_pooled:end:median", "exhaustion_probability:employee_pooled:end",
                   "reserve_months:resident:end:median", "exhaustion_probability:resident:end")
SWEEP_FILE_KEYS = ("scenario", "scenarios", "set", "grid", "sample", "uniform", "paths", "seed", "horizon",
                   "variables", "out", "variants_per_task", "workers", "threads_per_worker", "scheduler", "metrics")

# one kernel at a time per process: a dask worker with several threads must not start several
# parallel numba kernels at once
_KERNEL_LOCK = threading.Lock()


class SweepError(SimulatorError):
    """A sweep or sensitivity request that cannot be run (bad input: exit 2), or a variant that
    failed (exit code of its error)."""

    def __init__(self, message, exit_code=EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_code = exit_code

    def __reduce__(self):
        return (type(self), (str(self), self.exit_code))


class MetricError(SweepError):
    """A metric text that does not follow the metric language, or names what the data lacks."""


# ============================================================================ values and overrides


def _split_top(text: str) -> list[str]:
    """Split at commas outside brackets, braces and quotes: ``0.06,{2026: 0.0, 2027: 0.02}``."""
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE3 = re.compile(rf"^\s*({_NUM})\s*:\s*({_NUM})\s*:\s*({_NUM})\s*$")
_RANGE2 = re.compile(rf"^\s*({_NUM})\s*:\s*({_NUM})\s*$")


def _fmt_float(v: float) -> str:
    """Shortest text that reads back as the same float in YAML 1.2 (``1e-05`` -> ``1.0e-05``)."""
    v = float(v)
    if not math.isfinite(v):
        raise SweepError(f"a swept value must be finite, got {v}")
    s = repr(v)
    if "e" in s and "." not in s.split("e")[0]:
        m, e = s.split("e")
        s = f"{m}.0e{e}"
    return s


def _flow(v) -> str:
    """A Python value as YAML flow text (what ``--set key=VALUE`` takes)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _fmt_float(v)
    if isinstance(v, str):
        try:
            if _yaml_value(v) == v and not any(c in v for c in ",:{}[]#&*!|>'\"%@`"):
                return v
        except SimulatorError:
            pass
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    raise SweepError(f"cannot write {v!r} ({type(v).__name__}) as a scenario value")


def _yaml_value(text: str):
    from .scenario.loader import parse_override
    return parse_override(f"x={text}")[1]


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _range_values(text: str, what: str) -> list[float] | None:
    """``start:stop:step`` -> the values (stop included when a step lands on it), else None."""
    m = _RANGE3.match(text)
    if not m:
        return None
    start, stop, step = (float(x) for x in m.groups())
    if step == 0 or (stop - start) * step < 0:
        raise SweepError(f"{what}: the range {text!r} has no values (step {step:g} from {start:g} towards {stop:g})")
    n = math.floor((stop - start) / step + 1e-9) + 1
    if n > 100_000:
        raise SweepError(f"{what}: the range {text!r} has {n} values; at most 100,000")
    # each value from the start (no accumulated error), rounded to 12 significant digits so that
    # 0.06 + 3 * 0.01 is written 0.09
    return [float(f"{start + k * step:.12g}") for k in range(n)]


@dataclass(frozen=True)
class _Axis:
    """One swept key: its override texts and coordinate values."""

    key: str
    texts: tuple
    values: tuple


def _grid_axis(key: str, spec) -> _Axis:
    what = f"grid {key}"
    if isinstance(spec, str):
        rng = _range_values(spec, what)
        if rng is not None:
            return _Axis(key, tuple(_fmt_float(v) for v in rng), tuple(rng))
        if _RANGE2.match(spec) and "," not in spec:
            raise SweepError(f"{what}: {spec!r} is a range without a step; write START:STOP:STEP or V1,V2,...")
        items = [t for t in _split_top(spec)]
        if any(not t for t in items):
            raise SweepError(f"{what}: an empty value in {spec!r}")
        texts = items
        values = [_yaml_value(t) for t in texts]
    elif isinstance(spec, (list, tuple)):
        if not spec:
            raise SweepError(f"{what}: no values")
        texts, values = [], []
        for v in spec:
            if isinstance(v, str):  # YAML text, as on the command line
                texts.append(v.strip())
                values.append(_yaml_value(v))
            else:
                texts.append(_flow(v))
                values.append(v)
    else:
        raise SweepError(f"{what}: give a list of values, 'V1,V2,...' or 'START:STOP:STEP', got {spec!r}")
    if len(set(texts)) != len(texts):
        dup = next(t for t in texts if texts.count(t) > 1)
        raise SweepError(f"{what}: the value {dup} is listed twice")
    return _Axis(key, tuple(texts), tuple(values))


def _pair(key: str, spec, what: str) -> tuple:
    """``low:high`` (numbers), ``[low, high]`` or ``'V1,V2'`` (YAML texts) -> ((text, value), (text, value))."""
    if isinstance(spec, str):
        m = _RANGE2.match(spec)
        if m:
            lo, hi = (float(x) for x in m.groups())
            return (_fmt_float(lo), lo), (_fmt_float(hi), hi)
        items = _split_top(spec)
        if len(items) != 2 or not all(items):
            raise SweepError(f"{what} {key}: give LOW:HIGH (numbers) or LOW,HIGH (scenario values), got {spec!r}")
        return tuple((t, _yaml_value(t)) for t in items)
    if isinstance(spec, (list, tuple)) and len(spec) == 2:
        return tuple((v.strip(), _yaml_value(v)) if isinstance(v, str) else (_flow(v), v) for v in spec)
    raise SweepError(f"{what} {key}: give (low, high), got {spec!r}")


def _parse_assignments(items, what: str) -> dict:
    """``["key.path=spec", ...]`` (the CLI's repeated options) -> {key: spec}, in order."""
    out = {}
    for text in items:
        if "=" not in text:
            raise SweepError(f"{what}: expected KEY.PATH=VALUES, got {text!r}")
        key, spec = text.split("=", 1)
        key = key.strip()
        if not key:
            raise SweepError(f"{what}: no key path before '=' in {text!r}")
        if key in out:
            raise SweepError(f"{what}: {key} is given twice")
        out[key] = spec.strip()
    return out


# ============================================================================ the plan


@dataclass(frozen=True)
class Variant:
    scenario_index: int
    overrides: tuple
    label: str


@dataclass
class SweepPlan:
    """A validated sweep: what runs, and the definition whose hash identifies a store."""

    scenarios: list            # references as the workers load them (built-in names, absolute paths)
    scenario_labels: list      # as the user gave them
    scenario_hashes: list
    scenario_name: str
    fixed: tuple               # --set overrides for every variant (plus paths, seed, horizon)
    keys: list                 # swept keys (coordinate names)
    coords: dict               # key -> values per variant
    variants: list
    paths: int
    seed: int
    horizon: int
    base_year: int
    variables: tuple           # run variables kept
    definition: dict = field(default_factory=dict)

    @property
    def years(self):
        return np.arange(self.base_year, self.base_year + self.horizon + 1)

    @property
    def sha256(self) -> str:
        text = json.dumps({"definition": self.definition, "variants": [[v.scenario_index, list(v.overrides)]
                                                                        for v in self.variants],
                           "scenario_sha256": self.scenario_hashes, "variables": list(self.variables),
                           "software_version": __version__, "store_format": STORE_FORMAT},
                          sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _scenario_ref(ref) -> tuple[str, str]:
    """(reference for the workers, label): built-in names stay, files become absolute paths."""
    from .scenario.loader import list_builtin_scenarios

    if ref is None:
        return "baseline", "baseline"
    ref = str(ref)
    if ref in list_builtin_scenarios() and not Path(ref).is_file():
        return ref, ref
    p = Path(ref).expanduser()
    if p.is_file():
        return str(p.resolve()), ref
    if "+" in ref:
        # a stack (baseline+a.yaml+b.yaml): each file element made absolute, so that workers in
        # another folder (a remote cluster) load the same files
        parts = [_scenario_ref(part)[0] for part in ref.split("+")]
        return "+".join(parts), ref
    return ref, ref  # the loader says what is wrong with it


def _kept_variables(variables) -> tuple:
    from .results import select_variables

    if variables is None or variables == "all":
        return select_variables("all")
    if variables in ("none", (), []):
        return ()
    if isinstance(variables, str):
        if variables == "core":
            return select_variables("core")
        variables = [v.strip() for v in variables.split(",") if v.strip()]
    try:
        return select_variables(list(variables))
    except SimulatorError as e:
        raise SweepError(f"variables: {e}") from None


def plan_sweep(scenario=None, *, grid=None, sample=None, uniform=None, overrides=(), paths=None, seed=None,
               horizon=None, variables="all") -> SweepPlan:
    """Validate a sweep definition and list its variants (see :func:`sweep` for the arguments).

    Each swept value is checked against the first scenario on the spot (every non-numeric value,
    and the smallest and largest numbers of each key), so that a typo stops the sweep before it
    starts, with the loader's message naming the key.
    """
    from .scenario import load_scenario

    refs = scenario if isinstance(scenario, (list, tuple)) else [scenario]
    if not refs:
        refs = [None]
    resolved = [_scenario_ref(r) for r in refs]
    if len({r for r, _ in resolved}) != len(resolved):
        raise SweepError("a scenario is listed twice")
    fixed = tuple(overrides or ())
    extra = tuple(f"{k}={v}" for k, v in (("simulation.paths", paths), ("simulation.seed", seed), ("horizon", horizon))
                  if v is not None)
    loaded = [load_scenario(r, fixed + extra) for r, _ in resolved]
    first = loaded[0].scenario
    for (r, label), ls in zip(resolved[1:], loaded[1:]):
        s = ls.scenario
        for what, a, b in (("base year", first.base_year, s.base_year), ("horizon", first.horizon, s.horizon),
                           ("paths", first.simulation.paths, s.simulation.paths)):
            if a != b:
                raise SweepError(f"the scenarios of a sweep must share the {what}: {resolved[0][1]} has {a}, "
                                 f"{label} has {b}" + ("; pass --paths" if what == "paths" else "")
                                 + ("; pass --horizon" if what == "horizon" else ""))
        if s.simulation.seed != first.simulation.seed:
            raise SweepError(f"the scenarios have different seeds ({resolved[0][1]}: {first.simulation.seed}, "
                             f"{label}: {s.simulation.seed}); pass --seed so that every variant shares the "
                             "same random numbers")
    # paths, seed and horizon go into every variant's overrides: the variant is then exactly the
    # scenario simulator.run(paths=, seed=, horizon=) resolves
    P, S, H = int(first.simulation.paths), int(first.simulation.seed), int(first.horizon)
    fixed_all = fixed + (f"simulation.paths={P}", f"simulation.seed={S}", f"horizon={H}")

    axes = [_grid_axis(k, v) for k, v in (grid or {}).items()]
    if uniform and not sample:
        raise SweepError("--uniform needs --sample N (the number of Latin hypercube points)")
    if sample and not uniform:
        raise SweepError("--sample needs at least one --uniform KEY.PATH=LOW:HIGH")
    lhs_keys, lhs_rows = [], []
    if sample:
        bounds = []
        for key, spec in uniform.items():
            (_, lo), (_, hi) = _pair(key, spec, "uniform")
            if not (_is_number(lo) and _is_number(hi)) or not lo < hi:
                raise SweepError(f"uniform {key}: give LOW:HIGH with numbers, LOW < HIGH; got {spec!r}")
            bounds.append((float(lo), float(hi)))
            lhs_keys.append(key)
        from scipy.stats import qmc
        try:
            sampler = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(S))
        except TypeError:  # scipy < 1.15
            sampler = qmc.LatinHypercube(d=len(bounds), seed=np.random.default_rng(S))
        u = sampler.random(int(sample))
        lo = np.array([b[0] for b in bounds])
        hi = np.array([b[1] for b in bounds])
        lhs_rows = (lo + u * (hi - lo)).tolist()
    keys = [a.key for a in axes] + lhs_keys
    if len(set(keys)) != len(keys):
        raise SweepError(f"{next(k for k in keys if keys.count(k) > 1)} is swept twice (in --grid and --uniform)")
    fixed_keys = {o.split("=", 1)[0].strip() for o in fixed}
    both = [k for k in keys if k in fixed_keys]
    if both:
        raise SweepError(f"{both[0]} is both swept and set with --set")
    if not keys and len(resolved) == 1:
        raise SweepError("nothing to sweep: give --grid KEY.PATH=V1,V2,..., --sample N with --uniform "
                         "KEY.PATH=LOW:HIGH, or several scenario files")

    # check the values against the first scenario: each non-numeric one, the extremes of numbers
    def check(key, texts_values):
        nums = [(v, t) for t, v in texts_values if _is_number(v)]
        probe = [t for t, v in texts_values if not _is_number(v)]
        if nums:
            probe += [min(nums)[1], max(nums)[1]]
        for t in dict.fromkeys(probe):
            load_scenario(resolved[0][0], fixed_all + (f"{key}={t}",))

    for a in axes:
        check(a.key, list(zip(a.texts, a.values)))
    for j, key in enumerate(lhs_keys):
        col = [r[j] for r in lhs_rows]
        check(key, [(_fmt_float(min(col)), min(col)), (_fmt_float(max(col)), max(col))])

    multi = len(resolved) > 1
    variants, coords = [], {k: [] for k in keys}
    if multi:
        coords = {"scenario_file": [], **coords}
    grid_points = list(itertools.product(*[list(zip(a.texts, a.values)) for a in axes])) or [()]
    lhs_points = [[(_fmt_float(x), x) for x in row] for row in lhs_rows] or [()]
    for si, (_, label) in enumerate(resolved):
        for gp in grid_points:
            for lp in lhs_points:
                pairs = list(zip(keys, list(gp) + list(lp)))
                ovs = tuple(f"{k}={t}" for k, (t, _) in pairs)
                parts = ([f"file={label}"] if multi else []) + [f"{k}={t}" for k, (t, _) in pairs]
                variants.append(Variant(si, fixed_all + ovs, "; ".join(parts)))
                if multi:
                    coords["scenario_file"].append(label)
                for k, (_, v) in pairs:
                    coords[k].append(v)
    labels = [v.label for v in variants]
    if len(set(labels)) != len(labels):
        raise SweepError(f"the variant {next(x for x in labels if labels.count(x) > 1)} occurs twice")
    for k, vals in coords.items():
        if all(_is_number(v) for v in vals):
            coords[k] = np.asarray(vals, dtype=np.int64 if all(isinstance(v, (int, np.integer)) for v in vals)
                                   else np.float64)
        else:
            by_text = {}
            for var_ in variants:
                for o in var_.overrides:
                    kk, t = o.split("=", 1)
                    if kk == k:
                        by_text.setdefault(var_.label, t)
            coords[k] = np.asarray([by_text.get(v.label, str(x)) if k != "scenario_file" else str(x)
                                    for v, x in zip(variants, vals)], dtype=str)
    definition = {"scenarios": [lab for _, lab in resolved], "set": list(fixed), "paths": P, "seed": S,
                  "horizon": H, "grid": {a.key: list(a.texts) for a in axes},
                  "sample": int(sample) if sample else None,
                  "uniform": {k: [_fmt_float(b[0]), _fmt_float(b[1])] for k, b in zip(lhs_keys, bounds)} if sample else {},
                  "sample_seed": S if sample else None}
    return SweepPlan(scenarios=[r for r, _ in resolved], scenario_labels=[lab for _, lab in resolved],
                     scenario_hashes=[ls.hash for ls in loaded], scenario_name=first.name if not multi else
                     " / ".join(ls.scenario.name for ls in loaded), fixed=fixed_all, keys=list(coords), coords=coords,
                     variants=variants, paths=P, seed=S, horizon=H, base_year=int(first.base_year),
                     variables=_kept_variables(variables), definition=definition)


# ============================================================================ sweep files


def load_sweep_file(path) -> dict:
    """Read a YAML sweep file: a top-level ``sweep:`` mapping with the keys of :func:`sweep`
    (``scenario`` or ``scenarios``, ``set``, ``grid``, ``sample``, ``uniform``, ``paths``, ``seed``,
    ``horizon``, ``variables``, ``out``, ``variants_per_task``, ``workers``,
    ``threads_per_worker``, ``scheduler``, ``metrics``). Scenario files and ``out`` are relative to
    the sweep file's folder. Returns the keyword arguments for :func:`sweep`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from .scenario.loader import list_builtin_scenarios
    from .scenario.values import suggest

    path = Path(path)
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SweepError(f"{path}: cannot read the sweep file: {e.strerror or e}") from None
    except YAMLError as e:
        raise SweepError(f"{path}: not valid YAML: {(getattr(e, 'problem', None) or str(e)).strip()}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sweep"), dict):
        raise SweepError(f"{path}: a sweep file is a mapping with a 'sweep:' block")
    others = [k for k in data if k != "sweep"]
    if others:
        raise SweepError(f"{path}: unknown top-level key '{others[0]}' (a sweep file holds only 'sweep:')")
    s = dict(data["sweep"])
    for k in s:
        if k not in SWEEP_FILE_KEYS:
            raise SweepError(f"{path}: sweep.{k}: unknown key{suggest(k, SWEEP_FILE_KEYS)}")
    if "scenario" in s and "scenarios" in s:
        raise SweepError(f"{path}: give sweep.scenario or sweep.scenarios, not both")
    base = path.parent
    refs = s.pop("scenarios", None) or s.pop("scenario", None) or "baseline"
    refs = refs if isinstance(refs, list) else [refs]

    def rel(r):
        r = str(r)
        if r in list_builtin_scenarios() and not (base / r).is_file():
            return r
        return str(base / r) if not Path(r).is_absolute() else r

    out = {"scenario": [rel(r) for r in refs]}
    for k in ("grid", "uniform"):
        if k in s:
            if not isinstance(s[k], dict):
                raise SweepError(f"{path}: sweep.{k} must map key paths to values")
            out[k] = {str(kk): (str(v) if isinstance(v, (int, float)) and k == "grid" else v)
                      for kk, v in s.pop(k).items()}
    if "set" in s:
        st = s.pop("set")
        if isinstance(st, dict):
            st = [f"{k}={_flow(v)}" for k, v in st.items()]
        if not isinstance(st, list):
            raise SweepError(f"{path}: sweep.set must be a list of 'key.path=value' texts or a mapping")
        out["overrides"] = [str(x) for x in st]
    if "out" in s:
        o = Path(str(s.pop("out")))
        out["out"] = str(o if o.is_absolute() else base / o)
    if "metrics" in s:
        m = s.pop("metrics")
        out["metrics"] = [str(x) for x in (m if isinstance(m, list) else [m])]
    for k, v in s.items():
        out[k] = v
    return out


def is_sweep_file(path) -> bool:
    """True when ``path`` is a YAML file whose top level has a ``sweep:`` key."""
    p = Path(str(path))
    if not p.is_file() or p.suffix.lower() not in (".yaml", ".yml"):
        return False
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError):  # a scenario file with a problem: the loader reports it
        return False
    return isinstance(data, dict) and "sweep" in data


# ============================================================================ the store


def _template(plan: SweepPlan, block: int) -> xr.Dataset:
    """The sweep Dataset with lazy (never computed) data: the store's layout and attributes."""
    import dask.array as da

    from .data import data_versions
    from .results import CORE, VARIABLES, assemble
    from .summary import summarize

    T = plan.horizon + 1
    years = plan.years
    shapes = {"path": 2, "year": T, "fund": 3, "scheme": 2, "line": 3}
    names = tuple(dict.fromkeys(CORE + plan.variables))
    fake = {n: np.zeros(tuple(shapes[d] for d in VARIABLES[n].dims)) for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = assemble(fake, years, np.arange(2), {})
        summ = summarize(run).rename(fund=SUMMARY_FUND_DIM)
    N = len(plan.variants)
    coords = {"scenario": ("scenario", np.asarray([v.label for v in plan.variants], dtype=str),
                           {"long_name": "variant: its swept values"}),
              "path": ("path", np.arange(plan.paths, dtype=np.int64), run["path"].attrs),
              "year": ("year", years, run["year"].attrs)}
    for k, vals in plan.coords.items():
        coords[k] = ("scenario", vals, {"long_name": f"swept value of {k}" if k != "scenario_file" else "scenario file"})
    ds = xr.Dataset(coords=coords)
    for n in plan.variables:
        v = run[n]
        shape = (N, plan.paths) + v.shape[1:]
        ds[n] = (("scenario",) + v.dims, da.zeros(shape, chunks=(block,) + shape[1:]), v.attrs)
    for n in summ.data_vars:
        v = summ[n]
        ds[n] = (("scenario",) + v.dims, da.zeros((N,) + v.shape, chunks=(block,) + v.shape), v.attrs)
    ds["completed"] = ("scenario", da.zeros(N, dtype=bool, chunks=block),
                       {"long_name": "the variant's results are in the store"})
    ds["scenario_sha256"] = ("scenario", da.zeros(N, dtype="<U64", chunks=block),
                             {"long_name": "SHA-256 of the variant's resolved scenario (as a run's scenario_sha256)"})
    ds["run_seconds"] = ("scenario", da.zeros(N, chunks=block),
                         {"units": "s", "long_name": "wall time of the variant on its worker"})
    ds = ds.assign_coords({c: summ[c].astype(str) if summ[c].dtype.kind in "OT" else summ[c]
                           for c in summ.coords if c not in ("year",)})
    ds = ds.assign_coords({c: run[c] for c in ("fund", "scheme", "line") if c in run.coords})
    ds.attrs = {"title": f"fundsim sweep of {plan.scenario_name}", "scenario_name": plan.scenario_name,
                "seed": plan.seed, "paths": plan.paths, "base_year": plan.base_year, "horizon": plan.horizon,
                "variants": N, "swept_keys": json.dumps(plan.keys), "software_version": __version__,
                "data_versions": json.dumps(data_versions(), sort_keys=True),
                "sweep_definition": json.dumps(plan.definition, sort_keys=True),
                "sweep_sha256": plan.sha256, "variants_per_task": int(block), "store_format": STORE_FORMAT,
                "checksums": CHECKSUMS_ATTR,
                "conventions": "a variant equals fundsim run with its overrides and the same seed; summaries over "
                               f"paths have the dimension {SUMMARY_FUND_DIM} (pooled funds and their combination)"}
    return ds


def _fsync(path, directory=False):
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root):
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            _fsync(os.path.join(dirpath, f))
        _fsync(dirpath, directory=True)


def _remove_store(path: Path):
    """Move a store aside (atomic), then delete it."""
    trash = path.parent / f".{path.name}.removing-{secrets.token_hex(4)}"
    os.replace(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _read_store_attrs(path: Path) -> dict | None:
    """The store's attributes when they identify a fundsim sweep store (``sweep_sha256``), else
    None: from ``.zattrs``, or from the copy in ``.zmetadata`` when ``.zattrs`` is damaged (the
    store is then recognised, and :func:`check_store` reports the damage)."""
    za, _ = _read_json(path / ".zattrs")
    if isinstance(za, dict) and "sweep_sha256" in za:
        return za
    zm, _ = _read_json(path / ".zmetadata")
    a = zm.get("metadata", {}).get(".zattrs") if isinstance(zm, dict) and isinstance(zm.get("metadata"), dict) else None
    return a if isinstance(a, dict) and "sweep_sha256" in a else None


# ---------------------------------------------------------------------------- checksums
#
# A store records the SHA-256 of its files in the group ``checksums`` (xarray ignores it):
# ``checksums/store.json`` holds every file the driver wrote when it created the store (metadata
# and coordinates; nothing changes them afterwards), and ``checksums/BLOCK.json`` the chunk files
# of a block, written by its task after the chunks are fsynced and before the block is marked in
# ``completed``. Resuming checks both; so does ``fundsim sweep --verify``. A store written before
# checksums (no ``checksums`` attribute) is checked by decoding its chunks instead.

CHECKSUM_GROUP = "checksums"
CHECKSUMS_ATTR = ("sha256 of each file: checksums/store.json (written with the store), checksums/BLOCK.json "
                  "(each block's chunks, written before the block is marked completed)")


def _read_json(path: Path):
    """(value, None), or (None, what is wrong: missing, unreadable, not JSON)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "is missing"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError):
        return None, "is not valid JSON"


def _sha256_file(path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            size += len(b)
            h.update(b)
    return size, h.hexdigest()


def _write_json_durably(path: Path, data):
    """Write a small JSON file atomically (temporary name, fsync, rename, fsync the folder)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync(path.parent, directory=True)


def _checksum_dir(root: Path) -> Path:
    d = root / CHECKSUM_GROUP
    if not (d / ".zgroup").is_file():  # a zarr group, so that zarr's listings know what it is
        d.mkdir(exist_ok=True)
        _write_json_durably(d / ".zgroup", {"zarr_format": 2})
    return d


def _chunk_keys(zarray: dict, block: int) -> list[str]:
    """The chunk keys (file names) of scenario block ``block`` in a format-2 array (``.zarray``)."""
    shape, chunks = list(zarray["shape"]), list(zarray["chunks"])
    sep = zarray.get("dimension_separator") or "."
    rest = [range(math.ceil(s / c)) if s else range(0) for s, c in zip(shape[1:], chunks[1:])]
    return [sep.join(str(i) for i in (block,) + idx) for idx in itertools.product(*rest)]


def _rel_files(root: Path) -> list[str]:
    out = []
    for dirpath, _d, files in os.walk(root):
        for f in files:
            out.append(Path(dirpath, f).relative_to(root).as_posix())
    return sorted(out)


def _variant_ranges(pairs) -> str:
    """``[(0, 3), (3, 4), (7, 8)]`` (start, stop) -> ``'variants 0-3, 7'``."""
    merged = []
    for start, stop in sorted(pairs):
        if merged and merged[-1][1] == start:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    n = sum(b - a for a, b in merged)
    parts = [str(a) if b - a == 1 else f"{a}-{b - 1}" for a, b in merged]
    return ("variant " if n == 1 else "variants ") + ", ".join(parts)


def _blocks_text(n: int) -> str:
    return f"{n} block{'s' if n != 1 else ''}"


@dataclass
class BlockCheck:
    """What :func:`check_store` found for one block: ``verified``, ``damaged`` or ``not run``."""

    block: int
    start: int
    stop: int
    state: str
    reason: str = ""

    @property
    def variants(self) -> str:
        return _variant_ranges([(self.start, self.stop)])


@dataclass
class StoreCheck:
    """The result of :func:`check_store`."""

    path: str
    is_store: bool = False
    problem: str = ""          # not a store: why; a store: damage to the store as a whole (metadata)
    checksums: bool = False    # checksums recorded (False: an older store, checked by decoding)
    scenario_name: str = ""
    variants: int = 0
    variants_per_task: int = 0
    blocks: list = field(default_factory=list)

    def _state(self, s):
        return [b for b in self.blocks if b.state == s]

    @property
    def verified(self) -> list:
        return self._state("verified")

    @property
    def damaged(self) -> list:
        return self._state("damaged")

    @property
    def not_run(self) -> list:
        return self._state("not run")

    @property
    def ok(self) -> bool:
        """Nothing is damaged (blocks not yet run are not damage: the sweep finishes them)."""
        return self.is_store and not self.problem and not self.damaged

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else (EXIT_BAD_INPUT if not self.is_store else EXIT_FAILURE)


def _store_metadata(path: Path, chk: StoreCheck):
    """Check the store's metadata (and, with checksums, every file written at creation); returns
    the consolidated metadata (``{key: value}``) or None. Problems go to ``chk.problem``."""
    problems = []
    za, p = _read_json(path / ".zattrs")
    if p:
        problems.append(f".zattrs {p}")
    elif not isinstance(za, dict) or "sweep_sha256" not in za:
        problems.append(".zattrs does not hold the sweep's attributes")
    zg, p = _read_json(path / ".zgroup")
    if p:
        problems.append(f".zgroup {p}")
    elif not (isinstance(zg, dict) and zg.get("zarr_format") == 2):
        problems.append(".zgroup is not the metadata of a zarr format 2 group")
    zm, p = _read_json(path / ".zmetadata")
    meta = zm.get("metadata") if isinstance(zm, dict) else None
    if p:
        problems.append(f".zmetadata {p}")
    elif not isinstance(meta, dict) or not isinstance(meta.get("completed/.zarray"), dict):
        problems.append(".zmetadata is not the consolidated metadata of a sweep store")
        meta = None
    named = {q.split(" ", 1)[0] for q in problems}
    record = path / CHECKSUM_GROUP / "store.json"
    if record.is_file() or chk.checksums:
        rec, p = _read_json(record)
        files = rec.get("files") if isinstance(rec, dict) else None
        if p or not isinstance(files, dict):
            problems.append(f"{CHECKSUM_GROUP}/store.json (the checksums of the store's metadata) "
                            f"{p or 'is not a checksum record'}")
        else:
            for rel, (size, digest) in sorted(files.items()):
                if rel in named:
                    continue
                f = path / rel
                if not f.is_file():
                    problems.append(f"{rel} is missing")
                elif _sha256_file(f) != (size, digest):
                    problems.append(f"{rel} has changed since the store was created")
    else:  # an older store: at least every metadata file must parse
        for f in sorted(path.glob("*/.zarray")) + sorted(path.glob("*/.zattrs")):
            _, p = _read_json(f)
            if p:
                problems.append(f"{f.relative_to(path).as_posix()} {p}")
    if meta is not None and not problems:
        try:
            N, B = int(chk.variants), int(chk.variants_per_task)
            shape = meta["completed/.zarray"]["shape"]
            if N < 1 or B < 1 or list(shape) != [N]:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append("the attributes 'variants' and 'variants_per_task' do not match the array 'completed'")
    if problems:
        chk.problem = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        return None
    return meta


def _block_arrays(meta: dict, attrs: dict) -> dict:
    """{name: .zarray} of the arrays a block's task writes: those along ``scenario`` but the
    coordinates (``scenario`` and the swept keys) and ``completed``."""
    try:
        coords = set(json.loads(attrs.get("swept_keys", "[]")))
    except (TypeError, ValueError):
        coords = set()
    coords |= {"scenario", "scenario_file", "completed"}
    out = {}
    for key, za in meta.items():
        if not key.endswith("/.zarray"):
            continue
        name = key[: -len("/.zarray")]
        dims = (meta.get(f"{name}/.zattrs") or {}).get("_ARRAY_DIMENSIONS") or []
        if dims and dims[0] == "scenario" and name not in coords:
            out[name] = za
    return out


def _check_block(path: Path, g, meta: dict, arrays: dict, chk: StoreCheck, b: int, start: int,
                 stop: int) -> BlockCheck:
    flag = f"completed/{_chunk_keys(meta['completed/.zarray'], b)[0]}"
    if not (path / flag).is_file():
        return BlockCheck(b, start, stop, "not run")
    try:
        flags = np.asarray(g["completed"][start:stop], dtype=bool)
    except Exception as e:  # a damaged chunk: zarr or its codec says so in its own words
        return BlockCheck(b, start, stop, "damaged", f"its completion flag {flag} does not decode ({type(e).__name__})")
    if not flags.all():
        return BlockCheck(b, start, stop, "not run")
    problems = []
    record = path / CHECKSUM_GROUP / f"{b}.json"
    if record.is_file() or chk.checksums:
        rec, p = _read_json(record)
        files = rec.get("chunks") if isinstance(rec, dict) else None
        if p or not isinstance(files, dict) or (rec.get("start"), rec.get("stop")) != (start, stop):
            why = p or ("is not a checksum record" if not isinstance(files, dict) else
                        f"is for variants {rec.get('start')}-{rec.get('stop')}")
            return BlockCheck(b, start, stop, "damaged", f"its checksum record {CHECKSUM_GROUP}/{b}.json {why}")
        for name, za in arrays.items():
            for key in _chunk_keys(za, b):
                rel = f"{name}/{key}"
                f = path / rel
                if rel not in files:
                    problems.append(f"{rel} has no checksum in {CHECKSUM_GROUP}/{b}.json")
                elif not f.is_file():
                    problems.append(f"{rel} is missing")
                else:
                    size, digest = _sha256_file(f)
                    if size != files[rel][0]:
                        problems.append(f"{rel} has {size:,} bytes, {files[rel][0]:,} were written")
                    elif digest != files[rel][1]:
                        problems.append(f"{rel} does not match its SHA-256 checksum")
    else:  # an older store: every chunk must exist and decode
        for name, za in arrays.items():
            missing = [k for k in _chunk_keys(za, b) if not (path / name / k).is_file()]
            if missing:
                problems.append(f"{name}/{missing[0]} is missing")
                continue
            try:
                g[name][start:stop]
            except Exception as e:  # as above: the codec's own error
                problems.append(f"{name}/{_chunk_keys(za, b)[0]} does not decode ({type(e).__name__})")
    if problems:
        reason = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        return BlockCheck(b, start, stop, "damaged", reason)
    return BlockCheck(b, start, stop, "verified")


def check_store(path) -> StoreCheck:
    """Check a sweep store without running anything (``fundsim sweep --verify``).

    Every block marked completed is verified: each of its chunk files must exist and match the
    SHA-256 recorded when its task finished (in a store written before checksums: exist and
    decode). The store's metadata must parse (and match its checksums). Returns a
    :class:`StoreCheck`: ``is_store``, ``problem`` (the store as a whole), ``blocks`` (each
    ``verified``, ``damaged`` with a ``reason``, or ``not run``), ``ok`` and ``exit_code``
    (0 nothing damaged, 1 damaged, 2 not a sweep store).
    """
    import concurrent.futures

    import zarr

    path = Path(path).expanduser()
    chk = StoreCheck(str(path))
    if not path.exists():
        chk.problem = "it does not exist"
        return chk
    if not path.is_dir():
        chk.problem = "it is a file; a sweep store is a folder"
        return chk
    attrs = _read_store_attrs(path)
    if attrs is None:
        chk.problem = f"no sweep attributes: .zattrs {_read_json(path / '.zattrs')[1] or 'holds no sweep definition'}"
        return chk
    chk.is_store = True
    chk.checksums = bool(attrs.get("checksums"))
    chk.scenario_name = str(attrs.get("scenario_name", "?"))
    try:
        chk.variants, chk.variants_per_task = int(attrs.get("variants")), int(attrs.get("variants_per_task"))
    except (TypeError, ValueError):
        pass
    meta = _store_metadata(path, chk)
    if meta is None:
        return chk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = zarr.open_group(str(path), mode="r")
            if not chk.checksums:  # an older store: the coordinates written at creation must decode
                arrays = _block_arrays(meta, attrs)
                for key in meta:
                    name = key[: -len("/.zarray")] if key.endswith("/.zarray") else None
                    if name and name not in arrays and name != "completed":
                        g[name][...]
    except Exception as e:  # zarr's or the codec's own error: name it, and the array
        chk.problem = f"the store does not open ({type(e).__name__}: {e})"
        return chk
    arrays = _block_arrays(meta, attrs)
    N, B = chk.variants, chk.variants_per_task
    jobs = [(b, start, min(N, start + B)) for b, start in enumerate(range(0, N, B))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(4, _cores()))) as pool:
            chk.blocks = list(pool.map(lambda j: _check_block(path, g, meta, arrays, chk, *j), jobs))
    return chk


def format_store_check(chk: StoreCheck) -> str:
    """The report ``fundsim sweep --verify`` prints."""
    if not chk.is_store:
        return f"{chk.path} is not a fundsim sweep store ({chk.problem})"
    head = f"{chk.path}: fundsim sweep store of {chk.scenario_name}"
    if chk.problem:
        return (f"{head}, damaged: {chk.problem}\n  its blocks were not checked; the store cannot be resumed: run the "
                "sweep with --overwrite to start it again")
    n = len(chk.blocks)
    lines = [f"{head}: {chk.variants:,} variants in {_blocks_text(n)} of {chk.variants_per_task}",
             "  checksums: the SHA-256 of every chunk file, recorded with each block's completion" if chk.checksums
             else "  checksums are absent (a store written by an older fundsim): completed blocks were checked by "
                  "decoding every chunk"]
    v, d, r = chk.verified, chk.damaged, chk.not_run
    if v:
        lines.append(f"  {_blocks_text(len(v))} complete and verified ({_variant_ranges([(b.start, b.stop) for b in v])})")
    if d:
        lines.append(f"  {_blocks_text(len(d))} damaged:")
        lines += [f"    block {b.block} ({b.variants}): {b.reason}" for b in d]
    if r:
        lines.append(f"  {_blocks_text(len(r))} not yet run ({_variant_ranges([(b.start, b.stop) for b in r])})")
    if d:
        lines.append(f"damaged: {_blocks_text(len(d))}; run the same sweep again to redo "
                     f"{'it' if len(d) == 1 else 'them'} (the verified blocks are kept)")
    elif r:
        lines.append("whole: nothing is damaged; run the same sweep again to finish it")
    else:
        lines.append("whole: every block is complete and verified")
    return "\n".join(lines)


def _reset_blocks(root: Path, blocks):
    """Mark blocks as not run (remove their completion flags and checksum records), durably,
    before they run again: a block is never marked completed while it is being rewritten."""
    za = json.loads((root / "completed" / ".zarray").read_text())
    for b in blocks:
        for f in [root / "completed" / k for k in _chunk_keys(za, b.block)] + [root / CHECKSUM_GROUP / f"{b.block}.json"]:
            try:
                f.unlink()
            except FileNotFoundError:
                pass
    _fsync(root / "completed", directory=True)
    _fsync(root / CHECKSUM_GROUP, directory=True)


def _create_store(plan: SweepPlan, out: Path, block: int):
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.creating-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out.parent / f".{out.name}.creating-{secrets.token_hex(4)}"
    try:
        ds = _template(plan, block)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds.to_zarr(tmp, mode="w-", compute=False, consolidated=True, zarr_format=2)
            except TypeError:  # older xarray: no zarr_format (and format 2 by default)
                ds.to_zarr(tmp, mode="w-", compute=False, consolidated=True)
        files = {rel: list(_sha256_file(tmp / rel)) for rel in _rel_files(tmp)}
        _write_json_durably(_checksum_dir(tmp) / "store.json", {"algorithm": "sha256", "files": files})
        _fsync_tree(tmp)
        os.rename(tmp, out)  # fails if out appeared meanwhile
        _fsync(out.parent, directory=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _open_or_create(plan: SweepPlan, out: Path, block: int | None, overwrite: bool, note) -> tuple[int, np.ndarray]:
    """(variants per block, completed flags) of the store at ``out``, created when absent.

    Resuming verifies what it would skip (:func:`check_store`): a block marked completed whose
    chunks are missing or altered is marked not run again (and said so on ``note``); a store whose
    metadata is damaged is refused (``overwrite``: started again)."""
    if out.exists():
        attrs = _read_store_attrs(out) if out.is_dir() else None
        if not attrs:
            why = ""
            if out.is_dir() and (out / ".zattrs").exists():
                why = f" (its .zattrs {_read_json(out / '.zattrs')[1] or 'has no sweep definition'})"
            raise SweepError(f"{out} exists and is not a fundsim sweep store{why}; choose another output")
        if attrs["sweep_sha256"] != plan.sha256:
            if not overwrite:
                raise SweepError(f"{out} holds a different sweep (another definition, scenario text or software "
                                 "version); choose another output, or pass --overwrite to replace it")
            _remove_store(out)
        else:
            for dirpath, _d, files in os.walk(out):  # files a killed write left under temporary names
                for f in files:
                    if f.endswith(".partial"):
                        os.unlink(os.path.join(dirpath, f))
            chk = check_store(out)
            if chk.problem:
                if not overwrite:
                    raise SweepError(f"{out}: the store is damaged and cannot be resumed: {chk.problem}; delete it, or "
                                     "pass --overwrite to run the sweep again from the start")
                note.write(f"  {out} is damaged ({chk.problem}): starting it again (--overwrite)\n")
                _remove_store(out)
            else:
                for b in chk.damaged:
                    note.write(f"  {out}: block {b.block} ({b.variants}) is marked completed but {b.reason}: "
                               "running it again\n")
                if chk.damaged:
                    _reset_blocks(out, chk.damaged)
                if not chk.checksums and chk.verified:
                    note.write(f"  {out} has no checksums (written by an older fundsim): its completed blocks were "
                               "checked by decoding them\n")
                completed = np.zeros(len(plan.variants), dtype=bool)
                for b in chk.verified:
                    completed[b.start:b.stop] = True
                return int(attrs["variants_per_task"]), completed
    if block is None:
        block = _default_block(plan)
    _create_store(plan, out, block)
    return block, np.zeros(len(plan.variants), dtype=bool)


def _bytes_per_variant(plan: SweepPlan) -> int:
    """What a worker holds per variant of a block: the kept variables and those the block's
    summaries need (``results.CORE``), whichever are more."""
    from .results import CORE, VARIABLES

    sizes = {"path": plan.paths, "year": plan.horizon + 1, "fund": 3, "scheme": 2, "line": 3}
    names = dict.fromkeys(tuple(plan.variables) + CORE)
    n = sum(int(np.prod([sizes[d] for d in VARIABLES[v].dims])) for v in names)
    return 8 * n + 40_000 * (plan.horizon + 1) // 41 + 1


def _default_block(plan: SweepPlan) -> int:
    N = len(plan.variants)
    return int(max(1, min(BLOCK_BYTES // _bytes_per_variant(plan), math.ceil(N / MIN_BLOCKS))))


def open_sweep(path) -> xr.Dataset:
    """A sweep store as a lazy Dataset (dask arrays): a ``scenario`` dimension, a coordinate per
    swept key, the kept variables of each run, summaries over paths (dimension ``pooled_fund``)
    and ``completed`` (variants not yet run hold NaN). A store whose metadata is damaged raises
    :class:`SweepError` (``fundsim sweep --verify`` checks the chunks too)."""
    path = Path(path)
    attrs = _read_store_attrs(path) if path.is_dir() else None
    if not attrs:
        raise SweepError(f"{path} is not a fundsim sweep store")
    chk = StoreCheck(str(path), is_store=True, checksums=bool(attrs.get("checksums")))
    try:
        chk.variants, chk.variants_per_task = int(attrs.get("variants")), int(attrs.get("variants_per_task"))
    except (TypeError, ValueError):
        pass
    if _store_metadata(path, chk) is None:
        raise SweepError(f"{path}: the sweep store is damaged: {chk.problem}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            return xr.open_zarr(str(path), consolidated=True)
    except Exception as e:  # what zarr or xarray says, as one message
        raise SweepError(f"{path}: the sweep store does not open ({type(e).__name__}: {e})") from None


# ============================================================================ execution


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _sigint_held():
    """While a local dask cluster starts.

    Ctrl-C sends SIGINT to the terminal's whole process group, dask's worker processes included:
    each would print a traceback (``KeyboardInterrupt`` in its event loop, "Nanny failed to
    start") while this process closes the cluster anyway. So SIGINT is blocked in this thread
    here: the threads started meanwhile (the cluster's event loop) inherit the blocked mask, and
    so does every worker process they spawn, now or later, for its whole life (a blocked signal
    stays blocked across fork and exec; SIGTERM and SIGKILL, which close workers, are not
    affected). In this process, a Ctrl-C meanwhile is recorded (in ``pending``) instead of
    raised, so that the cluster is never left half started; the caller then closes it and
    raises ``KeyboardInterrupt``.
    """
    import signal

    pending = []
    handler = None
    if threading.current_thread() is threading.main_thread():
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                handler = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
        except (ValueError, OSError):  # pragma: no cover - an embedding without signals
            handler = None
    mask = None
    if hasattr(signal, "pthread_sigmask"):
        # multiprocessing's resource tracker unblocks SIGINT in the thread that first starts it:
        # start it here, not in the cluster's event loop
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield pending
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if handler is not None:
            signal.signal(signal.SIGINT, handler)


def _session_client():
    """The dask ``distributed.Client`` this process already has (``default_client()``), or None.

    Only looked for when ``distributed`` is imported: a session without it has no client."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        client = distributed.default_client()
    except (ValueError, AttributeError):  # no client (ValueError), an odd distributed build
        return None
    if getattr(client, "status", "running") not in ("running", "connecting", "newly-created"):
        return None
    return client


def _configured_scheduler() -> str | None:
    """The scheduler address dask is configured with (``scheduler-address`` in dask's config,
    which ``DASK_SCHEDULER_ADDRESS`` sets), or None."""
    try:
        import dask

        address = dask.config.get("scheduler-address", None) or dask.config.get("scheduler_address", None)
    except ImportError:  # pragma: no cover - a dependency
        address = None
    return address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _say_dashboard(executor, bar, stream):
    """Print the dashboard link where progress is shown (a notebook cell, a terminal), never into
    a log (whose lines the interruption and resume messages are read from)."""
    link = executor.dashboard_link
    if not link or not bar.interactive:
        return
    from .progress import in_notebook

    text = f"dask dashboard: {link}"
    if in_notebook():
        print(text)  # into the cell's output, above the widget
    else:
        out = stream if stream is not None else sys.stderr
        out.write(f"  {text}\n")
        out.flush()


class _Executor:
    """Runs task functions on dask (a local cluster, this process, or a given scheduler) or in a
    plain loop, and yields their results as they finish."""

    def __init__(self, scheduler=None, workers=None, threads_per_worker=None):
        self.existing = None  # a Client of the caller's session: used, never closed here
        if scheduler is None:
            self.existing = _session_client()
            if self.existing is not None:
                scheduler = "client"
            else:
                scheduler = _configured_scheduler() or "local"
        self.mode = scheduler if scheduler in ("local", "threads", "sync", "client") else "address"
        self.address = scheduler if self.mode == "address" else None
        cores = _cores()
        if self.mode == "local":
            self.workers = int(workers or cores)
            self.threads = int(threads_per_worker or max(1, cores // self.workers))
        elif self.mode in ("threads", "sync"):
            if workers not in (None, 1):
                raise SweepError(f"--workers {workers} needs a cluster; --scheduler {self.mode} runs in this process")
            self.workers = 1
            self.threads = int(threads_per_worker or cores)
        else:
            if workers is not None:
                raise SweepError("workers= (--workers) does not apply to an existing cluster (its size is the "
                                 "cluster's); pass scheduler='local' for a new local cluster of that size")
            self.workers = None
            self.threads = threads_per_worker  # None: each worker's own thread count
        self._threads_given = threads_per_worker is not None
        self.client = self.cluster = None

    def limit(self, n_tasks: int):
        """No more local workers than tasks (their numba threads follow, unless given)."""
        if self.mode == "local" and n_tasks and self.workers > n_tasks:
            self.workers = int(n_tasks)
            if not self._threads_given:
                self.threads = max(1, _cores() // self.workers)

    @property
    def dashboard_link(self) -> str | None:
        """The dashboard of the cluster in use (None without one, or when it serves none)."""
        if self.client is None:
            return None
        try:
            return self.client.dashboard_link or None
        except Exception:  # no dashboard (bokeh missing, dashboard_address=None): nothing to show
            return None

    def describe(self) -> str:
        if self.mode == "client":
            n = len(self.client.scheduler_info().get("workers", {})) if self.client else "?"
            where = getattr(getattr(self.client, "scheduler", None), "address", None) or "?"
            return f"the session's dask client at {where} ({n} workers)"
        if self.mode == "address":
            n = len(self.client.scheduler_info().get("workers", {})) if self.client else "?"
            return f"dask cluster at {self.address} ({n} workers)"
        where = {"local": "local dask cluster", "threads": "dask in this process", "sync": "this process, no dask"}
        w = self.workers
        return f"{w} worker{'s' if w != 1 else ''} x {self.threads} thread{'s' if self.threads != 1 else ''} ({where[self.mode]})"

    def __enter__(self):
        if self.mode == "sync":
            return self
        if self.mode == "client":
            self.client = self.existing
            return self
        try:
            import logging

            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - a dependency
            raise SweepError(f"sweeps run on dask: pip install 'dask[distributed]' ({e})", EXIT_FAILURE) from None
        if self.mode == "address":
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise SweepError(f"cannot reach the dask scheduler at {self.address}: {e}", EXIT_FAILURE) from None
            return self
        with _sigint_held() as pending:
            try:
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                            processes=self.mode == "local", silence_logs=logging.ERROR,
                                            dashboard_address=":0")
                self.client = Client(self.cluster)
            except BaseException:
                self.close()
                raise
        if pending:  # Ctrl-C while the cluster started: now that it is whole, close it and stop
            self.close()
            raise KeyboardInterrupt
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        import io
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        with contextlib.redirect_stderr(io.StringIO()):
            # closing is best effort: a cluster that is already gone has nothing left to close;
            # the caller's own client stays open for them
            if self.client is not None and self.client is not self.existing:
                with contextlib.suppress(Exception):
                    self.client.close(timeout=10)
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close(timeout=10)
        self.client = self.cluster = None

    def run(self, fn, arglist):
        """Yield ``fn(*args)`` for each args in ``arglist``, in the order they finish."""
        if self.mode == "sync":
            for args in arglist:
                yield fn(*args)
            return
        from distributed import as_completed

        token = secrets.token_hex(4)
        futures = [self.client.submit(fn, *args, key=f"fundsim-{fn.__name__.strip('_')}-{token}-{i}", pure=False)
                   for i, args in enumerate(arglist)]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                with contextlib.suppress(Exception):  # best effort: the cluster may be gone already
                    self.client.cancel(pending)


def _task_threads(threads):
    """Numba threads for a task: as asked, else the dask worker's own thread count, else the cores."""
    import numba

    if threads is None:
        try:
            from distributed import get_worker
            w = get_worker()
            threads = getattr(getattr(w, "state", w), "nthreads", None) or w.nthreads
        except (ImportError, ValueError, AttributeError):
            threads = numba.config.NUMBA_NUM_THREADS
    return max(1, min(int(threads), int(numba.config.NUMBA_NUM_THREADS)))


def _run_variant(ref, overrides, threads, variables):
    """Run one variant exactly as ``simulator.run`` does (the overrides hold paths, seed, horizon)."""
    from .api import prepare, run_compiled

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, compiled = prepare(ref, overrides=list(overrides))
    return run_compiled(loaded, compiled, threads=threads, variables=variables)


def _write_empty_chunks():
    """zarr writes every chunk, even one holding only the fill value (zarr 3 skips those by
    default; zarr 2 writes them): a completed block has all its chunk files, so a missing one is
    damage."""
    import zarr

    cfg = getattr(zarr, "config", None)
    if cfg is None or not hasattr(cfg, "set"):  # zarr 2
        return contextlib.nullcontext()
    return cfg.set({"array.write_empty_chunks": True})


def _sweep_task(job: dict, block: int, start: int, variants: list) -> dict:
    """One block: run its variants, write them into the store, fsync, then mark them completed.

    The summaries over paths are computed for the whole block at once (``summarize`` of the
    block's runs stacked along ``scenario`` equals ``summarize`` of each run, value for value).
    """
    import zarr

    from .results import CORE
    from .summary import summarize

    if job["version"] != __version__:
        return {"error": f"the worker runs fundsim {__version__}, the sweep was started with {job['version']}",
                "exit_code": EXIT_FAILURE}
    t_block = time.perf_counter()
    timings = {"prepare_run": 0.0, "summarize": 0.0, "write": 0.0}
    with _KERNEL_LOCK:
        threads = _task_threads(job["threads"])
        kept = tuple(job["variables"])
        needed = tuple(dict.fromkeys(kept + CORE))
        run_vars = "all" if len(kept) > len(CORE) else needed
        parts = {n: [] for n in needed}
        shas, secs = [], []
        kernel = 0.0
        coords = None
        for k, (si, ovs, label) in enumerate(variants):
            t0 = time.perf_counter()
            try:
                ds = _run_variant(job["scenarios"][si], ovs, threads, run_vars)
            except SimulatorError as e:
                return {"error": f"variant {start + k} ({label}): {e}", "exit_code": e.exit_code}
            kernel += float(ds.attrs["kernel_seconds"])
            if ds.sizes["path"] != job["paths"] or ds.sizes["year"] != job["years"]:
                return {"error": f"variant {start + k} ({label}) has {ds.sizes['path']} paths and "
                                 f"{ds.sizes['year']} years, the sweep {job['paths']} and {job['years']}",
                        "exit_code": EXIT_FAILURE}
            for n in needed:
                parts[n].append(ds[n].values)
            if coords is None:
                coords = {c: ds[c] for c in ds.coords}
                dims = {n: ds[n].dims for n in needed}
                attrs = {k_: ds.attrs[k_] for k_ in ("scenario_name", "seed", "paths") if k_ in ds.attrs}
            shas.append(ds.attrs["scenario_sha256"])
            secs.append(time.perf_counter() - t0)
            del ds
        timings["prepare_run"] = time.perf_counter() - t_block
        stacked = {}
        for n in needed:
            stacked[n] = np.stack(parts[n])
            parts[n] = None
        t1 = time.perf_counter()
        block_ds = xr.Dataset({n: (("scenario",) + dims[n], stacked[n]) for n in CORE}, coords=coords, attrs=attrs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s = summarize(block_ds).rename(fund=SUMMARY_FUND_DIM)
        del block_ds
        t2 = time.perf_counter()
        timings["summarize"] = t2 - t1
        stop = start + len(variants)
        root = Path(job["store"])
        with _write_empty_chunks():  # every chunk file exists, even one of fill values only (NaN)
            g = zarr.open_group(job["store"], mode="r+")
            for n in kept:
                g[n][start:stop] = stacked[n]
            del stacked
            for n in job["summary_names"]:
                g[n][start:stop] = s[n].transpose("scenario", *job["summary_dims"][n]).values
            g["scenario_sha256"][start:stop] = np.asarray(shas, dtype="<U64")
            g["run_seconds"][start:stop] = np.asarray(secs)
            written = list(kept) + list(job["summary_names"]) + ["scenario_sha256", "run_seconds"]
            chunks = [f"{n}/{k}" for n in written for k in _chunk_keys(json.loads((root / n / ".zarray").read_text()), block)]
            for rel in chunks:  # durable before the block is marked completed
                _fsync(root / rel)
            for n in written:
                _fsync(root / n, directory=True)
            # the checksums of what was written, durable before the completion flag: resuming verifies
            # every chunk of a completed block against them (check_store)
            try:
                record = {"block": block, "start": start, "stop": stop, "algorithm": "sha256",
                          "chunks": {rel: list(_sha256_file(root / rel)) for rel in chunks}}
            except FileNotFoundError as e:
                return {"error": f"block {block}: the chunk file {e.filename} was not written", "exit_code": EXIT_FAILURE}
            _write_json_durably(_checksum_dir(root) / f"{block}.json", record)
            g["completed"][start:stop] = np.ones(stop - start, dtype=bool)
        for k in _chunk_keys(json.loads((root / "completed" / ".zarray").read_text()), block):
            _fsync(root / "completed" / k)
        _fsync(root / "completed", directory=True)
        timings["write"] = time.perf_counter() - t2
    import resource
    return {"block": block, "start": start, "n": len(variants), "kernel_seconds": kernel,
            "seconds": time.perf_counter() - t_block, "timings": timings, "pid": os.getpid(), "threads": threads,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


class _Progress:
    """Progress of a sweep or a sensitivity analysis, shown where the user is.

    * ``callback(done, total)`` is called after each block when given (the API's protocol);
    * with a ``stream`` (the command line passes stderr): a tqdm bar when the stream is a
      terminal, else (a log file, a CI log, a pipe) a plain line at every tenth of the work and at
      the end, ``  120/1,000 variants  31.2 s elapsed, ETA 228.8 s``, never carriage returns;
    * without one (the Python API): :func:`simulator.progress.progress_bar` decides, so a
      notebook shows a widget, a terminal a bar, and a script writing into a log nothing.

    ``FUNDSIM_PROGRESS=0`` or ``stream=False`` silences both displays (the callback is still called).
    """

    def __init__(self, total, done_before, callback=None, stream=None, unit="variant", desc="sweep"):
        from .progress import progress_bar, wants_progress

        self.total, self.before, self.done = total, done_before, done_before
        self.callback, self.stream, self.unit = callback, None, unit
        self.t0 = time.perf_counter()
        self.bar = None
        off = os.environ.get("FUNDSIM_PROGRESS", "").strip().lower() in ("0", "false", "no", "off")
        if off or stream is False:  # silenced, or no display asked for (--quiet)
            return
        if stream is not None and not wants_progress(stream):
            self.stream = stream  # a log: a few plain lines
            self._every = max(1, math.ceil(total / 10))
            self._next = done_before + self._every
        else:
            self.bar = progress_bar(total, desc, unit=unit, enabled=True if stream is not None else None,
                                    file=stream, initial=done_before)

    @property
    def interactive(self) -> bool:
        """Whether a bar or widget is shown (a terminal or a notebook), not a log."""
        from .progress import _Silent

        return self.bar is not None and not isinstance(self.bar, _Silent)

    def step(self, n):
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)
        if self.bar is not None:
            self.bar.update(n)
            if self.done >= self.total:
                self.close()
        elif self.stream is not None and (self.done >= self._next or self.done >= self.total):
            self._next = self.done + self._every
            el = time.perf_counter() - self.t0
            new = self.done - self.before
            eta = el / new * (self.total - self.done) if new else float("nan")
            self.stream.write(f"  {self.done:,}/{self.total:,} {self.unit}s  {el:6.1f} s elapsed, ETA {eta:6.1f} s\n")
            self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()


@dataclass
class SweepStats:
    """What the last :func:`sweep` call did (``simulator.sweep.LAST_STATS``)."""

    variants: int = 0
    ran: int = 0
    skipped: int = 0
    seconds: float = 0.0
    kernel_seconds: float = 0.0
    executor: str = ""
    out: str = ""
    variants_per_task: int = 0
    blocks: list = field(default_factory=list)  # what each task reported: timings, worker pid and peak RSS

    @property
    def variants_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else float("nan")


LAST_STATS = SweepStats()


def sweep(scenario="baseline", *, grid=None, sample=None, uniform=None, overrides=(), paths=None, seed=None,
          horizon=None, variables="all", out=None, workers=None, threads_per_worker=None, scheduler=None,
          variants_per_task=None, overwrite=False, progress=None, progress_stream=None, metrics=None) -> xr.Dataset:
    """Run a sweep of scenario variants on dask and return one Dataset (see the module docstring).

    Parameters
    ----------
    scenario : str, path or list of them
        A built-in name or scenario file, several (each is swept over; coordinate
        ``scenario_file``), or a YAML sweep file (a ``sweep:`` block holding these arguments).
    grid : dict, optional
        Key path -> values: a list (numbers, or YAML texts as ``--set`` takes them), ``"V1,V2,..."``
        or ``"START:STOP:STEP"``. Several keys: their Cartesian product.
    sample, uniform : int, dict, optional
        ``sample`` Latin hypercube points over ``uniform`` (key path -> ``(low, high)`` or
        ``"LOW:HIGH"``), seeded with the sweep's seed; crossed with the grid.
    overrides : list of ``"key.path=value"``
        Applied to every variant (``--set``).
    paths, seed, horizon : int, optional
        As :func:`simulator.run` (default: the scenario's).
    variables : "all", "core", "none" or a list of names
        Run variables kept per variant (summaries over paths are always kept).
    out : path, optional
        The zarr store (a folder). Rerunning the same sweep with the same ``out`` resumes it. With
        no ``out`` the sweep runs in a temporary store and the Dataset is returned in memory.
    workers, threads_per_worker, scheduler :
        Where it runs (module docstring); results do not depend on them.
    variants_per_task : int, optional
        Variants per dask task (and per zarr chunk); default about 16 MB of results per task.
    overwrite : bool
        Replace a store at ``out`` that holds a different sweep (never any other folder).
    progress : callable(done, total), optional
        Called after each block.
    progress_stream : file or False, optional
        Where progress goes: a terminal gets a bar, a log file a line at every tenth of the work;
        ``False``: no progress display at all (``--quiet``). Without it the progress shows where
        the user is: a widget in a notebook, a bar on a terminal's stderr, nothing in a log
        (:mod:`simulator.progress`; ``FUNDSIM_PROGRESS=0`` silences it). Notes on a resumed or
        repaired store go to the stream, or to stderr.

    Returns
    -------
    xarray.Dataset
        Lazy (dask, read from ``out``) when ``out`` is given, in memory otherwise.
    """
    global LAST_STATS
    del metrics  # a sweep file may name the CLI's table metrics
    if isinstance(scenario, (str, Path)) and is_sweep_file(scenario):
        spec = load_sweep_file(scenario)
        given = {"grid": grid, "sample": sample, "uniform": uniform, "paths": paths, "seed": seed, "horizon": horizon,
                 "out": out, "workers": workers, "threads_per_worker": threads_per_worker, "scheduler": scheduler,
                 "variants_per_task": variants_per_task}
        for k, v in given.items():
            if v is not None:
                spec[k] = {**spec.get(k, {}), **v} if k in ("grid", "uniform") and isinstance(v, dict) else v
        if overrides:
            spec["overrides"] = list(spec.get("overrides", [])) + list(overrides)
        if variables != "all":
            spec["variables"] = variables
        spec.pop("metrics", None)
        return sweep(**spec, overwrite=overwrite, progress=progress, progress_stream=progress_stream)
    plan = plan_sweep(scenario, grid=grid, sample=sample, uniform=uniform, overrides=overrides, paths=paths,
                      seed=seed, horizon=horizon, variables=variables)
    executor = _Executor(scheduler, workers, threads_per_worker)
    tmpdir = None
    if out is None:
        tmpdir = tempfile.mkdtemp(prefix="fundsim-sweep-")
        store = Path(tmpdir) / "sweep.zarr"
    else:
        store = Path(out).expanduser().absolute()
    try:
        block, completed = _open_or_create(plan, store, variants_per_task, overwrite,
                                           progress_stream if progress_stream not in (None, False) else sys.stderr)
        N = len(plan.variants)
        template = _template(plan, block)
        summary_names = [n for n in template.data_vars if n not in plan.variables
                         and n not in ("completed", "scenario_sha256", "run_seconds")]
        job = {"store": str(store), "scenarios": plan.scenarios, "variables": tuple(plan.variables),
               "summary_names": summary_names,
               "summary_dims": {n: template[n].dims[1:] for n in summary_names},
               "paths": plan.paths, "years": plan.horizon + 1, "threads": executor.threads, "version": __version__}
        tasks = []
        for b, start in enumerate(range(0, N, block)):
            stop = min(N, start + block)
            if completed[start:stop].all():
                continue
            vs = [(v.scenario_index, v.overrides, v.label) for v in plan.variants[start:stop]]
            tasks.append((job, b, start, vs))
        skipped = int(completed.sum())
        stats = SweepStats(variants=N, skipped=skipped, out=str(store), variants_per_task=block)
        LAST_STATS = stats
        if progress_stream not in (None, False) and skipped:
            progress_stream.write(f"  resuming: {skipped:,} of {N:,} variants already in {store}\n")
        t0 = time.perf_counter()
        executor.limit(len(tasks))
        job["threads"] = executor.threads
        if tasks:
            bar = _Progress(N, skipped, progress, progress_stream, unit="variant", desc="sweep")
            try:
                with executor:
                    stats.executor = executor.describe()
                    _say_dashboard(executor, bar, progress_stream)
                    for res in executor.run(_sweep_task, tasks):
                        if "error" in res:
                            raise SweepError(res["error"], res.get("exit_code", EXIT_FAILURE))
                        stats.ran += res["n"]
                        stats.kernel_seconds += res["kernel_seconds"]
                        stats.blocks.append(res)
                        bar.step(res["n"])
            finally:
                bar.close()
        stats.seconds = time.perf_counter() - t0
        ds = open_sweep(store)
        if not bool(ds["completed"].all()):
            raise SweepError(f"{store}: some variants are not marked completed after the sweep", EXIT_FAILURE)
        if tmpdir is not None:
            ds = ds.load()
            ds.close()
        return ds
    except Exception as e:
        if type(e).__name__ == "KilledWorker":
            raise SweepError(f"a dask worker died running a block ({e}); finished variants are kept in {store}: "
                             "run the same sweep again to resume", EXIT_FAILURE) from None
        raise
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


# ============================================================================ metrics


_FUND_WORDS = {"employee_pooled": "employee pooled", "resident": "resident", "pooled_combined": "combined pooled",
               "employee_accounts": "individual-account"}
_EVENTS = {"exhaustion": ("balance", "is exhausted (balance below zero)"),
           "deficit": ("current_balance", "has a current deficit (income below expenditure)"),
           "operating_deficit": ("operating_balance", "has an operating deficit (contributions below expenditure)")}
_BANDS = ("below_0", "0_3", "3_6", "6_9", "9_15", "above_15")
_POOLED = ("employee_pooled", "resident", "pooled_combined")
_STAT = re.compile(r"^(median|mean|sd|min|max|p(\d+(?:\.\d+)?)|prob(<=|>=|<|>)(" + _NUM + r"))$")
METRIC_HELP = ("metrics: VARIABLE[:LABEL...]:YEAR:STAT (e.g. reserve_months:employee_pooled:2035:median), "
               "exhaustion_probability:FUND:YEAR, deficit_probability:FUND:YEAR, exhaustion_year:FUND:STAT, "
               "band_probability:FUND:YEAR:BAND, breakeven:LEVER[:MONTHS[:PROBABILITY]]; YEAR is a year or 'end'; "
               "STAT is median, mean, sd, min, max, pNN or prob<X")


@dataclass(frozen=True)
class Metric:
    text: str
    kind: str                  # variable | event_probability | event_year | band | breakeven
    name: str                  # variable, event or lever
    labels: tuple = ()
    year: object = None        # int or "end"
    stat: str | None = None
    band: str | None = None
    target_months: float = 6.0
    probability: float = 0.9


def _bad(text, why):
    return MetricError(f"metric {text!r}: {why} ({METRIC_HELP})")


def _year_of(text, tok):
    if tok == "end":
        return "end"
    try:
        return int(tok)
    except ValueError:
        raise _bad(text, f"'{tok}' is not a year (a calendar year or 'end')") from None


def _check_stat(text, tok):
    if not _STAT.match(tok):
        raise _bad(text, f"'{tok}' is not a statistic")
    m = _STAT.match(tok)
    if m.group(2) is not None and not 0 <= float(m.group(2)) <= 100:
        raise _bad(text, f"the percentile {tok} must lie in p0-p100")
    return tok


def parse_metric(text: str) -> Metric:
    """Parse a metric text (the module docstring lists the forms)."""
    from .results import VARIABLES
    from .scenario.values import suggest

    if not isinstance(text, str) or not text.strip():
        raise _bad(text, "empty")
    parts = [p.strip() for p in text.strip().split(":")]
    head = parts[0]
    if head == "breakeven":
        if not 2 <= len(parts) <= 4:
            raise _bad(text, "write breakeven:LEVER[:MONTHS[:PROBABILITY]]")
        try:
            months = float(parts[2]) if len(parts) > 2 else 6.0
            prob = float(parts[3]) if len(parts) > 3 else 0.9
        except ValueError:
            raise _bad(text, "the target months and probability must be numbers") from None
        if not 0 < prob < 1:
            raise _bad(text, "the probability must lie in (0, 1)")
        return Metric(text, "breakeven", parts[1], target_months=months, probability=prob)
    for ev in _EVENTS:
        if head == f"{ev}_probability":
            if len(parts) != 3:
                raise _bad(text, f"write {head}:FUND:YEAR")
            if parts[1] not in _POOLED:
                raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
            return Metric(text, "event_probability", ev, (parts[1],), _year_of(text, parts[2]))
        if head == f"{ev}_year":
            if len(parts) != 3:
                raise _bad(text, f"write {head}:FUND:STAT")
            if parts[1] not in _POOLED:
                raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
            stat = _check_stat(text, parts[2])
            if stat in ("mean", "sd") or stat.startswith("prob"):
                raise _bad(text, "an event year takes median, min, max or pNN (never-happening counts as +inf)")
            return Metric(text, "event_year", ev, (parts[1],), None, stat)
    if head == "band_probability":
        if len(parts) != 4:
            raise _bad(text, "write band_probability:FUND:YEAR:BAND")
        if parts[1] not in _POOLED:
            raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
        if parts[3] not in _BANDS:
            raise _bad(text, f"'{parts[3]}' is not a band{suggest(parts[3], _BANDS)}")
        return Metric(text, "band", "reserve_months", (parts[1],), _year_of(text, parts[2]), band=parts[3])
    if head not in VARIABLES:
        names = list(VARIABLES) + [f"{e}_probability" for e in _EVENTS] + [f"{e}_year" for e in _EVENTS] + [
            "band_probability", "breakeven"]
        raise _bad(text, f"unknown metric or variable '{head}'{suggest(head, names)}")
    extra = [d for d in VARIABLES[head].dims if d not in ("path", "year")]
    if len(parts) != len(extra) + 3:
        form = ":".join([head] + [d.upper() for d in extra] + ["YEAR", "STAT"])
        raise _bad(text, f"write {form}")
    labels = tuple(parts[1:1 + len(extra)])
    from .results import FUNDS, LINES, SCHEMES
    allowed = {"fund": FUNDS + (("pooled_combined",) if head in ("reserve_months", "balance") else ()),
               "scheme": SCHEMES, "line": LINES}
    for d, lab in zip(extra, labels):
        if lab not in allowed[d]:
            raise _bad(text, f"'{lab}' is not a {d}{suggest(lab, allowed[d])}")
    return Metric(text, "variable", head, labels, _year_of(text, parts[-2]), _check_stat(text, parts[-1]))


def metric_units(m: Metric, breakeven_units: str = "") -> str:
    from .results import VARIABLES

    if m.kind in ("event_probability", "band") or (m.stat or "").startswith("prob"):
        return "fraction of paths"
    if m.kind == "event_year":
        return "calendar year (+inf: not within the horizon)"
    if m.kind == "breakeven":
        return breakeven_units
    return VARIABLES[m.name].units


def metric_label(m: Metric, years=None) -> str:
    """A sentence for a metric, e.g. 'employee pooled reserve months in 2035, median'."""
    def yr(y):
        return str(int(years[-1])) if y == "end" and years is not None else ("the last year" if y == "end" else str(y))

    stat_words = {"median": "median", "mean": "mean", "sd": "standard deviation over paths", "min": "minimum over paths",
                  "max": "maximum over paths"}

    def st(s):
        if s in stat_words:
            return stat_words[s]
        if s.startswith("p"):
            return f"{s[1:]}th percentile" if not s.startswith("prob") else "share of paths " + s[4:]
        return s

    if m.kind == "breakeven":
        return (f"level break-even {m.name} for {m.target_months:g} reserve months in {m.probability:.0%} of paths")
    fund = _FUND_WORDS.get(m.labels[0], m.labels[0]) if m.labels else ""
    if m.kind == "event_probability":
        return f"probability that the {fund} fund {_EVENTS[m.name][1].split(' (')[0]} by {yr(m.year)}"
    if m.kind == "event_year":
        return f"year the {fund} fund {_EVENTS[m.name][1].split(' (')[0]}, {st(m.stat)}"
    if m.kind == "band":
        return f"probability of {fund} reserve months in band {m.band} in {yr(m.year)}"
    what = m.name.replace("_", " ")
    lab = " ".join(_FUND_WORDS.get(x, x) for x in m.labels)
    return f"{lab + ' ' if lab else ''}{what} in {yr(m.year)}, {st(m.stat)}"


def _apply_stat(da: xr.DataArray, stat: str) -> xr.DataArray:
    m = _STAT.match(stat)
    if stat == "median":
        return da.quantile(0.5, "path").drop_vars("quantile")
    if stat == "mean":
        return da.mean("path")
    if stat == "sd":
        return da.std("path", ddof=1)
    if stat == "min":
        return da.min("path")
    if stat == "max":
        return da.max("path")
    if m.group(2) is not None:
        return da.quantile(float(m.group(2)) / 100, "path").drop_vars("quantile")
    op, x = m.group(3), float(m.group(4))
    cmp = {"<": da < x, "<=": da <= x, ">": da > x, ">=": da >= x}[op]
    return cmp.mean("path")


def _year_value(m: Metric, years) -> int:
    y = int(years[-1]) if m.year == "end" else int(m.year)
    if y not in {int(v) for v in years}:
        raise MetricError(f"metric {m.text!r}: the year {y} is outside the results ({int(years[0])}-{int(years[-1])})")
    return y


def _pooled_series(ds, name, fund):
    """balance, current_balance or operating_balance of a pooled fund or of both combined."""
    def one(f):
        if name in ds:
            return ds[name].sel(fund=f)
        if name == "current_balance":
            return ds["income"].sel(fund=f) - ds["expenditure"].sel(fund=f)
        return ds["contribution_income"].sel(fund=f) - ds["expenditure"].sel(fund=f)
    if fund != "pooled_combined":
        return one(fund).drop_vars("fund")
    if name == "balance":
        return ds["combined_pooled_balance"]
    return (one("employee_pooled").drop_vars("fund") + one("resident").drop_vars("fund"))


def evaluate_metric(ds: xr.Dataset, metric) -> xr.DataArray:
    """A metric of a run (a scalar DataArray) or of a sweep (one value per ``scenario``).

    Computed from the paths when the Dataset has them; a sweep stored without path variables
    (``variables="none"``) answers from its summaries where they hold the number (quantiles 5, 25,
    50, 75, 95 and means of reserve months, income, expenditure and balance of the pooled funds,
    event and band probabilities, event-year quantiles).
    """
    m = parse_metric(metric) if isinstance(metric, str) else metric
    if m.kind == "breakeven":
        raise MetricError(f"metric {m.text!r}: a break-even value is solved by runs of its own "
                          "(fundsim sensitivity), not read from results")
    years = ds["year"].values
    needs = {"variable": [m.name if not (m.labels and m.labels[0] == "pooled_combined")
                          else f"combined_pooled_{m.name}"],
             "event_probability": ["balance"], "event_year": ["balance"], "band": ["reserve_months"]}[m.kind]
    if "path" not in ds.dims or not all(n in ds for n in needs):
        return _metric_from_summary(ds, m)
    if m.kind == "variable":
        if m.labels and m.labels[0] == "pooled_combined":
            da = ds[f"combined_pooled_{m.name}"]
        else:
            extra = [d for d in ds[m.name].dims if d not in ("path", "year", "scenario")]
            da = ds[m.name].sel(dict(zip(extra, m.labels)))
        da = da.sel(year=_year_value(m, years))
        out = _apply_stat(da, m.stat)
    elif m.kind == "band":
        if m.labels[0] == "pooled_combined":
            rm = ds["combined_pooled_reserve_months"]
        else:
            rm = ds["reserve_months"].sel(fund=m.labels[0])
        rm = rm.sel(year=_year_value(m, years))
        lo, hi = {b: (lo, hi) for b, lo, hi in zip(_BANDS, (-np.inf, 0, 3, 6, 9, 15), (0, 3, 6, 9, 15, np.inf))}[m.band]
        out = ((rm >= lo) & (rm < hi)).mean("path")
    else:
        series = _pooled_series(ds, _EVENTS[m.name][0], m.labels[0])
        y1 = int(years[1]) if len(years) > 1 else int(years[0])
        flag = series.sel(year=slice(y1, None)) < 0
        if m.kind == "event_probability":
            out = flag.sel(year=slice(None, _year_value(m, years))).any("year").mean("path")
        else:
            f = flag.transpose(..., "year").load()
            yv = f["year"].values.astype(float)
            a = f.values
            first = np.where(a.any(-1), yv[a.argmax(-1)], np.inf) if a.shape[-1] else np.full(a.shape[:-1], np.inf)
            first = xr.DataArray(first, dims=f.dims[:-1], coords={c: f[c] for c in f.coords
                                                                  if set(f[c].dims) <= set(f.dims[:-1])})
            out = _event_year_stat(first, m.stat)
    return _tidy(out)


def _event_year_stat(first: xr.DataArray, stat: str) -> xr.DataArray:
    """Event-year statistic over paths with +inf for 'never', as summarize's inverted-CDF quantiles."""
    if stat == "min":
        return first.min("path")
    if stat == "max":
        return first.max("path")
    q = 0.5 if stat == "median" else float(stat[1:]) / 100
    f = first.transpose("path", ...)
    vals = np.quantile(np.asarray(f.values), q, axis=0, method="inverted_cdf")
    return xr.DataArray(vals, dims=f.dims[1:], coords={c: f[c] for c in f.coords if set(f[c].dims) <= set(f.dims[1:])})


def _metric_from_summary(ds, m: Metric) -> xr.DataArray:
    fd = SUMMARY_FUND_DIM if SUMMARY_FUND_DIM in ds.dims else "fund"
    fund = m.labels[0] if m.labels else None
    q_of = {"median": 0.5, "p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
    missing = MetricError(f"metric {m.text!r} needs the paths, and these results keep only summaries over paths; "
                          "use a summary statistic (median, mean, p5, p25, p75, p95 of reserve_months, income, "
                          "expenditure or balance of a pooled fund; event and band probabilities) or keep the "
                          "variables")
    years = ds["year"].values
    if m.kind == "variable":
        if m.name not in ("reserve_months", "income", "expenditure", "balance") or fund not in _POOLED:
            raise missing
        if m.stat == "mean" and f"{m.name}_mean" in ds:
            da = ds[f"{m.name}_mean"]
        elif m.stat in q_of and f"{m.name}_quantile" in ds:
            da = ds[f"{m.name}_quantile"].sel(quantile=q_of[m.stat])
        else:
            raise missing
        out = da.sel({fd: fund, "year": _year_value(m, years)})
    elif m.kind == "event_probability":
        name = f"{m.name}_probability_by_year"
        if name not in ds:
            raise missing
        out = ds[name].sel({fd: fund, "year": _year_value(m, years)})
    elif m.kind == "event_year":
        name = f"{'first_' if m.name != 'exhaustion' else ''}{m.name}_year_quantile"
        if name not in ds or m.stat not in q_of:
            raise missing
        out = ds[name].sel({fd: fund, "quantile": q_of[m.stat]})
    elif m.kind == "band":
        if "band_probability" not in ds:
            raise missing
        out = ds["band_probability"].sel({fd: fund, "year": _year_value(m, years), "band": m.band})
    else:
        raise missing
    return _tidy(out)


def _tidy(out: xr.DataArray) -> xr.DataArray:
    """Computed, with only the coordinates along ``scenario`` (the swept values) left."""
    out = out.compute() if hasattr(out.data, "compute") else out
    return out.drop_vars([c for c in out.coords if c not in out.dims and out[c].dims != ("scenario",)])


# ============================================================================ sensitivity


def _metric_task(ref, overrides, threads, metric_text) -> dict:
    """One run of a sensitivity: the metric's value for the scenario with ``overrides``."""
    m = parse_metric(metric_text)
    with _KERNEL_LOCK:
        t = _task_threads(threads)
        try:
            if m.kind == "breakeven":
                from .breakeven import BreakevenError, breakeven
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        r = breakeven(ref, lever=m.name, target_months=m.target_months, probability=m.probability,
                                      overrides=list(overrides), threads=t)
                except BreakevenError as e:
                    return {"value": float("nan"), "units": "", "note": str(e)}
                return {"value": r.value, "units": r.units, "note": ""}
            ds = _run_variant(ref, overrides, t, "all")
            v = evaluate_metric(ds, m)
            return {"value": float(v), "units": metric_units(m), "note": "",
                    "years": [int(ds["year"].values[0]), int(ds["year"].values[-1])], "name": ds.attrs["scenario_name"],
                    "seed": int(ds.attrs["seed"]), "paths": int(ds.attrs["paths"])}
        except SimulatorError as e:
            return {"error": str(e), "exit_code": e.exit_code}


def sensitivity(scenario="baseline", *, metric, vary, overrides=(), paths=None, seed=None, horizon=None,
                workers=None, threads_per_worker=None, scheduler=None, progress=None,
                progress_stream=None) -> xr.Dataset:
    """One-at-a-time sensitivity of a metric: the base run and, for each parameter, a run with it
    at its low and one at its high value (all with the same seed).

    Parameters
    ----------
    metric : str
        A metric text (module docstring), e.g. ``"reserve_months:employee_pooled:2035:median"``.
    vary : dict
        Key path -> ``(low, high)`` (numbers or YAML texts), ``"LOW:HIGH"`` or ``"LOW,HIGH"``.
    workers, threads_per_worker, scheduler, progress, progress_stream :
        As :func:`sweep`: the session's dask client when there is one, progress where the user
        is (a notebook widget, a terminal bar, a few lines in a log).

    Returns
    -------
    xarray.Dataset
        ``low``, ``high``, ``base`` over ``parameter`` (the key paths), coordinates ``low_value``
        and ``high_value``, and attributes ``metric`` (a sentence), ``metric_spec``, ``units``,
        ``scenario_name``, ``seed``, ``paths`` (:func:`simulator.plots.tornado` draws it).
    """
    from .scenario import load_scenario

    m = parse_metric(metric)
    if not vary:
        raise SweepError("give at least one --vary KEY.PATH=LOW:HIGH")
    ref, label = _scenario_ref(scenario)
    fixed = tuple(overrides or ())
    extra = tuple(f"{k}={v}" for k, v in (("simulation.paths", paths), ("simulation.seed", seed), ("horizon", horizon))
                  if v is not None)
    base = load_scenario(ref, fixed + extra)
    scn = base.scenario
    P, S, H = int(scn.simulation.paths), int(scn.simulation.seed), int(scn.horizon)
    years = np.arange(scn.base_year, scn.base_year + H + 1)
    if m.kind != "breakeven" and m.year not in (None, "end") and int(m.year) not in set(years.tolist()):
        raise MetricError(f"metric {m.text!r}: the year {m.year} is outside the projection ({years[0]}-{years[-1]})")
    fixed_all = fixed + (f"simulation.paths={P}", f"simulation.seed={S}", f"horizon={H}")
    if m.kind == "breakeven":
        from .layout import FIXED_ROW_NAMES
        from .scenario.values import suggest
        if m.name not in FIXED_ROW_NAMES:
            levers = [n for n in FIXED_ROW_NAMES if not n.startswith(("policy.", "economy.drivers"))]
            raise MetricError(f"metric {m.text!r}: '{m.name}' is not a numeric lever{suggest(m.name, levers)}")
    params, pairs = [], []
    fixed_keys = {o.split("=", 1)[0].strip() for o in fixed}
    for key, spec in vary.items():
        if key in fixed_keys:
            raise SweepError(f"{key} is both varied and set with --set")
        (lo_t, lo), (hi_t, hi) = _pair(key, spec, "vary")
        if lo_t == hi_t:
            raise SweepError(f"vary {key}: the low and high values are the same ({lo_t})")
        for t in (lo_t, hi_t):
            load_scenario(ref, fixed_all + (f"{key}={t}",))
        params.append(key)
        pairs.append(((lo_t, lo), (hi_t, hi)))
    runs = [fixed_all] + [fixed_all + (f"{k}={t}",) for k, pr in zip(params, pairs) for t, _ in pr]
    executor = _Executor(scheduler, workers, threads_per_worker)
    results = [None] * len(runs)

    executor.limit(len(runs))
    bar = _Progress(len(runs), 0, progress, progress_stream, unit="run", desc="sensitivity")
    try:
        with executor:
            _say_dashboard(executor, bar, progress_stream)
            arglist = [(i, ref, ovs, executor.threads, m.text) for i, ovs in enumerate(runs)]
            for i, res in executor.run(_indexed_metric_task, arglist):
                if "error" in res:
                    what = ("the base run" if i == 0
                            else f"{params[(i - 1) // 2]} at its {'low' if i % 2 else 'high'} value")
                    raise SweepError(f"{what}: {res['error']}", res.get("exit_code", EXIT_FAILURE))
                results[i] = res
                bar.step(1)
    finally:
        bar.close()
    units = next((r["units"] for r in results if r["units"]), metric_units(m))
    base_v = results[0]["value"]
    low = [results[1 + 2 * j]["value"] for j in range(len(params))]
    high = [results[2 + 2 * j]["value"] for j in range(len(params))]

    def coord(vals):
        vs = [v for _, v in vals]
        if all(_is_number(v) for v in vs):
            return np.asarray(vs, dtype=float)
        return np.asarray([t for t, _ in vals], dtype=str)

    notes = [r.get("note", "") for r in results]
    ds = xr.Dataset(
        {"low": ("parameter", np.asarray(low, dtype=float), {"units": units, "long_name": "metric with the parameter at its low value"}),
         "high": ("parameter", np.asarray(high, dtype=float), {"units": units, "long_name": "metric with the parameter at its high value"}),
         "base": ("parameter", np.full(len(params), base_v, dtype=float), {"units": units, "long_name": "metric in the base run"})},
        coords={"parameter": ("parameter", np.asarray(params, dtype=str), {"long_name": "scenario key path varied"}),
                "low_value": ("parameter", coord([p[0] for p in pairs]), {"long_name": "low value of the parameter"}),
                "high_value": ("parameter", coord([p[1] for p in pairs]), {"long_name": "high value of the parameter"})},
        attrs={"metric": metric_label(m, years), "metric_spec": m.text, "units": units, "scenario_name": scn.name,
               "scenario_origin": label, "seed": S, "paths": P, "base_year": int(scn.base_year), "horizon": H,
               "overrides": json.dumps(list(fixed)), "software_version": __version__,
               "notes": "\n".join(n for n in notes if n),
               "method": "one at a time: each parameter at its low and its high value, the others as in the base "
                         "scenario; every run with the same seed (common random numbers)"})
    return ds


def _indexed_metric_task(i, *args):
    return i, _metric_task(*args)


# ============================================================================ tables


def _short_metric(m: Metric, years) -> str:
    """A column heading: 'employee median months 2064', 'employee P(exhaustion by 2064)'."""
    fund = {"employee_pooled": "employee", "resident": "resident", "pooled_combined": "combined",
            "employee_accounts": "accounts"}
    y = str(int(years[-1])) if m.year == "end" else str(m.year)
    f = fund.get(m.labels[0], m.labels[0]) if m.labels else ""
    if m.kind == "event_probability":
        return f"{f} P({m.name.replace('_', ' ')} by {y})"
    if m.kind == "event_year":
        return f"{f} {m.stat} {m.name.replace('_', ' ')} year"
    if m.kind == "band":
        return f"{f} P({m.band} months {y})"
    lab = " ".join(fund.get(x, x) for x in m.labels)
    name = "months" if m.name == "reserve_months" else m.name.replace("_", " ")
    return f"{lab} {m.stat} {name} {y}".strip()


def _fmt_num(v, units=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "never" if v > 0 else "-inf"
    if "year" in units:
        return f"{v:.0f}"
    if "fraction" in units:
        return f"{v:.3f}"
    if units == "months":
        return f"{v:.1f}"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.1f}bn"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.4g}"


def _fmt_coord(v):
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return str(v)


def format_sweep(ds: xr.Dataset, metrics=DEFAULT_METRICS, max_rows: int = 60) -> str:
    """The table ``fundsim sweep`` prints: one row per variant, its swept values and metrics."""
    keys = [str(k) for k, c in ds.coords.items() if c.dims == ("scenario",) and k != "scenario"]
    ms = [parse_metric(t) for t in metrics]
    years = ds["year"].values
    cols = [(k, [_fmt_coord(v) for v in ds[k].values]) for k in keys]
    for m in ms:
        vals = np.atleast_1d(np.asarray(evaluate_metric(ds, m).values, dtype=float))
        units = metric_units(m)
        cols.append((_short_metric(m, years), [_fmt_num(float(v), units) for v in vals]))
    n = ds.sizes["scenario"]
    a = ds.attrs
    lines = [f"Sweep of {a.get('scenario_name', '?')}: {n} variants"
             + (f" ({' x '.join(keys)})" if keys else "")
             + f", {a.get('paths', '?')} paths each, seed {a.get('seed', '?')}, years {years[0]}-{years[-1]}"]
    widths = [max(len(h), *(len(x) for x in v)) for h, v in cols]
    lines.append("  " + "  ".join(h.rjust(w) for (h, _), w in zip(cols, widths)))
    rows = list(range(n)) if n <= max_rows else list(range(max_rows // 2)) + [None] + list(range(n - max_rows // 2, n))
    for r in rows:
        if r is None:
            lines.append(f"  ... {n - 2 * (max_rows // 2)} more variants ...")
            continue
        lines.append("  " + "  ".join(v[r].rjust(w) for (_, v), w in zip(cols, widths)))
    return "\n".join(lines)


def sweep_json(ds: xr.Dataset, metrics=DEFAULT_METRICS, stats=None) -> dict:
    """The sweep's table as one JSON-ready dict: each variant's swept values and metrics (with units)."""
    keys = [str(k) for k, c in ds.coords.items() if c.dims == ("scenario",) and k != "scenario"]
    ms = [parse_metric(t) for t in metrics]
    variants = []
    values = {}
    for t, m in zip(metrics, ms):
        values[t] = np.atleast_1d(np.asarray(evaluate_metric(ds, m).values, dtype=float))
    for i in range(ds.sizes["scenario"]):
        row = {"scenario": _json_value(ds["scenario"].values[i])}
        row["values"] = {k: _json_value(ds[k].values[i]) for k in keys}
        row["metrics"] = {t: (float(v[i]) if np.isfinite(v[i]) else None) for t, v in values.items()}
        variants.append(row)
    a = ds.attrs
    out = {"scenario": a.get("scenario_name"), "paths": a.get("paths"), "seed": a.get("seed"),
           "years": [int(ds["year"].values[0]), int(ds["year"].values[-1])], "keys": keys,
           "metrics": [{"metric": t, "units": metric_units(m)} for t, m in zip(metrics, ms)], "variants": variants}
    if stats is not None:
        out["run"] = {"ran": stats.ran, "skipped": stats.skipped, "seconds": stats.seconds, "executor": stats.executor}
    return out


def _json_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.bool_):
        return bool(v)
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def format_sensitivity(ds: xr.Dataset) -> str:
    """The table ``fundsim sensitivity`` prints, the widest swing first."""
    a = ds.attrs
    units = a.get("units", "")
    base = float(ds["base"].values.flat[0])
    low, high = ds["low"].values.astype(float), ds["high"].values.astype(float)
    swing = np.abs(high - low)
    order = np.argsort(np.where(np.isfinite(swing), swing, -1.0), kind="stable")[::-1]
    lines = [f"Sensitivity of {a.get('metric', '?')}" + (f" ({units})" if units else ""),
             (f"scenario {a.get('scenario_name', '?')}, {a.get('paths', '?')} paths, seed {a.get('seed', '?')}; "
              f"base value {_fmt_num(base, units)}; one parameter at a time, the same random numbers in every run"), ""]
    names = [str(p) for p in ds["parameter"].values]
    lv = [_fmt_coord(v) for v in ds["low_value"].values]
    hv = [_fmt_coord(v) for v in ds["high_value"].values]
    w = max(9, *(len(x) for x in names))
    wl = max(9, *(len(x) for x in lv))
    wh = max(10, *(len(x) for x in hv))
    lines.append(f"  {'parameter':<{w}}  {'low value':>{wl}}  {'high value':>{wh}}  {'at low':>10}  {'at high':>10}  {'swing':>10}")
    for k in order:
        lines.append(f"  {names[k]:<{w}}  {lv[k]:>{wl}}  {hv[k]:>{wh}}  {_fmt_num(float(low[k]), units):>10}  "
                     f"{_fmt_num(float(high[k]), units):>10}  {_fmt_num(float(swing[k]), units):>10}")
    if a.get("notes"):
        lines.append("notes: " + a["notes"].replace("\n", "\n  "))
    return "\n".join(lines)
