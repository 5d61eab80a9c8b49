"""Age profiles of the scenario language (:class:`Profile`, parsed by :func:`parse_profile`).

An *age profile* may be written as

* a constant for all ages: ``1.0``
* single ages or age bands covering 0-100 exactly once: ``{0-14: 0.3, 15-59: 0.6, 60-100: 2.0}``
  (``100`` means 100+); bands are interpolated linearly between their mid-points (or held flat
  with ``interpolation: step``)
* by sex: ``{male: <profile>, female: <profile>}``
* a column of a shipped data table: ``{table: china_population_2024, column: population}``
* any of these wrapped: ``{value: <profile>, source: "...", interpolation: step}``
* counts by age band (persons in each band, as a statistical yearbook gives them) with
  ``interpolation: totals``: ``{value: {male: {0-4: 212000, 5-9: 230500, ...}, female: ...},
  interpolation: totals}`` spreads each band over its single ages by a monotone cubic (PCHIP)
  through the cumulative count at the band edges, so every band keeps its total exactly and no
  age gets a negative count (:func:`spread_band_totals`)
* band counts spread in proportion to a reference population within each band instead, with
  ``shape:`` (a profile, e.g. ``{table: china_population_2024}``): for a yearbook that gives only
  broad bands (0-14, 15-59, 60+), the national single-age shape inside each of the city's bands
  (:func:`spread_by_shape`)
* any profile scaled to a total over ages and sexes with ``total:`` (e.g. the national age-sex
  structure of a shipped table scaled to a city's population: ``{table: china_population_2024,
  column: population, total: 9460000}``; say so in ``source:``)

Parsing raises ``ValueError`` with a message that names the problem (see
:mod:`simulator.scenario.values`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import excerpt
from .distributions import META_KEYS, _number, suggest

N_AGES = 101
SEXES = ("male", "female")
PROFILE_KEYS = {"value", "interpolation", "table", "column", "total", "shape"} | META_KEYS
INTERPOLATIONS = ("linear", "step", "totals")


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


def _parse_bands(raw: dict, interpolation: str, shape=None) -> np.ndarray:
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
    if interpolation == "totals":
        for lo, hi, v in bands:
            if v < 0:
                raise ValueError(f"the count for ages {lo}-{hi} is negative ({v:g}): band totals are counts")
        if shape is not None:
            return spread_by_shape([(lo, hi) for lo, hi, _ in bands], [v for _, _, v in bands], shape)
        return spread_band_totals([(lo, hi) for lo, hi, _ in bands], [v for _, _, v in bands])
    if interpolation == "step" or len(bands) == 1:
        out = np.empty(N_AGES)
        for lo, hi, v in bands:
            out[lo:hi + 1] = v
        return out
    mids = np.array([(lo + hi) / 2 for lo, hi, _ in bands])
    vals = np.array([v for _, _, v in bands])
    return np.interp(ages, mids, vals)


def parse_profile(raw, tables=None, _nested=False, _shape=None) -> Profile:
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
        if interpolation not in INTERPOLATIONS:
            raise ValueError("interpolation must be 'linear', 'step' or 'totals' (band counts spread to single ages)")
        if "shape" in raw:
            if interpolation != "totals":
                raise ValueError("'shape' spreads band counts (interpolation: totals) in proportion to it; "
                                 f"this profile's interpolation is '{interpolation}'")
            shape_vals = parse_profile(raw["shape"], tables).values
            if not (np.isfinite(shape_vals).all() and (shape_vals >= 0).all()):
                raise ValueError("'shape' must be non-negative at every age (a population by age, e.g. a shipped table)")
            rest = {k: v for k, v in raw.items() if k != "shape"}
            inner = parse_profile(rest, tables, _nested, _shape=shape_vals)
            return Profile(inner.values, inner.source, inner.table, raw)
        if "total" in raw:
            total = raw["total"]
            if isinstance(total, bool) or not isinstance(total, (int, float)) or not np.isfinite(total) or total <= 0:
                raise ValueError(f"'total' must be a positive number (the sum over ages and sexes), got {excerpt(total)}")
            rest = {k: v for k, v in raw.items() if k != "total"}
            inner = parse_profile(rest, tables)
            current = float(inner.values.sum())
            if not current > 0:
                raise ValueError("'total' scales the profile to a sum, but the profile sums to zero")
            return Profile(inner.values * (float(total) / current), inner.source, inner.table, raw)
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
                                    else {"value": body[s], "interpolation": interpolation}, tables, _nested=True,
                                    _shape=None if _shape is None else _shape[:, SEXES.index(s)] if _shape.ndim == 2 else _shape)
                cols.append(sub.values[:, SEXES.index(s)] if sub.table else sub.values[:, 0])
            return Profile(np.stack(cols, axis=1), source, None, raw)
        if any(k in SEXES for k in body):
            missing = [s for s in SEXES if s not in body]
            raise ValueError(f"a profile by sex needs both 'male' and 'female' (missing {', '.join(missing)})")
        if interpolation == "totals" and not _nested:
            raise ValueError("band counts (interpolation: totals) need 'male' and 'female': the same counts for both "
                             "would double them; for counts of both sexes together scale a table with 'total:'")
        arr = _parse_bands(body, interpolation, None if _shape is None else _shape if _shape.ndim == 1 else None)
        return Profile(np.stack([arr, arr], axis=1), source, None, raw)
    raise ValueError(f"expected an age profile (number, {{band: value}}, {{male: ..., female: ...}} or {{table: ...}}), got {type(body).__name__} {excerpt(body)}")


def spread_band_totals(bands, totals) -> np.ndarray:
    """Single-age counts 0..100 from counts by age band (``bands`` ``[(low, high), ...]`` covering
    0-100 in order, ``totals`` their counts): the differences of a monotone cubic (PCHIP, Fritsch
    and Carlson 1980) through the cumulative count at the band edges. Each band keeps its total to
    rounding, the counts are never negative, and a one-age band is its own count. Units are those
    of ``totals`` (persons)."""
    from scipy.interpolate import PchipInterpolator

    edges = np.array([0.0] + [float(hi + 1) for _, hi in bands])
    cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(totals, dtype=float))])
    if len(bands) == 1:
        return np.full(N_AGES, cumulative[-1] / N_AGES)
    at = PchipInterpolator(edges, cumulative)(np.arange(N_AGES + 1, dtype=float))
    # exact at the band edges (the interpolant passes through them; this removes the rounding)
    at[edges.astype(int)] = cumulative
    return np.maximum(np.diff(at), 0.0)


def spread_by_shape(bands, totals, shape) -> np.ndarray:
    """Single-age counts 0..100 from counts by age band, each band's total spread over its ages in
    proportion to ``shape`` (101 values, e.g. the national population of one sex): the bands'
    totals are the region's, the shape within each band the reference population's. A band where
    the shape is zero is spread evenly."""
    shape = np.asarray(shape, dtype=float)
    out = np.empty(N_AGES)
    for (lo, hi), total in zip(bands, totals):
        w = shape[lo:hi + 1]
        out[lo:hi + 1] = total * (w / w.sum() if w.sum() > 0 else np.full(hi - lo + 1, 1.0 / (hi - lo + 1)))
    return out

