"""The building blocks of the schema: the field helpers (:func:`param`, :func:`reported`,
:func:`profile`, :func:`year_field`) that write each key's ``unit``, range and value kind into
its metadata, the label tuples, and :class:`Section`, the base of every section, whose validator
parses parameters and profiles and checks the documented range."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .values import MAX_YEAR, MIN_YEAR, parse_param, parse_profile

REQUIRED = ...
LINES = ("inpatient", "outpatient", "chronic_outpatient")
GROUPS = ("employee", "flexible", "retired", "resident")
SCHEMES = ("employee", "resident")
DRIVERS = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
FUNDS = ("employee_pooled", "employee_accounts", "resident")


def param(description, unit, lo=None, hi=None, default=REQUIRED, *, schedule=True, uncertain=True, symbol=None,
          indexable=False):
    """A scalar/schedule field.  ``lo``/``hi`` bound every central value (and clip every draw);
    ``indexable``: an amount in yuan that may be an indexed schedule (specification 2.3 section 2)."""
    return Field(default, description=description, validate_default=default is not REQUIRED,
                 json_schema_extra={"value_kind": "param", "unit": unit, "min": lo, "max": hi,
                                    "schedule": schedule, "uncertain": uncertain, "symbol": symbol,
                                    "indexable": indexable})


def reported(description, unit="yuan", lo=None, default=REQUIRED):
    """A reported figure: one number, never uncertain."""
    return param(description, unit, lo, None, default, schedule=False, uncertain=False)


def profile(description, unit, lo=None, hi=None, default=REQUIRED, symbol=None):
    """An age (and sex) profile over ages 0..100."""
    return Field(default, description=description, validate_default=default is not REQUIRED,
                 json_schema_extra={"value_kind": "profile", "unit": unit, "min": lo, "max": hi, "symbol": symbol})


def _check_range(values, lo, hi, what="value", unit=""):
    for v in values:
        if lo is not None and v < lo:
            raise ValueError(f"{what} {v:g} is below the allowed minimum {lo:g}")
        if hi is not None and v > hi:
            hint = ""
            if str(unit).startswith("fraction") and hi <= 1 and 1 < v <= 100:
                hint = f"; is {v:g} a percentage? write {v / 100:g} (rates and shares are fractions: 7% is 0.07)"
            raise ValueError(f"{what} {v:g} is above the allowed maximum {hi:g}{hint}")


def year_field(description, default=REQUIRED, **extra):
    """A calendar year: a whole number in MIN_YEAR..MAX_YEAR."""
    return Field(default, ge=MIN_YEAR, le=MAX_YEAR, description=description,
                 json_schema_extra={"unit": "year", **extra})


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, validate_assignment=False, strict=True, defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _parse_values(cls, v, info):
        f = cls.model_fields[info.field_name]
        meta = f.json_schema_extra or {}
        kind = meta.get("value_kind")
        if kind == "param":
            if v is None and f.default is None:
                return None
            p = parse_param(v, allow_schedule=meta["schedule"], allow_dist=meta["uncertain"],
                            allow_index=meta.get("indexable", False))
            _check_range(p.values(), meta["min"], meta["max"], unit=meta.get("unit", ""))
            if p.dist is not None and not p.is_schedule:
                _check_range([p.dist.mean], meta["min"], meta["max"], "distribution mean", unit=meta.get("unit", ""))
            return p
        if kind == "profile":
            if v is None and f.default is None:
                return None
            pr = parse_profile(v)
            if not np.isfinite(pr.values).all():
                raise ValueError("profile has non-finite values")
            _check_range([float(pr.values.min()), float(pr.values.max())], meta["min"], meta["max"], unit=meta.get("unit", ""))
            return pr
        if f.annotation is int and isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
            return int(v)  # a whole number written 40.0 (a swept range): still not a boolean or 40.5
        return v
