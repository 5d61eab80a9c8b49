"""A sweep's plan: its variants (scenario files x grids x a Latin hypercube sample), the scenario
references, the kept variables, and YAML sweep files (a ``sweep:`` block)."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import SimulatorError
from .common import STORE_FORMAT, SWEEP_FILE_KEYS, SweepError
from .spec import _flow, _fmt_float, _grid_axis, _is_number, _pair


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
    kind: str = "scenario"     # or "province": the variants are province runs (simulator.sweep.province)
    precision: str = "double"  # how the kept run variables are stored (simulator.run's precision)

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
    from ..scenario.loader import list_builtin_scenarios

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
    from ..results import select_variables

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
               horizon=None, variables="all", precision="double") -> SweepPlan:
    """Validate a sweep definition and list its variants (see :func:`sweep` for the arguments).

    Each swept value is checked against the first scenario on the spot (every non-numeric value,
    and the smallest and largest numbers of each key), so that a typo stops the sweep before it
    starts, with the loader's message naming the key.
    """
    from ..limits import OptionError, double_only, kept_dtype
    from ..scenario import load_scenario

    try:
        kept_dtype(precision)
    except OptionError as e:
        raise SweepError(str(e)) from None
    refs = scenario if isinstance(scenario, (list, tuple)) else [scenario]
    if not refs:
        refs = [None]
    resolved = [_scenario_ref(r) for r in refs]
    if len({r for r, _ in resolved}) != len(resolved):
        raise SweepError("a scenario is listed twice")
    fixed = tuple(overrides or ())
    extra = tuple(f"{k}={v}" for k, v in (("simulation.paths", paths), ("simulation.seed", seed), ("horizon", horizon))
                  if v is not None)
    from ..province import is_province
    province = any(is_province(r) for r, _ in resolved)
    if province:
        # a province file: its own keys are province.…, one region's region.NAME.…; the runs are
        # run_province's, and paths, seed and horizon are set on the province (all its regions)
        if len(resolved) > 1:
            raise SweepError("a province is swept alone: give one province file (its variants come from --grid "
                             "and --sample, e.g. --grid province.pooling.share=0.01,0.03)")
        from ..province.checks import check_province_overrides
        from ..province.spec import province_settings
        try:
            double_only(precision)
        except OptionError as e:
            raise SweepError(str(e)) from None
        prov, loaded = check_province_overrides(resolved[0][0], fixed)
        name, base_year, (P, S, H) = province_settings(prov, loaded[0], paths, seed, horizon)
        fixed_all = fixed + (f"province.simulation.paths={P}", f"province.simulation.seed={S}", f"province.horizon={H}")
        import hashlib
        # the province file's text and each region's resolved scenario: editing a region's file
        # changes the sweep's provenance as editing the province does
        hashes = [hashlib.sha256(prov.text.encode()).hexdigest()] + [ls.hash for ls in loaded]

        def load_variant(ref, ovs):
            check_province_overrides(ref, ovs)
    else:
        name, base_year, hashes, P, S, H, fixed_all = _plan_scenarios(resolved, fixed, extra)

        def load_variant(ref, ovs):
            load_scenario(ref, ovs)
    plan = _plan_variants(resolved, fixed, fixed_all, P, S, H, name, base_year, hashes, load_variant, grid, sample,
                          uniform, variables)
    if province:
        plan.kind = "province"
        plan.definition["kind"] = "province"
    elif precision != "double":  # said only when single, so that a double sweep keeps its store's identity
        plan.precision = precision
        plan.definition["precision"] = precision
    return plan


def _plan_scenarios(resolved, fixed, extra):
    """The scenarios' name, base year, hashes, paths, seed, horizon and the overrides every variant
    gets; refused unless they share the base year, horizon, paths and seed."""
    from ..scenario import load_scenario

    loaded = [load_scenario(r, fixed + extra) for r, _ in resolved]
    from ..scenario.sources import warn_if_unsourced
    for ls in loaded:  # as a run says it (api.prepare): once per scenario file, not once per variant
        warn_if_unsourced(ls, fixed + extra, stacklevel=3)
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
    name = first.name if len(loaded) == 1 else " / ".join(ls.scenario.name for ls in loaded)
    return name, int(first.base_year), [ls.hash for ls in loaded], P, S, H, fixed_all


def _plan_variants(resolved, fixed, fixed_all, P, S, H, name, base_year, hashes, load_variant, grid, sample, uniform,
                   variables) -> SweepPlan:
    """The variants of a sweep: the grid's product, the Latin hypercube rows, each value checked."""
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
            load_variant(resolved[0][0], fixed_all + (f"{key}={t}",))

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
                     scenario_hashes=hashes, scenario_name=name, fixed=fixed_all, keys=list(coords), coords=coords,
                     variants=variants, paths=P, seed=S, horizon=H, base_year=int(base_year),
                     variables=_kept_variables(variables), definition=definition)


def load_sweep_file(path) -> dict:
    """Read a YAML sweep file: a top-level ``sweep:`` mapping with the keys of :func:`sweep`
    (``scenario`` or ``scenarios``, ``set``, ``grid``, ``sample``, ``uniform``, ``paths``, ``seed``,
    ``horizon``, ``variables``, ``precision``, ``out``, ``variants_per_task``, ``workers``,
    ``threads_per_worker``, ``scheduler``, ``metrics``). Scenario files and ``out`` are relative to
    the sweep file's folder. Returns the keyword arguments for :func:`sweep`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from ..errors import suggest
    from ..limits import PRECISIONS
    from ..scenario.loader import list_builtin_scenarios

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
    if "precision" in s and s["precision"] not in PRECISIONS:
        raise SweepError(f"{path}: sweep.precision: {s['precision']!r} is not one of {', '.join(PRECISIONS)}")
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
