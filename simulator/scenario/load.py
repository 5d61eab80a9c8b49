"""The entry point: :func:`load_scenario` reads and resolves a scenario (``resolve``), applies the
``--set`` overrides (``overrides``), validates it with the schema and reports every validation
error with its key path, file and line."""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
from pathlib import Path

from pydantic import ValidationError

from ..errors import MAX_PROBLEMS_SHOWN, ScenarioError, excerpt
from . import disk_cache
from .keypaths import _canonical, _dotted, _kind, _locate, _schema_node, _valid_keys
from .overrides import _apply_override
from .resolve import (STACK_SEPARATOR, _resolve, _resolve_stack, _Source, _stack_elements, _stack_label, _top_source,
                      is_province_file)
from .result import LoadedScenario, dump_yaml, dump_yaml_section
from .schema import Scenario
from ..errors import suggest
from .yaml_read import _too_deep


# ----------------------------------------------------------------------------- validation


_PREFIXES = ("Value error, ", "Assertion failed, ")


def _validation_problems(err: ValidationError, locs: dict, top_label: str) -> tuple[list, int]:
    """The problems of a validation error, in file and line order: the first
    :data:`~simulator.errors.MAX_PROBLEMS_SHOWN` of them, and how many more there are.

    Linear in the number of errors (a file with 100,000 unknown keys): the "did you mean" of an
    unknown key is worked out only for the problems that are listed."""
    found = []
    for e in err.errors(include_url=False):
        loc = tuple(e.get("loc", ()))
        etype = e.get("type", "")
        msg = str(e.get("msg", ""))
        for p in _PREFIXES:
            if msg.startswith(p):
                msg = msg[len(p):]
        inp = e.get("input")
        unknown = False
        if loc and loc[-1] == "[key]":  # a bad key of a dict[Literal[...], ...]
            loc = loc[:-1]
            msg, unknown = None, True
        elif etype == "extra_forbidden":
            msg, unknown = None, True
        elif etype == "missing":
            msg = "required key is missing"
        elif etype in ("model_type", "model_attributes_type", "dict_type"):
            msg = f"expected a mapping of keys, got {_kind(inp)}"
        elif etype == "list_type":
            msg = f"expected a list, got {_kind(inp)}"
        elif etype not in ("value_error", "assertion_error") and not isinstance(inp, (dict, list)):
            msg += f", got {_kind(inp)}"
        found.append((loc, msg, unknown))
    unknown_locs = {loc for loc, _, u in found if u}
    problems: list = []
    seen: set = set()
    for loc, msg, u in found:
        if not u and unknown_locs and any(loc[:n] in unknown_locs for n in range(1, len(loc) + 1)):
            continue  # problems inside a key that is itself unknown are noise
        file, line = _locate(locs, loc, top_label)
        key = (loc, msg, line, file)
        if key in seen:
            continue
        seen.add(key)
        problems.append((loc, msg, line, file))
    files = {f: i for i, f in enumerate(dict.fromkeys(p[3] for p in problems))}
    problems.sort(key=lambda p: (files[p[3]], p[2] if p[2] is not None else float("inf")))
    shown = []
    for loc, msg, line, file in problems[:MAX_PROBLEMS_SHOWN]:
        if msg is None:  # an unknown key: the suggestion is worked out here, for listed problems only
            keys = _valid_keys(_schema_node(loc[:-1]))
            name = loc[-1]
            shown_name = excerpt(name) if isinstance(name, str) else repr(name)
            msg = f"unknown key {shown_name}{suggest(name, keys)}"
        shown.append((_dotted(loc) or None, msg, line, file))
    return shown, len(problems) - len(shown)


# ----------------------------------------------------------------------------- entry point


#: the YAML of top-level sections dumped in this process, by their pickle (a sweep's variants
#: share all but the sections their overrides touch)
_SECTIONS: dict = {}
_MAX_SECTIONS = 512


def _dump(data) -> str:
    """:func:`dump_yaml` of the resolved data, from the on-disk memo when this very data (the
    pickle records every type, value and key order) was dumped before (:mod:`.disk_cache`);
    otherwise section by section (:func:`~.result.dump_yaml_section`: the same text), each
    section from this process's memo or the disk's when it was dumped before, so a variant that
    changes one key dumps one section."""
    try:
        blobs = [pickle.dumps((k, v), protocol=4) for k, v in data.items()]
    except Exception:  # not picklable: dumped as always
        return dump_yaml(data)
    if not blobs:
        return dump_yaml(data)
    whole = disk_cache.key("dump", *blobs)
    text = disk_cache.get(whole)
    if isinstance(text, str):
        return text
    parts = []
    for (k, v), blob in zip(data.items(), blobs):
        part = _SECTIONS.get(blob)
        if part is None:
            sk = disk_cache.key("dump-section", blob)
            part = disk_cache.get(sk)
            if not isinstance(part, str):
                part = dump_yaml_section(k, v)
                disk_cache.put(sk, part)
            if len(_SECTIONS) >= _MAX_SECTIONS:
                _SECTIONS.pop(next(iter(_SECTIONS)))
            _SECTIONS[blob] = part
        parts.append(part)
    text = "".join(parts)
    disk_cache.put(whole, text)
    return text


def _validate(data) -> Scenario:
    """``Scenario.model_validate(data)``, from the on-disk memo when this very data (its pickle) was
    validated before (:mod:`.disk_cache`): the schema's models are built lazily (``defer_build``),
    so a warm run neither builds the validators (about 0.1 s) nor runs them.  Only a valid
    scenario is stored; invalid data is validated every time and raises as before."""
    try:
        k = disk_cache.key("validated", pickle.dumps(data, protocol=4))
    except Exception:  # not picklable: validated as always
        return Scenario.model_validate(data)
    hit = disk_cache.get(k)
    if isinstance(hit, Scenario):
        return hit
    scenario = Scenario.model_validate(data)
    disk_cache.put(k, scenario)
    return scenario


#: the commands that take a province file (section 17) as well as a scenario
PROVINCE_COMMANDS = "run, sweep, sensitivity, breakeven, report, plot --kind regions, summary and export"


def _not_a_province(source, base) -> None:
    """A province file given where one scenario is meant: one clear message, not 'no scenario'."""
    if is_province_file(source, base):
        raise ScenarioError([(None, f"is a province file (several regions); {PROVINCE_COMMANDS} take one, this "
                              "takes one scenario: give a region's scenario (e.g. the file or name its regions list)",
                              None, str(source))], str(source))


def load_scenario(source=None, overrides=(), *, base_dir=None) -> LoadedScenario:
    """Load, resolve and validate a scenario.

    Parameters
    ----------
    source : None, str, path, dict or LoadedScenario
        ``None`` (the built-in ``baseline``), a built-in name (:func:`list_builtin_scenarios`),
        a path to a YAML file, an already parsed dict, or a loaded scenario (returned as it is
        when there are no overrides).
        A string ``"a+b+c"`` or a list ``[a, b, c]`` (names, paths or dicts) is a stack: ``a``
        resolved, then the changes of ``b`` and of ``c`` applied in order (module docstring).
    overrides : iterable of str
        ``"key.path=VALUE"`` strings applied after ``extends`` and the stack (the CLI's ``--set``).
    base_dir : path, optional
        Folder that relative paths in ``source`` (and ``extends`` of a dict) resolve against;
        the working directory by default.

    Raises
    ------
    ScenarioError
        One error listing every problem, each with its file, key path and line.
    """
    if isinstance(overrides, str):
        overrides = (overrides,)
    overrides = tuple(overrides or ())
    if isinstance(source, LoadedScenario):
        if not overrides:
            return source
        source = copy.deepcopy(source.data)
    base = Path(base_dir) if base_dir is not None else None
    if isinstance(source, (str, os.PathLike)) and not isinstance(source, bool):
        _not_a_province(source, base)
    elements = _stack_elements(source, base)
    if elements is not None and len(elements) == 1:
        source, elements = elements[0], None
    if elements is not None:
        try:
            data, locs, chain, label, stack = _resolve_stack(elements, base)
        except RecursionError:
            raise _too_deep(STACK_SEPARATOR.join(_stack_label(e) for e in elements)) from None
        src = _Source("stack", f"stack:{label}", label, label, base)
    else:
        src = _top_source(source, base_dir)
        try:
            data, locs, chain, own = _resolve(src, ())
        except RecursionError:  # not expected (nesting and extends chains are bounded): one line all the same
            raise _too_deep(src.label) from None
        if "extends" in own and "name" not in own:
            data.pop("name", None)  # a name is never inherited: the child must name itself
            locs.pop(("name",), None)
        stack = (str(src.origin),)
    for text in overrides:
        _apply_override(data, locs, text)
    try:
        scenario = _validate(data)
    except ValidationError as e:
        problems, more = _validation_problems(e, locs, src.label)
        missing_top = [p for p in problems if p[1] == "required key is missing" and p[0] and "." not in p[0]]
        if "extends" not in data and len(missing_top) >= 3:
            if len(problems) >= MAX_PROBLEMS_SHOWN:
                problems, more = problems[:MAX_PROBLEMS_SHOWN - 1], more + 1
            problems.append((None, "hint: a policy variant is usually written as a diff over the built-in scenario: "
                             "start the file with 'extends: baseline' and a 'name:'", None, src.label))
        raise ScenarioError(problems, src.label, more=more) from None
    except RecursionError:
        raise _too_deep(src.label) from None
    except (ValueError, TypeError, KeyError, IndexError) as e:  # a validator that failed outside pydantic
        raise ScenarioError([(None, f"{type(e).__name__}: {excerpt(str(e), 200)}", None, src.label)], src.label) from None
    data = _canonical(data)
    text = _dump(data)
    return LoadedScenario(scenario=scenario, data=data, origin=src.origin, text=text,
                          hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), chain=chain,
                          locations=dict(locs), stack=tuple(stack))
