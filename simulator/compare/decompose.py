"""The decomposition: :func:`compare` runs ``a``, ``b`` and one scenario per group of differing
inputs with common random numbers and splits each metric's difference into the groups' parts and
the remainder (:class:`Comparison`).  Part of :mod:`simulator.compare`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from .. import __version__
from ..errors import SimulatorError
from .groups import CompareError, _with_groups, scenario_groups
from .metrics import DEFAULT_COMPARE_METRICS, _diff, _evaluate, _num, _parse, _units

METHODS = ("one_at_a_time", "sequential")


@dataclass
class Comparison:
    """The result of :func:`compare`: per metric the two values, the parts and the remainder."""

    a: str
    b: str
    method: str
    paths: int
    seed: int
    horizon: int
    groups: list
    metrics: list = field(default_factory=list)   # list of dicts, see to_dict
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready: the first metric's ``metric``, ``total``, ``parts``, ``remainder`` at the top
        (the headline), and every metric under ``metrics``."""
        head = self.metrics[0] if self.metrics else {}
        out = {k: head.get(k) for k in ("metric", "units", "a_value", "b_value", "total", "parts", "remainder")}
        out.update({"a": self.a, "b": self.b, "method": self.method, "paths": self.paths, "seed": self.seed,
                    "horizon": self.horizon, "groups": [g.name for g in self.groups], "metrics": self.metrics,
                    "notes": self.notes, "software_version": __version__})
        return out


def _load(ref, overrides, what):
    from ..scenario import LoadedScenario, load_scenario

    if isinstance(ref, LoadedScenario):
        return ref if not overrides else load_scenario(ref.data, list(overrides))
    return load_scenario(ref, list(overrides))


def _label(ref) -> str:
    from ..scenario import LoadedScenario

    if isinstance(ref, LoadedScenario):
        return str(ref.origin)
    if isinstance(ref, dict):
        return str(ref.get("name", "<scenario>"))
    return str(ref)


def compare(a="baseline", b=None, *, metrics=DEFAULT_COMPARE_METRICS, paths=None, seed=None, horizon=None,
            depth=1, method="one_at_a_time", overrides_a=(), overrides_b=(), threads=None,
            progress=None) -> Comparison:
    """Split the difference between scenario ``a`` and scenario ``b`` in each metric by group of inputs.

    Parameters
    ----------
    a, b : str, path, dict or LoadedScenario
        The scenario compared against (``a``) and the one compared (``b``).
    metrics : sequence of str
        Metric texts (module docstring); the first is the headline of :meth:`Comparison.to_dict`.
    paths, seed, horizon : int, optional
        For both runs; default ``a``'s own.
    depth : {1, 2}
        Groups are top-level sections (1) or keys inside them (2).
    method : {"one_at_a_time", "sequential"}
        How the groups are applied (module docstring).
    progress : callable(done, total), optional
        Called after each run.
    """
    from ..api import prepare, run_compiled
    from ..scenario import load_scenario

    if b is None:
        raise CompareError("give two scenarios: compare(a, b)")
    if method not in METHODS:
        raise CompareError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(metrics, str):
        metrics = [metrics]
    parsed = [_parse(t) for t in metrics]
    if not parsed:
        raise CompareError("give at least one metric")
    la = _load(a, overrides_a, "a")
    lb = _load(b, overrides_b, "b")
    sa, sb = la.scenario, lb.scenario
    P = int(paths if paths is not None else sa.simulation.paths)
    S = int(seed if seed is not None else sa.simulation.seed)
    H = int(horizon if horizon is not None else sa.horizon)
    notes = []
    if sb.simulation.paths != sa.simulation.paths or sb.simulation.seed != sa.simulation.seed or sb.horizon != sa.horizon:
        notes.append(f"both scenarios run with {P} paths, seed {S} and a {H}-year horizon (common random numbers); "
                     "the scenarios' own simulation settings differ")
    if sb.base_year != sa.base_year:
        notes.append(f"the base years differ ({sa.base_year} and {sb.base_year}): metric years are calendar years")
    groups = scenario_groups(la.data, lb.data, depth)
    held = (f"simulation.paths={P}", f"simulation.seed={S}", f"horizon={H}")

    # scenarios to run: a, b, then one per group (alone, or cumulative)
    plans = [("a", la.data), ("b", lb.data)]
    for i, g in enumerate(groups):
        applied = [g] if method == "one_at_a_time" else groups[:i + 1]
        plans.append((g.name, _with_groups(la.data, applied)))
    if method == "sequential" and groups:
        plans.pop()   # a with every group applied is b itself: run once

    def loaded_of(name, data):
        try:
            return load_scenario(data, list(held))
        except SimulatorError as e:
            if name in ("a", "b"):
                raise
            how = "alone" if method == "one_at_a_time" else "after the groups before it"
            raise CompareError(f"group '{name}' of the differing inputs cannot be applied {how}: {e}; "
                               "try depth=1 (whole sections) or the other method") from None

    loaded_runs = [(name, loaded_of(name, data)) for name, data in plans]
    run_metrics = [m for m in parsed if m.kind != "breakeven"]
    be_metrics = [m for m in parsed if m.kind == "breakeven"]
    per_run = 1 + 12 * len(be_metrics)
    total_steps, done = len(loaded_runs) * per_run, 0
    values = {}
    be_units = {}
    for name, loaded in loaded_runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, compiled = prepare(loaded)
            ds = run_compiled(loaded, compiled, threads=threads, variables="all") if run_metrics else None
        vals = dict(zip([m.text for m in run_metrics], _evaluate(ds, run_metrics) if ds is not None else []))
        del ds
        done += 1
        for m in be_metrics:
            from ..breakeven import BreakevenError, breakeven
            pm = m.parsed
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = breakeven(loaded, lever=pm.name, target_months=pm.target_months,
                                  probability=pm.probability, threads=threads)
                vals[m.text] = float(r.value)
                be_units[m.text] = r.units
            except BreakevenError as e:
                vals[m.text] = float("nan")
                notes.append(f"{m.text} for {name}: {e}")
            done += 12
        values[name] = vals
        if progress is not None:
            progress(min(done, total_steps), total_steps)

    out_metrics = []
    for m in parsed:
        va, vb = values["a"][m.text], values["b"][m.text]
        total = _diff(vb, va)
        parts = []
        prev = va
        for g in groups:
            v = values[g.name][m.text] if g.name in values else vb
            ref = va if method == "one_at_a_time" else prev
            parts.append({"group": g.name, "contribution": _diff(v, ref), "value": _num(v)})
            prev = v
        finite = [p["contribution"] for p in parts if p["contribution"] is not None]
        remainder = (total - sum(finite)) if total is not None and len(finite) == len(parts) else None
        if remainder is not None and method == "sequential":
            remainder = remainder if abs(remainder) > 1e-12 * max(1.0, abs(total)) else 0.0
        if total is None or any(p["contribution"] is None for p in parts):
            notes.append(f"{m.text}: an event that does not happen within the horizon (inf) leaves some "
                         "differences undefined (null)")
        out_metrics.append({"metric": m.text, "units": _units(m, be_units.get(m.text, "")), "a_value": _num(va),
                            "b_value": _num(vb), "total": total, "parts": parts, "remainder": remainder})
    return Comparison(a=_label(a), b=_label(b), method=method, paths=P, seed=S, horizon=H, groups=groups,
                      metrics=out_metrics, notes=notes)
