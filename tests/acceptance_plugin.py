"""Acceptance cases in YAML (issue 19 item 3): ``tests/acceptance/*.yaml`` collected as pytest items.

Each file is a list of cases; each case runs a scenario, picks an output at some coordinates,
reduces it to one number with a statistic and compares that with an expected figure from a
named source (docs/howto/acceptance-cases.md). A malformed case is a collection error naming the
file, the case and the key; a failing case is one line: case, expected, got, tolerance, source.
Each distinct run (scenario, set, paths, seed, horizon, assumption_set) runs once per session.
PYTEST_DONT_REWRITE (no asserts here; tests/api/test_acceptance_plugin.py loads it again with -p)
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from pathlib import Path

import pytest

REQUIRED = ("name", "scenario", "output", "statistic", "expected", "tolerance", "source")
OPTIONAL = ("set", "paths", "seed", "horizon", "assumption_set", "select", "sum_over")
DIMS = ("path", "year", "fund", "scheme", "line")
STATISTICS = ("mean", "median", "min", "max", "std", "quantile:Q", "probability_below:X", "probability_above:X")
DEFAULTS = {"paths": 200, "seed": 1, "horizon": None, "assumption_set": None}
_RUNS: dict = {}  # run key -> Dataset, for the session
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class CaseError(Exception):
    """A malformed case: reported as a collection error, without a traceback."""


def _near(word, choices):
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _names(expr: str) -> set:
    """The variable names in an output expression; raises ValueError on anything but + - * / abs()."""
    tree = ast.parse(expr, mode="eval")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "abs" and len(node.args) == 1
                    and not node.keywords):
                raise ValueError("the only function is abs(x)")
        elif isinstance(node, ast.Name):
            if node.id != "abs":
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"{node.value!r} is not a number")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Load, ast.Add, ast.Sub,
                                   ast.Mult, ast.Div, ast.USub, ast.UAdd)):
            raise ValueError(f"{type(node).__name__} is not allowed (only + - * / abs() and numbers)")
    return names


def _evaluate(node, ds):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, ds)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return ds[node.id]
    if isinstance(node, ast.Call):
        return abs(_evaluate(node.args[0], ds))
    if isinstance(node, ast.UnaryOp):
        v = _evaluate(node.operand, ds)
        return -v if isinstance(node.op, ast.USub) else v
    return _OPS[type(node.op)](_evaluate(node.left, ds), _evaluate(node.right, ds))


def _statistic(text: str):
    """(name, parameter or None); raises ValueError for an unknown statistic."""
    name, _, arg = str(text).partition(":")
    if name in ("mean", "median", "min", "max", "std") and not arg:
        return name, None
    if name in ("quantile", "probability_below", "probability_above") and arg:
        x = float(arg)
        if name == "quantile" and not 0 <= x <= 1:
            raise ValueError("quantile:Q needs 0 <= Q <= 1")
        return name, x
    raise ValueError(f"unknown statistic {text!r}; one of {', '.join(STATISTICS)}")


def validate(case, where: str) -> dict:
    """The case with defaults filled in, or CaseError naming ``where`` (file and case) and the key."""
    from simulator.results import VARIABLES

    def bad(key, why):
        raise CaseError(f"{where}: key {key!r}: {why}")

    if not isinstance(case, dict):
        raise CaseError(f"{where}: a case is a mapping of keys, not {type(case).__name__}")
    for key in case:
        if key not in REQUIRED + OPTIONAL:
            bad(key, "unknown key" + _near(key, REQUIRED + OPTIONAL))
    for key in REQUIRED:
        if case.get(key) in (None, ""):
            bad(key, "missing (every case needs " + ", ".join(REQUIRED) + ")")
    c = {**DEFAULTS, "set": [], "select": {}, "sum_over": [], **case}
    try:
        names = _names(str(c["output"]))
    except (SyntaxError, ValueError) as e:
        bad("output", f"{c['output']!r} is not an output expression: {e}")
    for n in sorted(names):
        if n not in VARIABLES:
            bad("output", f"unknown output {n!r} (not in simulator.results.VARIABLES){_near(n, VARIABLES)}")
    try:
        c["_stat"] = _statistic(c["statistic"])
    except ValueError as e:
        bad("statistic", str(e))
    if isinstance(c["expected"], bool) or not isinstance(c["expected"], (int, float)):
        bad("expected", f"{c['expected']!r} is not a number")
    tol = c["tolerance"]
    if (not isinstance(tol, dict) or not tol or set(tol) - {"relative", "absolute"}
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in tol.values())):
        bad("tolerance", f"{tol!r}: give {{relative: r}} and/or {{absolute: a}} with non-negative numbers")
    if not isinstance(c["select"], dict) or set(c["select"]) - set(DIMS):
        bad("select", f"{c['select']!r}: a mapping of coordinates among {', '.join(DIMS)}")
    c["sum_over"] = [c["sum_over"]] if isinstance(c["sum_over"], str) else list(c["sum_over"])
    if set(c["sum_over"]) - set(DIMS):
        bad("sum_over", f"{c['sum_over']!r}: dimensions among {', '.join(DIMS)}")
    if isinstance(c["set"], str):
        c["set"] = [c["set"]]
    if not all(isinstance(s, str) and "=" in s for s in c["set"]):
        bad("set", f"{c['set']!r}: a list of 'key.path=value' overrides")
    for key in ("paths", "seed", "horizon"):
        if c[key] is not None and (isinstance(c[key], bool) or not isinstance(c[key], int) or c[key] < 0):
            bad(key, f"{c[key]!r} is not a whole number")
    if c["assumption_set"] not in (None, "central", "low_cost", "high_cost"):
        bad("assumption_set", f"{c['assumption_set']!r}: one of central, low_cost, high_cost")
    return c


def _scenario(text: str, folder: Path):
    """A built-in name, a file relative to the case file, or a stack joined by '+'."""
    parts = [str(folder / p) if (folder / p).is_file() else p for p in str(text).split("+")]
    return parts[0] if len(parts) == 1 else parts


def _run(c, folder):
    import simulator

    scn = _scenario(c["scenario"], folder)
    key = (str(scn), tuple(c["set"]), c["paths"], c["seed"], c["horizon"], c["assumption_set"])
    if key not in _RUNS:
        _RUNS[key] = simulator.run(scn, paths=c["paths"], seed=c["seed"], horizon=c["horizon"],
                                   overrides=c["set"], assumption_set=c["assumption_set"])
    return _RUNS[key]


def compute(c, ds) -> float:
    """The case's number: output at select, summed over sum_over, reduced by the statistic."""
    x = _evaluate(ast.parse(str(c["output"]), mode="eval"), ds)
    x = x.sel(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in c["select"].items()})
    if c["sum_over"]:
        x = x.sum(c["sum_over"])
    name, arg = c["_stat"]
    if name == "quantile":
        return float(x.quantile(arg))
    if name.startswith("probability"):
        return float(((x < arg) if name == "probability_below" else (x > arg)).mean())
    return float(getattr(x, name)())


class AcceptanceFailure(Exception):
    pass


class CaseItem(pytest.Item):
    def __init__(self, *, case, **kw):
        super().__init__(**kw)
        self.case = case

    def runtest(self):
        c = self.case
        try:
            got = compute(c, _run(c, self.path.parent))
        except Exception as e:  # a bad coordinate or a scenario that does not run: still one line
            raise AcceptanceFailure(f"{self.nodeid}: could not compute it: {type(e).__name__}: {e}") from e
        tol, want = c["tolerance"], c["expected"]
        limit = max(tol.get("absolute", 0.0), tol.get("relative", 0.0) * abs(want))
        if not (math.isfinite(got) and abs(got - want) <= limit):
            raise AcceptanceFailure(
                f"{self.nodeid}: expected {want:.6g}, got {got:.6g} (off by {got - want:.3g}; tolerance "
                f"{', '.join(f'{k} {v:g}' for k, v in tol.items())}); {c['statistic']} of {c['output']} "
                f"at {c['select']}; source: {c['source']}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AcceptanceFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"acceptance: {self.name}"


class CaseFile(pytest.File):
    def collect(self):
        from ruamel.yaml import YAML

        here = self.nodeid  # the file, relative to the rootdir
        try:
            cases = YAML(typ="safe", pure=True).load(self.path.read_text(encoding="utf-8"))
        except Exception as e:
            raise CaseError(f"{here}: not valid YAML: {e}") from e
        if not isinstance(cases, list):
            raise CaseError(f"{here}: an acceptance file is a list of cases (- name: ...)")
        seen = set()
        for i, case in enumerate(cases, 1):
            label = case.get("name") if isinstance(case, dict) and case.get("name") else f"#{i}"
            c = validate(case, f"{here}, case {i} ({label!r})")
            if c["name"] in seen:
                raise CaseError(f"{here}, case {i} ({label!r}): key 'name': a second case of that name")
            seen.add(c["name"])
            yield CaseItem.from_parent(self, name=str(c["name"]), case=c)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "acceptance":
        return CaseFile.from_parent(parent, path=file_path)
    return None
