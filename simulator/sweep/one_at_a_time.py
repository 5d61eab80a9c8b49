"""One-at-a-time sensitivity (:func:`sensitivity`): the base scenario and each parameter at its low
and its high value, every run with the same seed."""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import __version__
from ..errors import EXIT_FAILURE, ScenarioError
from .common import MetricError, SweepError
from .execute import _Executor, _Progress, _say_dashboard
from .metrics import metric_label, metric_units, parse_metric
from .plan import _scenario_ref
from .spec import _is_number, _pair
from .tasks import _indexed_metric_task


def sensitivity(scenario="baseline", *, metric, vary, overrides=(), paths=None, seed=None, horizon=None,
                workers=None, threads_per_worker=None, scheduler=None, progress=None,
                progress_stream=None) -> xr.Dataset:
    """One-at-a-time sensitivity of a metric: the base run and, for each parameter, a run with it
    at its low and one at its high value (all with the same seed).

    Parameters
    ----------
    metric : str
        A metric text (module docstring), e.g. ``"reserve_months:employee_pooled:2035:median"``.
    vary : dict
        Key path -> ``(low, high)`` (numbers or YAML texts), ``"LOW:HIGH"`` or ``"LOW,HIGH"``.
    workers, threads_per_worker, scheduler, progress, progress_stream :
        As :func:`sweep`: the session's dask client when there is one, progress where the user
        is (a notebook widget, a terminal bar, a few lines in a log).

    Returns
    -------
    xarray.Dataset
        ``low``, ``high``, ``base`` over ``parameter`` (the key paths), coordinates ``low_value``
        and ``high_value``, and attributes ``metric`` (a sentence), ``metric_spec``, ``units``,
        ``scenario_name``, ``seed``, ``paths`` (:func:`simulator.plots.tornado` draws it).
    """
    from ..scenario import load_scenario

    m = parse_metric(metric)
    if not vary:
        raise SweepError("give at least one --vary KEY.PATH=LOW:HIGH")
    ref, label = _scenario_ref(scenario)
    fixed = tuple(overrides or ())
    extra = tuple(f"{k}={v}" for k, v in (("simulation.paths", paths), ("simulation.seed", seed), ("horizon", horizon))
                  if v is not None)
    from ..province import is_province
    province = is_province(ref)
    if province:
        name, base_year, (P, S, H) = _province_settings(ref, fixed, m, paths, seed, horizon)
        fixed_all = fixed + (f"province.simulation.paths={P}", f"province.simulation.seed={S}", f"province.horizon={H}")
    else:
        if m.region is not None or m.kind == "any_event_probability":
            raise MetricError(f"metric {m.text!r}: METRIC@REGION and any_exhaustion_probability are for a province "
                              f"file; {label} is a scenario")
        scn = load_scenario(ref, fixed + extra).scenario
        name, base_year = scn.name, int(scn.base_year)
        P, S, H = int(scn.simulation.paths), int(scn.simulation.seed), int(scn.horizon)
        fixed_all = fixed + (f"simulation.paths={P}", f"simulation.seed={S}", f"horizon={H}")
    years = np.arange(base_year, base_year + H + 1)
    if m.kind != "breakeven" and m.year not in (None, "end") and int(m.year) not in set(years.tolist()):
        raise MetricError(f"metric {m.text!r}: the year {m.year} is outside the projection ({years[0]}-{years[-1]})")
    if m.kind == "breakeven":
        from ..layout import FIXED_ROW_NAMES
        from ..errors import suggest
        if m.name not in FIXED_ROW_NAMES:
            levers = [n for n in FIXED_ROW_NAMES if not n.startswith(("policy.", "economy.drivers"))]
            raise MetricError(f"metric {m.text!r}: '{m.name}' is not a numeric lever{suggest(m.name, levers)}")
    params, pairs = [], []
    fixed_keys = {o.split("=", 1)[0].strip() for o in fixed}
    for key, spec in vary.items():
        if key in fixed_keys:
            raise SweepError(f"{key} is both varied and set with --set")
        (lo_t, lo), (hi_t, hi) = _pair(key, spec, "vary")
        if lo_t == hi_t:
            raise SweepError(f"vary {key}: the low and high values are the same ({lo_t})")
        for t in (lo_t, hi_t):
            try:
                if province:
                    from ..province.checks import check_province_overrides
                    check_province_overrides(ref, fixed_all + (f"{key}={t}",))
                else:
                    load_scenario(ref, fixed_all + (f"{key}={t}",))
            except ScenarioError as e:  # the varied value's problems are --vary's, not --set's
                varied = key.split("region.", 1)[-1].split(".", 1)[-1] if key.startswith("region.") else key
                e.problems = [(k, msg, line, "--vary" if origin == "--set" and k is not None and
                               (k == varied or k.startswith(varied + ".") or k.startswith(varied + "[")) else origin)
                              for k, msg, line, origin in e.problems]
                raise ScenarioError(e.problems, e.file, e.more) from None
        params.append(key)
        pairs.append(((lo_t, lo), (hi_t, hi)))
    runs = [fixed_all] + [fixed_all + (f"{k}={t}",) for k, pr in zip(params, pairs) for t, _ in pr]
    executor = _Executor(scheduler, workers, threads_per_worker)
    results = [None] * len(runs)

    executor.limit(len(runs))
    bar = _Progress(len(runs), 0, progress, progress_stream, unit="run", desc="sensitivity")
    try:
        with executor:
            _say_dashboard(executor, bar, progress_stream)
            arglist = [(i, ref, ovs, executor.threads, m.text) for i, ovs in enumerate(runs)]
            for i, res in executor.run(_indexed_metric_task, arglist):
                if "error" in res:
                    what = ("the base run" if i == 0
                            else f"{params[(i - 1) // 2]} at its {'low' if i % 2 else 'high'} value")
                    raise SweepError(f"{what}: {res['error']}", res.get("exit_code", EXIT_FAILURE))
                results[i] = res
                bar.step(1)
    finally:
        bar.close()
    units = next((r["units"] for r in results if r["units"]), metric_units(m))
    base_v = results[0]["value"]
    low = [results[1 + 2 * j]["value"] for j in range(len(params))]
    high = [results[2 + 2 * j]["value"] for j in range(len(params))]

    def coord(vals):
        vs = [v for _, v in vals]
        if all(_is_number(v) for v in vs):
            return np.asarray(vs, dtype=float)
        return np.asarray([t for t, _ in vals], dtype=str)

    notes = [r.get("note", "") for r in results]
    ds = xr.Dataset(
        {"low": ("parameter", np.asarray(low, dtype=float), {"units": units, "long_name": "metric with the parameter at its low value"}),
         "high": ("parameter", np.asarray(high, dtype=float), {"units": units, "long_name": "metric with the parameter at its high value"}),
         "base": ("parameter", np.full(len(params), base_v, dtype=float), {"units": units, "long_name": "metric in the base run"})},
        coords={"parameter": ("parameter", np.asarray(params, dtype=str), {"long_name": "scenario key path varied"}),
                "low_value": ("parameter", coord([p[0] for p in pairs]), {"long_name": "low value of the parameter"}),
                "high_value": ("parameter", coord([p[1] for p in pairs]), {"long_name": "high value of the parameter"})},
        attrs={"metric": metric_label(m, years), "metric_spec": m.text, "units": units, "scenario_name": name,
               "scenario_origin": label, "seed": S, "paths": P, "base_year": base_year, "horizon": H,
               "overrides": json.dumps(list(fixed)), "software_version": __version__,
               "notes": "\n".join(n for n in notes if n),
               "method": "one at a time: each parameter at its low and its high value, the others as in the base "
                         "scenario; every run with the same seed (common random numbers)"})
    return ds


def _province_settings(ref, fixed, m, paths, seed, horizon):
    """A province's name, base year and (paths, seed, horizon): the command line's, else the
    province file's, else its first region's scenario's (as :func:`simulator.province.run_province`)."""
    from ..province.checks import check_province_overrides
    from ..province.spec import province_settings
    from .province import check_province_metrics

    prov, loaded = check_province_overrides(ref, fixed)
    check_province_metrics([m.text], prov.region_names)
    return province_settings(prov, loaded[0], paths, seed, horizon)
