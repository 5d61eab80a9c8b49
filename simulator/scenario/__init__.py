"""The scenario language: YAML files validated by the schema (``schema.py``), whose values take
the forms of ``values.py``; ``loader.py`` reads files, resolves ``extends`` and ``--set``
overrides and reports every problem with its file, key path and line."""

from .loader import LoadedScenario, dump_yaml, list_builtin_scenarios, load_scenario, parse_override
from .schema import Scenario

__all__ = ["load_scenario", "LoadedScenario", "list_builtin_scenarios", "Scenario", "dump_yaml", "parse_override"]
