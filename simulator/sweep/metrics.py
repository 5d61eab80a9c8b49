"""The metric language (``VARIABLE[:LABEL...]:YEAR:STAT`` and the named metrics; see the package
docstring): :func:`parse_metric`, :func:`evaluate_metric`, :func:`metric_units`, :func:`metric_label`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .common import SUMMARY_FUND_DIM, MetricError
from .spec import _NUM


_FUND_WORDS = {"employee_pooled": "employee pooled", "resident": "resident", "pooled_combined": "combined pooled",
               "employee_accounts": "individual-account"}
_EVENTS = {"exhaustion": ("balance", "is exhausted (balance below zero)"),
           "deficit": ("current_balance", "has a current deficit (income below expenditure)"),
           "operating_deficit": ("operating_balance", "has an operating deficit (contributions below expenditure)")}
_BANDS = ("below_0", "0_3", "3_6", "6_9", "9_15", "above_15")
_POOLED = ("employee_pooled", "resident", "pooled_combined")
_STAT = re.compile(r"^(median|mean|sd|min|max|p(\d+(?:\.\d+)?)|prob(<=|>=|<|>)(" + _NUM + r"))$")
METRIC_HELP = ("metrics: VARIABLE[:LABEL...]:YEAR:STAT (e.g. reserve_months:employee_pooled:2035:median), "
               "exhaustion_probability:FUND:YEAR, deficit_probability:FUND:YEAR, exhaustion_year:FUND:STAT, "
               "band_probability:FUND:YEAR:BAND, breakeven:LEVER[:MONTHS[:PROBABILITY]]; YEAR is a year or 'end'; "
               "STAT is median, mean, sd, min, max, pNN or prob<X; a province's results: METRIC@REGION "
               "(a region or 'province') and any_exhaustion_probability:FUND:YEAR")


@dataclass(frozen=True)
class Metric:
    text: str
    kind: str                  # variable | event_probability | event_year | band | breakeven
    name: str                  # variable, event or lever
    labels: tuple = ()
    year: object = None        # int or "end"
    stat: str | None = None
    band: str | None = None
    target_months: float = 6.0
    probability: float = 0.9
    #: a province's results: the region (or ``province``) the metric reads (``METRIC@REGION``)
    region: str | None = None


def _bad(text, why):
    return MetricError(f"metric {text!r}: {why} ({METRIC_HELP})")


def _year_of(text, tok):
    if tok == "end":
        return "end"
    try:
        return int(tok)
    except ValueError:
        raise _bad(text, f"'{tok}' is not a year (a calendar year or 'end')") from None


def _check_stat(text, tok):
    if not _STAT.match(tok):
        raise _bad(text, f"'{tok}' is not a statistic")
    m = _STAT.match(tok)
    if m.group(2) is not None and not 0 <= float(m.group(2)) <= 100:
        raise _bad(text, f"the percentile {tok} must lie in p0-p100")
    return tok


def parse_metric(text: str) -> Metric:
    """Parse a metric text (the module docstring lists the forms)."""
    from ..results import VARIABLES
    from ..errors import suggest

    if not isinstance(text, str) or not text.strip():
        raise _bad(text, "empty")
    body, at, region = text.strip().partition("@")
    if at:
        if not region.strip() or "@" in region:
            raise _bad(text, "write METRIC@REGION with one region name after '@'")
        if body.strip().startswith("any_"):
            raise _bad(text, "any_exhaustion_probability is the province's: it takes no @REGION")
        try:
            inner = parse_metric(body)
        except MetricError as e:  # said of the metric as written, its @REGION included
            raise MetricError(str(e).replace(repr(body.strip()), repr(text.strip()), 1)) from None
        return dataclasses.replace(inner, text=text.strip(), region=region.strip())
    parts = [p.strip() for p in body.split(":")]
    head = parts[0]
    if head == "any_exhaustion_probability":
        if len(parts) != 3:
            raise _bad(text, f"write {head}:FUND:YEAR")
        if parts[1] not in _POOLED:
            raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
        return Metric(text, "any_event_probability", "exhaustion", (parts[1],), _year_of(text, parts[2]))
    if head == "breakeven":
        if not 2 <= len(parts) <= 4:
            raise _bad(text, "write breakeven:LEVER[:MONTHS[:PROBABILITY]]")
        try:
            months = float(parts[2]) if len(parts) > 2 else 6.0
            prob = float(parts[3]) if len(parts) > 3 else 0.9
        except ValueError:
            raise _bad(text, "the target months and probability must be numbers") from None
        if not 0 < prob < 1:
            raise _bad(text, "the probability must lie in (0, 1)")
        return Metric(text, "breakeven", parts[1], target_months=months, probability=prob)
    for ev in _EVENTS:
        if head == f"{ev}_probability":
            if len(parts) != 3:
                raise _bad(text, f"write {head}:FUND:YEAR")
            if parts[1] not in _POOLED:
                raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
            return Metric(text, "event_probability", ev, (parts[1],), _year_of(text, parts[2]))
        if head == f"{ev}_year":
            if len(parts) != 3:
                raise _bad(text, f"write {head}:FUND:STAT")
            if parts[1] not in _POOLED:
                raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
            stat = _check_stat(text, parts[2])
            if stat in ("mean", "sd") or stat.startswith("prob"):
                raise _bad(text, "an event year takes median, min, max or pNN (never-happening counts as +inf)")
            return Metric(text, "event_year", ev, (parts[1],), None, stat)
    if head == "band_probability":
        if len(parts) != 4:
            raise _bad(text, "write band_probability:FUND:YEAR:BAND")
        if parts[1] not in _POOLED:
            raise _bad(text, f"'{parts[1]}' is not a pooled fund{suggest(parts[1], _POOLED)}")
        if parts[3] not in _BANDS:
            raise _bad(text, f"'{parts[3]}' is not a band{suggest(parts[3], _BANDS)}")
        return Metric(text, "band", "reserve_months", (parts[1],), _year_of(text, parts[2]), band=parts[3])
    if head not in VARIABLES:
        names = list(VARIABLES) + [f"{e}_probability" for e in _EVENTS] + [f"{e}_year" for e in _EVENTS] + [
            "band_probability", "breakeven"]
        raise _bad(text, f"unknown metric or variable '{head}'{suggest(head, names)}")
    extra = [d for d in VARIABLES[head].dims if d not in ("path", "year")]
    if len(parts) != len(extra) + 3:
        form = ":".join([head] + [d.upper() for d in extra] + ["YEAR", "STAT"])
        raise _bad(text, f"write {form}")
    labels = tuple(parts[1:1 + len(extra)])
    from ..results import FUNDS, LINES, SCHEMES
    allowed = {"fund": FUNDS + (("pooled_combined",) if head in ("reserve_months", "balance") else ()),
               "scheme": SCHEMES, "line": LINES}
    for d, lab in zip(extra, labels):
        if lab not in allowed[d]:
            raise _bad(text, f"'{lab}' is not a {d}{suggest(lab, allowed[d])}")
    return Metric(text, "variable", head, labels, _year_of(text, parts[-2]), _check_stat(text, parts[-1]))


def metric_units(m: Metric, breakeven_units: str = "") -> str:
    from ..results import VARIABLES

    if m.kind in ("event_probability", "any_event_probability", "band") or (m.stat or "").startswith("prob"):
        return "fraction of paths"
    if m.kind == "event_year":
        return "calendar year (+inf: not within the horizon)"
    if m.kind == "breakeven":
        return breakeven_units
    return VARIABLES[m.name].units


def metric_label(m: Metric, years=None) -> str:
    """A sentence for a metric, e.g. 'employee pooled reserve months in 2035, median'."""
    def yr(y):
        return str(int(years[-1])) if y == "end" and years is not None else ("the last year" if y == "end" else str(y))

    stat_words = {"median": "median", "mean": "mean", "sd": "standard deviation over paths", "min": "minimum over paths",
                  "max": "maximum over paths"}

    def st(s):
        if s in stat_words:
            return stat_words[s]
        if s.startswith("p"):
            return f"{s[1:]}th percentile" if not s.startswith("prob") else "share of paths " + s[4:]
        return s

    if m.kind == "breakeven":
        return (f"level break-even {m.name} for {m.target_months:g} reserve months in {m.probability:.0%} of paths")
    fund = _FUND_WORDS.get(m.labels[0], m.labels[0]) if m.labels else ""
    if m.region is not None:
        return f"{m.region}: " + metric_label(dataclasses.replace(m, region=None), years)
    if m.kind == "any_event_probability":
        return f"probability that any region's {fund} fund is exhausted by {yr(m.year)}"
    if m.kind == "event_probability":
        return f"probability that the {fund} fund {_EVENTS[m.name][1].split(' (')[0]} by {yr(m.year)}"
    if m.kind == "event_year":
        return f"year the {fund} fund {_EVENTS[m.name][1].split(' (')[0]}, {st(m.stat)}"
    if m.kind == "band":
        return f"probability of {fund} reserve months in band {m.band} in {yr(m.year)}"
    what = m.name.replace("_", " ")
    lab = " ".join(_FUND_WORDS.get(x, x) for x in m.labels)
    return f"{lab + ' ' if lab else ''}{what} in {yr(m.year)}, {st(m.stat)}"


def _apply_stat(da: xr.DataArray, stat: str) -> xr.DataArray:
    m = _STAT.match(stat)
    if da.dtype == np.float32:  # a store kept in single precision: its statistics in double
        da = da.astype(np.float64)
    if stat == "median":
        return da.quantile(0.5, "path").drop_vars("quantile")
    if stat == "mean":
        return da.mean("path")
    if stat == "sd":
        return da.std("path", ddof=1)
    if stat in ("min", "max"):
        return getattr(da, stat)("path")
    if m.group(2) is not None:
        return da.quantile(float(m.group(2)) / 100, "path").drop_vars("quantile")
    op, x = m.group(3), float(m.group(4))
    cmp = {"<": da < x, "<=": da <= x, ">": da > x, ">=": da >= x}[op]
    return cmp.mean("path")


def _year_value(m: Metric, years) -> int:
    y = int(years[-1]) if m.year == "end" else int(m.year)
    if y not in {int(v) for v in years}:
        raise MetricError(f"metric {m.text!r}: the year {y} is outside the results ({int(years[0])}-{int(years[-1])})")
    return y


def _pooled_series(ds, name, fund):
    """balance, current_balance or operating_balance of a pooled fund or of both combined."""
    def one(f):
        if name in ds:
            return ds[name].sel(fund=f)
        if name == "current_balance":
            return ds["income"].sel(fund=f) - ds["expenditure"].sel(fund=f)
        return ds["contribution_income"].sel(fund=f) - ds["expenditure"].sel(fund=f)
    if fund != "pooled_combined":
        return one(fund).drop_vars("fund")
    if name == "balance":
        return ds["combined_pooled_balance"]
    return (one("employee_pooled").drop_vars("fund") + one("resident").drop_vars("fund"))


def evaluate_metric(ds: xr.Dataset, metric) -> xr.DataArray:
    """A metric of a run (a scalar DataArray) or of a sweep (one value per ``scenario``).

    Computed from the paths when the Dataset has them; a sweep stored without path variables
    (``variables="none"``) answers from its summaries where they hold the number (quantiles 5, 25,
    50, 75, 95 and means of reserve months, income, expenditure and balance of the pooled funds,
    event and band probabilities, event-year quantiles).
    """
    m = parse_metric(metric) if isinstance(metric, str) else metric
    if m.kind == "breakeven":
        raise MetricError(f"metric {m.text!r}: a break-even value is solved by runs of its own "
                          "(fundsim sensitivity), not read from results")
    if ds.attrs.get("kind") == "province_sweep":
        from .province import metric_column
        return metric_column(ds, m)
    if "region" in ds.dims:
        return _region_metric(ds, m)
    if m.region is not None or m.kind == "any_event_probability":
        raise MetricError(f"metric {m.text!r}: these results have no regions (METRIC@REGION and "
                          "any_exhaustion_probability read a province's results)")
    years = ds["year"].values
    needs = {"variable": [m.name if not (m.labels and m.labels[0] == "pooled_combined")
                          else f"combined_pooled_{m.name}"],
             "event_probability": ["balance"], "event_year": ["balance"], "band": ["reserve_months"]}[m.kind]
    if "path" not in ds.dims or not all(n in ds for n in needs):
        return _metric_from_summary(ds, m)
    if m.kind == "variable":
        if m.labels and m.labels[0] == "pooled_combined":
            da = ds[f"combined_pooled_{m.name}"]
        else:
            extra = [d for d in ds[m.name].dims if d not in ("path", "year", "scenario")]
            da = ds[m.name].sel(dict(zip(extra, m.labels)))
        da = da.sel(year=_year_value(m, years))
        out = _apply_stat(da, m.stat)
    elif m.kind == "band":
        if m.labels[0] == "pooled_combined":
            rm = ds["combined_pooled_reserve_months"]
        else:
            rm = ds["reserve_months"].sel(fund=m.labels[0])
        rm = rm.sel(year=_year_value(m, years))
        lo, hi = {b: (lo, hi) for b, lo, hi in zip(_BANDS, (-np.inf, 0, 3, 6, 9, 15), (0, 3, 6, 9, 15, np.inf))}[m.band]
        out = ((rm >= lo) & (rm < hi)).mean("path")
    else:
        series = _pooled_series(ds, _EVENTS[m.name][0], m.labels[0])
        y1 = int(years[1]) if len(years) > 1 else int(years[0])
        flag = series.sel(year=slice(y1, None)) < 0
        if m.kind == "event_probability":
            out = flag.sel(year=slice(None, _year_value(m, years))).any("year").mean("path")
        else:
            f = flag.transpose(..., "year").load()
            yv = f["year"].values.astype(float)
            a = f.values
            first = np.where(a.any(-1), yv[a.argmax(-1)], np.inf) if a.shape[-1] else np.full(a.shape[:-1], np.inf)
            first = xr.DataArray(first, dims=f.dims[:-1], coords={c: f[c] for c in f.coords
                                                                  if set(f[c].dims) <= set(f.dims[:-1])})
            out = _event_year_stat(first, m.stat)
    return _tidy(out)


def _event_year_stat(first: xr.DataArray, stat: str) -> xr.DataArray:
    """Event-year statistic over paths with +inf for 'never', as summarize's inverted-CDF quantiles."""
    if stat == "min":
        return first.min("path")
    if stat == "max":
        return first.max("path")
    q = 0.5 if stat == "median" else float(stat[1:]) / 100
    f = first.transpose("path", ...)
    vals = np.quantile(np.asarray(f.values), q, axis=0, method="inverted_cdf")
    return xr.DataArray(vals, dims=f.dims[1:], coords={c: f[c] for c in f.coords if set(f[c].dims) <= set(f.dims[1:])})


def _metric_from_summary(ds, m: Metric) -> xr.DataArray:
    fd = SUMMARY_FUND_DIM if SUMMARY_FUND_DIM in ds.dims else "fund"
    fund = m.labels[0] if m.labels else None
    q_of = {"median": 0.5, "p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
    missing = MetricError(f"metric {m.text!r} needs the paths, and these results keep only summaries over paths; "
                          "use a summary statistic (median, mean, p5, p25, p75, p95 of reserve_months, income, "
                          "expenditure or balance of a pooled fund; event and band probabilities) or keep the "
                          "variables")
    years = ds["year"].values
    if m.kind == "variable":
        if m.name not in ("reserve_months", "income", "expenditure", "balance") or fund not in _POOLED:
            raise missing
        if m.stat == "mean" and f"{m.name}_mean" in ds:
            da = ds[f"{m.name}_mean"]
        elif m.stat in q_of and f"{m.name}_quantile" in ds:
            da = ds[f"{m.name}_quantile"].sel(quantile=q_of[m.stat])
        else:
            raise missing
        out = da.sel({fd: fund, "year": _year_value(m, years)})
    elif m.kind == "event_probability":
        name = f"{m.name}_probability_by_year"
        if name not in ds:
            raise missing
        out = ds[name].sel({fd: fund, "year": _year_value(m, years)})
    elif m.kind == "event_year":
        name = f"{'first_' if m.name != 'exhaustion' else ''}{m.name}_year_quantile"
        if name not in ds or m.stat not in q_of:
            raise missing
        out = ds[name].sel({fd: fund, "quantile": q_of[m.stat]})
    elif m.kind == "band":
        if "band_probability" not in ds:
            raise missing
        out = ds["band_probability"].sel({fd: fund, "year": _year_value(m, years), "band": m.band})
    else:
        raise missing
    return _tidy(out)


def _tidy(out: xr.DataArray) -> xr.DataArray:
    """Computed, with only the coordinates along ``scenario`` (the swept values) left."""
    out = out.compute() if hasattr(out.data, "compute") else out
    return out.drop_vars([c for c in out.coords if c not in out.dims and out[c].dims != ("scenario",)])


def _reads_own_balance(m: Metric) -> bool:
    """Whether the metric rests on a fund's own balance, which a unified pool's member does not keep
    (exhaustion, bands, :data:`~simulator.province.assemble.BALANCE_VARIABLES`; deficits are flows)."""
    from ..province.assemble import BALANCE_VARIABLES

    if m.kind == "band":
        return True
    if m.kind in ("event_probability", "event_year"):
        return _EVENTS[m.name][0] == "balance"
    if m.kind == "variable":
        name = f"combined_pooled_{m.name}" if m.labels and m.labels[0] == "pooled_combined" else m.name
        return name in BALANCE_VARIABLES
    return False


def _region_metric(ds: xr.Dataset, m: Metric) -> xr.DataArray:
    """A metric of a province's results: one region's (or the province's) ``METRIC@REGION``, or
    ``any_exhaustion_probability`` (any region's own balance, or the unified pool's, below zero)."""
    import json

    from ..errors import suggest
    from ..province.assemble import any_region_exhausted
    from ..province.spec import PROVINCE_ENTRY

    regions = [str(r) for r in ds["region"].values]
    years = ds["year"].values
    if m.kind == "any_event_probability":
        if "path" not in ds.dims:
            raise MetricError(f"metric {m.text!r} needs the paths of the province's results")
        flag = any_region_exhausted(ds).sel(fund=m.labels[0], year=_year_value(m, years))
        return _tidy(flag.mean("path"))
    if m.region is None:
        raise MetricError(f"metric {m.text!r}: these are a province's results: name the region, "
                          f"{m.text}@REGION (one of {', '.join(regions)}), or use any_exhaustion_probability:FUND:YEAR")
    if m.region not in regions:
        raise MetricError(f"metric {m.text!r}: no region '{m.region}' in these results (regions: "
                          f"{', '.join(regions)}){suggest(m.region, regions)}")
    import warnings
    one = ds.sel(region=m.region, drop=True)
    with warnings.catch_warnings():  # a unified member's own balance is NaN in the pool (masked below)
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        value = evaluate_metric(one, dataclasses.replace(m, region=None))
    # a region in the unified pool keeps no books: what rests on its own balance is not defined
    # while it is in the pool (the summaries say NaN too), rather than 'never exhausted'
    balance_based = _reads_own_balance(m)
    joins = json.loads(ds.attrs.get("unified_join_years", "{}"))
    join = joins.get(m.region) if m.region != PROVINCE_ENTRY else None
    if ds.attrs.get("pooling_mode") == "unified" and balance_based and join is not None:
        y = None if m.kind == "event_year" else _year_value(m, years)
        if y is None or y >= int(join):
            value = value * np.nan
    return value
