"""The metrics a comparison splits: their texts (:data:`DEFAULT_COMPARE_METRICS`), parsing, units
and evaluation on a run, and the differences of two values.  Part of :mod:`simulator.compare`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .groups import CompareError

#: headlines compared when no metric is given (the README's headline: reserve months, exhaustion
#: and first deficit, the actuarial balance)
DEFAULT_COMPARE_METRICS = (
    "exhaustion_probability:employee_pooled:end",
    "reserve_months:employee_pooled:2035:median",
    "reserve_months:employee_pooled:end:median",
    "deficit_probability:employee_pooled:end",
    "deficit_year:employee_pooled:median",
    "actuarial_balance:employee_pooled:median",
    "exhaustion_probability:resident:end",
    "reserve_months:resident:2035:median",
    "reserve_months:resident:end:median",
    "deficit_year:resident:median",
    "actuarial_balance:resident:median",
)


@dataclass
class _Metric:
    text: str
    kind: str          # run | actuarial_balance | breakeven
    parsed: object = None
    fund: str = ""
    months: float = 6.0
    stat: str = "median"


def _parse(text: str) -> _Metric:
    from ..sweep import MetricError, parse_metric

    parts = [p.strip() for p in str(text).split(":")]
    if parts[0] == "actuarial_balance":
        if len(parts) not in (3, 4) or parts[1] not in ("employee_pooled", "resident"):
            raise CompareError(f"metric {text!r}: write actuarial_balance:FUND[:MONTHS]:STAT with FUND "
                               "employee_pooled or resident (e.g. actuarial_balance:employee_pooled:median)")
        try:
            months = float(parts[2]) if len(parts) == 4 else 6.0
        except ValueError:
            raise CompareError(f"metric {text!r}: the ending target '{parts[2]}' is not a number of months") from None
        stat = parts[-1]
        if stat not in ("median", "mean") and not (stat.startswith("p") and stat[1:].replace(".", "", 1).isdigit()):
            raise CompareError(f"metric {text!r}: the statistic '{stat}' must be median, mean or pNN")
        return _Metric(text, "actuarial_balance", fund=parts[1], months=months, stat=stat)
    try:
        m = parse_metric(text)
    except MetricError as e:
        raise CompareError(str(e) + "; or actuarial_balance:FUND[:MONTHS]:STAT") from None
    return _Metric(text, "breakeven" if m.kind == "breakeven" else "run", parsed=m)


def _stat(values: np.ndarray, stat: str) -> float:
    if stat == "median":
        return float(np.median(values))
    if stat == "mean":
        return float(np.mean(values))
    return float(np.percentile(values, float(stat[1:])))


def _units(m: _Metric, breakeven_units: str = "") -> str:
    from ..sweep import metric_units

    if m.kind == "actuarial_balance":
        return ("fraction of the contribution base" if m.fund == "employee_pooled"
                else "fraction of resident financing")
    return metric_units(m.parsed, breakeven_units)


def _evaluate(ds, metrics) -> list:
    from ..breakeven import actuarial_balance
    from ..sweep import evaluate_metric

    values = []
    for m in metrics:
        if m.kind == "actuarial_balance":
            ab = actuarial_balance(ds, target_months=m.months)["actuarial_balance"].sel(fund=m.fund).values
            values.append(_stat(np.asarray(ab, dtype=float), m.stat))
        elif m.kind == "run":
            values.append(float(evaluate_metric(ds, m.parsed)))
        else:
            values.append(None)   # solved separately
    return values


def _num(v):
    return None if v is None or not math.isfinite(v) else float(v)


def _diff(x, y):
    if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
        return None
    return float(x) - float(y)
