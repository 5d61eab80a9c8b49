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
:func:`stack_runs`             (not a figure) runs stacked along ``scenario``, named by their
                               ``scenario_name``, for a comparison
=============================  ==================================================================

Quantiles and probabilities come from :func:`simulator.summarize`. Titles name the scenario,
the seed and the path count (``ds.attrs``: ``scenario_name``, ``seed``, ``paths``).

A Dataset with a ``scenario`` dimension (several runs on the same seed stacked with
:func:`stack_runs`, which names each by its ``scenario_name``, or a sweep) is compared scenario by
scenario in :func:`fan_chart` (which also takes a list of runs); the other run figures take
``scenario=`` to pick one.

**Your own axes.** Every function takes ``ax=``: an ``Axes`` (or, for the figures with several
panels, a sequence of one ``Axes`` per panel) to draw into instead of a new figure. Then the
figure's house style (font sizes, spines) is not applied: the user's rcParams and style sheet
decide, no figure-level title or legend is added (the legend goes on the first axes), and the
function returns the figure of the axes. No function changes matplotlib's global rcParams.

**Chinese labels.** ``lang="zh"`` draws every title, axis label and legend entry in Chinese
(:mod:`simulator.labels`; money in 亿元). It needs a CJK font known to matplotlib (looked up by
:func:`find_cjk_font` among :data:`CJK_FAMILIES`); when there is none, the figure is drawn with
English labels and a :class:`CJKFontWarning` says how to install one.

Bad input raises :class:`PlotInputError`, a ``ValueError`` that the command line reports as bad
input (exit code 2).
"""

from __future__ import annotations

import contextlib
import re
import textwrap
import warnings

import matplotlib
import matplotlib.axes
import matplotlib.colors
import matplotlib.lines
import matplotlib.text
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .errors import EXIT_BAD_INPUT, SimulatorError
from .labels import LanguageError, check_lang, labeler, money_scale
from .summary import BANDS, summarize

__all__ = ["fan_chart", "flows", "band_probabilities", "breakeven", "pyramid", "heatmap", "tornado", "stack_runs",
           "find_cjk_font", "PlotInputError", "CJKFontWarning", "FUND_LABELS", "BAND_STYLE", "CJK_FAMILIES"]


class PlotInputError(SimulatorError, ValueError):
    """A Dataset or an option a figure cannot be drawn from (names what is missing or wrong)."""

    exit_code = EXIT_BAD_INPUT


#: fund coordinate -> English label (:mod:`simulator.labels` has both languages)
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
def _style(own: bool = True):
    """The house style for the figure built inside (restored on exit: no global state); nothing
    when drawing into the user's axes (``own`` false), whose style is theirs."""
    if not own:
        yield
        return
    with matplotlib.rc_context(_RC):
        yield


def _figure(nrows=1, ncols=1, *, figsize, **kw):
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _user_axes(ax, n: int, what: str) -> list:
    """The user's ``ax=`` as a list of ``n`` Axes (one per panel), or :class:`PlotInputError`."""
    axes = [ax] if isinstance(ax, matplotlib.axes.Axes) else list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n or not all(isinstance(a, matplotlib.axes.Axes) for a in axes):
        want = "one matplotlib Axes" if n == 1 else f"a sequence of {n} matplotlib Axes (one per panel)"
        raise PlotInputError(f"{what}: ax= must be {want}; got {type(ax).__name__}"
                             + (f" of {len(axes)}" if not isinstance(ax, matplotlib.axes.Axes) else ""))
    return axes


def _canvas(ax, n: int, what: str, *, figsize, **subplot_kw):
    """``(figure, [n axes], own)``: a new house-style figure of ``n`` panels in a row, or the
    user's axes (``own`` false: no figure title, no figure legend, their style kept)."""
    if ax is None:
        fig, axes = _figure(1, n, figsize=figsize, **subplot_kw)
        return fig, list(axes[0]), True
    axes = _user_axes(ax, n, what)
    return axes[0].figure, axes, False


def _legend(fig, axes, own, handles, labels=None, *, ncol=4, **kw):
    """The figure legend below the panels of an own figure; on the first axes otherwise."""
    if labels is None:
        labels = [h.get_label() for h in handles]
    if own:
        return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, **kw)
    return axes[0].legend(handles, labels, loc="best", fontsize="small", **kw)


# ----------------------------------------------------------------------------- language and fonts

#: CJK font families looked for, in order (the first matplotlib knows is used): Noto Sans CJK
#: (Debian/Ubuntu ``fonts-noto-cjk``, Fedora ``google-noto-sans-cjk-fonts``), Source Han Sans
#: (the same design, Adobe's name), the macOS and Windows system fonts, WenQuanYi
#: (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``), and others often present
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC",
    "Hiragino Sans GB", "Heiti SC", "STHeiti", "Microsoft YaHei", "SimHei", "DengXian",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
    "Source Han Sans", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback", "Arial Unicode MS",
)

#: how to get a CJK font, quoted when there is none
CJK_FONT_HELP = ("install one (Debian/Ubuntu: apt install fonts-noto-cjk; Fedora: dnf install "
                 "google-noto-sans-cjk-fonts; conda: conda install -c conda-forge font-ttf-noto-cjk; macOS and "
                 "Windows have PingFang SC and Microsoft YaHei), or name a font file with FUNDSIM_CJK_FONT=PATH; "
                 "after installing a system font, remove matplotlib's font cache (matplotlib.get_cachedir()) "
                 "if it is not found")


class CJKFontWarning(UserWarning):
    """Chinese labels were asked for, but matplotlib knows no CJK font: the labels are in English."""


def find_cjk_font() -> str | None:
    """The CJK font family to draw Chinese labels with, or None when there is none.

    ``FUNDSIM_CJK_FONT`` chooses one: a font file (``.ttf``, ``.otf``, ``.ttc``; registered with
    matplotlib for this process, for a machine where no font can be installed) or a family name
    matplotlib knows. Otherwise the first family of :data:`CJK_FAMILIES` matplotlib knows.
    """
    import os

    from matplotlib import font_manager

    chosen = os.environ.get("FUNDSIM_CJK_FONT", "").strip()
    if chosen:
        path = os.path.expanduser(chosen)
        if os.path.isfile(path):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError) as e:
                warnings.warn(f"FUNDSIM_CJK_FONT={chosen}: not a font file matplotlib can read ({e})",
                              CJKFontWarning, stacklevel=2)
                return None
        if chosen in {f.name for f in font_manager.fontManager.ttflist}:
            return chosen
        warnings.warn(f"FUNDSIM_CJK_FONT={chosen}: neither a font file nor a font family matplotlib knows",
                      CJKFontWarning, stacklevel=2)
        return None
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def _language(lang, what="figure"):
    """``(labeler, CJK font family or None)`` for ``lang``: Chinese only with a CJK font, else
    English with a :class:`CJKFontWarning` (a figure of empty boxes helps nobody)."""
    try:
        code = check_lang(lang)
    except LanguageError as e:
        raise PlotInputError(f"{what}: {e}") from None
    if code == "zh":
        font = find_cjk_font()
        if font is None:
            warnings.warn(f"{what}: lang='zh' needs a CJK font and matplotlib has none, so the labels are in "
                          f"English; {CJK_FONT_HELP}", CJKFontWarning, stacklevel=3)
            return labeler("en"), None
        return labeler("zh"), font
    return labeler("en"), None


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _use_cjk_font(artists, font):
    """Set ``font`` (falling back to the current sans-serif family for Latin glyphs) on every text
    of ``artists`` (a figure or axes) that holds CJK characters: per artist, never in rcParams."""
    if font is None:
        return
    from matplotlib import font_manager

    # only families matplotlib has: an unknown one in the list is logged as "findfont: not found"
    known = {f.name for f in font_manager.fontManager.ttflist}
    fallback = [f for f in matplotlib.rcParams["font.sans-serif"] if f in known]
    roots = artists if isinstance(artists, (list, tuple)) else [artists]
    for root in roots:
        for text in root.findobj(matplotlib.text.Text):
            if _CJK.search(text.get_text() or ""):
                text.set_fontfamily([font] + [f for f in fallback if f != font])


# ----------------------------------------------------------------------------- helpers


def _subtitle(attrs, paths=None, L=None) -> str:
    """'scenario baseline · seed 20240101 · 1,000 paths' from the attributes present (``paths``,
    the Dataset's own path count, wins over the attribute)."""
    L = L or labeler("en")
    if paths is not None:
        attrs = dict(attrs, paths=paths)
    parts = []
    if attrs.get("scenario_name") is not None:
        parts.append(L("sub.scenario", name=attrs["scenario_name"]))
    if attrs.get("assumption_set") not in (None, "stochastic"):
        parts.append(L("sub.assumption_set", name=attrs["assumption_set"]))
    if attrs.get("seed") is not None:
        parts.append(L("sub.seed", seed=attrs["seed"]))
    if attrs.get("paths") is not None:
        try:
            n = int(attrs["paths"])
            parts.append(L("sub.paths" if n != 1 else "sub.path", n=f"{n:,}"))
        except (TypeError, ValueError):
            parts.append(L("sub.paths", n=attrs["paths"]))
    return " · ".join(parts)


def _title(fig, what, attrs, paths=None, L=None, own=True, ax=None):
    """The figure title (what, then the run's scenario, seed and paths) of an own figure; on the
    user's axes only ``what``, and only when ``ax`` is given (a one-panel figure)."""
    if not own:
        if ax is not None:
            ax.set_title(what)
        return
    sub = _subtitle(attrs, paths, L)
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


def _year_axis(ax, years, L=None):
    years = np.asarray(years)
    ax.set_xlim(years[0], years[-1])
    ax.set_xlabel((L or labeler("en"))("year"))
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


def _nice_label(name: str, L=None) -> str:
    """A variable's name as words, in the labeller's language when :mod:`simulator.labels` has it."""
    from .labels import has_label

    if L is not None and has_label(f"metric.{name}"):
        return L(f"metric.{name}")
    return name.replace("_", " ")


def _fund_label(fund, L) -> str:
    from .labels import has_label

    return L(f"fund.{fund}") if has_label(f"fund.{fund}") else str(fund)


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
    from .named_sets import has_named_sets, named_reserve_months

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


def pyramid(ds: xr.Dataset, years=None, *, population_by_age=None, scenario=None, ax=None,
            lang: str = "en") -> Figure:
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

    ``ax``: two Axes (pyramid, dependency) to draw into; ``lang``: ``"en"`` or ``"zh"``.
    """
    what = "population pyramid"
    L, font = _language(lang, what)
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
        source = L("pyr.source_given")
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
        source = L("pyr.source_wpp")
    if not 1 <= len(arrays) <= 2:
        raise PlotInputError(f"a pyramid shows one or two years, {len(arrays)} were asked for")
    ys = list(arrays)
    with _style(ax is None):
        if ax is None:
            fig, axes = _figure(1, 2, figsize=(11.6, 5.2), width_ratios=[1.35, 1])
            (ax, ax2), own = axes[0], True
        else:
            ax, ax2 = _user_axes(ax, 2, what)
            fig, own = ax.figure, False
        first = arrays[ys[0]] / 1e6
        ages = np.arange(first.shape[0])
        ratios = [f"{y} {_old_age_ratio(arrays[y]):.2f}" for y in ys]
        ax.barh(ages, -first[:, 0], height=1.0, color=_MALE, alpha=0.6, linewidth=0, label=L("pyr.men", year=ys[0]))
        ax.barh(ages, first[:, 1], height=1.0, color=_FEMALE, alpha=0.6, linewidth=0, label=L("pyr.women", year=ys[0]))
        xmax = first.max()
        if len(ys) == 2:
            second = arrays[ys[1]] / 1e6
            a2 = np.arange(second.shape[0] + 1) - 0.5
            ax.stairs(-second[:, 0], a2, orientation="horizontal", color=_INK, linewidth=1.3, baseline=None,
                      label=L("pyr.outline", year=ys[1]), gid="outline")
            ax.stairs(second[:, 1], a2, orientation="horizontal", color=_INK, linewidth=1.3, baseline=None)
            xmax = max(xmax, second.max())
        ax.axvline(0, color=_INK, linewidth=0.8)
        lim = xmax * 1.08
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.5, ages[-1] + 0.5)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{abs(v):g}"))
        ax.set_xlabel(L("pyr.xlabel"))
        ax.set_ylabel(L("pyr.ylabel"))
        ax.set_title(L("pyr.by_age", years=L("pyr.and").join(map(str, ys))))
        h, lab = ax.get_legend_handles_labels()
        order = sorted(range(len(lab)), key=lambda i: getattr(h[i], "get_gid", lambda: None)() == "outline")
        ax.legend([h[i] for i in order], [lab[i] for i in order], loc="upper right", title=source,
                  title_fontsize=7.5, alignment="right")
        ax.text(0.01, 0.99, L("pyr.ratio") + "\n" + "\n".join(ratios), transform=ax.transAxes,
                ha="left", va="top", fontsize=8, color=_INK)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)

        dep = ds["old_age_dependency"]
        years_run = _years(dep)
        qq = _quantiles(dep, (0.05, 0.5, 0.95))
        ax2.fill_between(years_run, qq.sel(quantile=0.05), qq.sel(quantile=0.95), color=_FAN, alpha=0.18,
                         linewidth=0, label=L("paths_5_95"))
        ax2.plot(years_run, qq.sel(quantile=0.5), color=_FAN, linewidth=2.0, label=L("median"))
        ax2.set_title(L("pyr.dep_title"))
        ax2.set_ylabel(L("pyr.dep_ylabel"))
        _year_axis(ax2, years_run, L)
        ax2.legend(loc="upper left")
        _title(fig, L("pyr.title"), ds.attrs, ds.sizes.get("path"), L, own)
        _use_cjk_font(fig if own else [ax, ax2], font)
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


def _fmt_cell(v, units, none="none"):
    if not np.isfinite(v):
        return none if np.isposinf(v) else "-"
    if "year" in units:
        return f"{v:.0f}"
    if "fraction" in units or "probability" in units:
        return f"{v:.2f}"
    if abs(v) >= 1e9:
        return f"{v / 1e9:,.0f}bn"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"


def _tick_text(v, width: int = 14) -> str:
    """A swept value as a tick label: numbers as ``%g``; a schedule (``{2024: 0.02, 2030: 0.04}``)
    one year per line; other long texts wrapped at ``width`` characters."""
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    text = str(v).strip()
    if text.startswith("{") and text.endswith("}"):
        items = [part.strip() for part in text[1:-1].split(",") if part.strip()]
        return "\n".join(items)
    return "\n".join(textwrap.wrap(text, width)) if len(text) > width else text


def _colour_norm(values, metric, units):
    """Colour scale of a heatmap: probabilities on their whole range 0-1 (a 9% probability is pale,
    not the alarm red of a scale that starts at the smallest value); other quantities anchored at
    0 (a diverging scale centred on 0 when they take both signs); years on their own range."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if "probability" in metric or "probability" in units or "fraction" in units:
        return matplotlib.colors.Normalize(0.0, max(1.0, hi)), False
    if "year" in units:
        return matplotlib.colors.Normalize(lo, hi if hi > lo else lo + 1), False
    if lo < 0 < hi:
        return matplotlib.colors.TwoSlopeNorm(vcenter=0.0, vmin=lo, vmax=hi), True
    if hi <= 0:
        return matplotlib.colors.Normalize(min(lo, -1e-12), 0.0), False
    return matplotlib.colors.Normalize(0.0, hi if hi > 0 else 1.0), False


def heatmap(sweep: xr.Dataset, metric: str = "exhaustion_probability_by_year", x: str | None = None,
            y: str | None = None, *, cmap: str | None = None, ax=None, lang: str = "en", **pick) -> Figure:
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

    Colours: a probability on the whole scale 0-1, other quantities from 0 (a scale centred on 0
    when they take both signs), event years over their range. Schedule-valued keys are labelled
    one year per line. ``ax``: one Axes to draw into; ``lang``: ``"en"`` or ``"zh"``.
    """
    what = "sweep heatmap"
    L, font = _language(lang, what)
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
    x_ticks, y_ticks = [_tick_text(v) for v in xs], [_tick_text(v) for v in ys]
    # room for the labels: a column as wide as its longest tick line, a row as tall as its lines
    x_chars = max((len(line) for t in x_ticks for line in t.split("\n")), default=1)
    x_lines = max(t.count("\n") + 1 for t in x_ticks)
    y_lines = max(t.count("\n") + 1 for t in y_ticks)
    rotate = x_chars > 14 and len(xs) > 3  # a wrapped label (lines of at most 14 characters) stands upright
    col_w = max(1.1, 0.075 * x_chars if not rotate else 0.9)
    row_h = max(0.75, 0.16 * y_lines + 0.2)
    finite = np.where(np.isfinite(z), z, np.nan)
    norm, diverging = _colour_norm(finite, metric, units)
    with _style(ax is None):
        if ax is None:
            fig, axes = _figure(1, 1, figsize=(col_w * len(xs) + 3.4,
                                               row_h * len(ys) + 2.6 + 0.15 * x_lines * (1 + rotate)))
            panel, own = axes[0, 0], True
        else:
            panel = _user_axes(ax, 1, what)[0]
            fig, own = panel.figure, False
        im = panel.imshow(np.ma.masked_invalid(finite), origin="lower", aspect="auto", norm=norm,
                          cmap=cmap or ("RdBu" if diverging else "Reds" if "probability" in metric else "viridis"))
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not seen[i, j]:
                    continue
                v = z[i, j]
                rgba = im.cmap(0.5 if not np.isfinite(v) else float(norm(v)))
                lum = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]
                panel.text(j, i, _fmt_cell(v, units, L("heat.none")), ha="center", va="center", fontsize=8.5,
                           color="white" if lum < 0.5 else _INK)
        panel.set_xticks(range(len(xs)), x_ticks, rotation=30 if rotate else 0, ha="right" if rotate else "center",
                         fontsize=8 if x_lines > 1 or rotate else None)
        panel.set_yticks(range(len(ys)), y_ticks, fontsize=8 if y_lines > 1 else None)
        panel.set_xlabel(x + (f" ({sweep[x].attrs['units']})" if sweep[x].attrs.get("units") else ""))
        panel.set_ylabel(y + (f" ({sweep[y].attrs['units']})" if sweep[y].attrs.get("units") else ""))
        for side in ("top", "right"):
            panel.spines[side].set_visible(True)
        cb = fig.colorbar(im, ax=panel, shrink=0.9)
        # a few round ticks (never crowded), always including 0 where the scale starts there
        cb.locator = matplotlib.ticker.MaxNLocator(nbins=5, min_n_ticks=3)
        if "probability" in metric or "fraction" in units:
            cb.formatter = matplotlib.ticker.PercentFormatter(1.0, decimals=0)
        cb.update_ticks()
        cb.set_label(_nice_label(metric, L) + (f" ({units})" if units else ""))
        sel = ", ".join(f"{k} {v}" for k, v in chosen.items())
        _title(fig, f"{_nice_label(metric, L)}" + (f"\n{sel}" if sel else ""), sweep.attrs, None, L, own, panel)
        _use_cjk_font(fig if own else [panel, cb.ax], font)
    return fig


# ----------------------------------------------------------------------------- tornado


def tornado(sens: xr.Dataset, *, max_parameters: int | None = None, ax=None, lang: str = "en") -> Figure:
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

    ``max_parameters`` keeps the widest ones. ``ax``: one Axes to draw into; ``lang``: ``"en"`` or
    ``"zh"`` (the parameter names and the metric's own text stay as given).
    """
    what = "tornado chart"
    L, font = _language(lang, what)
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
    with _style(ax is None):
        fig, axes, own = _canvas(ax, 1, what, figsize=(8.6, 0.55 * len(order) + 2.4))
        ax = axes[0]
        pos = np.arange(len(order))
        ax.barh(pos, low[order] - base, left=base, height=0.6, color=_INCOME, label=L("tornado.low"))
        ax.barh(pos, high[order] - base, left=base, height=0.6, color=_EXPENDITURE, label=L("tornado.high"))
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
        ax.set_xlabel(metric + (f" ({units})" if units else "") + L("tornado.base", base=f"{base:,.3g}"))
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right")
        _title(fig, L("tornado.title", metric=metric), sens.attrs, None, L, own, ax)
        _use_cjk_font(fig if own else axes, font)
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
