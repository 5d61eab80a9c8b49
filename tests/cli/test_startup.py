"""A command that starts fast (issue 19 item 4): the scenario memo gives exactly what a load
without it gives, a damaged memo is ignored, an invalid scenario is never memoised, and a warm
`fundsim run` imports neither ruamel.yaml nor dask and never builds the schema's validators."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from simulator.scenario import disk_cache, load_scenario
from simulator.scenario import resolve


def _fresh(monkeypatch, folder):
    monkeypatch.setenv("FUNDSIM_CACHE_DIR", str(folder))
    monkeypatch.setattr(disk_cache, "_state", {})
    resolve._PARSED.clear()


def _same(a, b):
    assert a.text == b.text and a.hash == b.hash
    assert a.data == b.data and repr(a.data) == repr(b.data)
    assert a.locations == b.locations and a.chain == b.chain and a.stack == b.stack
    assert a.scenario == b.scenario


def test_memo_gives_the_same_load_and_ignores_damaged_entries(tmp_path, monkeypatch):
    f = tmp_path / "variant.yaml"
    f.write_text("extends: baseline\nname: memo_variant\nsimulation:\n  paths: 7\n")
    _fresh(monkeypatch, tmp_path / "cache")
    monkeypatch.setenv("FUNDSIM_SCENARIO_CACHE", "0")
    plain = load_scenario(str(f), ["simulation.seed=12"])
    assert not (tmp_path / "cache" / "scenarios").exists()
    monkeypatch.delenv("FUNDSIM_SCENARIO_CACHE")
    _fresh(monkeypatch, tmp_path / "cache")
    first = load_scenario(str(f), ["simulation.seed=12"])
    entries = list((tmp_path / "cache" / "scenarios").iterdir())
    assert len(entries) >= 4  # two parses (the file, baseline), a dump and the validated scenario
    _fresh(monkeypatch, tmp_path / "cache")
    second = load_scenario(str(f), ["simulation.seed=12"])
    _same(plain, first)
    _same(plain, second)
    for e in entries:
        e.write_bytes(b"not a pickle")
    _fresh(monkeypatch, tmp_path / "cache")
    _same(plain, load_scenario(str(f), ["simulation.seed=12"]))


def test_an_invalid_scenario_is_refused_every_time_and_never_memoised(tmp_path, monkeypatch):
    import pytest

    from simulator.errors import ScenarioError

    f = tmp_path / "bad.yaml"
    f.write_text("extends: baseline\nname: memo_bad\nsimulation:\n  paths: -3\n")
    _fresh(monkeypatch, tmp_path / "cache")
    key = disk_cache.key
    monkeypatch.setattr(disk_cache, "key", lambda kind, *parts: f"{kind}-{key(kind, *parts)}")

    def kinds():
        return sorted(e.name.split("-")[0] for e in (tmp_path / "cache" / "scenarios").iterdir() if e.name.count("-") == 1)

    for _ in range(2):
        with pytest.raises(ScenarioError, match="simulation.paths"):
            load_scenario(str(f))
        resolve._PARSED.clear()
    assert "validated" not in kinds()
    f.write_text("extends: baseline\nname: memo_bad\nsimulation:\n  paths: 3\n")
    assert load_scenario(str(f)).scenario.simulation.paths == 3
    assert kinds().count("validated") == 1


def test_memo_follows_the_shipped_data(tmp_path, monkeypatch):
    """A profile given as a table is read when the scenario is validated: changed data files (their
    hashes, simulator.data.data_versions) must not give back a scenario validated on the old ones."""
    import simulator.data

    key = disk_cache.key
    monkeypatch.setattr(disk_cache, "key", lambda kind, *parts: f"{kind}-{key(kind, *parts)}")

    def validated():
        return sum(e.name.startswith("validated-") for e in (tmp_path / "cache" / "scenarios").iterdir())

    _fresh(monkeypatch, tmp_path / "cache")
    load_scenario("baseline")
    _fresh(monkeypatch, tmp_path / "cache")
    load_scenario("baseline")
    assert validated() == 1
    real = simulator.data.data_versions()
    changed = dict(real, **{next(iter(real)): "0" * 16})
    monkeypatch.setattr(simulator.data, "data_versions", lambda: changed)
    _fresh(monkeypatch, tmp_path / "cache")
    load_scenario("baseline")
    assert validated() == 2


def test_memo_stays_within_its_bytes(tmp_path, monkeypatch):
    _fresh(monkeypatch, tmp_path / "cache")
    monkeypatch.setattr(disk_cache, "MAX_BYTES", 50_000)
    for i in range(12):
        disk_cache.put(f"entry{i:02d}", b"x" * 10_000)
    kept = sorted(e.name for e in (tmp_path / "cache" / "scenarios").iterdir())
    assert sum((tmp_path / "cache" / "scenarios" / k).stat().st_size for k in kept) <= 50_000
    assert "entry11" in kept and "entry00" not in kept


def test_memo_follows_the_file(tmp_path, monkeypatch):
    f = tmp_path / "variant.yaml"
    _fresh(monkeypatch, tmp_path / "cache")
    f.write_text("extends: baseline\nname: memo_a\n")
    assert load_scenario(str(f)).name == "memo_a"
    resolve._PARSED.clear()
    f.write_text("extends: baseline\nname: memo_b\n")
    assert load_scenario(str(f)).name == "memo_b"


PROBE = """
import atexit, json, runpy, sys
def report():
    from simulator.scenario.schema import Scenario
    seen = {m: m in sys.modules for m in ("ruamel.yaml", "dask", "distributed", "pint")}
    seen["schema built"] = bool(Scenario.__pydantic_complete__)
    print(json.dumps(seen))
atexit.register(report)
sys.argv = ["fundsim", "run", "--paths", "20", "--horizon", "3", "--quiet"]
runpy.run_module("simulator", run_name="__main__")
"""


def test_warm_run_imports_neither_ruamel_nor_dask_nor_builds_the_schema(tmp_path):
    env = dict(os.environ, FUNDSIM_PROGRESS="0")
    for _ in range(2):  # the first fills the memo (and numba's cache)
        proc = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"ruamel.yaml": False, "dask": False, "distributed": False, "pint": False, "schema built": False}


LAZY = """
import sys, numpy as np
import simulator.results.derived
import xarray as xr
ds = xr.Dataset({"a": ("x", np.arange(3.0))}, coords={"x": ["p", "q", "r"]})
assert "dask" not in sys.modules
import dask.array as da
d = xr.DataArray(da.ones((4, 4), chunks=2))
assert d.chunks == ((2, 2), (2, 2)) and float(d.sum().compute()) == 16.0
print("ok")
"""


def test_xarray_still_sees_dask_arrays_once_dask_is_loaded():
    proc = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
