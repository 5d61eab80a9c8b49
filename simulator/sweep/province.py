"""Sweeps of a province file (specification section 17): each variant is
:func:`simulator.province.run_province` with its overrides, the same seed for all, and what is kept
per variant is its metrics (the table's columns), not its paths.

A province's run holds every region's paths and the province's; a sweep of them would be a store
of the regions times the variants, so a province sweep keeps the numbers a planner compares across
variants: the metrics asked for (``any_exhaustion_probability:FUND:YEAR``, ``METRIC@REGION``), as
one Dataset ``metric_value(scenario, metric)`` with the swept values as coordinates, written as
netCDF (atomically) when ``out`` is given. It is run again from scratch when repeated (no resume:
a variant is one province run, seconds).
"""

from __future__ import annotations

import json
import time

import numpy as np
import xarray as xr

from .. import __version__
from ..errors import EXIT_FAILURE
from .common import MetricError, SweepError
from .execute import _Executor, _Progress, _say_dashboard
from .metrics import metric_units, parse_metric

#: the table of a province sweep when no metric is named
PROVINCE_DEFAULT_METRICS = ("any_exhaustion_probability:employee_pooled:end", "any_exhaustion_probability:resident:end",
                            "reserve_months:employee_pooled:end:median@province",
                            "reserve_months:resident:end:median@province")


def check_province_metrics(metrics, region_names) -> list:
    """The metrics, parsed; each must read the province (``any_…``) or name a region or ``province``."""
    from ..errors import suggest
    from ..province.spec import PROVINCE_ENTRY

    names = list(region_names) + [PROVINCE_ENTRY]
    out = []
    for text in metrics:
        m = parse_metric(text)
        if m.kind == "breakeven":
            raise MetricError(f"metric {m.text!r}: a province's break-even is its own search (fundsim breakeven "
                              "PROVINCE: the adjustment-fund share), not a sweep column")
        if m.kind != "any_event_probability" and m.region is None:
            raise MetricError(f"metric {m.text!r}: a province's results: name the region, {m.text}@REGION (one of "
                              f"{', '.join(names)}), or use any_exhaustion_probability:FUND:YEAR")
        if m.region is not None and m.region not in names:
            raise MetricError(f"metric {m.text!r}: no region '{m.region}' (regions: {', '.join(names)})"
                              f"{suggest(m.region, names)}")
        out.append(m)
    return out


def _province_variant_task(i, ref, overrides, threads, metric_texts) -> tuple:
    """One variant: run the province and evaluate each metric (index, result dict)."""
    from ..errors import SimulatorError
    from .metrics import evaluate_metric
    from .tasks import _KERNEL_LOCK, _run_variant, _task_threads

    with _KERNEL_LOCK:
        t0 = time.perf_counter()
        try:
            ds = _run_variant(ref, overrides, _task_threads(threads), "all")
            values = [float(evaluate_metric(ds, parse_metric(t))) for t in metric_texts]
        except SimulatorError as e:
            return i, {"error": str(e), "exit_code": e.exit_code}
        return i, {"values": values, "seconds": time.perf_counter() - t0, "kernel_seconds": float(ds.attrs["kernel_seconds"])}


def province_sweep(plan, metrics, *, out=None, workers=None, threads_per_worker=None, scheduler=None, progress=None,
                   progress_stream=None, stats=None) -> xr.Dataset:
    """Run a province sweep's variants (a :class:`~simulator.sweep.plan.SweepPlan` of a province
    file) and return ``metric_value(scenario, metric)``; see the module docstring."""
    from ..api import write_netcdf
    from ..province.spec import load_province

    prov = load_province(plan.scenarios[0])
    metrics = list(metrics or PROVINCE_DEFAULT_METRICS)
    parsed = check_province_metrics(metrics, prov.region_names)
    years = plan.years
    for m in parsed:
        if m.year not in (None, "end") and int(m.year) not in set(years.tolist()):
            raise MetricError(f"metric {m.text!r}: the year {m.year} is outside the projection ({years[0]}-{years[-1]})")
    executor = _Executor(scheduler, workers, threads_per_worker)
    N = len(plan.variants)
    values = np.full((N, len(metrics)), np.nan)
    seconds = np.zeros(N)
    kernel = 0.0
    executor.limit(N)
    bar = _Progress(N, 0, progress, progress_stream, unit="variant", desc="sweep")
    t0 = time.perf_counter()
    try:
        with executor:
            if stats is not None:
                stats.executor = executor.describe()
            _say_dashboard(executor, bar, progress_stream)
            arglist = [(i, plan.scenarios[0], v.overrides, executor.threads, tuple(metrics))
                       for i, v in enumerate(plan.variants)]
            for i, res in executor.run(_province_variant_task, arglist):
                if "error" in res:
                    raise SweepError(f"variant {i} ({plan.variants[i].label}): {res['error']}",
                                     res.get("exit_code", EXIT_FAILURE))
                values[i] = res["values"]
                seconds[i] = res["seconds"]
                kernel += res["kernel_seconds"]
                bar.step(1)
    finally:
        bar.close()
    if stats is not None:
        stats.ran, stats.seconds, stats.kernel_seconds = N, time.perf_counter() - t0, kernel
    coords = {"scenario": ("scenario", np.asarray([v.label for v in plan.variants], dtype=str),
                           {"long_name": "variant: its swept values"}),
              "metric": ("metric", np.asarray(metrics, dtype=str), {"long_name": "metric (fundsim sensitivity's language)"}),
              "year": ("year", years, {"long_name": "calendar year"})}
    for k, vals in plan.coords.items():
        coords[k] = ("scenario", vals, {"long_name": f"swept value of {k}"})
    ds = xr.Dataset(
        {"metric_value": (("scenario", "metric"), values, {"long_name": "the metric of the variant"}),
         "metric_units": ("metric", np.asarray([metric_units(m) for m in parsed], dtype=str)),
         "run_seconds": ("scenario", seconds, {"units": "s", "long_name": "wall time of the variant"})},
        coords=coords,
        attrs={"title": f"fundsim sweep of province {plan.scenario_name}", "kind": "province_sweep",
               "scenario_name": plan.scenario_name, "seed": plan.seed, "paths": plan.paths, "base_year": plan.base_year,
               "horizon": plan.horizon, "variants": N, "swept_keys": json.dumps(plan.keys),
               "software_version": __version__, "sweep_definition": json.dumps(plan.definition, sort_keys=True),
               "sweep_sha256": plan.sha256,
               "conventions": "a variant equals fundsim run PROVINCE with its overrides and the same seed; a province "
                              "sweep keeps each variant's metrics, not its paths"})
    if out is not None:
        write_netcdf(ds, out, option="--out", cf=False)
    return ds


def metric_column(ds: xr.Dataset, m) -> xr.DataArray:
    """A province sweep's column for metric ``m`` (what :func:`evaluate_metric` returns for it)."""
    have = [str(x) for x in ds["metric"].values]
    if m.text not in have:
        raise MetricError(f"metric {m.text!r} was not computed by this province sweep (it kept: {', '.join(have)}); "
                          "name it with --metric when the sweep runs")
    return ds["metric_value"].sel(metric=m.text, drop=True)
