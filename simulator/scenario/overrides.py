"""The ``--set`` language: ``key.path=VALUE`` with ``VALUE`` a YAML flow value, list items
addressed by index (``disease_groups.0.x``, ``disease_groups[0].x``) or by name
(``disease_groups.neoplasms.x``), applied in order after ``extends`` and the stack.  A parameter
replaced whole gets ``source: "command-line override (--set key.path)"``."""

from __future__ import annotations

import copy
import re

from ..errors import ScenarioError, excerpt
from .keypaths import _did_you_mean, _dotted, _field_node, _kind, _split_key_path
from .schema import Scenario
from .values import PARAM_KEYS, PROFILE_KEYS, suggest
from .yaml_read import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, _bounded, _no_content, _plain, _TooManyNodes


OVERRIDE_FILE = "--set"


# ----------------------------------------------------------------------------- overrides


def _override_error(path_text, msg) -> ScenarioError:
    return ScenarioError([(path_text or None, msg, None, OVERRIDE_FILE)], OVERRIDE_FILE)


#: a plain decimal integer (``--paths 1000`` becomes ``simulation.paths=1000``), which YAML 1.2
#: reads as that int: taken as it is, without importing ruamel.yaml
_PLAIN_INT = re.compile(r"(?:0|[1-9][0-9]{0,18})")


def _parse_flow_value(text: str, path_text: str, tokens=()):
    if _PLAIN_INT.fullmatch(text):
        return _plain(int(text), tuple(tokens), OVERRIDE_FILE, {}, None)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if not text.strip():
        raise _override_error(path_text, "no value after '=' (write null to clear an optional value)")
    if len(text) > MAX_FILE_BYTES:
        raise _override_error(path_text, f"the value is longer than {MAX_FILE_BYTES / 1e6:g} MB")
    try:
        value = _bounded(YAML(typ="safe", pure=True)).load(text)
    except _TooManyNodes:
        raise _override_error(path_text, f"the value has more than {MAX_NODES:,} values") from None
    except RecursionError:
        raise _override_error(path_text, f"the value nests deeper than {MAX_DEPTH} levels") from None
    except YAMLError as e:
        from ruamel.yaml.composer import MaxDepthExceededError

        if isinstance(e, MaxDepthExceededError):
            raise _override_error(path_text, f"the value nests deeper than {MAX_DEPTH} levels") from None
        problem = _no_content((getattr(e, "problem", None) or type(e).__name__).strip())
        raise _override_error(path_text, f"cannot read the value {excerpt(text)} as YAML: {problem}") from None
    return _plain(value, tuple(tokens), OVERRIDE_FILE, {}, None)


def parse_override(text: str) -> tuple[list, object]:
    """``"a.b[0].c=VALUE"`` -> (``["a", "b", 0, "c"]``, parsed VALUE)."""
    if not isinstance(text, str) or "=" not in text:
        raise _override_error(None, f"expected KEY.PATH=VALUE, got {excerpt(text)}")
    key_text, value_text = text.split("=", 1)
    key_text = key_text.strip()
    if not key_text:
        raise _override_error(None, f"no key path before '=' in {excerpt(text)}")
    try:
        tokens = _split_key_path(key_text)
    except ValueError as e:
        raise _override_error(key_text, str(e)) from None
    return tokens, _parse_flow_value(value_text, key_text, tokens)


def _is_meta_mapping(v) -> bool:
    return isinstance(v, dict) and any(k in v for k in ("value", "dist", "table", "schedule"))


def _list_index(node_list, tok, shown, item_kind="item"):
    n = len(node_list)
    if isinstance(tok, int):
        if not -n <= tok < n:
            raise _override_error(shown, f"index {tok} is out of range (the list has {n} {item_kind}s)")
        return tok % n
    names = [d.get("name") for d in node_list if isinstance(d, dict)]
    if tok in names:
        return names.index(tok)
    hint = _did_you_mean(str(tok), [str(x) for x in names if x is not None], "names")
    raise _override_error(shown, f"no list item with index or name '{tok}'{hint}")


def _apply_override(data: dict, locs: dict, text: str) -> None:
    tokens, value = parse_override(text)
    if tokens[0] == "extends":
        raise _override_error("extends", "extends cannot be overridden with --set")
    node = data
    schema = ("model", Scenario)
    path: tuple = ()
    for i, tok in enumerate(tokens):
        last = i == len(tokens) - 1
        here = _dotted(path + (tok,))
        where = _dotted(path) or "the top level"
        kind = schema[0]
        if kind == "model":
            fields = list(schema[1].model_fields)
            if not isinstance(tok, str) or tok not in fields:
                raise _override_error(here, f"unknown key '{tok}'{suggest(tok, fields)}")
            key, child = tok, _field_node(schema[1], tok)
        elif kind == "dict":
            keys = schema[1]
            if keys is not None and tok not in keys:
                raise _override_error(here, f"unknown key '{tok}'{suggest(tok, keys)}")
            key, child = tok, schema[2]
        elif kind == "list":
            if not isinstance(node, list):
                raise _override_error(here, f"'{where}' is not a list in the scenario")
            key, child = _list_index(node, tok, here), schema[1]
            here = _dotted(path + (key,))
        elif kind == "value":
            child = schema
            if isinstance(node, list):
                key = _list_index(node, tok, here, "value")
            elif isinstance(node, dict):
                key = tok
                if isinstance(tok, int) and tok not in node and str(tok) in node:
                    key = str(tok)
                if key not in node:
                    if not last:
                        raise _override_error(here, f"'{where}' has no key '{tok}'{suggest(tok, node.keys())}")
                    _check_new_value_key(node, key, here, schema[1])
            else:
                raise _override_error(here, f"'{where}' is a single value ({_kind(node)}), it has no key '{tok}'")
        else:
            raise _override_error(here, f"'{where}' is a single value, it has no key '{tok}'")

        if kind in ("model", "dict") and not isinstance(node, dict):
            raise _override_error(here, f"'{where}' is {_kind(node)} in the scenario, not a mapping")
        path = path + (key,)
        if last:
            break
        nxt = node[key] if (isinstance(node, list) or key in node) else None
        if nxt is None:
            if child is not None and child[0] in ("model", "dict"):
                node[key] = nxt = {}  # a section the scenario leaves at its defaults
            else:
                raise _override_error(here, f"'{here}' is not set in the scenario, so it has no key '{tokens[i + 1]}'")
        node, schema = nxt, child

    new = value
    if child is not None and child[0] == "value" and schema[0] != "value" and value is not None:
        # a whole parameter or profile replaced: keep where the value came from
        src = f"command-line override ({OVERRIDE_FILE} {_dotted(path)})"
        if _is_meta_mapping(value):
            new = dict(value)
            new.setdefault("source", src)
        else:
            new = {"value": value, "source": src}
    node[key] = copy.deepcopy(new)
    for p in [p for p in locs if p[: len(path)] == path]:
        del locs[p]
    locs[path] = (OVERRIDE_FILE, None)


def _check_new_value_key(node: dict, key, shown, kind) -> None:
    """A key added inside a parameter or profile must make sense there."""
    if _is_meta_mapping(node) or (node and all(isinstance(k, str) and k in (PARAM_KEYS | PROFILE_KEYS) for k in node)):
        valid = PARAM_KEYS if kind == "param" else PROFILE_KEYS
        if key not in valid:
            raise _override_error(shown, f"unknown key '{key}'{suggest(key, valid)}")
    elif node and all(isinstance(k, int) and not isinstance(k, bool) for k in node):
        if not isinstance(key, int):
            raise _override_error(shown, f"'{key}' is not a year (this is a schedule by year)")
