"""The scenario's driver values and those the fits propose: :func:`current_drivers`,
:func:`proposed_drivers` (``economy.drivers`` with ``source:`` texts), :func:`proposed_yaml` and
:func:`proposed_scenario`."""

from __future__ import annotations

import copy
import math
import re

from .common import DRIVERS, _load_scenario
from .driver_fits import proposed_fits


def _dist_sd(dist) -> float | None:
    if dist is None:
        return None
    a = dist.args
    if "sd" in a:
        return float(a["sd"])
    if dist.kind == "uniform":
        return (a["high"] - a["low"]) / math.sqrt(12.0)
    lo, mo, hi = a["low"], a["mode"], a["high"]
    return math.sqrt((lo * lo + mo * mo + hi * hi - lo * mo - lo * hi - mo * hi) / 18.0)


def current_drivers(scenario=None, overrides=()) -> dict:
    """The scenario's driver parameters: the mean's schedule (central), the sd of an uncertain
    mean (None when certain), ``persistence`` and ``sd`` (central values)."""
    scn = _load_scenario(scenario, overrides).scenario
    out = {}
    for name in DRIVERS:
        d = getattr(scn.economy.drivers, name)
        sched = {int(y): float(v) for y, v in d.mean.central} if d.mean.is_schedule else float(d.mean.central)
        first = float(d.mean.evaluate([scn.base_year + 1])[0])
        last = float(d.mean.evaluate([scn.base_year + scn.horizon])[0])
        out[name] = {"mean": sched, "mean_first": first, "mean_last": last,
                     "years": [scn.base_year + 1, scn.base_year + scn.horizon],
                     "mean_sd": _dist_sd(d.mean.dist), "persistence": float(d.persistence.central),
                     "sd": float(d.sd.central)}
    return out


#: why a proposed fit's historical mean does not replace the scenario's mean schedule
_MEAN_NOT_USED = {
    "wage_growth": "the mean of 2001-2024, while growth fell from 14% to 3%, not the schedule's forward mean",
    "excess_cost_growth": "crude, with ageing and disease change in it; the mean is derived in simulator/calibrate_report.py (excess_cost_decomposition)",
    "interest_rate": "the benchmark's 2000-2024 average; the funds earn about 1.1-1.5% now",
    "resident_income_growth": "the mean of 2014-2024, while growth fell from 10% to 5%, not the schedule's forward mean",
}

_COST_DIRECTION = {"wage_growth": "decreases_cost", "excess_cost_growth": "increases_cost",
                   "interest_rate": "decreases_cost", "resident_income_growth": "decreases_cost"}


def _fit_text(f: dict) -> str:
    ex = f" ({', '.join(str(y) for y in f['excluded'])} excluded: {f['exclude_reason']})" if f["excluded"] else ""
    kind = "around a linear trend" if f["trend"] else "around a constant mean"
    return (f"{f['data']}; AR(1) on log(1 + x) {kind}, OLS over {f['period'][0]}-{f['period'][1]}{ex}, "
            f"n = {f['n']} pairs")


def _drop_level_shift_clause(text: str | None) -> str:
    """The old source without its sentence or clause about the level shift (which the fit replaces)."""
    if not text:
        return ""
    parts = re.split(r"(?<=[.;])\s+", text.strip())
    kept = [p for p in parts if "level shift" not in p]
    return " ".join(kept).rstrip(" ;.")


def proposed_drivers(scenario=None, overrides=()) -> dict:
    """``economy.drivers`` as the fits propose it (plain data, with ``source:`` texts).

    ``persistence`` and ``sd`` are the proposed fits' ``phi`` and ``sigma``; the mean keeps the
    scenario's schedule (no historical mean is the same quantity as the model's forward-looking
    mean: the wage and income means fell over the fit periods, the deposit rate's benchmark is
    not what the funds earn now, and the excess-cost mean is derived in simulator/calibrate_report.py) and
    becomes uncertain, with sd the standard error of the historical mean.
    """
    scn = _load_scenario(scenario, overrides).scenario
    fits = proposed_fits()
    out = {}
    for name in DRIVERS:
        f = fits[name]
        d = getattr(scn.economy.drivers, name)
        sched = {int(y): float(v) for y, v in d.mean.central} if d.mean.is_schedule else float(d.mean.central)
        old = _drop_level_shift_clause(d.mean.source)
        dist = d.mean.dist
        if f["se_mean"] is None:     # phi >= 1: no standard error of a mean; the mean stays as it is
            mean = d.mean.to_yaml()
        else:
            sd_mean = round(f["se_mean"], 4)
            direction = dist.cost_direction if dist is not None else _COST_DIRECTION[name]
            mean = {"dist": "normal", "mean": 0.0, "sd": sd_mean, "cost_direction": direction,
                    "schedule": sched if isinstance(sched, dict) else {scn.base_year + 1: sched}}
            mean["source"] = (f"{old}; the per-path level shift has sd {sd_mean}: the standard error of the "
                              f"historical mean, sigma / ((1 - phi) sqrt(n)), of {f['mean']:+.4f} +/- "
                              f"{f['se_mean']:.4f} ({_MEAN_NOT_USED[name]}); {_fit_text(f)}; "
                              f"simulator.uncertainty, fundsim uncertainty")
        phi = round(f["phi"], 2)
        sig = round(f["sigma"], 4)
        out[name] = {
            "mean": mean,
            "persistence": {"value": phi, "source": f"fitted: phi = {f['phi']:.2f} +/- {f['se_phi']:.2f} (standard "
                                                     f"error); {_fit_text(f)}; simulator.uncertainty"},
            "sd": {"value": sig, "source": f"fitted: sigma = {f['sigma']:.4f} +/- {f['se_sigma']:.4f} (residual sd, "
                                           f"log points); {_fit_text(f)}; simulator.uncertainty"},
        }
    return out


def proposed_yaml(scenario=None, overrides=()) -> str:
    """:func:`proposed_drivers` as YAML under ``economy: drivers:``."""
    from ..scenario import dump_yaml
    return dump_yaml({"economy": {"drivers": proposed_drivers(scenario, overrides)}})


def proposed_scenario(scenario=None, overrides=()) -> dict:
    """The scenario's resolved data with ``economy.drivers`` replaced by :func:`proposed_drivers`."""
    loaded = _load_scenario(scenario, overrides)
    data = copy.deepcopy(loaded.data)
    data["economy"]["drivers"] = proposed_drivers(loaded)
    name = data.get("name") or loaded.scenario.name
    data["name"] = f"{name}_fitted_drivers"
    return data
