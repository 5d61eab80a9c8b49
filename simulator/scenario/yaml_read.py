"""Reading one scenario file: its bytes (a regular file within the input limits), the YAML
parse (ruamel.yaml, YAML 1.2, duplicate keys refused) and the conversion to plain Python that
records the line every key path was written on.

Every problem becomes a :class:`~simulator.errors.ScenarioError` naming the file and the line; a
file that is not YAML or not a scenario is never echoed.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
import stat
import sys
from pathlib import Path

from ..errors import MAX_PROBLEMS_SHOWN, ScenarioError, excerpt
from .keypaths import _dotted, _shape
from .schema import Scenario


#: a scenario file is a regular file of at most this many bytes (checked before it is read)
MAX_FILE_BYTES = 10_000_000
#: at most this many YAML values (mappings, lists, scalars) in one file or ``--set`` value, and
#: in its data once aliases are expanded (the baseline has about 850): bounds an alias bomb
MAX_NODES = 50_000
#: mappings and lists nest at most this deep (the baseline: 7)
MAX_DEPTH = 50


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


# ----------------------------------------------------------------------------- file reading


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


# ----------------------------------------------------------------------------- plain data and line numbers


def _tag_of(node) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag if isinstance(tag, str) else None)
    return value or None


class _NoSuchType:
    """Stands for ruamel.yaml's classes while it is not imported (then nothing is one of them)."""


def _ruamel_types() -> tuple:
    """ruamel.yaml's ``(TaggedScalar, ScalarBoolean)``, without importing it for a dict source or a
    cached parse (a value can only be of a ruamel class once ruamel.yaml is loaded)."""
    if "ruamel.yaml" not in sys.modules:
        return _NoSuchType, _NoSuchType
    from ruamel.yaml.comments import TaggedScalar
    from ruamel.yaml.scalarbool import ScalarBoolean

    return TaggedScalar, ScalarBoolean


def _plain_key(k, label, line, path=()):
    ScalarBoolean = _ruamel_types()[1]

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
    TaggedScalar, ScalarBoolean = _ruamel_types()

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
