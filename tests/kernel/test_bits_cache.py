"""Results are the same bits whatever the state of numba's cache (specification section 13; issue 14, item 5).

A fresh compile and a cached kernel used to differ in the last bits of every flow: numba links a
copy of each callee into its caller, the copy that runs depends on what is already loaded, and
fastmath let LLVM optimise the copies differently.  Each run here is a subprocess with its own
NUMBA_CACHE_DIR, so that "fresh" really compiles and "warm" really loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # compiles the kernel afresh in subprocesses

RUN = """
import json, sys
import numpy as np
import numba
import simulator
from simulator.kernels import project as K

out_file, chunk = sys.argv[1], int(sys.argv[3])
threads = min(int(sys.argv[2]), numba.config.NUMBA_NUM_THREADS)
ds = simulator.run("baseline", paths=6, seed=20240101, horizon=10, threads=threads, chunk_size=chunk)
np.savez(out_file, **{name: ds[name].values for name in ds.data_vars})
stats = K.project.stats
print(json.dumps({"hits": sum(stats.cache_hits.values()), "misses": sum(stats.cache_misses.values())}))
"""


def _run(tmp_path, cache_dir, name, threads=1, chunk=6):
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_DISABLE_JIT", "FUNDSIM_DISABLE_JIT")}
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    out = tmp_path / f"{name}.npz"
    proc = subprocess.run([sys.executable, "-c", RUN, str(out), str(threads), str(chunk)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    with np.load(out) as f:
        return {k: f[k] for k in f.files}, stats


def _differing(a, b):
    """Variables whose bytes differ (NaN payloads and signed zeros included)."""
    assert a.keys() == b.keys()
    return [k for k in a if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes()]


@pytest.mark.slow
def test_fresh_compile_and_cached_kernel_give_the_same_bits(tmp_path):
    cache = tmp_path / "numba-cache"
    fresh, s_fresh = _run(tmp_path, cache, "fresh", threads=2, chunk=6)
    assert s_fresh["misses"] > 0 and s_fresh["hits"] == 0, s_fresh  # compiled, into the empty cache
    warm, s_warm = _run(tmp_path, cache, "warm", threads=2, chunk=6)
    assert s_warm["hits"] > 0 and s_warm["misses"] == 0, s_warm  # loaded, nothing compiled
    # and with another thread count and chunking, still from the cache
    warm_1, _ = _run(tmp_path, cache, "warm_1", threads=1, chunk=4)
    assert len(fresh) > 40
    assert not _differing(fresh, warm), "fresh compile and cached kernel differ"
    assert not _differing(fresh, warm_1), "one thread in chunks of 4 differs from two threads in one chunk"
    # the comparison is by bytes and can fail: one value one ulp away is caught
    other = {k: v.copy() for k, v in fresh.items()}
    other["balance"][0, -1, 0] = np.nextafter(other["balance"][0, -1, 0], np.inf)
    assert _differing(fresh, other) == ["balance"]
