"""The population pyramid (shipped UN WPP estimates, the scenario's own projection on its central
path, or a population by age passed in) beside the employee scheme's old-age dependency from the run."""

from __future__ import annotations

import re

import matplotlib.ticker
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from .fonts import _language, _use_cjk_font
from .style import (_FAN, _FEMALE, _INK, _MALE, PlotInputError, _figure, _quantiles, _select_scenario, _style, _title,
                    _user_axes, _year_axis, _years)


def _shipped_population_years() -> dict:
    """Shipped UN WPP 2024 population tables by year: ``{year: table name}``."""
    from ..data import TABLES
    out = {}
    for name in TABLES:
        m = re.fullmatch(r"china_population_(\d{4})", name)
        if m:
            out[int(m.group(1))] = name
    return dict(sorted(out.items()))


def _scenario_dict(ds):
    from ..api import scenario_data_of
    from ..errors import ScenarioError
    try:
        return scenario_data_of(ds)
    except ScenarioError:  # none stored, or damaged: the figure falls back to the base year's table
        return {}


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
    * otherwise, by default, observed estimates: the base-year population the run started from
      (the scenario's ``population.base`` table, e.g. UN WPP 2024 for 1 July 2024) against the
      earliest other shipped UN WPP 2024 estimate for China (1 July 2017) when the base table is
      one of those;
    * for any other year of the run, or a scenario whose base population is no shipped table (a
      city), the scenario's own projection on its central path (every uncertain parameter at its
      central value, no shocks: :mod:`simulator.population_path`), re-run from the scenario the
      result stores (default for a city: its first and last year). A year outside the run raises
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
        from ..data import load_profile_table
        table, base_year = _base_population_table(ds)
        shipped = _shipped_population_years()
        comparable = table is not None and table in shipped.values()
        run_years = _years(ds["old_age_dependency"])
        if years is None:
            others = [y for y in shipped if y != base_year] if comparable else []
            if table is not None:
                years = (min(others), base_year) if others else (base_year,)
            else:
                years = (int(run_years[0]), int(run_years[-1])) if len(run_years) > 1 else (int(run_years[0]),)
        years = [int(y) for y in years]

        def is_observed(y):
            return table is not None and (y == base_year or (comparable and y in shipped))
        projected = [y for y in years if not is_observed(y)]
        if projected:
            # a projected year, or a base population that is no shipped table: the scenario's own
            # central path (simulator.population_path), projected again from the result's scenario
            from ..population_path import projected_population
            found = projected_population(ds, projected)
        else:
            found = {}
        arrays = {y: found[y] if y in found else load_profile_table(table if y == base_year else shipped[y]) for y in years}
        labels = ([L("pyr.source_wpp")] if len(projected) < len(years) else []) + ([L("pyr.source_projected")] if projected else [])
        source = "; ".join(labels)
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
