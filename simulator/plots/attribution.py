"""Bar chart of an attribution of uncertainty (:func:`simulator.attribution.attribute`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .fonts import _language, _use_cjk_font
from .style import _EXPENDITURE, _INCOME, _canvas, _style


def attribution_chart(attribution, *, ax=None, lang: str = "en") -> Figure:
    """First-order and total Sobol index of each group, with ±2 standard errors, largest at the top.

    ``ax``: one Axes to draw into (the user's style kept, no figure title); ``lang``: ``"en"`` or
    ``"zh"`` (:mod:`simulator.plots`). Returns the figure."""
    L, font = _language(lang, "attribution chart")
    d = attribution.to_dict() if hasattr(attribution, "to_dict") else dict(attribution)
    groups = sorted(d["groups"], key=lambda g: g["total"])
    names = [g["group"] for g in groups]
    pos = np.arange(len(groups))
    with _style(ax is None):
        fig, axes, own = _canvas(ax, 1, "attribution chart", figsize=(7.8, 0.45 * len(groups) + 2.2))
        ax = axes[0]
        ax.barh(pos + 0.2, [g["total"] for g in groups], height=0.38, color=_EXPENDITURE,
                xerr=[2 * g["total_se"] for g in groups], label=L("attr.total"))
        ax.barh(pos - 0.2, [g["first_order"] for g in groups], height=0.38, color=_INCOME,
                xerr=[2 * g["first_order_se"] for g in groups], label=L("attr.first"))
        ax.set_yticks(pos, names)
        ax.set_xlim(0, max(1.0, max([g["total"] + 2 * g["total_se"] for g in groups] + [0])))
        ax.set_xlabel(L("attr.xlabel"))
        ax.legend(loc="lower right")
        ax.set_title(L("attr.title", metric=d["metric"]), loc="left")
        if own:
            fig.suptitle(L("attr.sub", scenario=d["scenario"], paths=f"{d['paths']:,}", seed=d["seed"],
                           sum=f"{d['first_order_sum']:.2f}", se=f"{d['first_order_sum_se']:.2f}"),
                         x=0.01, ha="left", fontsize=8.5, color="#555555")
        _use_cjk_font(fig if own else axes, font)
    return fig
