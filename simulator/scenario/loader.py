"""Scenario files -> a validated :class:`~simulator.scenario.schema.Scenario`.

A scenario is read in four steps, and every problem found on the way becomes one
:class:`~simulator.errors.ScenarioError` naming the file, the key path and (when known) the line:

1. **Parse** the YAML (ruamel.yaml, YAML 1.2).  Duplicate keys, syntax errors, an empty file and
   a top level that is not a mapping are rejected.  The file and line where every key path was
   written are recorded.
2. **extends**: ``extends: baseline`` (a built-in scenario) or ``extends: ../base.yaml`` (a path,
   relative to the extending file's folder) loads the parent first and deep-merges the child over
   it: sections merge key by key, anything else (numbers, text, lists, and each parameter or
   profile however written, e.g. a schedule ``{2025: x, 2030: y}``) is replaced whole.  Chains may be any length; a cycle is an error listing the chain.  The child's
   ``name`` is kept (a name is never inherited) and its ``extends`` stays in the result.
3. **Overrides** ``key.path=VALUE`` (the CLI's ``--set``), applied in order.  ``VALUE`` is a YAML
   flow value (``0.07``, ``{2025: 0.07, 2030: 0.08}``, ``[1, 2]``, ``true``); list items are
   addressed as ``disease_groups.0.x``, ``disease_groups[0].x`` or by the item's ``name``
   (``disease_groups.neoplasms.x``).  A parameter replaced whole gets
   ``source: "command-line override (--set key.path)"``.
4. **Validate** with the pydantic schema; every error is reported with its key path
   (``expenditure.disease_groups[0].share``), the file that wrote the key and its line.

**Stacks.** ``"baseline+a.yaml+b.yaml"`` (or the list ``["baseline", "a.yaml", "b.yaml"]``) is
the first scenario fully resolved, then each later variant's *changes* applied on top of the
result in order, merged as ``extends`` merges, so a later variant overrides an earlier one where
both write the same key.  A variant's changes are the keys written in its file and in the files
it extends, up to the first complete scenario of its chain (the one without ``extends``, usually
the baseline), which is not applied again; a complete scenario later in a stack replaces every key
it writes.  ``--set`` overrides come after the whole stack.  The stack is named by its elements'
names joined with ``+`` and recorded in :attr:`LoadedScenario.stack`.  A string holding ``+`` that
names an existing file or a built-in scenario is that one scenario.

The resolved plain data is dumped as deterministic YAML (:func:`dump_yaml`), which is stored in
result files together with its SHA-256, so a result records exactly the scenario that made it.
"""

from __future__ import annotations

import copy
import datetime as _dt
import difflib
import hashlib
import io
import os
import re
import stat
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import MAX_PROBLEMS_SHOWN, ScenarioError, excerpt
from .schema import Scenario
from .values import PARAM_KEYS, PROFILE_KEYS, suggest

__all__ = ["LoadedScenario", "load_scenario", "list_builtin_scenarios", "dump_yaml", "parse_override"]

OVERRIDE_FILE = "--set"
_YAML_SUFFIXES = (".yaml", ".yml")

#: a scenario file is a regular file of at most this many bytes (checked before it is read)
MAX_FILE_BYTES = 10_000_000
#: at most this many YAML values (mappings, lists, scalars) in one file or ``--set`` value, and
#: in its data once aliases are expanded (the baseline has about 850): bounds an alias bomb
MAX_NODES = 50_000
#: mappings and lists nest at most this deep (the baseline: 7)
MAX_DEPTH = 50


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and the resolved data it came from.

    ``data`` is the plain dict after ``extends`` and overrides (keys in schema order), ``text``
    its YAML (:func:`dump_yaml`) and ``hash`` the SHA-256 hex digest of ``text``.  ``origin`` is
    the file path as given or the built-in name (a stack: its elements joined with ``+``);
    ``chain`` lists the files read, child first.  ``stack`` is the scenarios stacked to make it, in
    the order applied (one element for a scenario that is not a stack).  ``locations`` maps key
    paths (tuples) to the ``(file, line)`` that wrote them.
    """

    scenario: Scenario
    data: dict
    origin: str
    text: str
    hash: str
    chain: tuple = ()
    locations: dict = field(default_factory=dict, repr=False, compare=False)
    stack: tuple = ()

    @property
    def name(self) -> str:
        return self.scenario.name

    def where(self, key_path) -> tuple:
        """``(file, line)`` where a key path (``"a.b[0].c"`` or a tuple) was written, or the
        nearest enclosing key that was; ``(origin, None)`` when nothing is known."""
        if isinstance(key_path, str):
            key_path = tuple(_split_key_path(key_path))
        return _locate(self.locations, tuple(key_path), self.origin)


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


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.lower().endswith(_YAML_SUFFIXES) or ref.startswith(".")


def _file_source(path: Path) -> _Source:
    label = os.path.normpath(str(path))
    try:
        ident = os.path.realpath(path)
    except OSError:
        ident = os.path.abspath(path)
    return _Source("file", ident, label, label, Path(label).parent, resource=Path(label))


def _did_you_mean(word: str, choices, what: str) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(word[:100], choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; {what}: {', '.join(choices)}" if choices else ""


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


# ----------------------------------------------------------------------------- YAML parsing


class _TooManyNodes(Exception):
    def __init__(self, mark):
        super().__init__(mark)
        self.mark = mark


def _bounded(y):
    """Make a ruamel ``YAML`` stop composing after :data:`MAX_NODES` values and at
    :data:`MAX_DEPTH` levels of nesting (a file of 100,000 keys is refused at the limit instead
    of being parsed in full)."""
    base = y.Composer

    class Composer(base):
        _count = 0

        def compose_node(self, parent, index):
            self._count += 1
            if self._count > MAX_NODES:
                raise _TooManyNodes(self.parser.peek_event().start_mark)
            return super().compose_node(parent, index)

    y.Composer = Composer
    y.max_depth = MAX_DEPTH
    return y


def _yaml_loader():
    from ruamel.yaml import YAML

    y = YAML(typ="rt", pure=True)
    y.allow_duplicate_keys = False
    return _bounded(y)


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _no_content(problem: str) -> str:
    """The parser's description of a syntax error without the text it quotes from the file (a
    file that is not YAML is never echoed; one escaped character such as '\\t' is kept)."""
    import ast

    def keep(m):
        try:
            return m.group(0) if len(ast.literal_eval(m.group(0))) == 1 else "(text not shown)"
        except (ValueError, SyntaxError):
            return "(text not shown)"

    return _QUOTED.sub(keep, problem)


def _mark_line(mark) -> int | None:
    return None if mark is None else mark.line + 1


def _yaml_problem(exc, label: str) -> ScenarioError:
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    from ruamel.yaml.composer import MaxDepthExceededError

    if isinstance(exc, DuplicateKeyError):
        m = re.search(r'found duplicate key "(.*?)"', str(exc.problem or ""), re.S)
        key = excerpt(m.group(1)) if m else "?"
        start = _mark_line(exc.context_mark)
        msg = f"duplicate key {key}" + (f" (in the mapping that starts on line {start})" if start else "")
        return ScenarioError([(None, msg, _mark_line(exc.problem_mark), label)], label)
    if isinstance(exc, MaxDepthExceededError):
        return ScenarioError([(None, f"mappings and lists nest deeper than {MAX_DEPTH} levels (a scenario needs fewer than 10)",
                               _mark_line(exc.problem_mark), label)], label)
    if isinstance(exc, MarkedYAMLError):
        problem = _no_content((exc.problem or "cannot parse").strip())
        msg = f"YAML syntax error: {problem}"
        context = _no_content(exc.context.strip()) if exc.context else ""
        if context and exc.context_mark is not None and exc.problem_mark is not None \
                and exc.context_mark.line != exc.problem_mark.line:
            msg += f" ({context} on line {exc.context_mark.line + 1})"
        elif context:
            msg += f" ({context})"
        mark = exc.problem_mark or exc.context_mark
        return ScenarioError([(None, msg, _mark_line(mark), label)], label)
    return ScenarioError([(None, f"cannot read the YAML ({type(exc).__name__})", None, label)], label)


def _too_many_nodes(label, line=None, key_path=None) -> ScenarioError:
    return ScenarioError([(key_path, f"more than {MAX_NODES:,} values (keys, items and numbers, counting each use of a YAML alias); "
                                 "a scenario has a few thousand", line, label)], label)


def _too_deep(label, line=None) -> ScenarioError:
    return ScenarioError([(None, f"mappings and lists nest deeper than {MAX_DEPTH} levels (a scenario needs fewer than 10)",
                           line, label)], label)


def _parse_text(text: str, label: str):
    from ruamel.yaml.error import YAMLError

    if "\x00" in text:
        raise ScenarioError([(None, "file is binary (it contains NUL bytes), not YAML text", None, label)], label)
    try:
        return _yaml_loader().load(text)
    except _TooManyNodes as e:
        raise _too_many_nodes(label, _mark_line(e.mark)) from None
    except RecursionError:
        raise _too_deep(label) from None
    except YAMLError as e:
        raise _yaml_problem(e, label) from None


class _Unreadable(ScenarioError):
    """A file that was not read (missing, not a regular file, too large, no permission)."""


def _read_file(path: Path, label: str) -> bytes:
    """The bytes of a scenario file, refusing anything but a regular file (after symbolic links)
    of at most :data:`MAX_FILE_BYTES`: the type and size are checked before reading, a FIFO is
    opened without blocking and at most ``MAX_FILE_BYTES + 1`` bytes are ever read."""
    def fail(msg):
        return _Unreadable([(None, msg, None, label)], label)

    link = ""
    try:
        if os.path.islink(path):
            link = f" ({label} is a symbolic link to {excerpt(os.path.realpath(path), 200)})"
    except (OSError, ValueError):
        pass

    def check(st):
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            return fail("is a folder, not a scenario file" + link)
        if not stat.S_ISREG(mode):
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                    else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
            return fail(f"is {kind}, not a regular file; a scenario must be a regular YAML file{link}")
        if st.st_size > MAX_FILE_BYTES:
            return fail(f"is {st.st_size / 1e6:,.1f} MB; a scenario file may be at most {MAX_FILE_BYTES / 1e6:g} MB{link}")
        return None

    try:
        err = check(os.stat(path))  # before opening: a device or FIFO is never opened for reading
        if err is not None:
            raise err
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
                     | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise fail("file not found" + link) from None
    except (OSError, ValueError) as e:
        raise fail(f"cannot read the file ({getattr(e, 'strerror', None) or type(e).__name__}){link}") from None
    try:
        err = check(os.fstat(fd))  # the file opened may differ from the one checked (a race)
        if err is not None:
            raise err
        chunks, n = [], 0
        while n <= MAX_FILE_BYTES:
            b = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - n))
            if not b:
                break
            chunks.append(b)
            n += len(b)
    except OSError as e:
        raise fail(f"cannot read the file ({e.strerror or type(e).__name__}){link}") from None
    finally:
        os.close(fd)
    if n > MAX_FILE_BYTES:
        raise fail(f"is larger than {MAX_FILE_BYTES / 1e6:g} MB, the most a scenario file may be{link}")
    return b"".join(chunks)


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
    if len(_PARSED) >= 32:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[key] = copy.deepcopy(out)
    return out


#: parsed files by (label, content digest): a sweep that reloads a scenario parses it once
_PARSED: dict = {}


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


def _looks_like_scenario(doc: dict, label: str) -> None:
    """A YAML mapping none of whose top-level keys is (or nearly is) a scenario key is some other
    file (``extends: /etc/...``): say so without listing its keys."""
    fields = list(Scenario.model_fields)
    keys = list(doc.keys())
    if not keys or any(isinstance(k, str) and k in fields for k in keys):
        return
    for k in keys[:MAX_PROBLEMS_SHOWN]:
        if isinstance(k, str) and difflib.get_close_matches(k[:100], fields, n=1, cutoff=0.75):
            return
    n = len(keys)
    raise ScenarioError([(None, f"is not a scenario: none of its {n:,} top-level key{'s' if n != 1 else ''} is a scenario key "
                                "(a scenario has name:, base_year:, population:, ... or extends:)", None, label)], label)


def _tag_of(node) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag if isinstance(tag, str) else None)
    return value or None


def _plain_key(k, label, line, path=()):
    from ruamel.yaml.scalarbool import ScalarBoolean

    if isinstance(k, (bool, ScalarBoolean)):
        return bool(k)
    if isinstance(k, int):
        return int(k)
    if isinstance(k, float):
        return int(k) if k.is_integer() else float(k)
    if isinstance(k, str):
        return str(k)
    if k is None:
        raise ScenarioError([(_dotted(path) or None, "a key is empty or null (nothing, '~' or 'null' before ':'); "
                              "a key is a name or a number", line, label)], label)
    if isinstance(k, (_dt.date, _dt.datetime)):
        return k.isoformat()
    raise ScenarioError([(_dotted(path) or None, f"a key must be a name or a number, got {_shape(k)}", line, label)], label)


class _Walk:
    """The budget of one conversion: values seen (aliases expanded) and the containers on the
    current branch (a container inside itself is a recursive alias)."""

    __slots__ = ("count", "open")

    def __init__(self):
        self.count = 0
        self.open: set = set()


def _plain(node, path: tuple, label: str, locs: dict, line, walk: _Walk | None = None):
    """ruamel round-trip objects (or any dict/list) -> plain Python, recording key lines.

    At most :data:`MAX_NODES` values (an alias counts its whole value each time it is used) and
    :data:`MAX_DEPTH` levels: a YAML alias bomb or a recursive alias stops with a message."""
    from ruamel.yaml.comments import TaggedScalar
    from ruamel.yaml.scalarbool import ScalarBoolean

    if walk is None:
        walk = _Walk()
    walk.count += 1
    if walk.count > MAX_NODES:
        raise _too_many_nodes(label, line, _dotted(path[:1]) or None)
    if _tag_of(node) is not None and not isinstance(node, (bool, int, float, str)):
        raise ScenarioError([(_dotted(path) or None, f"YAML tags such as {excerpt(_tag_of(node))} are not supported", line, label)], label)
    if isinstance(node, TaggedScalar):
        raise ScenarioError([(_dotted(path) or None, f"YAML tags such as {excerpt(str(node.tag))} are not supported", line, label)], label)
    if isinstance(node, (dict, list, tuple)):
        if len(path) >= MAX_DEPTH:
            raise _too_deep(label, line)
        if id(node) in walk.open:
            raise ScenarioError([(_dotted(path) or None, "a YAML alias refers to a mapping or list that contains it "
                                  "(a recursive alias)", line, label)], label)
        walk.open.add(id(node))
        try:
            return _plain_container(node, path, label, locs, line, walk)
        finally:
            walk.open.discard(id(node))
    if isinstance(node, (bool, ScalarBoolean)):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if node is None:
        return None
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    try:  # numpy scalars in dict sources
        import numpy as np

        if isinstance(node, np.generic):
            return _plain(node.item(), path, label, locs, line, walk)
        if isinstance(node, np.ndarray):
            return _plain(node.tolist(), path, label, locs, line, walk)
    except ImportError:  # pragma: no cover
        pass
    raise ScenarioError([(_dotted(path) or None, f"unsupported value of type {type(node).__name__}", line, label)], label)


def _plain_container(node, path, label, locs, line, walk):
    if isinstance(node, dict):
        out = {}
        lc = getattr(node, "lc", None)
        for k, v in node.items():
            kline = line
            if lc is not None:
                try:
                    kline = lc.key(k)[0] + 1
                except (KeyError, TypeError, AttributeError):
                    kline = line  # a key merged in with '<<:' has no line of its own here
            key = _plain_key(k, label, kline, path)
            if key in out:
                raise ScenarioError([(_dotted(path + (key,)), "duplicate key", kline, label)], label)
            p = path + (key,)
            locs[p] = (label, kline)
            out[key] = _plain(v, p, label, locs, kline, walk)
        return out
    out = []
    lc = getattr(node, "lc", None)
    for i, v in enumerate(node):
        iline = line
        if lc is not None:
            try:
                iline = lc.item(i)[0] + 1
            except (KeyError, IndexError, TypeError, AttributeError):
                iline = line
        p = path + (i,)
        locs[p] = (label, iline)
        out.append(_plain(v, p, label, locs, iline, walk))
    return out


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


# ----------------------------------------------------------------------------- overrides


def _override_error(path_text, msg) -> ScenarioError:
    return ScenarioError([(path_text or None, msg, None, OVERRIDE_FILE)], OVERRIDE_FILE)


def _parse_flow_value(text: str, path_text: str, tokens=()):
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


# ----------------------------------------------------------------------------- YAML output


def _scalar_text_len(v) -> int:
    return len(repr(v)) if not isinstance(v, str) else len(v) + 2


def _to_yaml_node(v):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(v, dict):
        m = CommentedMap()
        for k, x in v.items():
            m[k] = _to_yaml_node(x)
        if v and _flow_ok(v.values(), sum(_scalar_text_len(k) + 2 for k in v)):
            m.fa.set_flow_style()
        else:
            m.fa.set_block_style()
        return m
    if isinstance(v, (list, tuple)):
        s = CommentedSeq(_to_yaml_node(x) for x in v)
        if not v or _flow_ok(v, 0):
            s.fa.set_flow_style()
        else:
            s.fa.set_block_style()
        return s
    if isinstance(v, str) and "\n" in v.rstrip("\n"):
        return LiteralScalarString(v)
    return v


def _flow_ok(values, extra: int) -> bool:
    """Leaf containers in flow style: always when they hold only numbers (schedules, age bands,
    matrix rows), otherwise when they fit on a short line."""
    values = list(values)
    if any(isinstance(x, (dict, list, tuple)) or (isinstance(x, str) and "\n" in x) for x in values):
        return False
    if not any(isinstance(x, str) for x in values):
        return True
    return extra + sum(_scalar_text_len(x) + 2 for x in values) <= 100


def dump_yaml(data) -> str:
    """Deterministic YAML of plain data: keys in the given order, short leaf mappings and lists
    in flow style (``{2025: 0.045, 2030: 0.04}``), multi-line text as literal blocks, no
    anchors.  Loading the text gives back equal data."""
    from ruamel.yaml import YAML

    y = YAML(typ="rt", pure=True)
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    y.representer.ignore_aliases = lambda *_: True
    buf = io.StringIO()
    y.dump(_to_yaml_node(data), buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- entry point


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
        scenario = Scenario.model_validate(data)
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
    text = dump_yaml(data)
    return LoadedScenario(scenario=scenario, data=data, origin=src.origin, text=text,
                          hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), chain=chain,
                          locations=dict(locs), stack=tuple(stack))
