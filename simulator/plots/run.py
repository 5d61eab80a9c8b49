"""Figures of a run: the fan chart of reserve months (and :func:`stack_runs`, the runs it
compares), income and expenditure, warning-band probabilities and the break-even paths."""

from __future__ import annotations

import matplotlib.lines
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..labels import labeler, money_scale
from ..summary import summarize
from .fonts import _language, _use_cjk_font
from .style import (_BAND_LIMITS, _CYCLE, _EXPENDITURE, _FAN, _INCOME, _INK, _NAMED_STYLES, BAND_STYLE, POOLED_VIEW,
                    PlotInputError, _canvas, _check_funds, _fund_label, _legend, _nice_label, _quantiles, _quiet_nan,
                    _require, _select_scenario, _style, _title, _year_axis, _years)


# ----------------------------------------------------------------------------- fan chart


def _shade_bands(ax, ylo, yhi, L=None):
    """Shade the warning bands across the axis; returns the legend handles."""
    L = L or labeler("en")
    handles = []
    for name, (lo, hi) in _BAND_LIMITS.items():
        _, _, colour = BAND_STYLE[name]
        label = L(f"band.{name}")
        a, b = max(lo, ylo), min(hi, yhi)
        patch = ax.axhspan(a, b, color=colour, linewidth=0, zorder=0, label=f"band {name}")
        patch.set_gid(f"band_{name}")
        handles.append(Patch(facecolor=colour, edgecolor="#b0b0b0", linewidth=0.5, label=label))
    for level in (0, 3, 6, 9, 15):
        ax.axhline(level, color="#ffffff", linewidth=0.7, zorder=0.5)
    ax.axhline(0, color="#b2182b", linewidth=0.8, zorder=0.6)
    return handles


def _fan_limits(rq, ylim):
    """Vertical range of a fan chart: the whole median and 25-75% band and at least -6..24
    months, with room for the 5-95% band up to a quarter of that span on either side."""
    if ylim not in (None, "auto", "full"):
        lo, hi = ylim
        return float(lo), float(hi)
    with _quiet_nan():
        q05 = float(np.nanmin(rq.sel(quantile=0.05).values))
        q95 = float(np.nanmax(rq.sel(quantile=0.95).values))
        core_lo = float(np.nanmin(rq.sel(quantile=[0.25, 0.5]).values))
        core_hi = float(np.nanmax(rq.sel(quantile=[0.5, 0.75]).values))
    if ylim == "full":
        lo, hi = min(q05, -3.0), max(q95, 18.0)
    else:
        core_lo, core_hi = min(core_lo, -6.0), max(core_hi, 24.0)
        span = core_hi - core_lo
        lo, hi = max(min(q05, core_lo), core_lo - 0.25 * span), min(max(q95, core_hi), core_hi + 0.25 * span)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _scenario_names(ds, L=None) -> list[str]:
    """A display name per scenario of a stacked Dataset: a ``scenario_name`` coordinate along
    ``scenario`` (as :func:`stack_runs` writes), else the ``scenario`` labels when they are names,
    else "scenario 0", "scenario 1", ... (an unlabelled ``xr.concat``)."""
    L = L or labeler("en")
    n = ds.sizes["scenario"]
    if "scenario_name" in ds.coords and ds["scenario_name"].dims == ("scenario",):
        return [str(v) for v in ds["scenario_name"].values]
    if "scenario" in ds.coords:
        values = ds["scenario"].values
        if values.dtype.kind in "UOS" and not all(str(v).isdigit() for v in values):
            return [str(v) for v in values]
        return [L("scenario_k", k=v) for v in values]
    return [L("scenario_k", k=k) for k in range(n)]


def stack_runs(runs, names=None) -> xr.Dataset:
    """Runs on the same seed (Datasets, or paths of ``fundsim run --out`` files) stacked along a
    ``scenario`` dimension whose labels are their names: ``names`` if given, else each run's
    ``scenario_name`` attribute (made unique with " (2)", " (3)"; "scenario k" where absent).

    The labels are kept as the ``scenario`` coordinate and as a ``scenario_name`` coordinate, so
    a comparison legend (:func:`fan_chart`) names each run, also after a trip through a file.
    Attributes the runs share are kept; those that differ are dropped.
    """
    datasets = []
    for r in runs:
        if isinstance(r, xr.Dataset):
            datasets.append(r)
        else:
            with xr.open_dataset(r) as f:
                datasets.append(f.load())
    if len(datasets) < 1:
        raise PlotInputError("stack_runs needs at least one run")
    for d in datasets:
        if not isinstance(d, xr.Dataset) or "scenario" in d.dims:
            raise PlotInputError("stack_runs takes single runs (Datasets without a 'scenario' dimension)")
    if names is None:
        names, seen = [], {}
        for k, d in enumerate(datasets):
            base = str(d.attrs.get("scenario_name") or f"scenario {k}")
            seen[base] = seen.get(base, 0) + 1
            names.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    names = [str(n) for n in names]
    if len(names) != len(datasets) or len(set(names)) != len(names):
        raise PlotInputError(f"stack_runs: names must be {len(datasets)} distinct labels, got {names}")
    stacked = xr.concat(datasets, dim="scenario", combine_attrs="drop_conflicts")
    return stacked.assign_coords(scenario=names, scenario_name=("scenario", names))


def fan_chart(ds, funds=None, *, scenario=None, summary: xr.Dataset | None = None,
              ylim="auto", ax=None, lang: str = "en") -> Figure:
    """Fan chart of reserve months (balance / monthly expenditure) per pooled fund.

    One panel per fund (default: the employee pooled fund, the resident fund and both pooled
    funds combined); the median, the 25-75% band and the 5-95% band over paths, drawn over the
    warning bands: below 0 (exhausted), 0-3, 3-6, 6-9 (the funds' target), 9-15 and above 15
    months. Individual accounts have no reserve months in this sense and are not offered.

    ``ylim``: ``"auto"`` (default) shows the whole median and 25-75% band (and at least -6 to 24
    months) and clips a far-reaching 5-95% band, saying in the panel how far it reaches;
    ``"full"`` shows everything; ``(low, high)`` fixes the range.

    With a ``scenario`` dimension (runs stacked with :func:`stack_runs`), or a list of runs,
    every scenario gets its median line and its 5% and 95% lines in its own colour, named in the
    legend by its scenario name, for comparison (``scenario=`` picks one instead). ``summary``
    may pass a precomputed :func:`simulator.summarize` of ``ds``. When ``ds`` carries the named
    deterministic sets (:mod:`simulator.named_sets`, as ``fundsim run`` writes them), the
    low-cost, central and high-cost projections are drawn as lines beside the bands.

    ``ax``: an Axes per fund to draw into (module docstring); ``lang``: ``"en"`` or ``"zh"``.
    """
    from ..named_sets import has_named_sets, named_reserve_months

    what = "fan chart"
    L, font = _language(lang, what)
    if isinstance(ds, (list, tuple)):
        ds = stack_runs(ds)
        summary = None
    _require(ds, ["reserve_months", "combined_pooled_reserve_months"], what)
    funds = _check_funds(funds, POOLED_VIEW, what) or list(POOLED_VIEW)
    compare = "scenario" in ds.dims and scenario is None and ds.sizes["scenario"] > 1
    if not compare:
        ds = _select_scenario(ds, scenario, what)
    s = summarize(ds) if summary is None else summary
    rq = s["reserve_months_quantile"]
    years = _years(rq)
    ylim = _fan_limits(rq.sel(fund=funds), ylim)
    names = _scenario_names(ds, L) if compare else []
    with _style(ax is None):
        fig, axes, own = _canvas(ax, len(funds), what, figsize=(4.3 * len(funds) + 0.8, 4.9), sharey=True)
        for panel, fund in zip(axes, funds):
            band_handles = _shade_bands(panel, *ylim, L)
            series_handles = []
            if compare:
                for k, name in enumerate(names):
                    c = _CYCLE[k % len(_CYCLE)]
                    q = rq.sel(fund=fund).isel(scenario=k)
                    for qk in (0.05, 0.95):
                        panel.plot(years, q.sel(quantile=qk), color=c, linewidth=0.9, linestyle=(0, (2, 2)), zorder=3)
                    line, = panel.plot(years, q.sel(quantile=0.5), color=c, linewidth=2.0, zorder=3,
                                       label=L("with_median", name=name))
                    series_handles.append(line)
                series_handles.append(matplotlib.lines.Line2D([], [], color="#555555", linewidth=0.9,
                                                              linestyle=(0, (2, 2)), label=L("paths_5_and_95")))
                q05, q95 = rq.sel(fund=fund, quantile=0.05), rq.sel(fund=fund, quantile=0.95)
            else:
                q = rq.sel(fund=fund)
                f90 = panel.fill_between(years, q.sel(quantile=0.05), q.sel(quantile=0.95), color=_FAN, alpha=0.20,
                                         linewidth=0, zorder=2, label=L("paths_5_95"))
                f50 = panel.fill_between(years, q.sel(quantile=0.25), q.sel(quantile=0.75), color=_FAN, alpha=0.38,
                                         linewidth=0, zorder=2, label=L("paths_25_75"))
                med, = panel.plot(years, q.sel(quantile=0.5), color=_FAN, linewidth=2.2, zorder=3, label=L("median"))
                series_handles = [med, f50, f90]
                q05, q95 = q.sel(quantile=0.05), q.sel(quantile=0.95)
                if has_named_sets(ds):
                    # the trustees' named deterministic sets beside the stochastic percentiles
                    named = named_reserve_months(ds, fund)
                    for which, style in _NAMED_STYLES.items():
                        line, = panel.plot(years, named.sel(assumption_set=which).values, color=_INK, zorder=4,
                                           linewidth=1.1, linestyle=style, label=L(f"set.{which}"))
                        series_handles.append(line)
            panel.set_ylim(*ylim)
            with _quiet_nan():
                top, bottom = float(np.nanmax(q95.values)), float(np.nanmin(q05.values))
            notes = []
            if top > ylim[1]:
                notes.append(L("fan.top_reaches", v=f"{top:,.0f}"))
            if bottom < ylim[0]:
                notes.append(L("fan.bottom_reaches", v=f"{bottom:,.0f}"))
            if notes:
                panel.text(0.02, 0.98, L("fan.beyond", notes=L("fan.note_join").join(notes)),
                           transform=panel.transAxes, ha="left", va="top", fontsize=7.5, color="#444444", zorder=5,
                           bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.8, "linewidth": 0})
            panel.set_title(_fund_label(fund, L))
            _year_axis(panel, years, L)
            panel.grid(False)
        axes[0].set_ylabel(L("fan.ylabel"))
        handles = series_handles + band_handles
        _legend(fig, axes, own, handles, ncol=min(len(handles), 5), handlelength=1.6, columnspacing=1.4)
        attrs = dict(ds.attrs, scenario_name=L("sub.join_scenarios").join(names)) if compare else ds.attrs
        _title(fig, L("fan.title") + (L("fan.compared") if compare else ""), attrs, ds.sizes.get("path"), L, own)
        _use_cjk_font(fig if own else axes, font)
    return fig


# ----------------------------------------------------------------------------- flows


def flows(ds: xr.Dataset, funds=None, *, scenario=None, summary: xr.Dataset | None = None, ax=None,
          lang: str = "en") -> Figure:
    """Income and expenditure per fund, nominal: median and 5-95% band; in billion yuan
    (``lang="en"``) or 亿元 (``lang="zh"``).

    Income is as the bulletins report it (contributions, premiums and subsidies, interest and any
    fiscal transfer); the gap between the two lines is the current balance. Default funds: the
    two pooled funds; ``employee_accounts`` and ``pooled_combined`` (the sum of the two pooled
    funds, path by path) may be asked for. ``ax``: an Axes per fund to draw into.
    """
    what = "income and expenditure"
    L, font = _language(lang, what)
    _require(ds, ["income", "expenditure"], what)
    ds = _select_scenario(ds, scenario, what)
    allowed = [str(f) for f in ds["fund"].values] + ["pooled_combined"]
    funds = _check_funds(funds, allowed, what) or [f for f in ("employee_pooled", "resident") if f in allowed]
    q = (0.05, 0.5, 0.95)
    scale = money_scale(L.lang)
    with _style(ax is None):
        fig, axes, own = _canvas(ax, len(funds), what, figsize=(4.6 * len(funds) + 0.6, 4.6))
        for panel, fund in zip(axes, funds):
            for var, colour in (("income", _INCOME), ("expenditure", _EXPENDITURE)):
                label = L(f"flows.{var}")
                if fund == "pooled_combined":
                    da = ds[var].sel(fund=["employee_pooled", "resident"]).sum("fund")
                    qq = _quantiles(da, q)
                elif summary is not None and f"{var}_quantile" in summary:
                    qq = summary[f"{var}_quantile"].sel(fund=fund, quantile=list(q))
                else:
                    qq = _quantiles(ds[var].sel(fund=fund), q)
                qq = qq / scale
                years = _years(qq)
                panel.fill_between(years, qq.sel(quantile=0.05), qq.sel(quantile=0.95), color=colour, alpha=0.18,
                                   linewidth=0, label=L("flows.band", name=label))
                panel.plot(years, qq.sel(quantile=0.5), color=colour, linewidth=2.0,
                           label=L("with_median", name=label))
            panel.set_title(_fund_label(fund, L))
            _year_axis(panel, years, L)
            panel.set_ylim(bottom=0)
            panel.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes[0].set_ylabel(L("flows.ylabel"))
        handles, labels = axes[0].get_legend_handles_labels()
        _legend(fig, axes, own, handles, labels, ncol=4)
        _title(fig, L("flows.title"), ds.attrs, ds.sizes.get("path"), L, own)
        _use_cjk_font(fig if own else axes, font)
    return fig


# ----------------------------------------------------------------------------- band probabilities


def band_probabilities(ds: xr.Dataset, funds=None, *, scenario=None, summary: xr.Dataset | None = None, ax=None,
                       lang: str = "en") -> Figure:
    """Probability of each warning band by year (stacked areas, below 0 at the bottom), with the
    probability that the fund is exhausted (balance below zero) and that it has run a first current
    deficit (income below expenditure) in or before each year (lines).

    The exhaustion line counts paths whose balance has been negative in any year so far; the
    "below 0" area counts paths negative in that year (a balance can recover). ``ax``: an Axes
    per fund to draw into; ``lang``: ``"en"`` or ``"zh"``.
    """
    what = "warning-band probabilities"
    L, font = _language(lang, what)
    _require(ds, ["reserve_months", "combined_pooled_reserve_months", "balance"], what)
    ds = _select_scenario(ds, scenario, what)
    funds = _check_funds(funds, POOLED_VIEW, what) or list(POOLED_VIEW)
    s = summarize(ds) if summary is None else summary
    bp = s["band_probability"]
    years = _years(bp)
    with _style(ax is None):
        fig, axes, own = _canvas(ax, len(funds), what, figsize=(4.6 * len(funds) + 0.6, 4.8), sharey=True)
        for panel, fund in zip(axes, funds):
            stack = [bp.sel(fund=fund, band=name).values for name in BAND_STYLE]
            polys = panel.stackplot(years, *stack, colors=[c for _, c, _ in BAND_STYLE.values()],
                                    labels=[L(f"band.{name}") for name in BAND_STYLE], alpha=0.85, linewidth=0)
            for name, poly in zip(BAND_STYLE, polys):
                poly.set_gid(f"band_{name}")
            panel.plot(years, s["exhaustion_probability_by_year"].sel(fund=fund), color="#000000", linewidth=2.0,
                       label=L("bands.exhausted"))
            panel.plot(years, s["deficit_probability_by_year"].sel(fund=fund), color="#000000", linewidth=1.4,
                       linestyle="--", label=L("bands.deficit"))
            panel.set_ylim(0, 1)
            panel.set_title(_fund_label(fund, L))
            _year_axis(panel, years, L)
            panel.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        axes[0].set_ylabel(L("bands.ylabel"))
        handles, labels = axes[0].get_legend_handles_labels()
        _legend(fig, axes, own, handles, labels, ncol=4)
        _title(fig, L("bands.title"), ds.attrs, ds.sizes.get("path"), L, own)
        _use_cjk_font(fig if own else axes, font)
    return fig


# ----------------------------------------------------------------------------- break-even


def breakeven(ds: xr.Dataset, variables=("breakeven_rate", "breakeven_premium"), *, scenario=None,
              sample_paths: int = 0, ax=None, lang: str = "en") -> Figure:
    """Pay-as-you-go break-even paths: the employer rate (employee pooled fund) and the resident
    premium per person that would balance each year's contribution income and expenditure
    (specification section 12): median and 5-95% band over paths, against the rate and premium in force
    (``employer_rate``, ``resident_premium``) when the Dataset has them.

    Raises :class:`PlotInputError` (a ``ValueError``) naming any of ``variables`` the Dataset lacks
    (results written before break-even rates existed). ``sample_paths`` adds that many single
    paths as thin lines. Paths where no premium balances (NaN) are left out of the quantiles.
    ``ax``: an Axes per variable to draw into; ``lang``: ``"en"`` or ``"zh"``.
    """
    what = "break-even paths"
    L, font = _language(lang, what)
    if isinstance(variables, str):
        variables = (variables,)
    _require(ds, list(variables), what)
    ds = _select_scenario(ds, scenario, what)
    in_force = {"breakeven_rate": ("employer_rate", L("be.rate_in_force")),
                "breakeven_premium": ("resident_premium", L("be.premium_in_force"))}
    titles = {"breakeven_rate": L("be.rate_title"), "breakeven_premium": L("be.premium_title")}
    q = (0.05, 0.25, 0.5, 0.75, 0.95)
    with _style(ax is None):
        fig, axes, own = _canvas(ax, len(variables), what, figsize=(5.4 * len(variables) + 0.6, 4.6))
        for panel, var in zip(axes, variables):
            da = ds[var]
            years = _years(da)
            qq = _quantiles(da, q)
            units = str(da.attrs.get("units", ""))
            if units == "fraction":
                scale, unit = 100.0, L("be.percent_of_base")
            else:
                scale, unit = 1.0, (L("be.yuan_per_person") if L.lang == "zh" and "yuan" in units else units)
            panel.fill_between(years, qq.sel(quantile=0.05) * scale, qq.sel(quantile=0.95) * scale, color=_FAN,
                               alpha=0.16, linewidth=0, label=L("be.band_5_95"))
            panel.fill_between(years, qq.sel(quantile=0.25) * scale, qq.sel(quantile=0.75) * scale, color=_FAN,
                               alpha=0.3, linewidth=0, label=L("be.band_25_75"))
            panel.plot(years, qq.sel(quantile=0.5) * scale, color=_FAN, linewidth=2.0, label=L("be.median"))
            for k in range(min(int(sample_paths), ds.sizes.get("path", 0))):
                panel.plot(years, da.isel(path=k) * scale, color=_FAN, linewidth=0.5, alpha=0.5,
                           label=L("be.single_paths") if k == 0 else None)
            ref, ref_label = in_force.get(var, (None, None))
            if ref is not None and ref in ds:
                r = _quantiles(ds[ref], (0.5,)).sel(quantile=0.5) * scale
                panel.plot(years, r, color=_EXPENDITURE, linewidth=1.6, linestyle="--",
                           label=L("with_median", name=ref_label))
            panel.set_title(titles.get(var, _nice_label(var, L)))
            panel.set_ylabel(unit)
            _year_axis(panel, years, L)
            panel.legend(loc="upper left")
        _title(fig, L("be.title"), ds.attrs, ds.sizes.get("path"), L, own)
        _use_cjk_font(fig if own else axes, font)
    return fig
