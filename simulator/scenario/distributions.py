"""Uncertain values of the scenario language: the distributions a parameter is drawn from once per
path (:class:`Distribution`, parsed by :func:`parse_distribution`), and the checks every value
form shares (:func:`suggest`, :func:`_number`).

``{dist: normal, mean: 0.3, sd: 0.1, cost_direction: increases_cost, source: "..."}``;
``lognormal`` and ``beta`` take the mean and sd of the value itself, ``uniform`` takes
``low``/``high``, ``triangular`` ``low``/``mode``/``high``; ``min``/``max`` clip the draw.  The
whole mapping (with ``schedule:`` and the metadata) is parsed by
:func:`simulator.scenario.values.parse_param`; this module is the lowest of the value forms
(:mod:`~simulator.scenario.profiles` and :mod:`~simulator.scenario.values` import from it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import excerpt, suggest  # noqa: F401  (suggest re-exported: scenario.values.suggest)

DISTRIBUTIONS = {
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "beta": ("mean", "sd"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
}
COST_DIRECTIONS = ("increases_cost", "decreases_cost")
META_KEYS = {"source", "note", "unit"}


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


def parse_distribution(raw: dict) -> Distribution:
    """The :class:`Distribution` of a parameter mapping with ``dist:`` (its kind, arguments,
    ``min``/``max`` clip and ``cost_direction``), checked; ``schedule`` and the metadata are left
    to :func:`~simulator.scenario.values.parse_param`."""
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
    return Distribution(kind, args, cmin, cmax, direction)
