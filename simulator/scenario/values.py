"""The value forms of the scenario language (specification section 2).

A *parameter* (scalar or year schedule) may be written as

* a constant: ``0.02``
* a schedule by calendar year, linearly interpolated and held flat outside:
  ``{2024: 0.06, 2035: 0.045}``
* either of these wrapped with metadata: ``{value: 0.02, source: "...", note: "..."}``
* an indexed schedule (only where the schema allows it: amounts in yuan that policy re-sets every
  year): ``{value: {2025: 400}, index: resident_income, index_plus: 0.01, source: "..."}``.  After
  the schedule's last year ``t0`` the value grows with one of the path's own indices,
  ``v[t] = v[t0]·I[t]/I[t0]·(1 + index_plus)^(t - t0)``, with ``I`` the average wage ``W``
  (``wage``), resident per-capita income ``Y`` (``resident_income``), the medical unit cost index
  ``Cm`` (``medical_cost``; it already grows with wages and excess cost) or 1 (``fixed``: flat, or
  growing at ``index_plus`` alone).  A constant, or a schedule ending before the base year, is
  indexed from the base year (the paths' indices start there).  An indexed value cannot also be
  uncertain: the index already moves with the path's drivers.  The central schedule
  (:meth:`Param.evaluate`) stays flat after ``t0``; the engine applies the index path by path.
* an uncertain parameter drawn once per path: ``{dist: normal, mean: 0.3, sd: 0.1,
  cost_direction: increases_cost, source: "..."}``; ``lognormal`` and ``beta`` take the mean and
  sd of the value itself, ``uniform`` takes ``low``/``high``, ``triangular`` ``low``/``mode``/
  ``high``; ``min``/``max`` clip the draw.  With ``schedule: {...}`` the value in each year is the
  schedule plus one drawn shift (the draw minus the distribution's mean), the same in all years.

An *age profile* may be written as

* a constant for all ages: ``1.0``
* single ages or age bands covering 0-100 exactly once: ``{0-14: 0.3, 15-59: 0.6, 60-100: 2.0}``
  (``100`` means 100+); bands are interpolated linearly between their mid-points (or held flat
  with ``interpolation: step``)
* by sex: ``{male: <profile>, female: <profile>}``
* a column of a shipped data table: ``{table: china_population_2024, column: population}``
* any of these wrapped: ``{value: <profile>, source: "...", interpolation: step}``

Parsing functions raise ``ValueError`` with a message that names the problem; the schema turns
that into a :class:`~simulator.errors.ScenarioError` with the key path.

This module parses parameters (:class:`Param`, :func:`parse_param`); the distributions of uncertain
values are in :mod:`simulator.scenario.distributions` and the age profiles in
:mod:`simulator.scenario.profiles`, whose names are importable from here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import excerpt
# the distributions and the age profiles have modules of their own (they import nothing from here);
# their names stay importable from here, as before the split
from .distributions import COST_DIRECTIONS, DISTRIBUTIONS, META_KEYS, Distribution, _number, parse_distribution, suggest  # noqa: F401
from .profiles import _BAND, N_AGES, PROFILE_KEYS, SEXES, Profile, _parse_bands, parse_profile  # noqa: F401

#: calendar years (schedule keys, table and start years) lie in this range
MIN_YEAR, MAX_YEAR = 1900, 2300
#: the indices an indexed schedule may follow (specification 2.3 section 2), in the engine's order
INDICES = ("fixed", "wage", "resident_income", "medical_cost")
#: bounds of ``index_plus``, the extra growth on top of the index (fraction per year)
INDEX_PLUS_RANGE = (-0.5, 0.5)
PARAM_KEYS = {"value", "dist", "mean", "sd", "low", "high", "mode", "min", "max",
              "cost_direction", "schedule", "index", "index_plus"} | META_KEYS


def _year(k) -> int:
    if isinstance(k, bool):
        raise ValueError(f"schedule year {k!r} is not an integer year")
    if isinstance(k, float) and k.is_integer() and MIN_YEAR <= k <= MAX_YEAR:
        k = int(k)
    elif isinstance(k, str) and re.fullmatch(r"\s*\d{4}\s*", k):
        k = int(k)
    elif isinstance(k, str) and not re.fullmatch(r"[-+\d.eE\s]+", k):
        raise ValueError(f"unknown key {excerpt(k)} (neither a year of a schedule nor a parameter key){suggest(k, PARAM_KEYS)}")
    if isinstance(k, int):
        if not MIN_YEAR <= k <= MAX_YEAR:
            raise ValueError(f"schedule year {excerpt(k, 24)} is outside {MIN_YEAR}-{MAX_YEAR}; "
                             "a schedule is keyed by calendar year ({2025: x, 2035: y})")
        return k
    raise ValueError(f"schedule year {excerpt(k, 24)} is not an integer calendar year ({MIN_YEAR}-{MAX_YEAR})")


@dataclass(frozen=True)
class Param:
    """A parsed scalar or schedule, possibly uncertain.

    ``central`` is a float (constant) or a sorted tuple of ``(year, value)`` pairs (schedule).
    ``index`` (one of :data:`INDICES`, or ``None``) and ``index_plus`` (fraction per year) make it
    an indexed schedule: after :attr:`last_year` the engine grows it with the path's own index.
    """

    central: float | tuple
    dist: Distribution | None = None
    source: str | None = None
    note: str | None = None
    index: str | None = None
    index_plus: float = 0.0

    @property
    def is_indexed(self) -> bool:
        """True when the value grows after its last year (an index other than flat ``fixed``)."""
        return self.index is not None and (self.index != "fixed" or self.index_plus != 0.0)

    @property
    def last_year(self) -> int | None:
        """The schedule's last year ``t0`` (``None`` for a constant: indexed from the base year)."""
        return self.central[-1][0] if self.is_schedule else None

    @property
    def is_schedule(self) -> bool:
        return isinstance(self.central, tuple)

    def values(self) -> list[float]:
        if self.is_schedule:
            return [v for _, v in self.central]
        return [self.central]

    def evaluate(self, years) -> np.ndarray:
        """Central values at the given calendar years (schedules interpolated, flat outside).

        An indexed schedule is flat here after its last year too: the index is the path's own and
        is applied by the engine (:mod:`simulator.kernels.project`, :mod:`simulator.reference`)."""
        years = np.asarray(years, dtype=float)
        if self.is_schedule:
            xs = np.array([y for y, _ in self.central], dtype=float)
            ys = np.array([v for _, v in self.central], dtype=float)
            return np.interp(years, xs, ys)
        return np.full(years.shape, float(self.central))

    def to_yaml(self):
        out = {}
        if self.dist is not None:
            out["dist"] = self.dist.kind
            out.update(self.dist.args)
            if self.dist.clip_min is not None:
                out["min"] = self.dist.clip_min
            if self.dist.clip_max is not None:
                out["max"] = self.dist.clip_max
            out["cost_direction"] = self.dist.cost_direction
            if self.is_schedule:
                out["schedule"] = {y: v for y, v in self.central}
        else:
            out["value"] = {y: v for y, v in self.central} if self.is_schedule else self.central
        if self.index is not None:
            out["index"] = self.index
            if self.index_plus:
                out["index_plus"] = self.index_plus
        if self.source:
            out["source"] = self.source
        if self.note:
            out["note"] = self.note
        return out


def _schedule(raw: dict) -> tuple:
    pairs = []
    last = None
    for k, v in raw.items():
        y = _year(k)
        if last is not None and y <= last:
            raise ValueError(f"schedule years must be strictly increasing, {y} follows {last}")
        last = y
        pairs.append((y, _number(v, f"value for {y}")))
    if not pairs:
        raise ValueError("schedule is empty")
    return tuple(pairs)


def _is_schedule_mapping(raw) -> bool:
    return isinstance(raw, dict) and raw and all(
        not (isinstance(k, str) and k in PARAM_KEYS) for k in raw)


def _parse_index(raw: dict, allow_index: bool) -> tuple:
    """(index, index_plus) of a parameter mapping (``(None, 0.0)`` when it has none)."""
    if "index" not in raw:
        if "index_plus" in raw:
            raise ValueError("'index_plus' needs 'index' (the index it is added to: " + ", ".join(INDICES) + ")")
        return None, 0.0
    if not allow_index:
        raise ValueError("this value cannot be indexed ('index' is for amounts in yuan that policy re-sets every year: "
                         "resident.premium, resident.subsidy, accounts.retiree_quota, critical_illness.premium)")
    if "dist" in raw:
        raise ValueError("an indexed value cannot also be uncertain (remove 'dist' or 'index'): the index already "
                         "moves with the path's own drivers; put the uncertainty on the driver (economy.drivers)")
    name = raw["index"]
    if not isinstance(name, str) or name not in INDICES:
        raise ValueError(f"unknown index {excerpt(name)}; valid indices: {', '.join(INDICES)}")
    plus = _number(raw["index_plus"], "index_plus") if "index_plus" in raw else 0.0
    lo, hi = INDEX_PLUS_RANGE
    if not lo <= plus <= hi:
        raise ValueError(f"index_plus {plus:g} is outside {lo:g}-{hi:g} (a fraction per year: 1% is 0.01)")
    return name, plus


def parse_param(raw, *, allow_schedule=True, allow_dist=True, allow_index=False) -> Param:
    """Parse one parameter value (see the module docstring); ``allow_index`` admits ``index:``."""
    if isinstance(raw, Param):
        return raw
    if raw is None:
        raise ValueError("value is missing (null)")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Param(_number(raw))
    if _is_schedule_mapping(raw):
        if not allow_schedule:
            raise ValueError("a single number is expected here, not a schedule by year")
        return Param(_schedule(raw))
    if not isinstance(raw, dict):
        raise ValueError(f"expected a number, a schedule {{year: value}} or a mapping with 'value' or 'dist', got {type(raw).__name__} {excerpt(raw)}")
    for k in raw:
        if k not in PARAM_KEYS:
            raise ValueError(f"unknown key {excerpt(k)}{suggest(k, PARAM_KEYS)}")
    source, note = raw.get("source"), raw.get("note")
    for name, txt in (("source", source), ("note", note)):
        if txt is not None and not isinstance(txt, str):
            raise ValueError(f"'{name}' must be text")
    index, index_plus = _parse_index(raw, allow_index)
    if "dist" in raw:
        if not allow_dist:
            raise ValueError("this value is reported or structural and cannot be uncertain (remove 'dist')")
        if "value" in raw:
            raise ValueError("give either 'value' or 'dist', not both (an uncertain schedule uses 'schedule')")
        dist = parse_distribution(raw)
        if "schedule" in raw:
            if not allow_schedule:
                raise ValueError("a single number is expected here, not a schedule by year")
            sched = raw["schedule"]
            if not isinstance(sched, dict):
                raise ValueError("'schedule' must be a mapping {year: value}")
            central = _schedule(sched)
        else:
            central = dist.mean
        return Param(central, dist, source, note)
    if "schedule" in raw or any(k in raw for k in ("mean", "sd", "low", "high", "mode", "min", "max", "cost_direction")):
        raise ValueError("distribution keys given without 'dist:'")
    if "value" not in raw:
        raise ValueError("mapping needs 'value' (or 'dist' for an uncertain parameter)")
    inner = parse_param(raw["value"], allow_schedule=allow_schedule, allow_dist=False)
    return Param(inner.central, None, source, note, index, index_plus)
