"""The waterfall chart of a reasons-for-change decomposition (:func:`simulator.compare.compare`).

A bar per group of differing inputs, from scenario A's value to scenario B's: each bar starts
where the previous one ended, so the chart reads as the trustees' "reasons for change" table.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .fonts import _language, _use_cjk_font
from .style import _EXPENDITURE, _INCOME, _INK, PlotInputError, _canvas, _style


def _as_dict(comparison) -> dict:
    return comparison.to_dict() if hasattr(comparison, "to_dict") else dict(comparison)


def waterfall(comparison, metric: str | None = None, *, ax=None, lang: str = "en") -> Figure:
    """Waterfall of one metric of a comparison (a :class:`~simulator.compare.Comparison` or its
    ``to_dict()``/JSON form); ``metric`` defaults to the comparison's headline (its first metric).

    ``ax``: one Axes to draw into (the user's style kept, no figure title); ``lang``: ``"en"`` or
    ``"zh"`` (:mod:`simulator.plots`). Returns the figure."""
    L, font = _language(lang, "waterfall")
    d = _as_dict(comparison)
    rows = d.get("metrics") or [d]
    if metric is not None:
        rows = [r for r in rows if r.get("metric") == metric]
        if not rows:
            known = ", ".join(r.get("metric", "?") for r in (d.get("metrics") or [d]))
            raise PlotInputError(f"waterfall: the comparison has no metric {metric!r} (it has: {known})")
    m = rows[0]
    a, b = m.get("a_value"), m.get("b_value")
    if a is None or b is None:
        raise PlotInputError(f"waterfall: {m.get('metric')} is undefined in one of the scenarios "
                             "(an event not within the horizon); choose another metric")
    steps = [(p["group"], p["contribution"]) for p in m["parts"]]
    if m.get("remainder") is not None and (abs(m["remainder"]) > 0 or not steps):
        steps.append((L("wf.remainder"), m["remainder"]))
    labels = [f"A: {d.get('a', 'A')}"] + [s[0] for s in steps] + [f"B: {d.get('b', 'B')}"]
    units = str(m.get("units", ""))
    with _style(ax is None):
        fig, axes, own = _canvas(ax, 1, "waterfall", figsize=(max(6.5, 0.9 * len(labels) + 2.5), 4.6))
        ax = axes[0]
        level = float(a)
        ax.bar(0, level, color=_INK, width=0.6)
        for i, (_, delta) in enumerate(steps, start=1):
            delta = 0.0 if delta is None else float(delta)
            ax.bar(i, delta, bottom=level, width=0.6, color=_EXPENDITURE if delta < 0 else _INCOME)
            ax.plot([i - 1.3, i + 0.3], [level, level], color=_INK, linewidth=0.6, linestyle=":")
            level += delta
        ax.bar(len(labels) - 1, float(b), color=_INK, width=0.6)
        ax.axhline(0, color=_INK, linewidth=0.8)
        ax.set_xticks(np.arange(len(labels)), labels, rotation=30, ha="right")
        ax.set_ylabel(units)
        method = L("wf.alone") if d.get("method") == "one_at_a_time" else L("wf.in_order")
        ax.set_title(L("wf.title", metric=m.get("metric")), loc="left")
        if own:
            fig.suptitle(L("wf.sub", paths=d.get("paths", "?"), seed=d.get("seed", "?"), method=method),
                         x=0.01, ha="left", fontsize=8.5, color="#555555")
        _use_cjk_font(fig if own else axes, font)
    return fig
