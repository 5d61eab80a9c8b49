"""Figures of a run, a sweep or a sensitivity analysis (matplotlib).

Every function takes an ``xarray.Dataset`` and returns a :class:`matplotlib.figure.Figure`. No
function touches pyplot's state: figures are built as ``Figure`` objects (no window, any
backend), so they work in scripts, servers and notebooks alike (a notebook shows a returned
figure; ``fig.savefig("x.png")`` writes it).

=============================  ==================================================================
function                       shows
=============================  ==================================================================
:func:`fan_chart`              reserve months per pooled fund: median, 50% and 90% bands, over
                               the warning bands (below 0, 0-3, 3-6, 6-9, 9-15, above 15 months)
:func:`flows`                  income and expenditure per fund, median and 90% band
:func:`band_probabilities`     probability of each warning band by year, and of exhaustion and
                               of a first current deficit by each year
:func:`breakeven`              pay-as-you-go break-even employer rate and resident premium
:func:`pyramid`                population pyramid for two years, and the employee scheme's
                               old-age dependency (retirees per active member) from the run
:func:`heatmap`                one summary metric over two swept keys (a sweep Dataset)
:func:`tornado`                one-at-a-time sensitivity (a low/high/base Dataset)
=============================  ==================================================================

Quantiles and probabilities come from :func:`simulator.summarize`. Titles name the scenario,
the seed and the path count (``ds.attrs``: ``scenario_name``, ``seed``, ``paths``).

A Dataset with a ``scenario`` dimension (several runs on the same seed stacked with
``xr.concat(runs, dim="scenario")``, or a sweep) is compared scenario by scenario in
:func:`fan_chart`; the other run figures take ``scenario=`` to pick one.

Bad input raises :class:`PlotInputError`, a ``ValueError`` that the command line reports as bad
input (exit code 2).
"""

from __future__ import annotations

import contextlib
import re

import matplotlib
import matplotlib.lines
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .errors import EXIT_BAD_INPUT, SimulatorError
from .summary import BANDS, summarize

__all__ = ["fan_chart", "flows", "band_probabilities", "breakeven", "pyramid", "heatmap", "tornado",
           "PlotInputError", "FUND_LABELS", "BAND_STYLE"]


class PlotInputError(SimulatorError, ValueError):
    """A Dataset or an option a figure cannot be drawn from (names what is missing or wrong)."""

    exit_code = EXIT_BAD_INPUT


#: fund coordinate -> label (English: the default fonts have no CJK glyphs)
FUND_LABELS = {
    "employee_pooled": "Employee pooled fund",
    "resident": "Resident fund",
    "pooled_combined": "Both pooled funds combined",
    "employee_accounts": "Individual accounts",
}
#: the pooled funds and their combination: the funds with reserve months, bands and events
POOLED_VIEW = ("employee_pooled", "resident", "pooled_combined")

#: warning band (as in :data:`simulator.summary.BANDS`) -> (legend label, colour, pale colour for
#: a background)
BAND_STYLE = {
    "below_0": ("below 0: exhausted", "#cb181d", "#fcd5cf"),
    "0_3": ("0-3 months: critical", "#fb6a4a", "#fcae91"),
    "3_6": ("3-6 months: low", "#fdd049", "#fee391"),
    "6_9": ("6-9 months: target", "#74c476", "#b7e0a5"),
    "9_15": ("9-15 months: high", "#9ecae1", "#d2e4f3"),
    "above_15": ("above 15 months: excessive", "#4292c6", "#eef4fa"),
}
_BAND_LIMITS = {name: (lo, hi) for name, lo, hi in BANDS}

_INK = "#1f2d3d"
#: line styles of the named deterministic sets in the fan chart
_NAMED_STYLES = {"low_cost": (0, (1, 1.5)), "central": (0, (5, 2)), "high_cost": (0, (5, 1.5, 1, 1.5))}
_FAN = "#08306b"
_INCOME = "#2166ac"
_EXPENDITURE = "#b2182b"
_MALE = "#4c78a8"
_FEMALE = "#e45756"
_CYCLE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
          "#7f7f7f", "#bcbd22"]

_RC = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
}


@contextlib.contextmanager
def _style():
    """The house style, for the artists created inside (restored on exit: no global state)."""
    with matplotlib.rc_context(_RC):
        yield


def _figure(nrows=1, ncols=1, *, figsize, **kw):
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


# ----------------------------------------------------------------------------- helpers


def _subtitle(attrs, paths=None) -> str:
    """'scenario baseline · seed 20240101 · 1,000 paths' from the attributes present (``paths``,
    the Dataset's own path count, wins over the attribute)."""
    if paths is not None:
        attrs = dict(attrs, paths=paths)
    parts = []
    if attrs.get("scenario_name") is not None:
        parts.append(f"scenario {attrs['scenario_name']}")
    if attrs.get("assumption_set") not in (None, "stochastic"):
        parts.append(f"assumption set {attrs['assumption_set']}")
    if attrs.get("seed") is not None:
        parts.append(f"seed {attrs['seed']}")
    if attrs.get("paths") is not None:
        try:
            n = int(attrs["paths"])
            parts.append(f"{n:,} path{'s' if n != 1 else ''}")
        except (TypeError, ValueError):
            parts.append(f"{attrs['paths']} paths")
    return " · ".join(parts)


def _title(fig, what, attrs, paths=None):
    sub = _subtitle(attrs, paths)
    fig.suptitle(what + (f"\n{sub}" if sub else ""), fontsize=12, fontweight="bold", color=_INK)


def _require(ds, names, what):
    if not isinstance(ds, xr.Dataset):
        raise PlotInputError(f"{what} needs an xarray.Dataset, got {type(ds).__name__}")
    missing = [n for n in names if n not in ds.variables]
    if missing:
        raise PlotInputError(f"{what} needs the variable{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(repr(m) for m in missing)}, which the Dataset does not have")


def _select_scenario(ds, scenario, what):
    """One scenario of a stacked Dataset (or ``ds`` itself when it has no scenario dimension)."""
    if "scenario" not in ds.dims:
        if scenario is not None:
            raise PlotInputError(f"{what}: scenario={scenario!r} given, but the Dataset has no 'scenario' dimension")
        return ds
    names = [str(v) for v in ds["scenario"].values]
    if scenario is None:
        if len(names) == 1:
            return _with_scenario_attrs(ds.isel(scenario=0), names[0])
        raise PlotInputError(f"{what} shows one scenario; the Dataset has {len(names)} "
                             f"(pass scenario=..., one of {', '.join(names)})")
    if str(scenario) not in names:
        raise PlotInputError(f"scenario {scenario!r} is not in the Dataset; choose one of {', '.join(names)}")
    return _with_scenario_attrs(ds.isel(scenario=names.index(str(scenario))), str(scenario))


def _with_scenario_attrs(ds, name):
    ds = ds.copy()
    ds.attrs = dict(ds.attrs, scenario_name=name)
    return ds


def _check_funds(funds, allowed, what):
    if funds is None:
        return None
    if isinstance(funds, str):
        funds = [funds]
    funds = list(funds)
    bad = [f for f in funds if f not in allowed]
    if bad:
        raise PlotInputError(f"{what}: fund {bad[0]!r} is not available; choose from {', '.join(allowed)}")
    if not funds:
        raise PlotInputError(f"{what}: no fund selected; choose from {', '.join(allowed)}")
    return funds


def _years(da):
    return np.asarray(da["year"].values)


def _year_axis(ax, years):
    years = np.asarray(years)
    ax.set_xlim(years[0], years[-1])
    ax.set_xlabel("year")
    span = years[-1] - years[0]
    step = 10 if span > 30 else 5 if span > 10 else 2 if span > 4 else 1
    ax.xaxis.set_major_locator(matplotlib.ticker.MultipleLocator(step))
    ax.xaxis.set_minor_locator(matplotlib.ticker.MultipleLocator(max(1, step // 2)))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _quantiles(da, q, dim="path"):
    """NaN-aware quantiles over ``dim`` (all-NaN cells stay NaN without a warning)."""
    arr = da.transpose(dim, ...).values
    with np.errstate(invalid="ignore"), _quiet_nan():
        qv = np.nanquantile(arr, q, axis=0)
    dims = [d for d in da.transpose(dim, ...).dims if d != dim]
    return xr.DataArray(qv, dims=["quantile"] + dims,
                        coords={"quantile": list(q), **{d: da[d] for d in dims if d in da.coords}})


@contextlib.contextmanager
def _quiet_nan():
    import warnings
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice encountered")
        warnings.filterwarnings("ignore", message="Mean of empty slice")
        yield


def _nice_label(name: str) -> str:
    return name.replace("_", " ")


# ----------------------------------------------------------------------------- fan chart


def _shade_bands(ax, ylo, yhi):
    """Shade the warning bands across the axis; returns the legend handles."""
    handles = []
    for name, (lo, hi) in _BAND_LIMITS.items():
        label, _, colour = BAND_STYLE[name]
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


def fan_chart(ds: xr.Dataset, funds=None, *, scenario=None, summary: xr.Dataset | None = None,
              ylim="auto") -> Figure:
    """Fan chart of reserve months (balance / monthly expenditure) per pooled fund.

    One panel per fund (default: the employee pooled fund, the resident fund and both pooled
    funds combined); the median, the 25-75% band and the 5-95% band over paths, drawn over the
    warning bands: below 0 (exhausted), 0-3, 3-6, 6-9 (the funds' target), 9-15 and above 15
    months. Individual accounts have no reserve months in this sense and are not offered.

    ``ylim``: ``"auto"`` (default) shows the whole median and 25-75% band (and at least -6 to 24
    months) and clips a far-reaching 5-95% band, saying in the panel how far it reaches;
    ``"full"`` shows everything; ``(low, high)`` fixes the range.

    With a ``scenario`` dimension (runs stacked with ``xr.concat(..., dim="scenario")``) every
    scenario gets its median line and a light 5-95% band in its own colour, for comparison
    (``scenario=`` picks one instead). ``summary`` may pass a precomputed
    :func:`simulator.summarize` of ``ds``. When ``ds`` carries the named deterministic sets
    (:mod:`simulator.named_sets`, as ``fundsim run`` writes them), the low-cost, central and
    high-cost projections are drawn as lines beside the bands.
    """
    from .named_sets import has_named_sets, named_reserve_months

    what = "fan chart"
    _require(ds, ["reserve_months", "combined_pooled_reserve_months"], what)
    funds = _check_funds(funds, POOLED_VIEW, what) or list(POOLED_VIEW)
    compare = "scenario" in ds.dims and scenario is None and ds.sizes["scenario"] > 1
    if not compare:
        ds = _select_scenario(ds, scenario, what)
    s = summarize(ds) if summary is None else summary
    rq = s["reserve_months_quantile"]
    years = _years(rq)
    ylim = _fan_limits(rq.sel(fund=funds), ylim)
    with _style():
        fig, axes = _figure(1, len(funds), figsize=(4.3 * len(funds) + 0.8, 4.9), sharey=True)
        axes = axes[0]
        for ax, fund in zip(axes, funds):
            band_handles = _shade_bands(ax, *ylim)
            series_handles = []
            if compare:
                names = [str(v) for v in ds["scenario"].values]
                for k, name in enumerate(names):
                    c = _CYCLE[k % len(_CYCLE)]
                    q = rq.sel(fund=fund).isel(scenario=k)
                    for qk in (0.05, 0.95):
                        ax.plot(years, q.sel(quantile=qk), color=c, linewidth=0.9, linestyle=(0, (2, 2)), zorder=3)
                    line, = ax.plot(years, q.sel(quantile=0.5), color=c, linewidth=2.0, zorder=3,
                                    label=f"{name} (median)")
                    series_handles.append(line)
                if fund == funds[0]:
                    series_handles.append(matplotlib.lines.Line2D([], [], color="#555555", linewidth=0.9,
                                                                  linestyle=(0, (2, 2)), label="5% and 95% of paths"))
                q05, q95 = rq.sel(fund=fund, quantile=0.05), rq.sel(fund=fund, quantile=0.95)
            else:
                q = rq.sel(fund=fund)
                f90 = ax.fill_between(years, q.sel(quantile=0.05), q.sel(quantile=0.95), color=_FAN, alpha=0.20,
                                      linewidth=0, zorder=2, label="5-95% of paths")
                f50 = ax.fill_between(years, q.sel(quantile=0.25), q.sel(quantile=0.75), color=_FAN, alpha=0.38,
                                      linewidth=0, zorder=2, label="25-75% of paths")
                med, = ax.plot(years, q.sel(quantile=0.5), color=_FAN, linewidth=2.2, zorder=3, label="median")
                series_handles = [med, f50, f90]
                q05, q95 = q.sel(quantile=0.05), q.sel(quantile=0.95)
                if has_named_sets(ds):
                    # the trustees' named deterministic sets beside the stochastic percentiles
                    named = named_reserve_months(ds, fund)
                    for which, style in _NAMED_STYLES.items():
                        line, = ax.plot(years, named.sel(assumption_set=which).values, color=_INK, zorder=4,
                                        linewidth=1.1, linestyle=style, label=f"{which.replace('_', '-')} set")
                        series_handles.append(line)
            ax.set_ylim(*ylim)
            with _quiet_nan():
                top, bottom = float(np.nanmax(q95.values)), float(np.nanmin(q05.values))
            notes = []
            if top > ylim[1]:
                notes.append(f"95% reaches {top:,.0f}")
            if bottom < ylim[0]:
                notes.append(f"5% reaches {bottom:,.0f}")
            if notes:
                ax.text(0.02, 0.98, "beyond the chart: " + ", ".join(notes) + " months", transform=ax.transAxes,
                        ha="left", va="top", fontsize=7.5, color="#444444", zorder=5,
                        bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.8, "linewidth": 0})
            ax.set_title(FUND_LABELS.get(fund, fund))
            _year_axis(ax, years)
            ax.grid(False)
        axes[0].set_ylabel("reserve months (balance / monthly expenditure)")
        handles = series_handles + band_handles
        fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5), handlelength=1.6,
                   columnspacing=1.4)
        attrs = dict(ds.attrs, scenario_name=" vs ".join(str(v) for v in ds["scenario"].values)) if compare else ds.attrs
        _title(fig, "Reserve months of the pooled funds" + (": scenarios compared" if compare else ""), attrs,
               ds.sizes.get("path"))
    return fig


# ----------------------------------------------------------------------------- flows


def flows(ds: xr.Dataset, funds=None, *, scenario=None, summary: xr.Dataset | None = None) -> Figure:
    """Income and expenditure per fund, in billion yuan (nominal): median and 5-95% band.

    Income is as the bulletins report it (contributions, premiums and subsidies, interest and any
    fiscal transfer); the gap between the two lines is the current balance. Default funds: the
    two pooled funds; ``employee_accounts`` and ``pooled_combined`` (the sum of the two pooled
    funds, path by path) may be asked for.
    """
    what = "income and expenditure"
    _require(ds, ["income", "expenditure"], what)
    ds = _select_scenario(ds, scenario, what)
    allowed = [str(f) for f in ds["fund"].values] + ["pooled_combined"]
    funds = _check_funds(funds, allowed, what) or [f for f in ("employee_pooled", "resident") if f in allowed]
    q = (0.05, 0.5, 0.95)
    with _style():
        fig, axes = _figure(1, len(funds), figsize=(4.6 * len(funds) + 0.6, 4.6))
        axes = axes[0]
        for ax, fund in zip(axes, funds):
            series = {}
            for var, colour, label in (("income", _INCOME, "income"), ("expenditure", _EXPENDITURE, "expenditure")):
                if fund == "pooled_combined":
                    da = ds[var].sel(fund=["employee_pooled", "resident"]).sum("fund")
                    qq = _quantiles(da, q)
                elif summary is not None and f"{var}_quantile" in summary:
                    qq = summary[f"{var}_quantile"].sel(fund=fund, quantile=list(q))
                else:
                    qq = _quantiles(ds[var].sel(fund=fund), q)
                qq = qq / 1e9
                years = _years(qq)
                ax.fill_between(years, qq.sel(quantile=0.05), qq.sel(quantile=0.95), color=colour, alpha=0.18,
                                linewidth=0, label=f"{label} 5-95%")
                line, = ax.plot(years, qq.sel(quantile=0.5), color=colour, linewidth=2.0, label=f"{label} (median)")
                series[var] = line
            ax.set_title(FUND_LABELS.get(fund, fund))
            _year_axis(ax, years)
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        axes[0].set_ylabel("billion yuan per year (nominal)")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4)
        _title(fig, "Income and expenditure", ds.attrs, ds.sizes.get("path"))
    return fig


# ----------------------------------------------------------------------------- band probabilities


def band_probabilities(ds: xr.Dataset, funds=None, *, scenario=None, summary: xr.Dataset | None = None) -> Figure:
    """Probability of each warning band by year (stacked areas, below 0 at the bottom), with the
    probability that the fund is exhausted (balance below zero) and that it has run a first current
    deficit (income below expenditure) in or before each year (lines).

    The exhaustion line counts paths whose balance has been negative in any year so far; the
    "below 0" area counts paths negative in that year (a balance can recover).
    """
    what = "warning-band probabilities"
    _require(ds, ["reserve_months", "combined_pooled_reserve_months", "balance"], what)
    ds = _select_scenario(ds, scenario, what)
    funds = _check_funds(funds, POOLED_VIEW, what) or list(POOLED_VIEW)
    s = summarize(ds) if summary is None else summary
    bp = s["band_probability"]
    years = _years(bp)
    with _style():
        fig, axes = _figure(1, len(funds), figsize=(4.6 * len(funds) + 0.6, 4.8), sharey=True)
        axes = axes[0]
        for ax, fund in zip(axes, funds):
            stack = [bp.sel(fund=fund, band=name).values for name in BAND_STYLE]
            polys = ax.stackplot(years, *stack, colors=[c for _, c, _ in BAND_STYLE.values()],
                                 labels=[lab for lab, _, _ in BAND_STYLE.values()], alpha=0.85, linewidth=0)
            for name, poly in zip(BAND_STYLE, polys):
                poly.set_gid(f"band_{name}")
            ax.plot(years, s["exhaustion_probability_by_year"].sel(fund=fund), color="#000000", linewidth=2.0,
                    label="exhausted in or before the year")
            ax.plot(years, s["deficit_probability_by_year"].sel(fund=fund), color="#000000", linewidth=1.4,
                    linestyle="--", label="first current deficit in or before the year")
            ax.set_ylim(0, 1)
            ax.set_title(FUND_LABELS.get(fund, fund))
            _year_axis(ax, years)
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        axes[0].set_ylabel("probability (share of paths)")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4)
        _title(fig, "Warning bands of reserve months, exhaustion and deficit", ds.attrs, ds.sizes.get("path"))
    return fig


# ----------------------------------------------------------------------------- break-even


def breakeven(ds: xr.Dataset, variables=("breakeven_rate", "breakeven_premium"), *, scenario=None,
              sample_paths: int = 0) -> Figure:
    """Pay-as-you-go break-even paths: the employer rate (employee pooled fund) and the resident
    premium per person that would balance each year's contribution income and expenditure
    (specification section 12): median and 5-95% band over paths, against the rate and premium in force
    (``employer_rate``, ``resident_premium``) when the Dataset has them.

    Raises :class:`PlotInputError` (a ``ValueError``) naming any of ``variables`` the Dataset lacks
    (results written before break-even rates existed). ``sample_paths`` adds that many single
    paths as thin lines. Paths where no premium balances (NaN) are left out of the quantiles.
    """
    what = "break-even paths"
    if isinstance(variables, str):
        variables = (variables,)
    _require(ds, list(variables), what)
    ds = _select_scenario(ds, scenario, what)
    in_force = {"breakeven_rate": ("employer_rate", "employer rate in force"),
                "breakeven_premium": ("resident_premium", "resident premium in force")}
    titles = {"breakeven_rate": "Employee pooled fund: break-even employer rate",
              "breakeven_premium": "Resident fund: break-even individual premium"}
    q = (0.05, 0.25, 0.5, 0.75, 0.95)
    with _style():
        fig, axes = _figure(1, len(variables), figsize=(5.4 * len(variables) + 0.6, 4.6))
        axes = axes[0]
        for ax, var in zip(axes, variables):
            da = ds[var]
            years = _years(da)
            qq = _quantiles(da, q)
            scale, unit = (100.0, "% of the contribution base") if da.attrs.get("units") == "fraction" else (1.0, da.attrs.get("units", ""))
            ax.fill_between(years, qq.sel(quantile=0.05) * scale, qq.sel(quantile=0.95) * scale, color=_FAN,
                            alpha=0.16, linewidth=0, label="break-even 5-95%")
            ax.fill_between(years, qq.sel(quantile=0.25) * scale, qq.sel(quantile=0.75) * scale, color=_FAN,
                            alpha=0.3, linewidth=0, label="break-even 25-75%")
            ax.plot(years, qq.sel(quantile=0.5) * scale, color=_FAN, linewidth=2.0, label="break-even (median)")
            for k in range(min(int(sample_paths), ds.sizes.get("path", 0))):
                ax.plot(years, da.isel(path=k) * scale, color=_FAN, linewidth=0.5, alpha=0.5,
                        label="single paths" if k == 0 else None)
            ref, ref_label = in_force.get(var, (None, None))
            if ref is not None and ref in ds:
                r = _quantiles(ds[ref], (0.5,)).sel(quantile=0.5) * scale
                ax.plot(years, r, color=_EXPENDITURE, linewidth=1.6, linestyle="--", label=ref_label + " (median)")
            ax.set_title(titles.get(var, _nice_label(var)))
            ax.set_ylabel(unit)
            _year_axis(ax, years)
            ax.legend(loc="upper left")
        _title(fig, "Pay-as-you-go break-even contribution paths", ds.attrs, ds.sizes.get("path"))
    return fig


# ----------------------------------------------------------------------------- pyramid


def _shipped_population_years() -> dict:
    """Shipped UN WPP 2024 population tables by year: ``{year: table name}``."""
    from .data import TABLES
    out = {}
    for name in TABLES:
        m = re.fullmatch(r"china_population_(\d{4})", name)
        if m:
            out[int(m.group(1))] = name
    return dict(sorted(out.items()))


def _scenario_dict(ds):
    text = ds.attrs.get("scenario_yaml")
    if not text:
        return {}
    from ruamel.yaml import YAML
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except Exception:  # a damaged attribute: the figure falls back to the base year's table
        return {}
    return data if isinstance(data, dict) else {}


def _base_population_table(ds):
    """(table name, base year) of the population the run started from."""
    scn = _scenario_dict(ds)
    base_year = ds.attrs.get("base_year", scn.get("base_year"))
    if base_year is None and "year" in ds.coords:
        base_year = int(ds["year"].values[0])
    base = (scn.get("population") or {}).get("base")
    if isinstance(base, dict) and isinstance(base.get("table"), str) and base.get("column") in (None, "population"):
        return base["table"], int(base_year)
    shipped = _shipped_population_years()
    if not scn and base_year is not None and int(base_year) in shipped:
        return shipped[int(base_year)], int(base_year)
    return None, (int(base_year) if base_year is not None else None)


def _population_arrays(population_by_age):
    """``{year: array (101, 2) male/female}`` from a DataArray (year, age, sex) or a mapping."""
    out = {}
    if isinstance(population_by_age, xr.DataArray):
        da = population_by_age
        missing = [d for d in ("year", "age", "sex") if d not in da.dims]
        if missing:
            raise PlotInputError(f"population_by_age needs the dimensions year, age and sex; it lacks {', '.join(missing)}")
        sexes = [str(s) for s in da["sex"].values] if "sex" in da.coords else ["male", "female"]
        if sorted(sexes) != ["female", "male"]:
            raise PlotInputError(f"population_by_age: sex must be 'male' and 'female', got {sexes}")
        da = da.transpose("year", "age", "sex")
        for k, y in enumerate(da["year"].values):
            a = da.isel(year=k).values
            out[int(y)] = a[:, [sexes.index("male"), sexes.index("female")]]
        return out
    if isinstance(population_by_age, dict):
        for y, a in population_by_age.items():
            a = np.asarray(a, dtype=float)
            if a.ndim != 2 or a.shape[1] != 2:
                raise PlotInputError(f"population_by_age[{y}] must be an array (ages, 2): male, female; got shape {a.shape}")
            out[int(y)] = a
        return out
    raise PlotInputError("population_by_age must be an xarray.DataArray (year, age, sex) or {year: array (ages, 2)}")


def _old_age_ratio(a):
    """Demographic old-age dependency 65+ / 15-64 of an age x sex array."""
    tot = a.sum(axis=1)
    return tot[65:].sum() / tot[15:65].sum()


def pyramid(ds: xr.Dataset, years=None, *, population_by_age=None, scenario=None) -> Figure:
    """Population pyramid for two years (left) and the employee scheme's old-age dependency from
    the run (right).

    What the pyramid shows (a results file holds the population total by year, not by age):

    * with ``population_by_age`` (an ``xarray.DataArray`` with dimensions ``year``, ``age``,
      ``sex`` (``male``, ``female``), or ``{year: array (ages, 2)}`` with male and female columns,
      in persons), the two requested ``years`` of it (default its first and last year), e.g. a
      projection of your own;
    * otherwise observed estimates only, never a projection: the base-year population the run
      started from (the scenario's ``population.base`` table, e.g. UN WPP 2024 for 1 July 2024),
      against the earliest other shipped UN WPP 2024 estimate for China (1 July 2017) when the
      base table is one of those; ``years`` may pick among the shipped estimates
      (2017, 2021-2024). A projection year without ``population_by_age`` raises
      :class:`PlotInputError`.

    The first year is drawn as bars, the second as an outline; the legend gives each year's
    demographic old-age dependency (65+ / 15-64). The right panel is the run's own ageing
    measure, ``old_age_dependency``: retirees per active member (employees and flexible workers)
    of the employee scheme, median and 5-95% band over paths (computed from ``retirees``,
    ``employees`` and ``flexible`` for a run that kept only the "core" variables).
    """
    what = "population pyramid"
    if not isinstance(ds, xr.Dataset):
        raise PlotInputError(f"{what} needs an xarray.Dataset, got {type(ds).__name__}")
    if "old_age_dependency" not in ds.variables:  # a run that kept only the "core" variables
        if not all(v in ds.variables for v in ("retirees", "employees", "flexible")):
            raise PlotInputError(f"{what} needs the variable 'old_age_dependency' (or 'retirees', 'employees' and "
                                 "'flexible' to compute it), which the Dataset does not have")
        active = ds["employees"] + ds["flexible"]
        dep = (ds["retirees"] / active.where(active != 0)).assign_attrs(units="ratio")
        ds = ds.assign(old_age_dependency=dep)
    ds = _select_scenario(ds, scenario, what)
    if population_by_age is not None:
        arrays = _population_arrays(population_by_age)
        source = "population by age as given"
        avail = sorted(arrays)
        if years is None:
            years = (avail[0], avail[-1]) if len(avail) > 1 else (avail[0],)
        for y in years:
            if int(y) not in arrays:
                raise PlotInputError(f"population_by_age has no year {y}; it has {', '.join(map(str, avail))}")
        arrays = {int(y): arrays[int(y)] for y in years}
    else:
        from .data import load_profile_table
        table, base_year = _base_population_table(ds)
        if table is None:
            raise PlotInputError("the scenario's base population is not a shipped table, and a results file holds "
                                 "population totals only: pass population_by_age=... to draw a pyramid")
        shipped = _shipped_population_years()
        comparable = table in shipped.values()
        if years is None:
            others = [y for y in shipped if y != base_year] if comparable else []
            years = (min(others), base_year) if others else (base_year,)
        arrays = {}
        for y in years:
            y = int(y)
            if y == base_year:
                arrays[y] = load_profile_table(table)
            elif comparable and y in shipped:
                arrays[y] = load_profile_table(shipped[y])
            else:
                choices = sorted(set(shipped) | {base_year}) if comparable else [base_year]
                raise PlotInputError(
                    f"no population by age for {y}: a results file holds population totals only, and the shipped "
                    f"estimates cover {', '.join(map(str, choices))}; for other years pass population_by_age=... "
                    "to simulator.plots.pyramid")
        source = "UN WPP 2024 estimates (1 July), not projections"
    if not 1 <= len(arrays) <= 2:
        raise PlotInputError(f"a pyramid shows one or two years, {len(arrays)} were asked for")
    ys = list(arrays)
    with _style():
        fig, axes = _figure(1, 2, figsize=(11.6, 5.2), width_ratios=[1.35, 1])
        ax, ax2 = axes[0]
        first = arrays[ys[0]] / 1e6
        ages = np.arange(first.shape[0])
        ratios = [f"{y} {_old_age_ratio(arrays[y]):.2f}" for y in ys]
        ax.barh(ages, -first[:, 0], height=1.0, color=_MALE, alpha=0.6, linewidth=0, label=f"{ys[0]} men")
        ax.barh(ages, first[:, 1], height=1.0, color=_FEMALE, alpha=0.6, linewidth=0, label=f"{ys[0]} women")
        xmax = first.max()
        if len(ys) == 2:
            second = arrays[ys[1]] / 1e6
            a2 = np.arange(second.shape[0] + 1) - 0.5
            ax.stairs(-second[:, 0], a2, orientation="horizontal", color=_INK, linewidth=1.3, baseline=None,
                      label=f"{ys[1]} (outline)")
            ax.stairs(second[:, 1], a2, orientation="horizontal", color=_INK, linewidth=1.3, baseline=None)
            xmax = max(xmax, second.max())
        ax.axvline(0, color=_INK, linewidth=0.8)
        lim = xmax * 1.08
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.5, ages[-1] + 0.5)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):g}"))
        ax.set_xlabel("million persons by single year of age  (men left, women right)")
        ax.set_ylabel("age (years; 100 = 100 and over)")
        ax.set_title(f"Population by age and sex, {' and '.join(map(str, ys))}")
        h, lab = ax.get_legend_handles_labels()
        order = sorted(range(len(lab)), key=lambda i: "outline" in lab[i])
        ax.legend([h[i] for i in order], [lab[i] for i in order], loc="upper right", title=source,
                  title_fontsize=7.5, alignment="right")
        ax.text(0.01, 0.99, "people 65+ per person 15-64:\n" + "\n".join(ratios), transform=ax.transAxes,
                ha="left", va="top", fontsize=8, color=_INK)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)

        dep = ds["old_age_dependency"]
        years_run = _years(dep)
        qq = _quantiles(dep, (0.05, 0.5, 0.95))
        ax2.fill_between(years_run, qq.sel(quantile=0.05), qq.sel(quantile=0.95), color=_FAN, alpha=0.18,
                         linewidth=0, label="5-95% of paths")
        ax2.plot(years_run, qq.sel(quantile=0.5), color=_FAN, linewidth=2.0, label="median")
        ax2.set_title("Employee scheme: retirees per active member")
        ax2.set_ylabel("retirees / (employees + flexible workers)")
        _year_axis(ax2, years_run)
        ax2.legend(loc="upper left")
        _title(fig, "Population and old-age dependency", ds.attrs, ds.sizes.get("path"))
    return fig


# ----------------------------------------------------------------------------- sweep heatmap

#: default selections along a summary's extra dimensions
_DEFAULT_PICK = {"fund": "employee_pooled", "quantile": 0.5, "band": "below_0"}


def swept_keys(sweep: xr.Dataset) -> list[str]:
    """The swept keys of a sweep Dataset: its coordinates along ``scenario`` other than ``scenario``."""
    return [str(k) for k, c in sweep.coords.items() if c.dims == ("scenario",) and k != "scenario"]


def _metric_over_scenarios(sweep, metric, pick):
    if metric in sweep.data_vars and "path" not in sweep[metric].dims:
        da = sweep[metric]
    elif "path" in sweep.dims:
        s = summarize(sweep)
        if metric not in s:
            choices = sorted(v for v in s.data_vars if not v.endswith("_se"))
            raise PlotInputError(f"metric {metric!r} is not a summary variable; choose one of {', '.join(choices)}")
        da = s[metric]
    else:
        choices = sorted(v for v in sweep.data_vars if "scenario" in sweep[v].dims)
        raise PlotInputError(f"metric {metric!r} is not in the sweep; choose one of {', '.join(choices) or '(none)'}")
    if "pooled_fund" in da.dims:  # a sweep store names the summaries' fund dimension pooled_fund
        da = da.rename(pooled_fund="fund")
    chosen = {}
    for dim in list(da.dims):
        if dim == "scenario":
            continue
        if dim in pick and pick[dim] is not None:
            value = pick[dim]
        elif dim == "year":
            value = da["year"].values[-1]
        elif dim in _DEFAULT_PICK:
            value = _DEFAULT_PICK[dim]
        else:
            raise PlotInputError(f"metric {metric!r} varies along {dim!r}; pass {dim}=... to pick one value")
        if dim in da.coords:
            vals = list(da[dim].values)
            if not any(_same(value, v) for v in vals):
                raise PlotInputError(f"{dim}={value!r} is not in the sweep; choose one of "
                                     f"{', '.join(str(v) for v in vals)}")
            value = next(v for v in vals if _same(value, v))
            da = da.sel({dim: value})
        else:
            da = da.isel({dim: int(value)})
        chosen[dim] = value
    return da, chosen


def _same(a, b):
    try:
        return np.isclose(float(a), float(b))
    except (TypeError, ValueError):
        return str(a) == str(b)


def _fmt_cell(v, units):
    if not np.isfinite(v):
        return "none" if np.isposinf(v) else "-"
    if "year" in units:
        return f"{v:.0f}"
    if "fraction" in units or "probability" in units:
        return f"{v:.2f}"
    if abs(v) >= 1e9:
        return f"{v / 1e9:,.0f}bn"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"


def heatmap(sweep: xr.Dataset, metric: str = "exhaustion_probability_by_year", x: str | None = None,
            y: str | None = None, *, cmap: str | None = None, **pick) -> Figure:
    """One summary metric over two swept keys.

    The input is a sweep Dataset: a ``scenario`` dimension and one coordinate along it per swept
    key, named by its scenario key path, e.g.::

        <xarray.Dataset>
        Dimensions:  (scenario: 12, ...)
        Coordinates:
          * scenario                    (scenario) <U10 'r0.06_c0.7' ...
            employee.employer_rate      (scenario) float64 0.06 0.06 0.06 0.07 ...
            reform.drg_dip.coverage     (scenario) float64 0.7 0.8 1.0 0.7 ...

    Its variables are either the runs themselves (with a ``path`` dimension: they are summarised
    with :func:`simulator.summarize`) or metrics per scenario (without ``path``, e.g. a summary
    per scenario). ``metric`` names a variable of the summary (``reserve_months_quantile``,
    ``band_probability``, ``exhaustion_probability_by_year``, ``exhaustion_year_quantile``,
    ``first_deficit_year_within_horizon``, ...). Its other dimensions are fixed by keyword:
    ``fund=`` (default ``employee_pooled``), ``year=`` (default the last year), ``quantile=``
    (default 0.5), ``band=`` (default ``below_0``). ``x`` and ``y`` name the two swept keys
    (default: the two there are). Every pair of values must occur at most once; missing pairs are
    blank. Event years "not within the horizon" are shown as "none".
    """
    what = "sweep heatmap"
    if not isinstance(sweep, xr.Dataset):
        raise PlotInputError(f"{what} needs an xarray.Dataset, got {type(sweep).__name__}")
    if "scenario" not in sweep.dims:
        raise PlotInputError(f"{what} needs a sweep: a Dataset with a 'scenario' dimension and one coordinate "
                             "along it per swept key; this one has no 'scenario' dimension")
    keys = swept_keys(sweep)
    if x is None or y is None:
        rest = [k for k in keys if k not in (x, y)]
        if x is None and rest:
            x = rest.pop(0)
        if y is None and rest:
            y = rest.pop(0)
    for k in (x, y):
        if k is None or k not in keys:
            raise PlotInputError(f"{what} needs two swept keys (coordinates along 'scenario'); "
                                 f"{'got ' + repr(k) + '; ' if k else ''}the sweep has {', '.join(keys) or 'none'}")
    if x == y:
        raise PlotInputError(f"{what}: x and y are the same key {x!r}")
    da, chosen = _metric_over_scenarios(sweep, metric, pick)
    xs_all, ys_all = sweep[x].values, sweep[y].values
    xs, ys = np.unique(xs_all), np.unique(ys_all)
    z = np.full((len(ys), len(xs)), np.nan)
    seen = np.zeros_like(z, dtype=bool)
    values = np.asarray(da.values, dtype=float)
    for k in range(len(values)):
        i, j = int(np.searchsorted(ys, ys_all[k])), int(np.searchsorted(xs, xs_all[k]))
        if seen[i, j]:
            raise PlotInputError(f"{what}: the pair {x}={xs_all[k]}, {y}={ys_all[k]} occurs more than once; "
                                 "fix the other swept keys first (select one value of each)")
        seen[i, j] = True
        z[i, j] = values[k]
    units = str(da.attrs.get("units", ""))
    with _style():
        fig, axes = _figure(1, 1, figsize=(1.1 * len(xs) + 3.4, 0.75 * len(ys) + 2.6))
        ax = axes[0, 0]
        finite = np.where(np.isfinite(z), z, np.nan)
        im = ax.imshow(np.ma.masked_invalid(finite), origin="lower", aspect="auto",
                       cmap=cmap or ("Reds" if "probability" in metric else "viridis"))
        lo, hi = (np.nanmin(finite), np.nanmax(finite)) if np.isfinite(finite).any() else (0.0, 1.0)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not seen[i, j]:
                    continue
                v = z[i, j]
                frac = 0.5 if not np.isfinite(v) or hi == lo else (v - lo) / (hi - lo)
                rgba = im.cmap(frac)
                lum = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
                ax.text(j, i, _fmt_cell(v, units), ha="center", va="center", fontsize=8.5,
                        color="white" if lum < 0.5 else _INK)
        ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in ys])
        ax.set_xlabel(x + (f" ({sweep[x].attrs['units']})" if sweep[x].attrs.get("units") else ""))
        ax.set_ylabel(y + (f" ({sweep[y].attrs['units']})" if sweep[y].attrs.get("units") else ""))
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        cb.set_label(_nice_label(metric) + (f" ({units})" if units else ""))
        sel = ", ".join(f"{k} {v}" for k, v in chosen.items())
        _title(fig, f"{_nice_label(metric)}" + (f"\n{sel}" if sel else ""), sweep.attrs)
    return fig


# ----------------------------------------------------------------------------- tornado


def tornado(sens: xr.Dataset, *, max_parameters: int | None = None) -> Figure:
    """One-at-a-time sensitivity of one metric: a bar per parameter from the base value to the
    metric with the parameter at its low and at its high value, the widest at the top.

    The input Dataset:

    * dimension ``parameter`` (its coordinate: the parameter names, e.g. scenario key paths);
    * ``base``: the metric in the base run (a scalar, or the same value along ``parameter``);
    * ``low``, ``high`` (``parameter``): the metric with that parameter at its low / high value;
    * optional ``low_value``, ``high_value`` (``parameter``; coordinates or variables): the
      parameter values used, shown next to the names;
    * attributes: ``metric`` (what was measured, e.g. "employee pooled reserve months in 2054,
      median"), ``units``, and as for a run ``scenario_name``, ``seed``, ``paths``.

    ``max_parameters`` keeps the widest ones.
    """
    what = "tornado chart"
    _require(sens, ["low", "high", "base"], what)
    if "parameter" not in sens.dims:
        raise PlotInputError(f"{what} needs a 'parameter' dimension along 'low' and 'high'")
    low = np.asarray(sens["low"].values, dtype=float)
    high = np.asarray(sens["high"].values, dtype=float)
    base_v = np.asarray(sens["base"].values, dtype=float)
    base = float(base_v) if base_v.ndim == 0 else float(base_v.flat[0])
    if base_v.ndim and not np.allclose(base_v, base, equal_nan=True):
        raise PlotInputError(f"{what}: 'base' differs along 'parameter'; a tornado compares against one base run")
    names = [str(p) for p in sens["parameter"].values]

    def values_of(k):
        return np.asarray(sens[k].values) if k in sens.variables else None

    lv, hv = values_of("low_value"), values_of("high_value")
    width = np.abs(high - low)
    order = np.argsort(np.where(np.isfinite(width), width, -1.0), kind="stable")[::-1]
    if max_parameters is not None:
        order = order[:int(max_parameters)]
    order = order[::-1]  # widest at the top of the chart
    labels = []
    for k in order:
        lab = names[k]
        if lv is not None and hv is not None:
            lab += f"\n({_fmt_value(lv[k])} / {_fmt_value(hv[k])})"
        labels.append(lab)
    metric = str(sens.attrs.get("metric", "metric"))
    units = str(sens.attrs.get("units", ""))
    with _style():
        fig, axes = _figure(1, 1, figsize=(8.6, 0.55 * len(order) + 2.4))
        ax = axes[0, 0]
        pos = np.arange(len(order))
        ax.barh(pos, low[order] - base, left=base, height=0.6, color=_INCOME, label="parameter at its low value")
        ax.barh(pos, high[order] - base, left=base, height=0.6, color=_EXPENDITURE, label="parameter at its high value")
        span = np.nanmax(np.abs(np.concatenate([low - base, high - base, [0.0]]))) or 1.0
        for p, k in zip(pos, order):
            for v, c in ((low[k], _INCOME), (high[k], _EXPENDITURE)):
                if np.isfinite(v):
                    off = 0.015 * span * (1 if v >= base else -1)
                    ax.text(v + off, p, f"{v:,.3g}", va="center", ha="left" if v >= base else "right",
                            fontsize=8, color=c)
        ax.axvline(base, color=_INK, linewidth=1.2)
        ax.set_xlim(base - 1.25 * span, base + 1.25 * span)
        ax.set_yticks(pos, labels)
        ax.set_xlabel(metric + (f" ({units})" if units else "") + f"; base {base:,.3g}")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right")
        _title(fig, f"Sensitivity: {metric}", sens.attrs)
    return fig


def _fmt_value(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:g}"


#: figure kind (as ``fundsim plot --kind``) -> function
KINDS = {"fan": fan_chart, "flows": flows, "bands": band_probabilities, "breakeven": breakeven,
         "pyramid": pyramid, "heatmap": heatmap, "tornado": tornado}
