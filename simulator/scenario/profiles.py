"""Age profiles of the scenario language (:class:`Profile`, parsed by :func:`parse_profile`).

An *age profile* may be written as

* a constant for all ages: ``1.0``
* single ages or age bands covering 0-100 exactly once: ``{0-14: 0.3, 15-59: 0.6, 60-100: 2.0}``
  (``100`` means 100+); bands are interpolated linearly between their mid-points (or held flat
  with ``interpolation: step``)
* by sex: ``{male: <profile>, female: <profile>}``
* a column of a shipped data table: ``{table: china_population_2024, column: population}``
* any of these wrapped: ``{value: <profile>, source: "...", interpolation: step}``

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
PROFILE_KEYS = {"value", "interpolation", "table", "column"} | META_KEYS


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
