"""Reasons for change: why a headline differs between two scenarios (specification section 14).

:func:`compare` runs scenario ``a`` and scenario ``b`` with the same paths, seed and horizon
(common random numbers, so the difference is the inputs, not Monte Carlo noise), finds the groups
of inputs in which they differ, and splits the difference in each headline metric into a part per
group plus an interaction remainder:

* ``method="one_at_a_time"`` (default): each group of ``b``'s inputs is applied alone to ``a``; a
  group's part is ``f(a + group) - f(a)``; the remainder ``f(b) - f(a) - sum(parts)`` is the
  interaction of the groups (zero when their effects add up).
* ``method="sequential"``: the groups are applied cumulatively in the stated order, as the
  trustees' reports apply the reasons for change; a group's part is the change it brings on top
  of the groups before it, so the parts telescope to the total and the remainder is zero to
  rounding, but a part depends on the order.

In both, ``total = sum(parts) + remainder`` holds to rounding for every metric.

**Groups.** The two resolved scenarios (after ``extends`` and overrides) are compared key by key.
With ``depth=1`` a group is a top-level section (``population``, ``economy``, ``employee``,
``reform``, ``reported``, ...); with ``depth=2`` a key inside a section (``economy.drivers``,
``employee.employer_rate``). Text that does not enter the model (``name``, ``description``,
``source`` and ``note`` strings) is ignored; ``simulation`` (paths, seed) and ``horizon`` are
held equal for both runs and are never a group. Groups are listed, and applied, in the order of
the scenario language (the schema's order of sections and keys).

**Two versions of one file.** Save the old version and compare it with the new one, e.g.
``git show v0.1.0:simulator/scenarios/baseline.yaml > old.yaml && fundsim compare old.yaml
baseline``: the parts say which recalibrated sections moved the headline.

**Metrics** are those of :mod:`simulator.sweep` (``reserve_months:employee_pooled:2035:median``,
``exhaustion_probability:resident:end``, ``exhaustion_year:employee_pooled:median``, ...) plus
``actuarial_balance:FUND[:MONTHS]:STAT`` (section 12; default ending target 6 months) and
``breakeven:LEVER[:MONTHS[:PROBABILITY]]`` (the level break-even value, solved by runs of its own
for every scenario in the decomposition: slow). An event year that does not happen within the
horizon (``inf``) makes a difference undefined: such a part is reported as ``nan`` with a note.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from .errors import EXIT_BAD_INPUT, SimulatorError

__all__ = ["CompareError", "Comparison", "DEFAULT_COMPARE_METRICS", "compare", "format_comparison",
           "scenario_groups"]

#: headlines compared when no metric is given (the README's headline: reserve months, exhaustion
#: and first deficit, the actuarial balance)
DEFAULT_COMPARE_METRICS = (
    "exhaustion_probability:employee_pooled:end",
    "reserve_months:employee_pooled:2035:median",
    "reserve_months:employee_pooled:end:median",
    "deficit_probability:employee_pooled:end",
    "deficit_year:employee_pooled:median",
    "actuarial_balance:employee_pooled:median",
    "exhaustion_probability:resident:end",
    "reserve_months:resident:2035:median",
    "reserve_months:resident:end:median",
    "deficit_year:resident:median",
    "actuarial_balance:resident:median",
)
METHODS = ("one_at_a_time", "sequential")
#: keys that never enter the projection, or that both runs must share
_NOT_INPUTS = ("name", "description")
_HELD_EQUAL = ("simulation", "horizon", "extends")
_TEXT_KEYS = ("source", "note", "notes", "description", "unit")
#: keys that make a mapping one value (a schedule, a distribution, a table) rather than a section
_VALUE_FORM_KEYS = ("value", "dist", "table", "schedule")


class CompareError(SimulatorError):
    """Two scenarios that cannot be compared as asked (a bad metric, a group that cannot stand alone)."""

    exit_code = EXIT_BAD_INPUT


@dataclass
class Group:
    """One group of differing inputs: its name (a key path) and ``b``'s value (``MISSING`` when
    ``b`` does not have the key)."""

    name: str
    path: tuple
    value: object


_MISSING = object()


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


# ----------------------------------------------------------------------------- groups

def _strip_text(v):
    """A value with the keys that carry only documentation removed (they change no number)."""
    if isinstance(v, dict):
        return {k: _strip_text(x) for k, x in v.items() if k not in _TEXT_KEYS}
    if isinstance(v, list):
        return [_strip_text(x) for x in v]
    return v


def _is_section(v) -> bool:
    """A mapping of named inputs (split further at depth 2), not a value form such as
    ``{value: ..., source: ...}`` or a distribution, which is one input."""
    return isinstance(v, dict) and not any(k in v for k in _VALUE_FORM_KEYS)


def scenario_groups(a_data: dict, b_data: dict, depth: int = 1) -> list:
    """The groups of inputs in which two resolved scenarios differ, in the scenario language's order."""
    if depth not in (1, 2):
        raise CompareError(f"depth must be 1 (sections) or 2 (keys inside sections), got {depth}")
    groups = []
    keys = list(a_data) + [k for k in b_data if k not in a_data]
    for k in keys:
        if k in _NOT_INPUTS or k in _HELD_EQUAL:
            continue
        va, vb = a_data.get(k, _MISSING), b_data.get(k, _MISSING)
        if va is not _MISSING and vb is not _MISSING and _strip_text(va) == _strip_text(vb):
            continue
        if depth == 2 and _is_section(va) and _is_section(vb):
            sub = list(va) + [s for s in vb if s not in va]
            for s in sub:
                sa, sb = va.get(s, _MISSING), vb.get(s, _MISSING)
                if sa is not _MISSING and sb is not _MISSING and _strip_text(sa) == _strip_text(sb):
                    continue
                groups.append(Group(f"{k}.{s}", (k, s), copy.deepcopy(sb) if sb is not _MISSING else _MISSING))
        else:
            groups.append(Group(k, (k,), copy.deepcopy(vb) if vb is not _MISSING else _MISSING))
    return groups


def _with_groups(a_data: dict, groups) -> dict:
    out = copy.deepcopy(a_data)
    for g in groups:
        node = out
        for k in g.path[:-1]:
            node = node.setdefault(k, {})
        if g.value is _MISSING:
            node.pop(g.path[-1], None)
        else:
            node[g.path[-1]] = copy.deepcopy(g.value)
    return out


# ----------------------------------------------------------------------------- metrics

@dataclass
class _Metric:
    text: str
    kind: str          # run | actuarial_balance | breakeven
    parsed: object = None
    fund: str = ""
    months: float = 6.0
    stat: str = "median"


def _parse(text: str) -> _Metric:
    from .sweep import MetricError, parse_metric

    parts = [p.strip() for p in str(text).split(":")]
    if parts[0] == "actuarial_balance":
        if len(parts) not in (3, 4) or parts[1] not in ("employee_pooled", "resident"):
            raise CompareError(f"metric {text!r}: write actuarial_balance:FUND[:MONTHS]:STAT with FUND "
                               "employee_pooled or resident (e.g. actuarial_balance:employee_pooled:median)")
        try:
            months = float(parts[2]) if len(parts) == 4 else 6.0
        except ValueError:
            raise CompareError(f"metric {text!r}: the ending target '{parts[2]}' is not a number of months") from None
        stat = parts[-1]
        if stat not in ("median", "mean") and not (stat.startswith("p") and stat[1:].replace(".", "", 1).isdigit()):
            raise CompareError(f"metric {text!r}: the statistic '{stat}' must be median, mean or pNN")
        return _Metric(text, "actuarial_balance", fund=parts[1], months=months, stat=stat)
    try:
        m = parse_metric(text)
    except MetricError as e:
        raise CompareError(str(e) + "; or actuarial_balance:FUND[:MONTHS]:STAT") from None
    return _Metric(text, "breakeven" if m.kind == "breakeven" else "run", parsed=m)


def _stat(values: np.ndarray, stat: str) -> float:
    if stat == "median":
        return float(np.median(values))
    if stat == "mean":
        return float(np.mean(values))
    return float(np.percentile(values, float(stat[1:])))


def _units(m: _Metric, breakeven_units: str = "") -> str:
    from .sweep import metric_units

    if m.kind == "actuarial_balance":
        return ("fraction of the contribution base" if m.fund == "employee_pooled"
                else "fraction of resident financing")
    return metric_units(m.parsed, breakeven_units)


def _evaluate(ds, metrics) -> list:
    from .breakeven import actuarial_balance
    from .sweep import evaluate_metric

    values = []
    for m in metrics:
        if m.kind == "actuarial_balance":
            ab = actuarial_balance(ds, target_months=m.months)["actuarial_balance"].sel(fund=m.fund).values
            values.append(_stat(np.asarray(ab, dtype=float), m.stat))
        elif m.kind == "run":
            values.append(float(evaluate_metric(ds, m.parsed)))
        else:
            values.append(None)   # solved separately
    return values


# ----------------------------------------------------------------------------- the runs

def _load(ref, overrides, what):
    from .scenario import LoadedScenario, load_scenario

    if isinstance(ref, LoadedScenario):
        return ref if not overrides else load_scenario(ref.data, list(overrides))
    return load_scenario(ref, list(overrides))


def _label(ref) -> str:
    from .scenario import LoadedScenario

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
    from .api import prepare, run_compiled
    from .scenario import load_scenario

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
            from .breakeven import BreakevenError, breakeven
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


def _num(v):
    return None if v is None or not math.isfinite(v) else float(v)


def _diff(x, y):
    if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
        return None
    return float(x) - float(y)


# ----------------------------------------------------------------------------- text

def _fmt(v, units=""):
    if v is None:
        return "n/a"
    if units.startswith("calendar year"):
        return f"{v:+.0f} y"
    if units.startswith("fraction of the contribution") or units.startswith("fraction of resident"):
        return f"{100 * v:+.2f}%"
    if units == "fraction of paths":
        return f"{v:+.3f}"
    if abs(v) >= 1000:
        return f"{v:+,.0f}"
    return f"{v:+.3f}" if abs(v) < 10 else f"{v:+.2f}"


def _fmt_level(v, units=""):
    if v is not None and units.startswith("calendar year"):
        return f"{v:.0f}"
    if v is None and units.startswith("calendar year"):
        return "not within horizon"
    s = _fmt(v, units)
    return s[1:] if s.startswith("+") else s


def format_comparison(c: Comparison) -> str:
    """A text table: per metric, a's and b's value, the total difference, each group's part and the remainder."""
    how = ("each group applied alone to A; the remainder is the groups' interaction" if c.method == "one_at_a_time"
           else "groups applied cumulatively in the order listed; parts depend on the order")
    lines = [f"Reasons for change from A = {c.a} to B = {c.b}",
             f"{c.paths} paths, seed {c.seed}, horizon {c.horizon} years, common random numbers; {how}."]
    if not c.groups:
        lines.append("The two scenarios do not differ in any input: every difference is zero.")
    else:
        lines.append("Groups of differing inputs, in order: " + ", ".join(g.name for g in c.groups))
    for m in c.metrics:
        u = m["units"]
        lines += ["", f"{m['metric']}  ({u})",
                  f"  A {_fmt_level(m['a_value'], u):>12}   B {_fmt_level(m['b_value'], u):>12}   "
                  f"total change {_fmt(m['total'], u)}"]
        width = max([len(p["group"]) for p in m["parts"]] + [len("interaction remainder")])
        for p in m["parts"]:
            lines.append(f"    {p['group']:<{width}}  {_fmt(p['contribution'], u):>12}")
        lines.append(f"    {'interaction remainder':<{width}}  {_fmt(m['remainder'], u):>12}")
    for n in c.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def comparison_json(c: Comparison) -> str:
    return json.dumps(c.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
