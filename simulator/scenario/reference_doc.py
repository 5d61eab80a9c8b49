"""The scenario reference, generated from the schema (never written by hand).

``python -m simulator.scenario.reference_doc > docs/scenario-reference.md`` regenerates the page;
a test fails when the page is stale or a key lacks a description or a unit.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from .loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from .schema import Scenario
from .values import MAX_YEAR, MIN_YEAR, Param, Profile


def _inner(ann):
    origin = typing.get_origin(ann)
    if origin is typing.Union or str(origin) == "types.UnionType":
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        return args[0] if len(args) == 1 else ann
    return ann


def _model_of(ann):
    ann = _inner(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann, None
    origin = typing.get_origin(ann)
    if origin is list:
        (a,) = typing.get_args(ann)
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a, "[i]"
    if origin is dict:
        k, v = typing.get_args(ann)
        if isinstance(v, type) and issubclass(v, BaseModel):
            keys = typing.get_args(k) or ("<key>",)
            return v, "{" + "|".join(keys) + "}"
    return None, None


def _kind(field, meta) -> str:
    vk = meta.get("value_kind")
    if vk == "param":
        forms = ["number"]
        if meta.get("schedule"):
            forms.append("schedule")
        if meta.get("uncertain"):
            forms.append("dist")
        if meta.get("indexable"):
            forms.append("indexed")
        return " / ".join(forms)
    if vk == "profile":
        return "age profile"
    ann = _inner(field.annotation)
    return getattr(ann, "__name__", str(ann)).replace("typing.", "")


def _default(field) -> str:
    if field.is_required():
        return "required"
    d = field.default
    if field.default_factory is not None:
        return "(see sub-keys)"
    if isinstance(d, (Param, Profile)):
        return "-"
    if isinstance(d, BaseModel):
        return "(see sub-keys)"
    if d is None:
        return "absent"
    return f"`{d}`" if not isinstance(d, str) or d else '`""`'


def _range(meta, field) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    for m in field.metadata:
        lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
        if getattr(m, "lt", None) is not None:
            hi = f"< {m.lt}"
    if lo is None and hi is None:
        return ""
    return f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"


def iter_fields(model=Scenario, prefix=""):
    """(key path, field, metadata, is_section) for every key of the schema, depth first."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        meta = field.json_schema_extra or {}
        sub, suffix = _model_of(field.annotation)
        if sub is not None and meta.get("value_kind") is None:
            yield path, field, meta, True
            yield from iter_fields(sub, f"{path}{suffix or ''}.")
        else:
            yield path, field, meta, False


def missing_documentation() -> list[str]:
    """Keys that lack a description, or (for values) a unit."""
    bad = []
    for path, field, meta, section in iter_fields():
        if section:
            continue
        if not field.description:
            bad.append(f"{path}: no description")
        if not meta.get("unit"):
            bad.append(f"{path}: no unit")
    return bad


def render() -> str:
    lines = [
        "# Scenario reference",
        "",
        "Generated from the validation schema by `python -m simulator.scenario.reference_doc`; do not edit.",
        "",
        "Value forms: a **number**; a **schedule** `{year: value, ...}` (linear between years, flat outside);",
        "a **dist** `{dist: normal|lognormal|beta|uniform|triangular, ..., cost_direction: increases_cost|decreases_cost}`",
        "drawn once per path (with `schedule:` it shifts the whole schedule); any of these wrapped as",
        "`{value: ..., source: ...}`. An **indexed** schedule (amounts in yuan that policy re-sets every year)",
        "`{value: {2025: 400}, index: fixed|wage|resident_income|medical_cost, index_plus: 0.01, source: ...}` grows",
        "after its last year t0 with the path's own index, `v[t] = v[t0]·I[t]/I[t0]·(1 + index_plus)^(t - t0)` (`I` the",
        "average wage W, resident income Y, the medical cost index Cm, or 1 for `fixed`); a constant or a schedule ending",
        "before the base year is indexed from the base year; it cannot also be a dist. `--set KEY.value={...}` or",
        "`--set KEY.value.YEAR=x` changes the schedule and keeps the index; `--set KEY=...` replaces the whole value.",
        "An **age profile** is a number, `{band: value}` over ages 0-100",
        "(`0-14`, `85+`), `{male: ..., female: ...}`, a list of 101 values, or `{table: name, column: ...}`;",
        "bands are interpolated between their mid-points (`interpolation: step` holds them flat), and with",
        "`interpolation: totals` band values are counts (persons in each band, as a yearbook gives them), spread",
        "to single ages keeping each band's total (a monotone cubic through the cumulative count, or in proportion to",
        "a reference population within each band with `shape: {table: china_population_2024}`). `total: N`",
        "scales any profile to sum to N over ages and sexes (a shipped structure scaled to a city's population).",
        "Ranges bound central values and clip draws.",
        "",
        "Types are strict: `true`/`false` are not numbers (`horizon: true` is an error, not 1) and numbers are",
        "not flags; whole numbers (`horizon`, `seed`, years) have no fraction (`40` or `40.0`, not `40.5`); schedule",
        f"years are calendar years {MIN_YEAR}-{MAX_YEAR}. Rates and shares are fractions (7% is `0.07`), money is yuan,",
        "people are persons. A scenario file is a regular file (after symbolic links) of at most",
        f"{MAX_FILE_BYTES // 1_000_000} MB, with at most {MAX_NODES:,} values (a YAML alias counts its whole value each",
        f"time it is used) nested at most {MAX_DEPTH} levels deep.",
        "",
        "| key | form | unit | range | default | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for path, field, meta, section in iter_fields():
        if section:
            lines.append(f"| **`{path}`** | section | | | {_default(field)} | {field.description or ''} |")
            continue
        sym = f" ({meta['symbol']})" if meta.get("symbol") else ""
        lines.append(f"| `{path}` | {_kind(field, meta)} | {meta.get('unit', '')} | {_range(meta, field)} | "
                     f"{_default(field)} | {(field.description or '').replace('|', '/')}{sym} |")
    lines += _plausibility_section()
    return "\n".join(lines) + "\n"


def _plausibility_section() -> list[str]:
    from ..compile import PLAUSIBLE

    lines = [
        "",
        "## Plausibility checks",
        "",
        "Calibration would absorb a unit mistake (actives in 万人, flows in 亿元, a 70% rate), so every run checks",
        "the reported figures against each other before the fit and every fitted factor after it. A value outside",
        "its range stops the run (exit code 2) with a message naming the value, the range and the likely mistake;",
        "`calibration.allow_implausible: true` runs it anyway, with a warning. Brackets give the 2024 national values.",
        "",
        "| check | plausible range | what | why |",
        "| --- | --- | --- | --- |",
    ]
    def num(x):
        return f"{x:,.0f}" if x >= 1000 and float(x).is_integer() else f"{x:g}"

    for name, r in PLAUSIBLE.items():
        lines.append(f"| {name} | {num(r.lo)} - {num(r.hi)} | {r.what.replace('|', '/')} | {r.reason.replace('|', '/')} |")
    return lines


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
