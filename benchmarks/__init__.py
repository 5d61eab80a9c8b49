"""asv benchmarks of fundsim (the convention of numpy, scipy and xarray).

Run from a fresh clone, in the project's environment::

    pip install asv && asv run --python=same --quick --show-stderr

``FUNDSIM_BENCH_SMOKE=1`` shrinks every size so that the test suite can run the benchmark code
paths in seconds (``tests/kernel/test_benchmarks.py``); timings are never asserted there.
"""

import os

import numpy as np

SMOKE = os.environ.get("FUNDSIM_BENCH_SMOKE", "") not in ("", "0")
YEARS = 3 if SMOKE else 40


def sizes(*full):
    """Benchmark parameters, or tiny ones in smoke mode."""
    return [min(n, 20) for n in full] if SMOKE else list(full)


def compiled_baseline(paths, years=YEARS, seed=1):
    import simulator

    loaded, compiled = simulator.prepare("baseline", paths=paths, seed=seed, horizon=years)
    return loaded, compiled


def kernel_out(compiled):
    from simulator import layout as L

    inp = compiled.inputs
    return np.empty((inp.path_ids.shape[0], inp.sched.shape[1], L.N_OUT))
