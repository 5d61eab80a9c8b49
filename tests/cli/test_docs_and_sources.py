"""The scenario reference is generated from the schema, and every shipped number has a source."""

from pathlib import Path

import pytest
from pydantic import BaseModel

from simulator.scenario import list_builtin_scenarios, load_scenario
from simulator.scenario.reference_doc import iter_fields, missing_documentation, render
from simulator.scenario.values import Param, Profile

ROOT = Path(__file__).resolve().parents[2]


def test_every_schema_key_has_description_and_unit():
    assert missing_documentation() == []


def test_scenario_reference_page_is_current():
    page = ROOT / "docs" / "scenario-reference.md"
    assert page.read_text() == render(), "regenerate: python -m simulator.scenario.reference_doc > docs/scenario-reference.md"
    for path, *_ in iter_fields():
        assert f"`{path}`" in page.read_text()


def _unsourced(model, prefix=""):
    for name in type(model).model_fields:
        v = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(v, (Param, Profile)):
            if not v.source:
                yield path
        elif isinstance(v, BaseModel):
            yield from _unsourced(v, path + ".")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, BaseModel):
                    yield from _unsourced(x, f"{path}[{i}].")
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, BaseModel):
                    yield from _unsourced(x, f"{path}.{k}.")


def _explicit_paths(data, prefix=""):
    """Key paths the scenario file (after extends) writes itself."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield f"{prefix}{k}"
            if isinstance(v, (dict, list)):
                yield from _explicit_paths(v, f"{prefix}{k}.")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _explicit_paths(v, f"{prefix[:-1]}[{i}].")


@pytest.mark.parametrize("name", list_builtin_scenarios())
def test_every_number_in_a_shipped_scenario_has_a_source(name):
    loaded = load_scenario(name)
    written = set(_explicit_paths(loaded.data))
    missing = [p for p in _unsourced(loaded.scenario) if p in written]
    assert missing == [], f"values without source: {missing}"


def test_example_scenarios_validate():
    files = sorted(f for f in (ROOT / "simulator" / "scenarios").glob("*.yaml") if f.stem != "baseline")
    assert files, "simulator/scenarios/ must hold at least one example besides the baseline"
    assert any("extends: baseline" in f.read_text() for f in files)
    for f in files:
        loaded = load_scenario(str(f))
        assert list(_unsourced_written(loaded)) == [], f.name


def _unsourced_written(loaded):
    written = set(_explicit_paths(loaded.data))
    return [p for p in _unsourced(loaded.scenario) if p in written]
