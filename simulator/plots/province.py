"""Figures of a province run (specification section 17): each region's reserve months, and the
probability that any region is exhausted."""

from __future__ import annotations

import warnings

import numpy as np
from matplotlib.figure import Figure

from .style import _CYCLE, PlotInputError, _style, _year_axis

FUNDS = ("employee_pooled", "resident")


def regions_chart(ds, fund: str = "employee_pooled", *, ax=None, quantiles=(0.25, 0.75)) -> Figure:
    """Median reserve months of ``fund`` per region (band: the ``quantiles``), the province's
    entry dashed, beside the probability, by year, that any region is exhausted.  ``ds``: the
    results of :func:`simulator.province.run_province` (a ``region`` dimension)."""
    from ..province import PROVINCE_ENTRY, summarize_province
    if "region" not in ds.dims:
        raise PlotInputError("regions chart: these results have no 'region' dimension (run a province file)")
    if fund not in FUNDS:
        raise PlotInputError(f"regions chart: fund must be one of {', '.join(FUNDS)}, got {fund!r}")
    s = summarize_province(ds)
    years = ds["year"].values
    with _style(ax is None), warnings.catch_warnings():
        # a region in the unified pool has no balance of its own: its reserve months are NaN
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        if ax is None:
            fig = Figure(figsize=(10, 4.2), layout="constrained")
            axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        else:
            axes = list(np.ravel(np.asarray(ax, dtype=object)))
            if len(axes) != 2:
                raise PlotInputError("regions chart: ax= must be two matplotlib Axes (reserve months, P(any region "
                                     f"exhausted)); got {len(axes)}")
            fig = axes[0].figure
        left, right = axes
        rm = ds["reserve_months"].sel(fund=fund)
        for i, r in enumerate(ds["region"].values):
            da = rm.sel(region=r)
            colour = "#222222" if r == PROVINCE_ENTRY else _CYCLE[i % len(_CYCLE)]
            med = da.median("path").values
            style = "--" if r == PROVINCE_ENTRY else "-"
            left.plot(years, med, style, color=colour, label=str(r), linewidth=1.6)
            if r != PROVINCE_ENTRY and np.isfinite(med[1:]).any():
                lo, hi = (da.quantile(q, "path").values for q in quantiles)
                left.fill_between(years, lo, hi, color=colour, alpha=0.12, linewidth=0)
        meds = rm.median("path").values
        top = np.nanmax(meds) if np.isfinite(meds).any() else 12.0
        bottom = np.nanmin(meds) if np.isfinite(meds).any() else 0.0
        left.set_ylim(min(-6.0, bottom * 1.2), max(12.0, top * 1.25))
        for level, c in ((0, "#b2182b"), (6, "#999999"), (9, "#999999")):
            left.axhline(level, color=c, linewidth=0.8)
        left.set_ylabel("reserve months (months)")
        left.set_title(f"{fund.replace('_', ' ')}: median, {int(quantiles[0] * 100)}-{int(quantiles[1] * 100)}% band")
        left.legend(fontsize="small", loc="best")
        p = s["any_region_exhausted_probability_by_year"]
        for f, c in zip(FUNDS, ("#2166ac", "#b2182b")):
            right.plot(years, p.sel(fund=f).values, color=c, label=f.replace("_", " "))
        right.set_ylim(0, 1)
        right.set_ylabel("fraction of paths")
        right.set_title("P(any region exhausted by year)")
        right.legend(fontsize="small", loc="upper left")
        for a in (left, right):
            _year_axis(a, years)
        if ax is None:
            fig.suptitle(f"province {ds.attrs.get('scenario_name')}, pooling {ds.attrs.get('pooling_mode')} "
                         f"({ds.sizes['path']} paths)")
    return fig
