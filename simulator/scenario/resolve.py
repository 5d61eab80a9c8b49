"""Which files make a scenario: a built-in name or a path (installed scenarios under
``simulator/scenarios/``), the ``extends`` chain deep-merged child over parent, and stacks
``a+b+c`` (the changes of each later variant applied in order; ``loader``'s docstring has the
rules).  Parsed files are kept by content digest, so a sweep that reloads a scenario parses it
once."""

from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import ScenarioError, excerpt
from . import disk_cache
from .keypaths import _child_node, _did_you_mean, _kind, _shape
from .result import LoadedScenario
from .schema import Scenario
from .yaml_read import MAX_FILE_BYTES, _looks_like_scenario, _parse_text, _plain, _read_file, _Unreadable


_YAML_SUFFIXES = (".yaml", ".yml")


# ----------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class _Source:
    kind: str              # "builtin" | "file" | "dict" | "stack"
    ident: str             # identity for cycle detection
    label: str             # how messages name it
    origin: str            # LoadedScenario.origin
    base: object           # folder that relative ``extends`` resolve against (Path or Traversable)
    resource: object = None  # Traversable (builtin) or Path (file)
    data: object = None      # dict sources


def _builtin_dir():
    return resources.files("simulator").joinpath("scenarios")


def list_builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package (``simulator/scenarios/*.yaml``)."""
    try:
        entries = list(_builtin_dir().iterdir())
    except (FileNotFoundError, NotADirectoryError, OSError):
        return []
    return sorted(e.name[: -len(".yaml")] for e in entries if e.name.endswith(".yaml") and e.is_file())


def _builtin(name: str) -> _Source | None:
    res = _builtin_dir().joinpath(f"{name}.yaml")
    if not res.is_file():
        return None
    if isinstance(res, Path):
        label, ident = str(res), os.path.realpath(res)
    else:
        label, ident = f"<built-in>/{name}.yaml", f"builtin:{name}"
    return _Source("builtin", ident, label, name, _builtin_dir(), resource=res)


def builtin_province(name: str):
    """The shipped province file ``simulator/scenarios/provinces/NAME.yaml`` (a resource), or None."""
    try:
        res = _builtin_dir().joinpath("provinces", f"{name}.yaml")
        return res if res.is_file() else None
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None


def is_province_file(source, base=None) -> bool:
    """True if ``source`` (a path relative to ``base``, a shipped province's name or a dict) is a
    province file, told by its top-level ``province:`` key without validating it.  Here, below
    :mod:`simulator.province`, so that the scenario loader can refuse one with a clear message."""
    if isinstance(source, dict):
        return set(source) == {"province"}
    if source is None or not isinstance(source, (str, os.PathLike)):
        return False
    ref = str(source)
    path = Path(base, ref) if base is not None and not Path(ref).is_absolute() else Path(ref)
    if path.exists():
        if not path.is_file() or path.suffix.lower() not in _YAML_SUFFIXES:
            return False
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return any(line.startswith("province:") for line in fh.read(65536).splitlines())
        except OSError:
            return False
    return STACK_SEPARATOR not in ref and builtin_province(ref) is not None


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith(_YAML_SUFFIXES) or ref.startswith(".")


def _file_source(path: Path) -> _Source:
    label = os.path.normpath(str(path))
    try:
        ident = os.path.realpath(path)
    except OSError:
        ident = os.path.abspath(path)
    return _Source("file", ident, label, label, Path(label).parent, resource=Path(label))


def _resolve_ref(ref: str, base) -> tuple[_Source | None, str]:
    """A built-in name or a path (relative to ``base``) -> source, or None and why not."""
    builtins = list_builtin_scenarios()
    if not _looks_like_path(ref):
        if ref in builtins:
            return _builtin(ref), ""
    if isinstance(base, Path) or base is None:
        path = Path(ref).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if os.path.lexists(path) or _looks_like_path(ref):  # a FIFO or a device too: refused when read
            return _file_source(path), ""
        return None, (f"no built-in scenario or file named {excerpt(ref, 200)}"
                      + _did_you_mean(ref, builtins, "built-in scenarios"))
    # relative to a built-in scenario that is not on the file system (e.g. inside a zip)
    res = base.joinpath(ref)
    if res.is_file():
        name = res.name[: -len(".yaml")] if res.name.endswith(".yaml") else res.name
        return _Source("builtin", f"builtin:{ref}", f"<built-in>/{ref}", name, base, resource=res), ""
    return None, f"no built-in scenario or file named {excerpt(ref, 200)}" + _did_you_mean(ref, builtins, "built-in scenarios")


def _top_source(source, base_dir) -> _Source:
    base = Path(base_dir) if base_dir is not None else None
    if source is None:
        source = "baseline"
    if isinstance(source, os.PathLike):
        path = Path(source)
        if not path.is_absolute() and base is not None:
            path = base / path
        return _file_source(path)
    if isinstance(source, str):
        if not source.strip():
            raise ScenarioError("the scenario name or path is empty")
        src, why = _resolve_ref(source, base)
        if src is None:
            raise ScenarioError(why)
        return src
    if isinstance(source, dict):
        return _Source("dict", f"dict:{id(source)}", "<dict>", "<dict>", base, data=source)
    raise ScenarioError(f"a scenario is a built-in name, a path to a YAML file or a dict, got {type(source).__name__}")


def _read_source(src: _Source) -> tuple[dict, dict]:
    """Plain data and ``{key path: (file, line)}`` of one scenario file (no ``extends`` yet)."""
    locs: dict = {}
    if src.kind == "dict":
        return _plain(src.data, (), src.label, locs, None), locs
    res = src.resource
    if isinstance(res, (str, os.PathLike)):
        raw = _read_file(Path(res), src.label)
    else:  # a built-in scenario inside a package archive
        try:
            raw = res.read_bytes()
        except FileNotFoundError:
            raise ScenarioError([(None, "file not found", None, src.label)], src.label) from None
        except OSError as e:
            raise ScenarioError([(None, f"cannot read the file ({e.strerror or type(e).__name__})", None, src.label)], src.label) from None
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([(None, f"is larger than {MAX_FILE_BYTES / 1e6:g} MB", None, src.label)], src.label)
    key = (src.label, hashlib.sha256(raw).digest())
    hit = _PARSED.get(key)
    if hit is not None:
        return copy.deepcopy(hit)
    disk_key = disk_cache.key("parse", key[0].encode("utf-8", "surrogateescape"), key[1])
    out = disk_cache.get(disk_key)
    if isinstance(out, tuple) and len(out) == 2:  # parsed by an earlier process
        _remember(key, out)
        return out
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError([(None, f"file is not UTF-8 text (byte {e.start})", None, src.label)], src.label) from None
    doc = _parse_text(text, src.label)
    if doc is None:
        raise ScenarioError([(None, "file is empty: a scenario is a mapping of keys (name:, base_year:, ...)",
                              None, src.label)], src.label)
    if not isinstance(doc, dict):
        # the content is not quoted: a file that is not a scenario is never echoed
        raise ScenarioError([(None, f"is not a scenario: the top level must be a mapping of keys (name:, base_year:, ...), "
                                    f"got {_shape(doc)}", None, src.label)], src.label)
    _looks_like_scenario(doc, src.label)
    out = (_plain(doc, (), src.label, locs, 1), locs)
    disk_cache.put(disk_key, out)
    _remember(key, out)
    return out


def _remember(key, out) -> None:
    if len(_PARSED) >= 32:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[key] = copy.deepcopy(out)


#: parsed files by (label, content digest): a sweep that reloads a scenario parses it once
_PARSED: dict = {}


# ----------------------------------------------------------------------------- extends


def _deep_merge(parent, child, node=("model", Scenario)):
    """The child over the parent: sections (mappings of schema keys) merge key by key, recursively;
    anything else in the child replaces the parent's value whole: numbers, text, lists, and every
    parameter or age profile however it is written (a schedule ``{2025: x, 2030: y}`` is not
    merged year by year, and ``{value: x}`` over ``{dist: ..}`` is not mixed with it)."""
    if isinstance(parent, dict) and isinstance(child, dict) and node is not None and node[0] in ("model", "dict"):
        out = dict(parent)
        for k, v in child.items():
            out[k] = _deep_merge(parent[k], v, _child_node(node, k)) if k in parent else v
        return out
    return child


def _merge_locations(merged, child_locs: dict, parent_locs: dict) -> dict:
    out: dict = {}

    def walk(node, path):
        if path:
            hit = child_locs.get(path) or parent_locs.get(path)
            if hit is not None:
                out[path] = hit
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))

    walk(merged, ())
    return out


def _resolve(src: _Source, stack: tuple, layers: list | None = None) -> tuple[dict, dict, tuple, dict]:
    """Data, locations and chain of ``src`` with its ``extends`` resolved, and its own data.

    ``layers``, when given, receives ``(own data, own locations)`` of every file of the chain,
    child first (a stacked variant applies all but the last, complete one)."""
    data, locs = _read_source(src)
    if layers is not None:
        layers.append((copy.deepcopy(data), dict(locs)))
    chain = (src.label,)
    ref = data.get("extends")
    if ref is None:
        return data, locs, chain, data
    eline = locs.get(("extends",), (src.label, None))[1]
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError([("extends", f"must be a built-in scenario name or a file path, got {_kind(ref)}",
                              eline, src.label)], src.label)
    parent_src, why = _resolve_ref(ref.strip(), src.base)
    if parent_src is None:
        raise ScenarioError([("extends", why, eline, src.label)], src.label)
    idents = [s.ident for s in stack] + [src.ident]
    if parent_src.ident in idents:
        names = [s.label for s in stack] + [src.label]
        loop = names[idents.index(parent_src.ident):] + [parent_src.label]
        raise ScenarioError([("extends", "extends cycle: " + " -> ".join(loop), eline, src.label)], src.label)
    try:
        pdata, plocs, pchain, _ = _resolve(parent_src, stack + (src,), layers)
    except _Unreadable as e:
        # reported where the reference is written: "child.yaml:1: extends: /dev/zero: is a character device"
        if parent_src.kind == "file" and len(e.problems) == 1 and e.problems[0][3] == parent_src.label:
            problem = e.problems[0][1]
            msg = f"file not found: {parent_src.label}" if problem == "file not found" else f"{parent_src.label} {problem}"
            raise ScenarioError([("extends", msg, eline, src.label)], src.label) from None
        raise
    merged = _deep_merge(pdata, data)
    return merged, _merge_locations(merged, locs, plocs), chain + pchain, data


# ----------------------------------------------------------------------------- stacks


STACK_SEPARATOR = "+"


def _stack_label(element) -> str:
    if isinstance(element, dict):
        return "<dict>"
    return str(element)


def _is_one_scenario(ref: str, base) -> bool:
    """Whether a string holding ``+`` names one existing file or built-in scenario."""
    if ref in list_builtin_scenarios():
        return True
    path = Path(ref).expanduser()
    if not path.is_absolute() and isinstance(base, Path):
        path = base / path
    return os.path.lexists(path)


def _stack_elements(source, base) -> list | None:
    """The elements of a stacked source (a list, or a string ``a+b+c``), or None for one scenario."""
    if isinstance(source, (list, tuple)):
        if not source:
            raise ScenarioError("the list of scenarios to stack is empty: give at least one name or file")
        return list(source)
    if isinstance(source, str) and STACK_SEPARATOR in source and not _is_one_scenario(source.strip(), base):
        return [part.strip() for part in source.split(STACK_SEPARATOR)]
    return None


def _stack_problem(stack_text: str, index: int, count: int, problem: str) -> ScenarioError:
    return ScenarioError([(None, f"element {index} of {count} of the stack: {problem}", None, stack_text)], stack_text)


def _stack_element_source(element, index: int, count: int, stack_text: str, base) -> _Source:
    """The source of one stack element; a missing name or file is reported with its position."""
    if isinstance(element, (LoadedScenario, list, tuple)):
        raise _stack_problem(stack_text, index, count, f"a stack element is a name, a file path or a dict, "
                                                       f"got {type(element).__name__}")
    if isinstance(element, str) and not element.strip():
        raise _stack_problem(stack_text, index, count, "is empty (two '+' in a row, or one at an end?)")
    try:
        src = _top_source(element, base)
    except ScenarioError as e:
        raise _stack_problem(stack_text, index, count, e.problems[0][1]) from None
    if src.kind == "file" and not os.path.lexists(src.resource):
        raise _stack_problem(stack_text, index, count, f"file not found: {src.label}")
    return src


def _resolve_stack(elements: list, base) -> tuple[dict, dict, tuple, str, tuple]:
    """Data, locations and chain of a stack (see the module's docstring), its label and elements."""
    labels = tuple(_stack_label(e) for e in elements)
    stack_text = STACK_SEPARATOR.join(labels)
    count = len(elements)
    sources = [_stack_element_source(e, i + 1, count, stack_text, base) for i, e in enumerate(elements)]
    data, locs, chain, own = _resolve(sources[0], ())
    names = [own.get("name") if "extends" in own else data.get("name")]
    descriptions = [data.get("description")]
    for src in sources[1:]:
        layers: list = []
        _, _, more_chain, _ = _resolve(src, (), layers)
        if len(layers) > 1:
            layers = layers[:-1]  # the complete scenario the variant was written against
        changes, change_locs = {}, {}
        for layer, layer_locs in reversed(layers):  # parent first, so the child wins
            merged = _deep_merge(changes, layer)
            change_locs = _merge_locations(merged, layer_locs, change_locs)
            changes = merged
        changes.pop("extends", None)
        names.append(changes.get("name"))
        descriptions.append(changes.get("description"))
        merged = _deep_merge(data, changes)
        locs = _merge_locations(merged, change_locs, locs)
        data, chain = merged, chain + more_chain
    # the stack is complete: its `extends` has been applied and is not applied again on a reload
    data.pop("extends", None)
    locs.pop(("extends",), None)
    data["name"] = STACK_SEPARATOR.join(str(n) if isinstance(n, str) and n else Path(lab).stem
                                        for n, lab in zip(names, labels))
    text = " + ".join(d.strip() for d in descriptions if isinstance(d, str) and d.strip())
    if text:
        data["description"] = text
    return data, locs, chain, stack_text, labels
