"""Deterministic assumption sets (specification section 13), as the social-security trustees show them.

The base year stays observed, as in a stochastic run: an uncertain parameter takes its set's value
from the first projection year on (the calibration to the base year is the same in every set).

``central``: every uncertain parameter at its mean (an uncertain schedule at its schedule), every
``σ`` zero, epidemics at their expected cost each year (probability 1 with cost ``pe·ce`` and
relief ``pe·ke``).  ``low_cost`` / ``high_cost``: the same, but each uncertain parameter at the
given quantile in its cost direction (a parameter that ``increases_cost`` takes its upper
quantile in the high-cost set and its lower quantile in the low-cost set).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from .schema import Scenario
from .values import Param

SETS = ("central", "low_cost", "high_cost")
SIGMA_FIELDS = {"kappa_sd", "prevalence_sd", "intensity_sd"}


def _fixed(p: Param, which: str, quantile: float, years) -> Param:
    """``p`` at the set's value from the first projection year on; the base year keeps its central
    value, as in a stochastic run, where the base year is observed and an uncertain parameter's
    draw shifts its values from year 1 (so the calibration to the base year's reported figures is
    the same in every set)."""
    if p.dist is None:
        return p
    if which == "central":
        value = p.dist.mean
    else:
        up = (which == "high_cost") == (p.dist.cost_direction == "increases_cost")
        value = p.dist.quantile(quantile if up else 1 - quantile, clip=not p.is_schedule)
    if not p.is_schedule and which == "central":
        return Param(value, None, p.source, p.note)
    years = np.asarray(years)
    central = p.evaluate(years)
    if p.is_schedule:
        lo = -float("inf") if p.dist.clip_min is None else p.dist.clip_min
        hi = float("inf") if p.dist.clip_max is None else p.dist.clip_max
        shift = value - p.dist.mean
        later = np.clip(central[1:] + shift, lo, hi)
    else:
        later = np.full(years.shape[0] - 1, float(value))
    if years.shape[0] == 1:
        return Param(float(central[0]), None, p.source, p.note)
    points = ((int(years[0]), float(central[0])),) + tuple((int(y), float(v)) for y, v in zip(years[1:], later))
    return Param(points, None, p.source, p.note)


def _walk(model: BaseModel, which, quantile, years, parent_is_driver=False):
    updates = {}
    for name in type(model).model_fields:
        v = getattr(model, name)
        if isinstance(v, Param):
            if name in SIGMA_FIELDS or (parent_is_driver and name in ("sd", "local_sd")):
                updates[name] = Param(0.0, None, "deterministic assumption set: sigma zero")
            else:
                updates[name] = _fixed(v, which, quantile, years)
        elif isinstance(v, BaseModel):
            updates[name] = _walk(v, which, quantile, years, parent_is_driver=type(v).__name__ == "Driver")
        elif isinstance(v, list) and v and isinstance(v[0], BaseModel):
            updates[name] = [_walk(x, which, quantile, years) for x in v]
        elif isinstance(v, dict) and v and all(isinstance(x, BaseModel) for x in v.values()):
            updates[name] = {k: _walk(x, which, quantile, years) for k, x in v.items()}
    return model.model_copy(update=updates)


def assumption_set(scn: Scenario, which: str = "central", quantile: float = 0.9) -> Scenario:
    """A deterministic copy of ``scn`` at the named assumption set."""
    if which not in SETS:
        raise ValueError(f"assumption set must be one of {', '.join(SETS)}, got {which!r}")
    if not 0.5 <= quantile < 1:
        raise ValueError("quantile must be in [0.5, 1)")
    out = _walk(scn, which, quantile, scn.years)
    ep = out.epidemic
    years = out.years
    pe = ep.probability.evaluate(years)
    sched = lambda arr: Param(tuple((int(y), float(v)) for y, v in zip(years, arr)), None, "deterministic: expected epidemic cost")  # noqa: E731
    epidemic = ep.model_copy(update={
        "probability": Param(1.0 if pe.any() else 0.0, None, "deterministic: expected epidemic cost every year"),
        "cost_add": sched(pe * ep.cost_add.evaluate(years)),
        "contribution_relief": sched(pe * ep.contribution_relief.evaluate(years)),
    })
    return out.model_copy(update={"epidemic": epidemic})
