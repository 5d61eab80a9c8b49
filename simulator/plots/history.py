"""The history figure of a back-test (:func:`simulator.backtest.backtest`): modelled against reported.

One panel per flow, balance, member group and cost per member by service line; the reported
figures are black (hollow where derived or from a quick report), and each start year's modelled
path is drawn from its start in its own colour, so that a reader sees at once how far each start
drifts and in which year.  The epidemic years are shaded.

Cost per member by line compares the NHSA 医保数智库 gross cost of each scheme and line (total
cost incl. what the member pays, ``china_benefits_by_line.csv``) per mid-year member with the
model's gross cost per member: its fund-paid medical expenditure by line divided by the effective
reimbursement ratio of the start scenario (members weighted, retirees by the calibrated retiree /
employee cost ratio) and by the modelled members.  Each start's path is drawn relative to its own
start year and set on the reported level of that year (the levels differ by definition: the
model's cost excludes care outside the policy list), so the panel shows the growth of cost per
member by line, the quantity the demand response to cost sharing and the excess cost growth
have to reproduce.

>>> from simulator.backtest import backtest          # doctest: +SKIP
>>> from simulator.plots.history import history_figure
>>> history_figure(backtest()).savefig("history.png")  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..backtest.cost import cost_per_member_modelled as _cost_per_member_modelled
from ..backtest.cost import cost_per_member_reported as _cost_per_member_reported
from .style import _CYCLE, _INK, PlotInputError, _figure, _style, _user_axes

_LINES = (("inpatient", "inpatient", "inpatient"), ("outpatient", "general_outpatient", "outpatient"),
          ("chronic_outpatient", "chronic_special_outpatient", "chronic outpatient"))


def _reported_series(bt, fund, measure):
    """{year: (value, basis)} of the reported figures of one panel (members: mid-year)."""
    out = {}
    for r in bt.rows:
        if r["fund"] == fund and r["measure"] == measure:
            out.setdefault(r["year"], (r["reported"], r["basis"]))
    return dict(sorted(out.items()))


def _modelled_path(bt, start, fund, measure):
    from ..backtest import _modelled

    ds = bt.runs[start].results
    da = _modelled(ds, fund, measure).median("path")
    return np.asarray(da["year"].values), np.asarray(da.values, dtype=float)


def _shade(ax, years):
    from ..backtest import EPIDEMIC_YEARS

    for y in EPIDEMIC_YEARS:
        if years[0] - 0.5 <= y <= years[-1] + 0.5:
            ax.axvspan(y - 0.5, y + 0.5, color="#eeeeee", zorder=0, linewidth=0)


def _reported_points(ax, series, scale):
    if not series:
        return
    ys = np.array(list(series))
    vs = np.array([v for v, _ in series.values()]) / scale
    ax.plot(ys, vs, color=_INK, linewidth=1.2, zorder=3)
    solid = np.array([b not in ("derived", "quick report") for _, b in series.values()])
    ax.scatter(ys[solid], vs[solid], color=_INK, s=18, zorder=4)
    ax.scatter(ys[~solid], vs[~solid], facecolor="white", edgecolor=_INK, s=18, zorder=4)


#: panels of the history figure (a 5 x 4 grid: 11 series, the legend, 6 cost panels, 2 empty)
HISTORY_PANELS = 20


def history_figure(bt, *, ax=None) -> Figure:
    """The figure of a :class:`~simulator.backtest.Backtest` (see the module docstring).

    ``ax``: a sequence of :data:`HISTORY_PANELS` Axes (row by row, e.g. ``fig.subplots(5, 4)``)
    to draw into instead of a new figure; their style is kept and no figure title is added."""
    if not getattr(bt, "runs", None):
        raise PlotInputError("the history figure needs a back-test with at least one start year")
    first, end = min(bt.starts), bt.end
    years = np.arange(first, end + 1)
    colour = {s: _CYCLE[i % len(_CYCLE)] for i, s in enumerate(bt.starts)}
    panels = [
        ("employee_scheme", "income", "employee scheme income", 1e8, "100 million yuan"),
        ("employee_scheme", "expenditure", "employee scheme expenditure", 1e8, "100 million yuan"),
        ("resident", "income", "resident fund income", 1e8, "100 million yuan"),
        ("resident", "expenditure", "resident fund expenditure", 1e8, "100 million yuan"),
        ("employee_pooled", "balance", "employee pooled fund balance", 1e8, "100 million yuan"),
        ("employee_accounts", "balance", "individual accounts balance", 1e8, "100 million yuan"),
        ("resident", "balance", "resident fund balance", 1e8, "100 million yuan"),
        ("employee_pooled", "maternity", "maternity (employee pooled fund)", 1e8, "100 million yuan"),
        (None, "actives", "active members (mid-year)", 1e4, "10,000 persons"),
        (None, "retirees", "retirees (mid-year)", 1e4, "10,000 persons"),
        (None, "residents", "resident members (mid-year)", 1e4, "10,000 persons"),
    ]
    with _style(ax is None):
        if ax is None:
            fig, axes = _figure(5, 4, figsize=(15.5, 17.0))
            flat, own = list(axes.ravel()), True
        else:
            flat = _user_axes(ax, HISTORY_PANELS, "history figure")
            fig, own = flat[0].figure, False
        for ax, (fund, measure, title, scale, unit) in zip(flat, panels):
            _shade(ax, years)
            for s in bt.starts:
                ys, vs = _modelled_path(bt, s, fund, measure)
                ax.plot(ys, vs / scale, color=colour[s], linewidth=1.4, zorder=2)
                ax.scatter([ys[0]], [vs[0] / scale], color=colour[s], s=10, zorder=2)
            _reported_points(ax, _reported_series(bt, fund, measure), scale)
            ax.set_title(title, loc="left")
            ax.set_ylabel(unit)
        # legend panel
        leg = flat[11]
        leg.axis("off")
        handles = [leg.plot([], [], color=colour[s], linewidth=1.6, label=f"modelled from {s}")[0] for s in bt.starts]
        handles.append(leg.plot([], [], color=_INK, marker="o", markersize=4, linewidth=1.2, label="reported")[0])
        handles.append(leg.plot([], [], color=_INK, marker="o", markersize=4, markerfacecolor="white", linewidth=0,
                                label="reported: derived or quick report")[0])
        handles.append(leg.fill_between([], [], color="#eeeeee", label="epidemic years"))
        leg.legend(handles=handles, loc="center left", fontsize=9)
        # cost per member by line
        k = 12
        for scheme in ("employee", "resident"):
            for line, bline, name in _LINES:
                ax = flat[k]
                k += 1
                _shade(ax, years)
                rep = {y: v for y, v in _cost_per_member_reported(scheme, bline).items() if first <= y <= end}
                for s in bt.starts:
                    ys, vs = _cost_per_member_modelled(bt.runs[s], scheme, line)
                    if s not in rep:
                        continue
                    path = vs / vs[0] * rep[s][0]
                    ax.plot(ys, path, color=colour[s], linewidth=1.4, zorder=2)
                _reported_points(ax, rep, 1.0)
                ax.set_title(f"{scheme}: {name}", loc="left")
                ax.set_ylabel("gross cost per member, yuan")
                if not rep:
                    ax.text(0.5, 0.5, "not reported", transform=ax.transAxes, ha="center", color="#777777")
        while k < len(flat):
            flat[k].axis("off")
            k += 1
        for ax in flat[:11] + flat[12:18]:
            ax.set_xlim(first - 0.6, end + 0.6)
            ax.set_xticks(years)
            ax.tick_params(axis="x", labelsize=7.5)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
        what = (f"Back-test of '{bt.scenario}': modelled against reported, each start year's path from its start "
                f"({'deterministic, central assumption set' if bt.paths == 1 else f'median of {bt.paths} paths'})")
        if own:
            fig.suptitle(what + "\ncost per member: the model's growth set on the reported level of each start year "
                         "(gross cost: NHSA benefit series; modelled: fund-paid / effective reimbursement ratio)",
                         fontsize=12, fontweight="bold", color=_INK)
    return fig
