"""Tables of a sweep and of a sensitivity analysis (:func:`format_sweep`, :func:`format_sensitivity`)
and the sweep as one JSON object (:func:`sweep_json`)."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from .common import DEFAULT_METRICS
from .metrics import Metric, evaluate_metric, metric_units, parse_metric


def _short_metric(m: Metric, years) -> str:
    """A column heading: 'employee median months 2064', 'employee P(exhaustion by 2064)'."""
    fund = {"employee_pooled": "employee", "resident": "resident", "pooled_combined": "combined",
            "employee_accounts": "accounts"}
    y = str(int(years[-1])) if m.year == "end" else str(m.year)
    f = fund.get(m.labels[0], m.labels[0]) if m.labels else ""
    if m.region is not None:
        import dataclasses
        return f"{m.region}: " + _short_metric(dataclasses.replace(m, region=None), years)
    if m.kind == "any_event_probability":
        return f"{f} P(any region exhausted by {y})"
    if m.kind == "event_probability":
        return f"{f} P({m.name.replace('_', ' ')} by {y})"
    if m.kind == "event_year":
        return f"{f} {m.stat} {m.name.replace('_', ' ')} year"
    if m.kind == "band":
        return f"{f} P({m.band} months {y})"
    lab = " ".join(fund.get(x, x) for x in m.labels)
    name = "months" if m.name == "reserve_months" else m.name.replace("_", " ")
    return f"{lab} {m.stat} {name} {y}".strip()


def _fmt_num(v, units=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "never" if v > 0 else "-inf"
    if "year" in units:
        return f"{v:.0f}"
    if "fraction" in units:
        return f"{v:.3f}"
    if units == "months":
        return f"{v:.1f}"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.1f}bn"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.4g}"


def _fmt_coord(v):
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return str(v)


def format_sweep(ds: xr.Dataset, metrics=DEFAULT_METRICS, max_rows: int = 60) -> str:
    """The table ``fundsim sweep`` prints: one row per variant, its swept values and metrics."""
    keys = [str(k) for k, c in ds.coords.items() if c.dims == ("scenario",) and k != "scenario"]
    ms = [parse_metric(t) for t in metrics]
    years = ds["year"].values
    cols = [(k, [_fmt_coord(v) for v in ds[k].values]) for k in keys]
    for m in ms:
        vals = np.atleast_1d(np.asarray(evaluate_metric(ds, m).values, dtype=float))
        units = metric_units(m)
        cols.append((_short_metric(m, years), [_fmt_num(float(v), units) for v in vals]))
    n = ds.sizes["scenario"]
    a = ds.attrs
    lines = [f"Sweep of {a.get('scenario_name', '?')}: {n} variants"
             + (f" ({' x '.join(keys)})" if keys else "")
             + f", {a.get('paths', '?')} paths each, seed {a.get('seed', '?')}, years {years[0]}-{years[-1]}"]
    widths = [max(len(h), *(len(x) for x in v)) for h, v in cols]
    lines.append("  " + "  ".join(h.rjust(w) for (h, _), w in zip(cols, widths)))
    rows = list(range(n)) if n <= max_rows else list(range(max_rows // 2)) + [None] + list(range(n - max_rows // 2, n))
    for r in rows:
        if r is None:
            lines.append(f"  ... {n - 2 * (max_rows // 2)} more variants ...")
            continue
        lines.append("  " + "  ".join(v[r].rjust(w) for (_, v), w in zip(cols, widths)))
    return "\n".join(lines)


def sweep_json(ds: xr.Dataset, metrics=DEFAULT_METRICS, stats=None) -> dict:
    """The sweep's table as one JSON-ready dict: each variant's swept values and metrics (with units)."""
    keys = [str(k) for k, c in ds.coords.items() if c.dims == ("scenario",) and k != "scenario"]
    ms = [parse_metric(t) for t in metrics]
    variants = []
    values = {}
    for t, m in zip(metrics, ms):
        values[t] = np.atleast_1d(np.asarray(evaluate_metric(ds, m).values, dtype=float))
    for i in range(ds.sizes["scenario"]):
        row = {"scenario": _json_value(ds["scenario"].values[i])}
        row["values"] = {k: _json_value(ds[k].values[i]) for k in keys}
        row["metrics"] = {t: (float(v[i]) if np.isfinite(v[i]) else None) for t, v in values.items()}
        variants.append(row)
    a = ds.attrs
    out = {"scenario": a.get("scenario_name"), "paths": a.get("paths"), "seed": a.get("seed"),
           "years": [int(ds["year"].values[0]), int(ds["year"].values[-1])], "keys": keys,
           "metrics": [{"metric": t, "units": metric_units(m)} for t, m in zip(metrics, ms)], "variants": variants}
    if stats is not None:
        out["run"] = {"ran": stats.ran, "skipped": stats.skipped, "seconds": stats.seconds, "executor": stats.executor}
    return out


def _json_value(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.bool_):
        return bool(v)
    return v if isinstance(v, (int, float, str, bool)) or v is None else str(v)


def format_sensitivity(ds: xr.Dataset) -> str:
    """The table ``fundsim sensitivity`` prints, the widest swing first."""
    a = ds.attrs
    units = a.get("units", "")
    base = float(ds["base"].values.flat[0])
    low, high = ds["low"].values.astype(float), ds["high"].values.astype(float)
    swing = np.abs(high - low)
    order = np.argsort(np.where(np.isfinite(swing), swing, -1.0), kind="stable")[::-1]
    lines = [f"Sensitivity of {a.get('metric', '?')}" + (f" ({units})" if units else ""),
             (f"scenario {a.get('scenario_name', '?')}, {a.get('paths', '?')} paths, seed {a.get('seed', '?')}; "
              f"base value {_fmt_num(base, units)}; one parameter at a time, the same random numbers in every run"), ""]
    names = [str(p) for p in ds["parameter"].values]
    lv = [_fmt_coord(v) for v in ds["low_value"].values]
    hv = [_fmt_coord(v) for v in ds["high_value"].values]
    w = max(9, *(len(x) for x in names))
    wl = max(9, *(len(x) for x in lv))
    wh = max(10, *(len(x) for x in hv))
    lines.append(f"  {'parameter':<{w}}  {'low value':>{wl}}  {'high value':>{wh}}  {'at low':>10}  {'at high':>10}  {'swing':>10}")
    for k in order:
        lines.append(f"  {names[k]:<{w}}  {lv[k]:>{wl}}  {hv[k]:>{wh}}  {_fmt_num(float(low[k]), units):>10}  "
                     f"{_fmt_num(float(high[k]), units):>10}  {_fmt_num(float(swing[k]), units):>10}")
    if a.get("notes"):
        lines.append("notes: " + a["notes"].replace("\n", "\n  "))
    return "\n".join(lines)
