"""In-process benchmark: the numba kernel and the NumPy reference on the same inputs.

Speed is counted in path-years per second: one path projected one year with every age, sex,
member group, service line and disease group of the scenario. The two engines run in the same
process on the same compiled baseline, so their ratio is meaningful on a noisy machine; absolute
figures are not. Beside wall seconds each run is timed in CPU seconds of the whole process
(:func:`time.process_time`: every numba thread counted), and path-years per CPU-second is the
figure that stays stable when other programs share the cores (a wall figure on a busy machine
counts their time too).  With several threads the CPU seconds exceed the wall seconds, and
path-years per CPU-second is the rate per busy core (numba's idle workers may add a little
spinning).  ``fundsim bench`` prints this; ``benchmarks/`` holds the asv suite for history.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from . import layout as L


def machine() -> dict:
    import numba

    return {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count()}


def _best(fn, repeat):
    """(best wall seconds, best process CPU seconds) of ``repeat`` calls of ``fn``."""
    best, best_cpu = np.inf, np.inf
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu


def bench(scenario="baseline", paths=5000, years=40, threads=None, reference_paths=None, repeat=3) -> dict:
    """Time the kernel (best of ``repeat``) and the reference (once) on the same inputs.

    ``reference_paths`` (default: ``paths``) lets the slow reference run on the first paths only;
    both rates are per path-year, so the ratio stays comparable.
    """
    import numba

    from .api import prepare, project_arrays
    from .reference import project as reference

    old = numba.get_num_threads()
    if threads:
        numba.set_num_threads(int(threads))
    try:
        t0 = time.perf_counter()
        _, compiled = prepare(scenario, paths=paths, horizon=years)
        compile_seconds = time.perf_counter() - t0
        inp = compiled.inputs
        T = inp.sched.shape[1]
        out = np.empty((paths, T, L.N_OUT))
        warm = inp.with_paths(inp.path_ids[:2], inp.shift[:2])
        t0 = time.perf_counter()
        project_arrays(warm, out[:2])  # numba compiles or loads its cache here
        jit_seconds = time.perf_counter() - t0
        kernel_s, kernel_cpu = _best(lambda: project_arrays(inp, out), repeat)
        n_ref = min(paths, reference_paths or paths)
        ref_inp = inp.with_paths(inp.path_ids[:n_ref], inp.shift[:n_ref])
        ref_s, ref_cpu = _best(lambda: reference(ref_inp), 1)
        ref_out = reference(inp.with_paths(inp.path_ids[:2], inp.shift[:2]))
        agree = float(np.nanmax(np.abs(out[:2] - ref_out) / np.maximum(np.abs(ref_out), 1.0)))
        k_rate = paths * years / kernel_s
        r_rate = n_ref * years / ref_s
        k_cpu_rate = paths * years / kernel_cpu
        r_cpu_rate = n_ref * years / ref_cpu
        return {
            "kernel_path_years_per_s": k_rate,
            "reference_path_years_per_s": r_rate,
            "ratio": k_rate / r_rate,
            "kernel_path_years_per_cpu_s": k_cpu_rate,
            "reference_path_years_per_cpu_s": r_cpu_rate,
            "ratio_cpu": k_cpu_rate / r_cpu_rate,
            "threads": numba.get_num_threads(),
            "paths": int(paths),
            "reference_paths": int(n_ref),
            "years": int(years),
            "kernel_seconds": kernel_s,
            "reference_seconds": ref_s,
            "kernel_cpu_seconds": kernel_cpu,
            "reference_cpu_seconds": ref_cpu,
            "scenario_compile_seconds": compile_seconds,
            "jit_load_seconds": jit_seconds,
            "max_abs_difference_over_scale": agree,
            "machine": machine(),
        }
    finally:
        numba.set_num_threads(old)


def format_bench(r: dict) -> str:
    m = r["machine"]
    return "\n".join([
        f"machine: {m['processor']}, {m['cpu_count']} CPUs, {m['platform']}; python {m['python']}, numba {m['numba']}",
        f"baseline, {r['paths']:,} paths x {r['years']} years, {r['threads']} numba thread(s)",
        f"  kernel     {r['kernel_path_years_per_s']:>14,.0f} path-years/s  ({r['kernel_seconds']:.3f} s, best of runs)",
        f"  reference  {r['reference_path_years_per_s']:>14,.0f} path-years/s  ({r['reference_seconds']:.3f} s on {r['reference_paths']:,} paths)",
        f"  ratio      {r['ratio']:>14.1f} x",
        f"  per CPU-second (process CPU time, every thread): kernel {r['kernel_path_years_per_cpu_s']:,.0f} "
        f"({r['kernel_cpu_seconds']:.3f} CPU s), reference {r['reference_path_years_per_cpu_s']:,.0f} "
        f"({r['reference_cpu_seconds']:.3f} CPU s), ratio {r['ratio_cpu']:.1f} x",
        f"  scenario compile {r['scenario_compile_seconds']:.2f} s; kernel load (numba cache) {r['jit_load_seconds']:.2f} s; "
        f"kernel vs reference difference {r['max_abs_difference_over_scale']:.1e}",
    ])
