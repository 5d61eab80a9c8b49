"""Which numbers of a scenario say where they come from: every value (a number, a schedule or an
age profile) a scenario file writes carries a ``source:`` (the shipped ones all do, and the tests
hold them to it); a value of the user's own file without one is a warning, not an error
(issue 18: a city's actuary fills in the sources as they go)."""

from __future__ import annotations

from pydantic import BaseModel

from .profiles import Profile
from .values import Param


def unsourced_values(model, prefix=""):
    """Key paths of the values (numbers, schedules, age profiles) of a validated scenario without a
    ``source:``, defaults of the schema included."""
    for name in type(model).model_fields:
        v = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(v, (Param, Profile)):
            if not v.source:
                yield path
        elif isinstance(v, BaseModel):
            yield from unsourced_values(v, path + ".")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, BaseModel):
                    yield from unsourced_values(x, f"{path}[{i}].")
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, BaseModel):
                    yield from unsourced_values(x, f"{path}.{k}.")


def written_paths(data, prefix=""):
    """Key paths the scenario's data (after ``extends:``) writes itself."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield f"{prefix}{k}"
            if isinstance(v, (dict, list)):
                yield from written_paths(v, f"{prefix}{k}.")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from written_paths(v, f"{prefix[:-1]}[{i}].")


def unsourced_written(loaded, overrides=()) -> list:
    """Key paths of the values a loaded scenario's files write without a ``source:`` (those set by
    ``overrides``, the command line's ``--set``, left out: a value typed there has no place for one)."""
    from ..errors import ScenarioError
    from .overrides import parse_override
    set_here = []
    for o in overrides or ():
        try:
            set_here.append(".".join(str(t) for t in parse_override(o)[0]))
        except ScenarioError:  # refused when the scenario was loaded
            continue
    written = set(written_paths(loaded.data))
    return [p for p in unsourced_values(loaded.scenario) if p in written
            and not any(p == s or p.startswith(s + ".") or s.startswith(p + ".") for s in set_here)]


def from_a_file(loaded) -> bool:
    """True if a scenario file of the user's (not only shipped scenarios or a dict) is in ``loaded``."""
    import os
    elements = [str(e) for e in (loaded.stack or [loaded.origin])]
    return any(e.lower().endswith((".yaml", ".yml")) and os.path.isfile(e) and "<built-in>" not in e for e in elements)


def unsourced_warning(loaded, overrides=()) -> str | None:
    """One line naming the values of a user's scenario file without a ``source:``, or None (also
    for shipped scenarios and dicts)."""
    if not from_a_file(loaded):
        return None
    left = unsourced_written(loaded, overrides)
    if not left:
        return None
    shown = ", ".join(left[:6]) + (f" and {len(left) - 6} more" if len(left) > 6 else "")
    return (f"{len(left)} value(s) of {loaded.origin} have no source (give each a 'source:' saying where the number "
            f"comes from): {shown}")


def warn_if_unsourced(loaded, overrides=(), stacklevel=1) -> None:
    """:func:`unsourced_warning`'s line as a warning, if there is one (``stacklevel`` as
    :func:`warnings.warn`'s, counted from the caller)."""
    import warnings
    text = unsourced_warning(loaded, overrides)
    if text:
        warnings.warn(text, stacklevel=stacklevel + 1)
