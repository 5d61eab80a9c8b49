"""A command that starts fast (issue 19 item 4): the scenario memo gives exactly what a load
without it gives, a damaged memo is ignored, and a warm `fundsim run` imports neither ruamel.yaml
nor dask."""

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
    assert len(entries) >= 3  # two parses (the file, baseline) and a dump
    _fresh(monkeypatch, tmp_path / "cache")
    second = load_scenario(str(f), ["simulation.seed=12"])
    _same(plain, first)
    _same(plain, second)
    for e in entries:
        e.write_bytes(b"not a pickle")
    _fresh(monkeypatch, tmp_path / "cache")
    _same(plain, load_scenario(str(f), ["simulation.seed=12"]))


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
atexit.register(lambda: print(json.dumps({m: m in sys.modules for m in ("ruamel.yaml", "dask", "distributed", "pint")})))
sys.argv = ["fundsim", "run", "--paths", "20", "--horizon", "3", "--quiet"]
runpy.run_module("simulator", run_name="__main__")
"""


def test_warm_run_imports_neither_ruamel_nor_dask(tmp_path):
    env = dict(os.environ, FUNDSIM_PROGRESS="0")
    for _ in range(2):  # the first fills the memo (and numba's cache)
        proc = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"ruamel.yaml": False, "dask": False, "distributed": False, "pint": False}


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
