"""Figures of a sweep and a sensitivity analysis: the heatmap of one summary metric over two swept
keys and the one-at-a-time tornado chart."""

from __future__ import annotations

import textwrap

import matplotlib.colors
import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ..summary import summarize
from .fonts import _language, _use_cjk_font
from .style import (_EXPENDITURE, _INCOME, _INK, PlotInputError, _canvas, _figure, _nice_label, _require, _style,
                    _title, _user_axes)


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
