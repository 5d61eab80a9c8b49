"""Deterministic assumption sets (specification section 13), as the social-security trustees show them.

``central``: every uncertain parameter at its mean (an uncertain schedule at its schedule), every
``σ`` zero, epidemics at their expected cost each year (probability 1 with cost ``pe·ce`` and
relief ``pe·ke``).  ``low_cost`` / ``high_cost``: the same, but each uncertain parameter at the
given quantile in its cost direction (a parameter that ``increases_cost`` takes its upper
quantile in the high-cost set and its lower quantile in the low-cost set).
"""

from __future__ import annotations

from pydantic import BaseModel

from .schema import Scenario
from .values import Param

SETS = ("central", "low_cost", "high_cost")
SIGMA_FIELDS = {"kappa_sd", "prevalence_sd", "intensity_sd"}


def _fixed(p: Param, which: str, quantile: float) -> Param:
    if p.dist is None:
        return p
    if which == "central":
        value = p.dist.mean
    else:
        up = (which == "high_cost") == (p.dist.cost_direction == "increases_cost")
        value = p.dist.quantile(quantile if up else 1 - quantile, clip=not p.is_schedule)
    if p.is_schedule:
        shift = value - p.dist.mean
        lo = -float("inf") if p.dist.clip_min is None else p.dist.clip_min
        hi = float("inf") if p.dist.clip_max is None else p.dist.clip_max
        return Param(tuple((y, min(max(v + shift, lo), hi)) for y, v in p.central), None, p.source, p.note)
    return Param(value, None, p.source, p.note)


def _walk(model: BaseModel, which, quantile, parent_is_driver=False):
    updates = {}
    for name in type(model).model_fields:
        v = getattr(model, name)
        if isinstance(v, Param):
            if name in SIGMA_FIELDS or (parent_is_driver and name == "sd"):
                updates[name] = Param(0.0, None, "deterministic assumption set: sigma zero")
            else:
                updates[name] = _fixed(v, which, quantile)
        elif isinstance(v, BaseModel):
            updates[name] = _walk(v, which, quantile, parent_is_driver=type(v).__name__ == "Driver")
        elif isinstance(v, list) and v and isinstance(v[0], BaseModel):
            updates[name] = [_walk(x, which, quantile) for x in v]
        elif isinstance(v, dict) and v and all(isinstance(x, BaseModel) for x in v.values()):
            updates[name] = {k: _walk(x, which, quantile) for k, x in v.items()}
    return model.model_copy(update=updates)


def assumption_set(scn: Scenario, which: str = "central", quantile: float = 0.9) -> Scenario:
    """A deterministic copy of ``scn`` at the named assumption set."""
    if which not in SETS:
        raise ValueError(f"assumption set must be one of {', '.join(SETS)}, got {which!r}")
    if not 0.5 <= quantile < 1:
        raise ValueError("quantile must be in [0.5, 1)")
    out = _walk(scn, which, quantile)
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
