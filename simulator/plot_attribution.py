"""Bar chart of an attribution of uncertainty (:func:`simulator.attribution.attribute`)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .plots import _EXPENDITURE, _INCOME, _figure, _style


def attribution_chart(attribution) -> Figure:
    """First-order and total Sobol index of each group, with ±2 standard errors, largest at the top."""
    d = attribution.to_dict() if hasattr(attribution, "to_dict") else dict(attribution)
    groups = sorted(d["groups"], key=lambda g: g["total"])
    names = [g["group"] for g in groups]
    pos = np.arange(len(groups))
    with _style():
        fig, axes = _figure(1, 1, figsize=(7.8, 0.45 * len(groups) + 2.2))
        ax = axes[0, 0]
        ax.barh(pos + 0.2, [g["total"] for g in groups], height=0.38, color=_EXPENDITURE,
                xerr=[2 * g["total_se"] for g in groups], label="total (with interactions)")
        ax.barh(pos - 0.2, [g["first_order"] for g in groups], height=0.38, color=_INCOME,
                xerr=[2 * g["first_order_se"] for g in groups], label="first order (alone)")
        ax.set_yticks(pos, names)
        ax.set_xlim(0, max(1.0, max([g["total"] + 2 * g["total_se"] for g in groups] + [0])))
        ax.set_xlabel("share of the variance (Sobol index; bars ±2 standard errors)")
        ax.legend(loc="lower right")
        ax.set_title(f"What drives the uncertainty of {d['metric']}", loc="left")
        fig.suptitle(f"scenario {d['scenario']} · {d['paths']:,} paths · seed {d['seed']} · first-order sum "
                     f"{d['first_order_sum']:.2f} ± {d['first_order_sum_se']:.2f}", x=0.01, ha="left",
                     fontsize=8.5, color="#555555")
    return fig
