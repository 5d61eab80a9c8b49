"""What a load gives back: :class:`LoadedScenario`, and the deterministic YAML of its resolved
data (:func:`dump_yaml`) that result files store with its SHA-256."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from .keypaths import _locate, _split_key_path
from .schema import Scenario


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
    return _dump_node(_to_yaml_node(data))


def dump_yaml_section(key, value) -> str:
    """The lines :func:`dump_yaml` writes for the top-level ``key`` of a mapping of sections (a
    scenario: ``dump_yaml(data)`` is the concatenation of these over its keys, so a section that
    did not change can be reused; ``tests/scenario/test_dump_sections.py`` checks it)."""
    node = _to_yaml_node({key: value})
    node.fa.set_block_style()
    return _dump_node(node)


def _dump_node(node) -> str:
    from ruamel.yaml import YAML

    y = YAML(typ="rt", pure=True)
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    y.allow_unicode = True
    y.representer.ignore_aliases = lambda *_: True
    buf = io.StringIO()
    y.dump(node, buf)
    return buf.getvalue()
