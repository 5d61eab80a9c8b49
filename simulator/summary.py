"""Reductions over paths (specification section 13): quantiles, means with Monte Carlo standard errors,
event years and warning-band probabilities with binomial standard errors.

Only the pooled funds (``employee_pooled``, ``resident``) and their combination take part in
warning bands and event years: individual accounts belong to their members and cannot cover a
pooled deficit.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .results import POOLED_FUNDS

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: warning bands of reserve months: (name, lower, upper)
BANDS = (("below_0", -np.inf, 0.0), ("0_3", 0.0, 3.0), ("3_6", 3.0, 6.0), ("6_9", 6.0, 9.0),
         ("9_15", 9.0, 15.0), ("above_15", 15.0, np.inf))


def _pooled_view(ds: xr.Dataset) -> xr.Dataset:
    """Reserve months, balances and current balances for each pooled fund and their combination."""
    # built variable by variable, so that no more than one of them is being copied at a time
    # (selecting funds copies; a 100,000-path core run's fund variables are 94 MiB each)
    pooled = list(POOLED_FUNDS)

    def funds(name):
        return ds[name].sel(fund=pooled)

    def with_combined(part, combined):
        return xr.concat([part, combined.expand_dims(fund=["pooled_combined"])], dim="fund")

    if "current_balance" in ds:
        cur = funds("current_balance")
    else:  # a "core" run keeps fewer variables
        cur = funds("income") - funds("expenditure")
    if "operating_balance" in ds:
        op = funds("operating_balance")
    else:
        op = funds("contribution_income") - funds("expenditure")
    return xr.Dataset({"reserve_months": with_combined(funds("reserve_months"), ds["combined_pooled_reserve_months"]),
                       "balance": with_combined(funds("balance"), ds["combined_pooled_balance"]),
                       "current_balance": with_combined(cur, cur.sum("fund")),
                       "operating_balance": with_combined(op, op.sum("fund"))})


def _first_year(flag: xr.DataArray, first_projection_year) -> xr.DataArray:
    """First calendar year (from the first projection year) where ``flag`` holds; NaN if never."""
    f = flag.sel(year=slice(first_projection_year, None)).transpose(..., "year")
    years = f["year"].values.astype(float)
    a = f.values
    res = np.where(a.any(axis=-1), years[a.argmax(axis=-1)], np.nan) if a.shape[-1] else np.full(a.shape[:-1], np.nan)
    dims = f.dims[:-1]
    return xr.DataArray(res, dims=dims, coords={d: f[d] for d in dims})


#: event name -> what it means (per path and pooled fund, from the first projection year)
EVENTS = {
    "first_deficit_year": "first current deficit: income (with interest) < expenditure, as the bulletins show it",
    "first_operating_deficit_year": "first operating deficit: contribution income < expenditure (interest left out)",
    "exhaustion_year": "exhaustion: balance below zero",
}


def event_years(ds: xr.Dataset, view: xr.Dataset | None = None) -> xr.Dataset:
    """Per path and pooled fund, the calendar year of each event in :data:`EVENTS` (NaN when it
    does not happen within the horizon); ``view``: :func:`_pooled_view` of ``ds`` if already made."""
    v = _pooled_view(ds) if view is None else view
    y1 = int(ds["year"].values[1]) if ds.sizes["year"] > 1 else int(ds["year"].values[0])
    flags = {"first_deficit_year": v["current_balance"] < 0,
             "first_operating_deficit_year": v["operating_balance"] < 0,
             "exhaustion_year": v["balance"] < 0}
    return xr.Dataset({k: _first_year(f, y1).assign_attrs(long_name=EVENTS[k], units="calendar year")
                       for k, f in flags.items()})


def _mean_and_se(x: xr.DataArray, n: int):
    """Mean over paths and its Monte Carlo standard error, summed in double precision also for a
    run kept in single precision (float32 sums over 100,000 paths drift by about 1e-3; a standard
    error of identical paths would not be 0)."""
    if x.dtype != np.float64:
        x = x.astype(np.float64)
    mean = x.mean("path")
    se = x.std("path", ddof=1) / np.sqrt(n) if n > 1 else mean * np.nan
    return mean, se


def summarize(ds: xr.Dataset, quantiles=QUANTILES) -> xr.Dataset:
    """Summaries over paths: a Dataset with a ``quantile`` dimension and probabilities.

    * ``reserve_months_quantile`` (fund, year, quantile), ``reserve_months_mean`` and
      ``reserve_months_mean_se`` (Monte Carlo standard error of the mean);
    * ``band_probability`` (fund, year, band) with ``band_probability_se`` (binomial);
    * ``deficit_probability_by_year`` / ``exhaustion_probability_by_year``: share of paths whose
      event happened in or before each year, with binomial standard errors;
    * ``first_deficit_year_quantile`` / ``exhaustion_year_quantile`` over paths where the event
      happens within the horizon, and ``*_within_horizon`` the share of such paths;
    * means and quantiles of income, expenditure and balance by fund.
    """
    n = ds.sizes["path"]
    q = list(quantiles)
    v = _pooled_view(ds)
    rm = v["reserve_months"]
    out = xr.Dataset(attrs={k: ds.attrs[k] for k in ("scenario_name", "seed", "paths", "software_version") if k in ds.attrs})
    out["reserve_months_quantile"] = rm.quantile(q, dim="path")
    out["reserve_months_mean"], out["reserve_months_mean_se"] = _mean_and_se(rm, n)
    probs = []
    for name, lo, hi in BANDS:
        probs.append(((rm >= lo) & (rm < hi)).mean("path").expand_dims(band=[name]))
    bp = xr.concat(probs, dim="band")
    out["band_probability"] = bp
    out["band_probability_se"] = np.sqrt(bp * (1 - bp) / n)
    ev = event_years(ds, v)
    del v, rm  # what follows reads the events and ds alone
    years = ds["year"]
    for name in EVENTS:
        e = ev[name]
        by_year = (e <= years).mean("path")
        key = name.replace("_year", "").replace("first_", "")
        out[f"{key}_probability_by_year"] = by_year
        out[f"{key}_probability_by_year_se"] = np.sqrt(by_year * (1 - by_year) / n)
        within = e.notnull().mean("path")
        out[f"{name}_within_horizon"] = within
        out[f"{name}_within_horizon_se"] = np.sqrt(within * (1 - within) / n)
        # quantiles over all paths, "not within the horizon" counting as later than any year
        # (+inf): a median of +inf means the event happens in fewer than half of the paths
        filled = e.fillna(np.inf).transpose("path", ...)
        qv = np.quantile(filled.values, q, axis=0, method="inverted_cdf")
        out[f"{name}_quantile"] = xr.DataArray(qv, dims=("quantile",) + filled.dims[1:],
                                               coords={"quantile": q, **{d: filled[d] for d in filled.dims[1:]}},
                                               attrs={"long_name": EVENTS[name] + "; +inf: not within the horizon"})
    for var in ("income", "expenditure", "balance"):
        out[f"{var}_quantile"] = ds[var].quantile(q, dim="path")
        out[f"{var}_mean"], out[f"{var}_mean_se"] = _mean_and_se(ds[var], n)
    for name in out.data_vars:
        base = name.split("_quantile")[0].split("_mean")[0]
        if "probability" in name or "within_horizon" in name:
            out[name].attrs = {"units": "fraction of paths"}
            continue
        if "units" in out[name].attrs:
            continue
        if "reserve_months" in name:
            out[name].attrs["units"] = "months"
        elif "probability" in name or "within_horizon" in name:
            out[name].attrs["units"] = "fraction of paths"
        elif name.endswith("year_quantile"):
            out[name].attrs["units"] = "calendar year (+inf: not within the horizon)"
        elif base in ds:
            out[name].attrs["units"] = ds[base].attrs.get("units", "")
    return out


_SCHEME_OF_FUND = {"employee_pooled": "employee", "resident": "resident"}


def _dip_binding_line(ds, fund, years) -> str:
    """The share of paths in which the DRG/DIP point-value floor binds and in which the income cap
    sets the global budget, in the shown years (specification 2.3 section 8: every summary says
    it), or '' when the run does not carry the flags or the fund has no DIP budget."""
    scheme = _SCHEME_OF_FUND.get(fund)
    if scheme is None or "dip_floor_binding" not in ds or "dip_income_cap_binding" not in ds:
        return ""
    floor = ds["dip_floor_binding"].sel(scheme=scheme).mean("path")
    cap = ds["dip_income_cap_binding"].sel(scheme=scheme).mean("path")
    if float(floor.max()) == 0 and float(cap.max()) == 0:
        return "  DRG/DIP global budget: neither the point-value floor nor the income cap binds in any year"
    later = [y for y in years if y != years[0]]
    return ("  DRG/DIP share of paths where the point-value floor binds: "
            + ", ".join(f"{y} {float(floor.sel(year=y)):.2f}" for y in later)
            + "\n  and where the income cap sets the budget: "
            + ", ".join(f"{y} {float(cap.sel(year=y)):.2f}" for y in later))


def _fmt_year(x):
    if np.isposinf(x):
        return "not within horizon"
    return "-" if not np.isfinite(x) else f"{int(round(x))}"


def format_summary(ds: xr.Dataset, s: xr.Dataset | None = None, step: int = 5) -> str:
    """The summary table ``fundsim run`` prints; with the named assumption sets beside the
    percentiles when ``ds`` carries them (:func:`simulator.named_sets.attach`)."""
    from .named_sets import SET_ORDER, has_named_sets, named_exhaustion_year, named_reserve_months

    s = summarize(ds) if s is None else s
    named = has_named_sets(ds)
    years = ds["year"].values
    show = [y for y in years if (y - years[0]) % step == 0]
    if years[-1] not in show:
        show.append(years[-1])
    lines = []
    a = ds.attrs
    lines.append(f"Scenario {a.get('scenario_name', '?')}: {a.get('paths', ds.sizes['path'])} paths, seed {a.get('seed', '?')}, "
                 f"years {years[0]}-{years[-1]}")
    band_names = [b[0] for b in BANDS]
    for fund in s["fund"].values:
        label = {"employee_pooled": "Employee pooled fund (统筹基金)", "resident": "Resident fund (居民医保基金)",
                 "pooled_combined": "Both pooled funds combined"}.get(str(fund), str(fund))
        lines.append("")
        lines.append(label)
        named_rm = named_reserve_months(ds, str(fund)) if named else None
        head = f"  {'year':>4}  {'reserve months: median':>22} {'[5%, 95%]':>18}  "
        if named:
            head += f"{'low':>7} {'central':>7} {'high':>7}  "
        head += " ".join(f"{b:>8}" for b in band_names)
        lines.append(head)
        under = "  " + " " * 48
        if named:
            under = "  " + " " * 30 + "stochastic paths" + " " * 4 + "named sets (cost)" + " " * 4
        lines.append(under + "probability of each warning band (months)")
        for y in show:
            qv = s["reserve_months_quantile"].sel(fund=fund, year=y)
            med, lo, hi = (float(qv.sel(quantile=k)) for k in (0.5, 0.05, 0.95))
            bp = s["band_probability"].sel(fund=fund, year=y)
            row = f"  {y:>4}  {med:>22.1f} {f'[{lo:.1f}, {hi:.1f}]':>18}  "
            if named:
                row += " ".join(f"{float(named_rm.sel(assumption_set=k, year=y)):>7.1f}" for k in SET_ORDER) + "  "
            lines.append(row + " ".join(f"{float(bp.sel(band=b)):>8.3f}" for b in band_names))
        for name, what in (("first_deficit_year", "first current deficit (income < expenditure)"),
                           ("first_operating_deficit_year", "first operating deficit (contributions < expenditure)"),
                           ("exhaustion_year", "exhaustion (balance < 0)")):
            p = float(s[f"{name}_within_horizon"].sel(fund=fund))
            qv = s[f"{name}_quantile"].sel(fund=fund)
            lines.append(f"  {what}: probability {p:.3f} by {years[-1]}; year median {_fmt_year(float(qv.sel(quantile=0.5)))} "
                         f"[5%: {_fmt_year(float(qv.sel(quantile=0.05)))}, 95%: {_fmt_year(float(qv.sel(quantile=0.95)))}]")
        dip_line = _dip_binding_line(ds, str(fund), show)
        if dip_line:
            lines.append(dip_line)
        if named:
            ex = named_exhaustion_year(ds, str(fund))
            lines.append("  exhaustion at the named sets: " + ", ".join(
                f"{k.replace('_', '-')} {ex[k] if ex[k] is not None else 'not within horizon'}" for k in SET_ORDER))
    if named:
        lines.append("")
        lines.append(f"Named sets: deterministic projections with every sigma zero and each uncertain value at its mean "
                     f"(central) or at its {ds.attrs.get('named_set_quantile', 0.9):.0%} quantile in its cost direction "
                     "(low and high cost); epidemics at their expected cost.")
    return "\n".join(lines)


#: fund -> the name the summary gives it
FUND_LABELS = {"employee_pooled": "Employee pooled fund (统筹基金)", "resident": "Resident fund (居民医保基金)",
               "pooled_combined": "Both pooled funds combined"}


def quantile_key(q: float) -> str:
    """The name of a quantile in JSON and exported tables: 0.05 -> ``p05``, 0.5 -> ``p50`` (the median)."""
    return f"p{round(float(q) * 100):02d}"


def _number(x):
    """A float for JSON: None for NaN and for +inf ("not within the horizon")."""
    x = float(x)
    return x if np.isfinite(x) else None


def _year_or_none(x):
    x = float(x)
    return int(round(x)) if np.isfinite(x) else None


def summary_dict(ds: xr.Dataset, s: xr.Dataset | None = None) -> dict:
    """The summary as one JSON-ready dict (``fundsim run --json``, ``fundsim summary --json``).

    The same figures :func:`format_summary` prints, for every year rather than every fifth:
    per pooled fund (and both combined) and year the reserve-month quantiles (months) and mean,
    the probability of each warning band, of a deficit and of exhaustion by that year (fractions
    of paths); the event years' probability within the horizon and their quantiles (calendar
    years; ``null``: not within the horizon in that share of paths); the named sets where the
    result carries them. Units are listed once under ``units``.
    """
    from .named_sets import SET_ORDER, has_named_sets, named_exhaustion_year, named_reserve_months

    s = summarize(ds) if s is None else s
    years = [int(y) for y in ds["year"].values]
    a = ds.attrs
    out = {
        "scenario": a.get("scenario_name"),
        "paths": int(a.get("paths", ds.sizes["path"])),
        "seed": int(a["seed"]) if "seed" in a else None,
        "base_year": int(a.get("base_year", years[0])),
        "years": [years[0], years[-1]],
        "software_version": a.get("software_version"),
        "precision": a.get("precision", "double"),
        "units": {"reserve_months": "months", "probability": "fraction of paths", "year": "calendar year"},
        "quantiles": {quantile_key(q): float(q) for q in s["quantile"].values},
        "funds": {},
    }
    named = has_named_sets(ds)
    qkeys = [(quantile_key(q), q) for q in s["quantile"].values]
    band_names = [b[0] for b in BANDS]
    for fund in (str(f) for f in s["fund"].values):
        scheme = _SCHEME_OF_FUND.get(fund)
        dip = scheme is not None and "dip_floor_binding" in ds and "dip_income_cap_binding" in ds
        if dip:
            floor = ds["dip_floor_binding"].sel(scheme=scheme).mean("path")
            cap = ds["dip_income_cap_binding"].sel(scheme=scheme).mean("path")
        named_rm = named_reserve_months(ds, fund) if named else None
        rows = []
        for y in years:
            qv = s["reserve_months_quantile"].sel(fund=fund, year=y)
            row = {"year": y,
                   "reserve_months": {k: _number(qv.sel(quantile=q)) for k, q in qkeys},
                   "reserve_months_mean": _number(s["reserve_months_mean"].sel(fund=fund, year=y)),
                   "band_probability": {b: float(s["band_probability"].sel(fund=fund, year=y, band=b)) for b in band_names},
                   "deficit_probability_by_year": float(s["deficit_probability_by_year"].sel(fund=fund, year=y)),
                   "operating_deficit_probability_by_year":
                       float(s["operating_deficit_probability_by_year"].sel(fund=fund, year=y)),
                   "exhaustion_probability_by_year": float(s["exhaustion_probability_by_year"].sel(fund=fund, year=y))}
            if named:
                row["named_sets_reserve_months"] = {k: _number(named_rm.sel(assumption_set=k, year=y)) for k in SET_ORDER}
            if dip:
                row["dip_floor_binding_share"] = float(floor.sel(year=y))
                row["dip_income_cap_binding_share"] = float(cap.sel(year=y))
            rows.append(row)
        events = {}
        for name in EVENTS:
            qv = s[f"{name}_quantile"].sel(fund=fund)
            events[name] = {"description": EVENTS[name],
                            "probability_within_horizon": float(s[f"{name}_within_horizon"].sel(fund=fund)),
                            "probability_within_horizon_se": float(s[f"{name}_within_horizon_se"].sel(fund=fund)),
                            "year": {k: _year_or_none(qv.sel(quantile=q)) for k, q in qkeys}}
        entry = {"label": FUND_LABELS.get(fund, fund), "by_year": rows, "events": events}
        if named:
            entry["named_sets_exhaustion_year"] = named_exhaustion_year(ds, fund)
        out["funds"][fund] = entry
    return out
