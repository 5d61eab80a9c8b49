"""Running a sweep: :func:`sweep` plans it, opens its store, runs the blocks not yet completed on
the executor with progress, and records what it did in ``simulator.sweep.LAST_STATS``."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from .. import __version__
from ..errors import EXIT_FAILURE
from .common import SweepError
from .execute import _Executor, _Progress, _say_dashboard
from .plan import is_sweep_file, load_sweep_file, plan_sweep
from .store import _open_or_create, _template, open_sweep, remove_partials
from .tasks import _sweep_task


@dataclass
class SweepStats:
    """What the last :func:`sweep` call did (``simulator.sweep.LAST_STATS``)."""

    variants: int = 0
    ran: int = 0
    skipped: int = 0
    seconds: float = 0.0
    kernel_seconds: float = 0.0
    executor: str = ""
    out: str = ""
    variants_per_task: int = 0
    blocks: list = field(default_factory=list)  # what each task reported: timings, worker pid and peak RSS

    @property
    def variants_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else float("nan")


def sweep(scenario="baseline", *, grid=None, sample=None, uniform=None, overrides=(), paths=None, seed=None,
          horizon=None, variables=None, out=None, workers=None, threads_per_worker=None, scheduler=None,
          variants_per_task=None, overwrite=False, progress=None, progress_stream=None, metrics=None,
          precision=None) -> xr.Dataset:
    """Run a sweep of scenario variants on dask and return one Dataset (see the module docstring).

    Parameters
    ----------
    scenario : str, path or list of them
        A built-in name or scenario file, several (each is swept over; coordinate
        ``scenario_file``), or a YAML sweep file (a ``sweep:`` block holding these arguments).
    grid : dict, optional
        Key path -> values: a list (numbers, or YAML texts as ``--set`` takes them), ``"V1,V2,..."``
        or ``"START:STOP:STEP"``. Several keys: their Cartesian product.
    sample, uniform : int, dict, optional
        ``sample`` Latin hypercube points over ``uniform`` (key path -> ``(low, high)`` or
        ``"LOW:HIGH"``), seeded with the sweep's seed; crossed with the grid.
    overrides : list of ``"key.path=value"``
        Applied to every variant (``--set``).
    paths, seed, horizon : int, optional
        As :func:`simulator.run` (default: the scenario's).
    variables : "all", "core", "none" or a list of names
        Run variables kept per variant (default all; summaries over paths are always kept).
    precision : "double" or "single"
        How the kept run variables are stored (default double), as :func:`simulator.run` keeps
        them ("single": float32, half the store; the summaries over paths stay double).
    out : path, optional
        The zarr store (a folder). Rerunning the same sweep with the same ``out`` resumes it. With
        no ``out`` the sweep runs in a temporary store and the Dataset is returned in memory.
    workers, threads_per_worker, scheduler :
        Where it runs (module docstring); results do not depend on them.
    variants_per_task : int, optional
        Variants per dask task (and per zarr chunk); default about 16 MB of results per task.
    overwrite : bool
        Replace a store at ``out`` that holds a different sweep (never any other folder).
    progress : callable(done, total), optional
        Called after each block.
    progress_stream : file or False, optional
        Where progress goes: a terminal gets a bar, a log file a line at every tenth of the work;
        ``False``: no progress display at all (``--quiet``). Without it the progress shows where
        the user is: a widget in a notebook, a bar on a terminal's stderr, nothing in a log
        (:mod:`simulator.progress`; ``FUNDSIM_PROGRESS=0`` silences it). Notes on a resumed or
        repaired store go to the stream, or to stderr.

    Returns
    -------
    xarray.Dataset
        Lazy (dask, read from ``out``) when ``out`` is given, in memory otherwise.
    """
    if isinstance(scenario, (str, Path)) and is_sweep_file(scenario):
        spec = load_sweep_file(scenario)
        given = {"grid": grid, "sample": sample, "uniform": uniform, "paths": paths, "seed": seed, "horizon": horizon,
                 "out": out, "workers": workers, "threads_per_worker": threads_per_worker, "scheduler": scheduler,
                 "variants_per_task": variants_per_task}
        for k, v in given.items():
            if v is not None:
                spec[k] = {**spec.get(k, {}), **v} if k in ("grid", "uniform") and isinstance(v, dict) else v
        if overrides:
            spec["overrides"] = list(spec.get("overrides", [])) + list(overrides)
        if variables is not None:  # given here: it wins over the file's, as the other arguments do
            spec["variables"] = variables
        if precision is not None:
            spec["precision"] = precision
        file_metrics = spec.pop("metrics", None)
        return sweep(**spec, overwrite=overwrite, progress=progress, progress_stream=progress_stream,
                     metrics=metrics or file_metrics)
    plan = plan_sweep(scenario, grid=grid, sample=sample, uniform=uniform, overrides=overrides, paths=paths,
                      seed=seed, horizon=horizon, variables="all" if variables is None else variables,
                      precision=precision or "double")
    if plan.kind == "province":
        from .province import province_sweep
        if variables not in (None, "all") or variants_per_task is not None or overwrite:
            raise SweepError("a province sweep keeps each variant's metrics (simulator.sweep.province): variables, "
                             "variants_per_task and overwrite belong to a scenario sweep's store")
        stats = SweepStats(variants=len(plan.variants), skipped=0, out=str(out) if out is not None else "",
                           variants_per_task=1)
        sys.modules[__package__].LAST_STATS = stats
        return province_sweep(plan, metrics, out=out, workers=workers, threads_per_worker=threads_per_worker,
                              scheduler=scheduler, progress=progress, progress_stream=progress_stream, stats=stats)
    executor = _Executor(scheduler, workers, threads_per_worker)
    tmpdir = None
    if out is None:
        tmpdir = tempfile.mkdtemp(prefix="fundsim-sweep-")
        store = Path(tmpdir) / "sweep.zarr"
    else:
        store = Path(out).expanduser().absolute()
    try:
        block, completed = _open_or_create(plan, store, variants_per_task, overwrite,
                                           progress_stream if progress_stream not in (None, False) else sys.stderr)
        N = len(plan.variants)
        template = _template(plan, block)
        summary_names = [n for n in template.data_vars if n not in plan.variables
                         and n not in ("completed", "scenario_sha256", "run_seconds")]
        job = {"store": str(store), "scenarios": plan.scenarios, "variables": tuple(plan.variables),
               "summary_names": summary_names,
               "summary_dims": {n: template[n].dims[1:] for n in summary_names},
               "paths": plan.paths, "years": plan.horizon + 1, "threads": executor.threads, "version": __version__,
               "precision": plan.precision}
        tasks = []
        for b, start in enumerate(range(0, N, block)):
            stop = min(N, start + block)
            if completed[start:stop].all():
                continue
            vs = [(v.scenario_index, v.overrides, v.label) for v in plan.variants[start:stop]]
            tasks.append((job, b, start, vs))
        skipped = int(completed.sum())
        stats = SweepStats(variants=N, skipped=skipped, out=str(store), variants_per_task=block)
        sys.modules[__package__].LAST_STATS = stats  # read as simulator.sweep.LAST_STATS
        if progress_stream not in (None, False) and skipped:
            progress_stream.write(f"  resuming: {skipped:,} of {N:,} variants already in {store}\n")
        t0 = time.perf_counter()
        executor.limit(len(tasks))
        job["threads"] = executor.threads
        if tasks:
            bar = _Progress(N, skipped, progress, progress_stream, unit="variant", desc="sweep")
            try:
                with executor:
                    stats.executor = executor.describe()
                    _say_dashboard(executor, bar, progress_stream)
                    for res in executor.run(_sweep_task, tasks):
                        if "error" in res:
                            raise SweepError(res["error"], res.get("exit_code", EXIT_FAILURE))
                        stats.ran += res["n"]
                        stats.kernel_seconds += res["kernel_seconds"]
                        stats.blocks.append(res)
                        bar.step(res["n"])
            finally:
                bar.close()
        stats.seconds = time.perf_counter() - t0
        ds = open_sweep(store)
        if not bool(ds["completed"].all()):
            raise SweepError(f"{store}: some variants are not marked completed after the sweep", EXIT_FAILURE)
        remove_partials(store)  # every task is done: no write is under way, a leftover is a killed one's
        if tmpdir is not None:
            ds = ds.load()
            ds.close()
        return ds
    except Exception as e:
        if type(e).__name__ == "KilledWorker":
            raise SweepError(f"a dask worker died running a block ({e}); finished variants are kept in {store}: "
                             "run the same sweep again to resume", EXIT_FAILURE) from None
        raise
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
