"""The scenario reference is generated from the schema, and every shipped number has a source."""

from pathlib import Path

import pytest

from simulator.scenario import list_builtin_scenarios, load_scenario
from simulator.scenario.reference_doc import iter_fields, missing_documentation, render
from simulator.scenario.sources import unsourced_values, unsourced_written, written_paths

ROOT = Path(__file__).resolve().parents[2]


def test_every_schema_key_has_description_and_unit():
    assert missing_documentation() == []


def test_scenario_reference_page_is_current():
    page = ROOT / "docs" / "scenario-reference.md"
    assert page.read_text() == render(), "regenerate: python -m simulator.scenario.reference_doc > docs/scenario-reference.md"
    for path, *_ in iter_fields():
        assert f"`{path}`" in page.read_text()


_unsourced = unsourced_values
_explicit_paths = written_paths


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
    return unsourced_written(loaded)


def test_a_value_of_a_users_file_without_a_source_is_a_warning(tmp_path):
    """Issue 18: an unsourced value warns (naming its key path), it does not stop the run; a value
    given with --set is not asked for one, nor are shipped scenarios."""
    import warnings

    import simulator
    path = tmp_path / "city.yaml"
    path.write_text("extends: qingyuan\nname: c\neconomy:\n  base_wage: 100000\n"
                    "employee:\n  employer_rate: {value: 0.07, source: \"the city's notice\"}\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        simulator.run(str(path), paths=2, horizon=2)
        simulator.run(str(path), paths=2, horizon=2, overrides=["economy.base_wage=110000"])
        simulator.run("qingyuan", paths=2, horizon=2, overrides=["economy.base_wage=110000"])
    said = [str(w.message) for w in caught if "have no source" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("1 value(s) of") and said[0].endswith(": economy.base_wage"), said


def test_a_sweep_of_a_users_file_warns_once_of_its_unsourced_values(tmp_path):
    """The sweep plans its variants from the file as a run does, and says it once (not per variant)."""
    import warnings

    from simulator.sweep.plan import plan_sweep
    path = tmp_path / "city.yaml"
    path.write_text("extends: qingyuan\nname: c\neconomy:\n  base_wage: 100000\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = plan_sweep(str(path), grid={"employee.employer_rate": [0.06, 0.07, 0.08]}, paths=2, horizon=2)
    assert len(plan.variants) == 3
    said = [str(w.message) for w in caught if "have no source" in str(w.message)]
    assert len(said) == 1 and said[0].endswith(": economy.base_wage"), said
