"""A comparison as text (:func:`format_comparison`, a table of the parts) and as JSON
(:func:`comparison_json`).  Part of :mod:`simulator.compare`."""

from __future__ import annotations

import json

from .decompose import Comparison

def _fmt(v, units=""):
    if v is None:
        return "n/a"
    if units.startswith("calendar year"):
        return f"{v:+.0f} y"
    if units.startswith("fraction of the contribution") or units.startswith("fraction of resident"):
        return f"{100 * v:+.2f}%"
    if units == "fraction of paths":
        return f"{v:+.3f}"
    if abs(v) >= 1000:
        return f"{v:+,.0f}"
    return f"{v:+.3f}" if abs(v) < 10 else f"{v:+.2f}"


def _fmt_level(v, units=""):
    if v is not None and units.startswith("calendar year"):
        return f"{v:.0f}"
    if v is None and units.startswith("calendar year"):
        return "not within horizon"
    s = _fmt(v, units)
    return s[1:] if s.startswith("+") else s


def format_comparison(c: Comparison) -> str:
    """A text table: per metric, a's and b's value, the total difference, each group's part and the remainder."""
    how = ("each group applied alone to A; the remainder is the groups' interaction" if c.method == "one_at_a_time"
           else "groups applied cumulatively in the order listed; parts depend on the order")
    lines = [f"Reasons for change from A = {c.a} to B = {c.b}",
             f"{c.paths} paths, seed {c.seed}, horizon {c.horizon} years, common random numbers; {how}."]
    if not c.groups:
        lines.append("The two scenarios do not differ in any input: every difference is zero.")
    else:
        lines.append("Groups of differing inputs, in order: " + ", ".join(g.name for g in c.groups))
    for m in c.metrics:
        u = m["units"]
        lines += ["", f"{m['metric']}  ({u})",
                  f"  A {_fmt_level(m['a_value'], u):>12}   B {_fmt_level(m['b_value'], u):>12}   "
                  f"total change {_fmt(m['total'], u)}"]
        width = max([len(p["group"]) for p in m["parts"]] + [len("interaction remainder")])
        for p in m["parts"]:
            lines.append(f"    {p['group']:<{width}}  {_fmt(p['contribution'], u):>12}")
        lines.append(f"    {'interaction remainder':<{width}}  {_fmt(m['remainder'], u):>12}")
    for n in c.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def comparison_json(c: Comparison) -> str:
    return json.dumps(c.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
