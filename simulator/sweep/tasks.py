"""The functions dask workers run (imported by workers by this module's path): a sweep block
(:func:`_sweep_task`) and one metric of one run (:func:`_metric_task`). One kernel at a time per
process."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from .. import __version__
from ..errors import EXIT_FAILURE, SimulatorError
from .common import SUMMARY_FUND_DIM
from .files import _checksum_dir, _chunk_keys, _fsync, _sha256_file, _write_json_durably
from .metrics import evaluate_metric, metric_units, parse_metric


# one kernel at a time per process: a dask worker with several threads must not start several
# parallel numba kernels at once
_KERNEL_LOCK = threading.Lock()


def _task_threads(threads):
    """Numba threads for a task: as asked, else the dask worker's own thread count, else the cores."""
    import numba

    if threads is None:
        try:
            from distributed import get_worker
            w = get_worker()
            threads = getattr(getattr(w, "state", w), "nthreads", None) or w.nthreads
        except (ImportError, ValueError, AttributeError):
            threads = numba.config.NUMBA_NUM_THREADS
    return max(1, min(int(threads), int(numba.config.NUMBA_NUM_THREADS)))


def _run_variant(ref, overrides, threads, variables, precision="double"):
    """Run one variant exactly as ``simulator.run`` does (the overrides hold paths, seed, horizon);
    a province file runs as :func:`simulator.province.run_province`."""
    from ..api import prepare, run_compiled
    from ..province import is_province

    if is_province(ref):
        from ..province.run import run_province
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_province(ref, overrides=list(overrides), threads=threads, variables=variables)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, compiled = prepare(ref, overrides=list(overrides))
    return run_compiled(loaded, compiled, threads=threads, variables=variables, precision=precision)


def _write_empty_chunks():
    """zarr writes every chunk, even one holding only the fill value (zarr 3 skips those by
    default; zarr 2 writes them): a completed block has all its chunk files, so a missing one is
    damage."""
    import zarr

    cfg = getattr(zarr, "config", None)
    if cfg is None or not hasattr(cfg, "set"):  # zarr 2
        return contextlib.nullcontext()
    return cfg.set({"array.write_empty_chunks": True})


def _sweep_task(job: dict, block: int, start: int, variants: list) -> dict:
    """One block: run its variants, write them into the store, fsync, then mark them completed.

    The summaries over paths are computed for the whole block at once (``summarize`` of the
    block's runs stacked along ``scenario`` equals ``summarize`` of each run, value for value).
    """
    import zarr

    from ..results import CORE
    from ..summary import summarize

    if job["version"] != __version__:
        return {"error": f"the worker runs fundsim {__version__}, the sweep was started with {job['version']}",
                "exit_code": EXIT_FAILURE}
    t_block = time.perf_counter()
    timings = {"prepare_run": 0.0, "summarize": 0.0, "write": 0.0}
    with _KERNEL_LOCK:
        threads = _task_threads(job["threads"])
        kept = tuple(job["variables"])
        needed = tuple(dict.fromkeys(kept + CORE))
        run_vars = "all" if len(kept) > len(CORE) else needed
        parts = {n: [] for n in needed}
        shas, secs = [], []
        kernel = 0.0
        coords = None
        for k, (si, ovs, label) in enumerate(variants):
            t0 = time.perf_counter()
            try:
                ds = _run_variant(job["scenarios"][si], ovs, threads, run_vars, job.get("precision", "double"))
            except SimulatorError as e:
                return {"error": f"variant {start + k} ({label}): {e}", "exit_code": e.exit_code}
            kernel += float(ds.attrs["kernel_seconds"])
            if ds.sizes["path"] != job["paths"] or ds.sizes["year"] != job["years"]:
                return {"error": f"variant {start + k} ({label}) has {ds.sizes['path']} paths and "
                                 f"{ds.sizes['year']} years, the sweep {job['paths']} and {job['years']}",
                        "exit_code": EXIT_FAILURE}
            for n in needed:
                parts[n].append(ds[n].values)
            if coords is None:
                coords = {c: ds[c] for c in ds.coords}
                dims = {n: ds[n].dims for n in needed}
                attrs = {k_: ds.attrs[k_] for k_ in ("scenario_name", "seed", "paths") if k_ in ds.attrs}
            shas.append(ds.attrs["scenario_sha256"])
            secs.append(time.perf_counter() - t0)
            del ds
        timings["prepare_run"] = time.perf_counter() - t_block
        stacked = {}
        for n in needed:
            stacked[n] = np.stack(parts[n])
            parts[n] = None
        t1 = time.perf_counter()
        block_ds = xr.Dataset({n: (("scenario",) + dims[n], stacked[n]) for n in CORE}, coords=coords, attrs=attrs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            s = summarize(block_ds).rename(fund=SUMMARY_FUND_DIM)
        del block_ds
        t2 = time.perf_counter()
        timings["summarize"] = t2 - t1
        stop = start + len(variants)
        root = Path(job["store"])
        with _write_empty_chunks():  # every chunk file exists, even one of fill values only (NaN)
            g = zarr.open_group(job["store"], mode="r+")
            for n in kept:
                g[n][start:stop] = stacked[n]
            del stacked
            for n in job["summary_names"]:
                g[n][start:stop] = s[n].transpose("scenario", *job["summary_dims"][n]).values
            g["scenario_sha256"][start:stop] = np.asarray(shas, dtype="<U64")
            g["run_seconds"][start:stop] = np.asarray(secs)
            written = list(kept) + list(job["summary_names"]) + ["scenario_sha256", "run_seconds"]
            chunks = [f"{n}/{k}" for n in written for k in _chunk_keys(json.loads((root / n / ".zarray").read_text()), block)]
            for rel in chunks:  # durable before the block is marked completed
                _fsync(root / rel)
            for n in written:
                _fsync(root / n, directory=True)
            # the checksums of what was written, durable before the completion flag: resuming verifies
            # every chunk of a completed block against them (check_store)
            try:
                record = {"block": block, "start": start, "stop": stop, "algorithm": "sha256",
                          "chunks": {rel: list(_sha256_file(root / rel)) for rel in chunks}}
            except FileNotFoundError as e:
                return {"error": f"block {block}: the chunk file {e.filename} was not written", "exit_code": EXIT_FAILURE}
            _write_json_durably(_checksum_dir(root) / f"{block}.json", record)
            g["completed"][start:stop] = np.ones(stop - start, dtype=bool)
        for k in _chunk_keys(json.loads((root / "completed" / ".zarray").read_text()), block):
            _fsync(root / "completed" / k)
        _fsync(root / "completed", directory=True)
        timings["write"] = time.perf_counter() - t2
    import resource
    return {"block": block, "start": start, "n": len(variants), "kernel_seconds": kernel,
            "seconds": time.perf_counter() - t_block, "timings": timings, "pid": os.getpid(), "threads": threads,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def _metric_task(ref, overrides, threads, metric_text) -> dict:
    """One run of a sensitivity: the metric's value for the scenario with ``overrides``."""
    m = parse_metric(metric_text)
    with _KERNEL_LOCK:
        t = _task_threads(threads)
        try:
            if m.kind == "breakeven":
                from ..breakeven import BreakevenError, breakeven
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        r = breakeven(ref, lever=m.name, target_months=m.target_months, probability=m.probability,
                                      overrides=list(overrides), threads=t)
                except BreakevenError as e:
                    return {"value": float("nan"), "units": "", "note": str(e)}
                return {"value": r.value, "units": r.units, "note": ""}
            ds = _run_variant(ref, overrides, t, "all")
            v = evaluate_metric(ds, m)
            return {"value": float(v), "units": metric_units(m), "note": "",
                    "years": [int(ds["year"].values[0]), int(ds["year"].values[-1])], "name": ds.attrs["scenario_name"],
                    "seed": int(ds.attrs["seed"]), "paths": int(ds.attrs["paths"])}
        except SimulatorError as e:
            return {"error": str(e), "exit_code": e.exit_code}


def _indexed_metric_task(i, *args):
    return i, _metric_task(*args)
