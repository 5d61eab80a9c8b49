"""The house style of the figures and what every figure shares: :class:`PlotInputError`, the
fund labels and warning-band colours, the rcParams of an own figure, the canvas (a new figure or
the user's axes), legend and title, the year axis, and the checks and quantiles of an input Dataset.
"""

from __future__ import annotations

import contextlib

import matplotlib
import matplotlib.axes
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ..errors import EXIT_BAD_INPUT, SimulatorError
from ..labels import labeler
from ..summary import BANDS


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
    from ..labels import has_label

    if L is not None and has_label(f"metric.{name}"):
        return L(f"metric.{name}")
    return name.replace("_", " ")


def _fund_label(fund, L) -> str:
    from ..labels import has_label

    return L(f"fund.{fund}") if has_label(f"fund.{fund}") else str(fund)
