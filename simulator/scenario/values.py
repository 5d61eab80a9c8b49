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
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import excerpt

N_AGES = 101
#: calendar years (schedule keys, table and start years) lie in this range
MIN_YEAR, MAX_YEAR = 1900, 2300
SEXES = ("male", "female")

DISTRIBUTIONS = {
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "beta": ("mean", "sd"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
}
COST_DIRECTIONS = ("increases_cost", "decreases_cost")
#: the indices an indexed schedule may follow (specification 2.3 section 2), in the engine's order
INDICES = ("fixed", "wage", "resident_income", "medical_cost")
#: bounds of ``index_plus``, the extra growth on top of the index (fraction per year)
INDEX_PLUS_RANGE = (-0.5, 0.5)
META_KEYS = {"source", "note", "unit"}
PARAM_KEYS = {"value", "dist", "mean", "sd", "low", "high", "mode", "min", "max",
              "cost_direction", "schedule", "index", "index_plus"} | META_KEYS
PROFILE_KEYS = {"value", "interpolation", "table", "column"} | META_KEYS


def suggest(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest valid name, or a list of the valid names."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word)[:100], choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if len(choices) <= 12:
        return "; valid keys: " + ", ".join(choices)
    return ""


def _number(x, what="value") -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{what} must be a number, got {type(x).__name__} {excerpt(x)}")
    try:
        v = float(x)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"{what} must be finite, got {excerpt(x)}") from None
    if not math.isfinite(v):
        raise ValueError(f"{what} must be finite, got {x!r}")
    return v


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
class Distribution:
    kind: str
    args: dict
    clip_min: float | None = None
    clip_max: float | None = None
    cost_direction: str = "increases_cost"

    @property
    def mean(self) -> float:
        a = self.args
        if self.kind in ("normal", "lognormal", "beta"):
            return a["mean"]
        if self.kind == "uniform":
            return (a["low"] + a["high"]) / 2
        return (a["low"] + a["mode"] + a["high"]) / 3

    def ppf(self, u, clip=True):
        """Quantile function (vectorised, scipy), then (with ``clip``) the ``min``/``max`` clip.

        For an uncertain schedule the clip bounds the *value* in each year (schedule + shift),
        not the drawn shift, so the shift is drawn with ``clip=False`` and the engine clips.
        """
        from scipy import special  # scipy.special, not scipy.stats: it imports ten times faster

        a = self.args
        u = np.asarray(u, dtype=float)
        if self.kind == "normal":
            x = a["mean"] + a["sd"] * special.ndtri(u)
        elif self.kind == "lognormal":
            m, s = a["mean"], a["sd"]
            sig2 = math.log1p((s / m) ** 2)
            x = m / math.sqrt(1 + (s / m) ** 2) * np.exp(math.sqrt(sig2) * special.ndtri(u))
        elif self.kind == "beta":
            m, s = a["mean"], a["sd"]
            if s == 0:
                x = np.full_like(u, m)
            else:
                k = m * (1 - m) / s**2 - 1
                x = special.betaincinv(m * k, (1 - m) * k, u)
        elif self.kind == "uniform":
            x = a["low"] + u * (a["high"] - a["low"])
        else:
            lo, mo, hi = a["low"], a["mode"], a["high"]
            if hi == lo:
                x = np.full_like(u, lo)
            else:
                c = (mo - lo) / (hi - lo)
                x = np.where(u < c, lo + np.sqrt(u * (hi - lo) * (mo - lo)), hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo)))
        if not clip:
            return x
        lo = -np.inf if self.clip_min is None else self.clip_min
        hi = np.inf if self.clip_max is None else self.clip_max
        return np.clip(x, lo, hi)

    def quantile(self, q: float, clip=True) -> float:
        return float(self.ppf(np.array([q]), clip=clip)[0])


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
        kind = raw["dist"]
        if not isinstance(kind, str) or kind not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {excerpt(kind)}{suggest(kind, DISTRIBUTIONS)}")
        need = DISTRIBUTIONS[kind]
        args = {}
        for n in need:
            if n not in raw:
                raise ValueError(f"distribution '{kind}' needs '{n}' (it takes {', '.join(need)})")
            args[n] = _number(raw[n], n)
        extra = {"mean", "sd", "low", "high", "mode"} & set(raw) - set(need)
        if extra:
            raise ValueError(f"distribution '{kind}' does not take {', '.join(sorted(extra))} (it takes {', '.join(need)})")
        if "sd" in args and args["sd"] < 0:
            raise ValueError(f"sd must be >= 0, got {args['sd']}")
        if kind == "lognormal" and args["mean"] <= 0:
            raise ValueError("a lognormal distribution needs mean > 0")
        if kind == "beta":
            m, s = args["mean"], args["sd"]
            if not 0 < m < 1:
                raise ValueError("a beta distribution needs 0 < mean < 1")
            if s > 0 and s**2 >= m * (1 - m):
                raise ValueError(f"a beta distribution needs sd^2 < mean*(1-mean) = {m*(1-m):.4g}")
        if kind == "uniform" and args["low"] > args["high"]:
            raise ValueError("uniform needs low <= high")
        if kind == "triangular" and not args["low"] <= args["mode"] <= args["high"]:
            raise ValueError("triangular needs low <= mode <= high")
        cmin = _number(raw["min"], "min") if "min" in raw else None
        cmax = _number(raw["max"], "max") if "max" in raw else None
        if cmin is not None and cmax is not None and cmin > cmax:
            raise ValueError("min must be <= max")
        direction = raw.get("cost_direction")
        if direction is None:
            raise ValueError("an uncertain parameter must declare cost_direction: increases_cost or decreases_cost (does a higher value cost the fund more?)")
        if direction not in COST_DIRECTIONS:
            raise ValueError(f"cost_direction must be one of {', '.join(COST_DIRECTIONS)}, got {excerpt(direction)}")
        dist = Distribution(kind, args, cmin, cmax, direction)
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


# ---------------------------------------------------------------- age profiles


@dataclass(frozen=True)
class Profile:
    """A parsed age profile: values by single age 0..100 for each sex, shape (101, 2)."""

    values: np.ndarray = field(compare=False)
    source: str | None = None
    table: str | None = None
    raw: object = field(default=None, compare=False)

    def to_yaml(self):
        if isinstance(self.raw, dict) and "value" not in self.raw and "table" not in self.raw:
            out = {"value": self.raw}
        elif isinstance(self.raw, dict):
            out = dict(self.raw)
        else:
            out = {"value": self.raw}
        if self.source and "source" not in out:
            out["source"] = self.source
        return out


_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3}|\+)?)?\s*(\+)?\s*$")


def _parse_bands(raw: dict, interpolation: str) -> np.ndarray:
    bands = []
    for k, v in raw.items():
        if isinstance(k, bool):
            raise ValueError(f"age key {excerpt(k)} is not an age or band")
        if isinstance(k, int):
            lo = hi = k
        else:
            m = _BAND.match(str(k))
            if not m:
                raise ValueError(f"age key {excerpt(k)} is not an age (30) or a band (15-44, 85+)")
            lo = int(m.group(1))
            if m.group(2) == "+" or m.group(3):
                hi = 100
            elif m.group(2):
                hi = int(m.group(2))
            else:
                hi = lo
        if not 0 <= lo <= hi <= 100:
            raise ValueError(f"age band {excerpt(k)} must lie within 0-100 with low <= high")
        bands.append((lo, hi, _number(v, f"value for ages {k}")))
    bands.sort()
    expected = 0
    for lo, hi, _ in bands:
        if lo > expected:
            raise ValueError(f"age bands leave a gap at ages {expected}-{lo - 1}")
        if lo < expected:
            raise ValueError(f"age bands overlap at age {lo}")
        expected = hi + 1
    if expected != 101:
        raise ValueError(f"age bands leave a gap at ages {expected}-100")
    ages = np.arange(N_AGES, dtype=float)
    if interpolation == "step" or len(bands) == 1:
        out = np.empty(N_AGES)
        for lo, hi, v in bands:
            out[lo:hi + 1] = v
        return out
    mids = np.array([(lo + hi) / 2 for lo, hi, _ in bands])
    vals = np.array([v for _, _, v in bands])
    return np.interp(ages, mids, vals)


def parse_profile(raw, tables=None) -> Profile:
    """Parse an age profile into values (101 ages x 2 sexes).  ``tables`` loads shipped tables."""
    if isinstance(raw, Profile):
        return raw
    source = None
    interpolation = "linear"
    if raw is None:
        raise ValueError("value is missing (null)")
    body = raw
    if isinstance(raw, dict) and ({"value", "table"} & set(raw) or set(raw) <= PROFILE_KEYS and raw):
        for k in raw:
            if k not in PROFILE_KEYS:
                raise ValueError(f"unknown key {excerpt(k)}{suggest(k, PROFILE_KEYS)}")
        source = raw.get("source")
        if source is not None and not isinstance(source, str):
            raise ValueError("'source' must be text")
        interpolation = raw.get("interpolation", "linear")
        if interpolation not in ("linear", "step"):
            raise ValueError("interpolation must be 'linear' or 'step'")
        if "table" in raw:
            if "value" in raw:
                raise ValueError("give either 'value' or 'table', not both")
            if tables is None:
                from simulator.data import load_profile_table
                tables = load_profile_table
            vals = tables(raw["table"], raw.get("column"))
            return Profile(vals, source, str(raw["table"]), raw)
        if "value" not in raw:
            raise ValueError("mapping needs 'value' or 'table'")
        body = raw["value"]
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        v = _number(body)
        return Profile(np.full((N_AGES, 2), v), source, None, raw)
    if isinstance(body, list):
        if len(body) != N_AGES:
            raise ValueError(f"a list of single-age values needs {N_AGES} entries (ages 0..100), got {len(body)}")
        arr = np.array([_number(v, f"value for age {i}") for i, v in enumerate(body)])
        return Profile(np.stack([arr, arr], axis=1), source, None, raw)
    if isinstance(body, dict):
        if set(body) == set(SEXES):
            cols = []
            for s in SEXES:
                sub = parse_profile(body[s] if not isinstance(body[s], dict) or "value" in body[s] or "table" in body[s]
                                    else {"value": body[s], "interpolation": interpolation}, tables)
                cols.append(sub.values[:, SEXES.index(s)] if sub.table else sub.values[:, 0])
            return Profile(np.stack(cols, axis=1), source, None, raw)
        if any(k in SEXES for k in body):
            missing = [s for s in SEXES if s not in body]
            raise ValueError(f"a profile by sex needs both 'male' and 'female' (missing {', '.join(missing)})")
        arr = _parse_bands(body, interpolation)
        return Profile(np.stack([arr, arr], axis=1), source, None, raw)
    raise ValueError(f"expected an age profile (number, {{band: value}}, {{male: ..., female: ...}} or {{table: ...}}), got {type(body).__name__} {excerpt(body)}")
