"""The resolved scenario's text is dumped section by section (issue 19 item 4: a sweep's variant
re-dumps only the sections its overrides change), and that text is byte for byte what one dump
of the whole gives, so the stored scenario_yaml and its SHA-256 are unchanged."""

from __future__ import annotations

import hashlib
import warnings

import pytest

from simulator.scenario import dump_yaml, list_builtin_scenarios, load_scenario
from simulator.scenario import load as load_module
from simulator.scenario.result import dump_yaml_section


@pytest.mark.parametrize("name", list_builtin_scenarios())
def test_sections_concatenate_to_the_whole_dump(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_scenario(name).data
    assert "".join(dump_yaml_section(k, v) for k, v in data.items()) == dump_yaml(data)


def test_a_variant_dumps_only_the_sections_it_changes(monkeypatch, tmp_path):
    monkeypatch.setenv("FUNDSIM_CACHE_DIR", str(tmp_path))  # an empty disk memo
    monkeypatch.setattr(load_module, "_SECTIONS", {})
    from simulator.scenario import disk_cache
    monkeypatch.setattr(disk_cache, "_state", {})
    calls = []
    real = load_module.dump_yaml_section
    monkeypatch.setattr(load_module, "dump_yaml_section", lambda k, v: calls.append(k) or real(k, v))
    base = load_scenario("baseline")
    first = len(calls)
    assert first == len(base.data)
    calls.clear()
    variant = load_scenario("baseline", ["employee.employer_rate=0.0655"])
    assert calls == ["employee"]
    assert variant.hash == hashlib.sha256(dump_yaml(variant.data).encode()).hexdigest()
    assert variant.text == dump_yaml(variant.data)
