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

The code stands in six modules of ``simulator/scenario/``, each importing only from those above
it (and from ``schema``, ``values`` and ``simulator.errors``):

``keypaths``  key paths (``a.b[0].c``), the schema tree they walk, "did you mean"
``yaml_read`` the input limits, the YAML parse, plain data with the line of every key path
``result``    :class:`LoadedScenario` and :func:`dump_yaml`
``resolve``   built-in names and paths (:func:`list_builtin_scenarios`), ``extends``, stacks
``overrides`` the ``--set`` language (:func:`parse_override`)
``load``      :func:`load_scenario`: resolve, override, validate, report

This module re-exports every name of those modules (the private helpers too), as they were
importable from it before the split.
"""

from __future__ import annotations

from .result import LoadedScenario, dump_yaml
from .resolve import list_builtin_scenarios
from .overrides import parse_override
from .load import load_scenario

# the modules' other names (constants and private helpers), importable from here as before the split
from .keypaths import (_PLAIN_NAME, _TOKEN, _canonical, _child_node, _did_you_mean, _dotted,  # noqa: F401
                       _field_node, _is_model, _kind, _locate, _node_of_annotation, _schema_node, _shape,
                       _split_key_path, _unwrap_optional, _valid_keys)
from .yaml_read import (MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, _QUOTED, _TooManyNodes, _Unreadable,  # noqa: F401
                        _Walk, _bounded, _looks_like_scenario, _mark_line, _no_content, _parse_text, _plain,
                        _plain_container, _plain_key, _read_file, _tag_of, _too_deep, _too_many_nodes, _yaml_loader,
                        _yaml_problem)
from .result import _flow_ok, _scalar_text_len, _to_yaml_node  # noqa: F401
from .resolve import (_PARSED, STACK_SEPARATOR, _YAML_SUFFIXES, _Source, _builtin, _builtin_dir,  # noqa: F401
                      _deep_merge, _file_source, _is_one_scenario, _looks_like_path, _merge_locations, _read_source,
                      _resolve, _resolve_ref, _resolve_stack, _stack_element_source, _stack_elements, _stack_label,
                      _stack_problem, _top_source)
from .overrides import (OVERRIDE_FILE, _apply_override, _check_new_value_key, _is_meta_mapping,  # noqa: F401
                        _list_index, _override_error, _parse_flow_value)
from .load import _PREFIXES, _validation_problems  # noqa: F401
from .schema import Scenario  # noqa: F401

__all__ = ["LoadedScenario", "load_scenario", "list_builtin_scenarios", "dump_yaml", "parse_override"]
