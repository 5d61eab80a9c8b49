"""The text of a variant: ``key.path=value`` overrides, grid values (lists, ``V1,V2``, ``START:STOP:STEP``)
and sample ranges, parsed as ``--set`` takes them."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import SimulatorError
from .common import SweepError


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
    from ..scenario.loader import parse_override
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
