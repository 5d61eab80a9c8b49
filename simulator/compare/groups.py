"""The groups of inputs in which two resolved scenarios differ (:func:`scenario_groups`), and a
scenario with some of them applied (:func:`_with_groups`).  Part of :mod:`simulator.compare`."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..errors import EXIT_BAD_INPUT, SimulatorError

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
