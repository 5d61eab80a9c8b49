"""Key paths (``a.b[0].c``), the schema tree they walk, and the words messages use for values.

A key path is a tuple (``("expenditure", "disease_groups", 0, "share")``), shown dotted
(:func:`_dotted`) and read back from text (:func:`_split_key_path`); :func:`_locate` finds the
``(file, line)`` that wrote it.  The schema walk turns the pydantic models of ``schema.py`` into
nodes (``("model", cls)``, ``("list", node)``, ``("dict", keys, node)``, ``("value", kind)``,
``("scalar", ann)``) that ``extends``, ``--set`` and the error messages follow.
"""

from __future__ import annotations

import difflib
import re
import types
import typing

from pydantic import BaseModel

from ..errors import excerpt
from .schema import Scenario


# ----------------------------------------------------------------------------- key paths


_PLAIN_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,40}")


def _dotted(path) -> str:
    """``("a", "b", 0, "c")`` -> ``a.b[0].c``; a long key or one with control characters is
    shown as a short escaped excerpt (an error message never quotes much of a file)."""
    out = ""
    for k in path:
        if isinstance(k, int) and not isinstance(k, bool):
            out += f"[{k}]"
        else:
            k = str(k)
            out += ("." if out else "") + (k if _PLAIN_NAME.fullmatch(k) else excerpt(k))
    return out


_TOKEN = re.compile(r"\[(\s*-?\d+\s*)\]")


def _split_key_path(text: str) -> list:
    """``"a.b[0].c"`` / ``"a.b.0.c"`` -> ``["a", "b", 0, "c"]`` (digits become ints)."""
    out: list = []
    for part in text.split("."):
        part = part.strip()
        head, _, _ = part.partition("[")
        rest = part[len(head):]
        if head:
            out.append(int(head) if re.fullmatch(r"-?\d+", head) else head)
        elif not rest:
            raise ValueError("empty key (two dots in a row, or a dot at the start or end)")
        while rest:
            m = _TOKEN.match(rest)
            if not m:
                raise ValueError(f"cannot read '{part}' (a list index is written [0])")
            out.append(int(m.group(1)))
            rest = rest[m.end():]
    return out


def _locate(locs: dict, path: tuple, default_file) -> tuple:
    for n in range(len(path), 0, -1):
        hit = locs.get(path[:n])
        if hit is not None:
            return hit
    return (default_file, None)


# ----------------------------------------------------------------------------- values in messages


def _shape(v) -> str:
    """What a value is, without quoting it."""
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, (list, tuple)):
        return "a list"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text" if "\n" not in v.strip() else "lines of text"
    return "a value"


def _kind(v) -> str:
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"a boolean ({v!r})"
    if isinstance(v, (int, float)):
        return f"a number ({excerpt(v)})"
    return f"text ({excerpt(str(v))})"


def _did_you_mean(word: str, choices, what: str) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(word[:100], choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; {what}: {', '.join(choices)}" if choices else ""


# ----------------------------------------------------------------------------- schema walk


def _unwrap_optional(ann):
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return _unwrap_optional(args[0])
    return ann


def _is_model(ann) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _node_of_annotation(ann):
    """Schema node: ("model", cls) | ("list", node) | ("dict", keys, node) | ("scalar", ann)."""
    ann = _unwrap_optional(ann)
    if _is_model(ann):
        return ("model", ann)
    origin = typing.get_origin(ann)
    if origin is list:
        (inner,) = typing.get_args(ann) or (typing.Any,)
        return ("list", _node_of_annotation(inner))
    if origin is dict:
        kt, vt = typing.get_args(ann) or (typing.Any, typing.Any)
        keys = typing.get_args(kt) if typing.get_origin(kt) is typing.Literal else None
        return ("dict", keys, _node_of_annotation(vt))
    return ("scalar", ann)


def _field_node(model, name):
    f = model.model_fields.get(name) if isinstance(name, str) else None
    if f is None:
        return None
    kind = (f.json_schema_extra or {}).get("value_kind") if isinstance(f.json_schema_extra, dict) else None
    if kind in ("param", "profile"):
        return ("value", kind)
    return _node_of_annotation(f.annotation)


def _child_node(node, key):
    if node is None:
        return None
    if node[0] == "model":
        return _field_node(node[1], key)
    if node[0] == "list":
        return node[1] if isinstance(key, int) else None
    if node[0] == "dict":
        return node[2]
    if node[0] == "value":
        return node
    return None


def _schema_node(path) -> tuple | None:
    node = ("model", Scenario)
    for k in path:
        node = _child_node(node, k)
        if node is None:
            return None
    return node


def _valid_keys(node) -> list:
    if node is None:
        return []
    if node[0] == "model":
        return list(node[1].model_fields)
    if node[0] == "dict" and node[1] is not None:
        return list(node[1])
    return []


def _canonical(data, node=("model", Scenario)):
    """Order the keys of schema sections as the schema declares them (values are kept as written)."""
    if node is None or node[0] in ("value", "scalar"):
        return data
    if node[0] == "model" and isinstance(data, dict):
        order = list(node[1].model_fields)
        keys = sorted(data, key=lambda k: (order.index(k) if k in order else len(order), 0))
        return {k: _canonical(data[k], _field_node(node[1], k)) for k in keys}
    if node[0] == "dict" and isinstance(data, dict):
        order = list(node[1] or ())
        keys = sorted(data, key=lambda k: order.index(k) if k in order else len(order))
        return {k: _canonical(data[k], node[2]) for k in keys}
    if node[0] == "list" and isinstance(data, list):
        return [_canonical(v, node[1]) for v in data]
    return data
