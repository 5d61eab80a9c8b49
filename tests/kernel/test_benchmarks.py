"""The benchmark code paths at tiny sizes (no timing assertions), so the asv suite never rots."""

import importlib
import inspect
import os
import pkgutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _benchmarks():
    os.environ["FUNDSIM_BENCH_SMOKE"] = "1"
    sys.path.insert(0, str(ROOT))
    try:
        pkg = importlib.import_module("benchmarks")
        importlib.reload(pkg)
        for mod in pkgutil.iter_modules(pkg.__path__):
            m = importlib.reload(importlib.import_module(f"benchmarks.{mod.name}"))
            for _, cls in inspect.getmembers(m, inspect.isclass):
                if cls.__module__ == m.__name__:
                    yield cls
    finally:
        sys.path.remove(str(ROOT))


@pytest.mark.slow
def test_benchmarks_run_at_tiny_sizes():
    ran = 0
    for cls in list(_benchmarks()):
        params = getattr(cls, "params", [None])
        for p in params:
            args = () if p is None else (p,)
            obj = cls()
            try:
                if hasattr(obj, "setup"):
                    obj.setup(*args)
            except NotImplementedError:
                continue
            for name in dir(obj):
                if name.startswith(("time_", "peakmem_", "track_", "mem_")):
                    getattr(obj, name)(*args)
                    ran += 1
    assert ran >= 8


def test_fundsim_bench_json_keys():
    import json

    from click.testing import CliRunner

    from simulator.cli import cli
    res = CliRunner().invoke(cli, ["bench", "--paths", "20", "--years", "3", "--repeat", "1", "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    for k in ("kernel_path_years_per_s", "reference_path_years_per_s", "ratio", "threads", "paths", "years",
              "kernel_cpu_seconds", "reference_cpu_seconds", "kernel_path_years_per_cpu_s",
              "reference_path_years_per_cpu_s", "ratio_cpu"):
        assert k in r
    assert r["kernel_cpu_seconds"] > 0 and r["reference_cpu_seconds"] > 0
    assert r["max_abs_difference_over_scale"] < 1e-9
