"""Attribution of uncertainty: each group of random components' share of a headline's variance
(specification section 14), as first-order and total Sobol indices with Monte Carlo errors.

Every random component has a stream of its own, keyed by ``(seed, path, component name)``
(section 13): mortality, each economic driver, each disease group's prevalence and intensity,
epidemics, and each uncertain parameter. Giving a component another stream name draws it
afresh, independently of the first draw and of every other component. That makes the
pick-freeze estimators exact in design:

* ``A``: the scenario as it runs (``N`` paths); ``B``: every component drawn afresh;
* ``A_B(g)``: as ``A``, but the components of group ``g`` drawn as in ``B``.

For a per-path output ``Y`` (reserve months of a fund in a year, or whether the fund is
exhausted by a year, as 0/1) with variance ``V`` over ``A`` and ``B`` together:

* first-order index ``S(g) = mean(Y_B * (Y_AB(g) - Y_A)) / V`` (Saltelli et al. 2010): the share
  of the variance that group ``g`` explains alone;
* total index ``ST(g) = mean((Y_A - Y_AB(g))^2) / (2 V)`` (Jansen 1999): the share it explains
  with all its interactions.

``2 + G`` runs of ``N`` paths for ``G`` groups; Monte Carlo standard errors by bootstrap over
paths. A first-order estimate is noisy around zero for a group that explains little: the share
shown is clipped at zero (the raw estimate is kept in ``first_order_estimate``). The sum of the
first-order shares is at most one (up to its error); ``1 - sum`` is what the groups explain only
together (interactions).

The economic drivers are correlated through the Cholesky factor of the scenario's correlation
matrix, in a fixed driver order: the group of a driver is its own independent shock, which also
moves the drivers after it in that order as far as they are correlated with it.

References: A. Saltelli et al. (2010), "Variance based sensitivity analysis of model output:
design and estimator for the total sensitivity index", Computer Physics Communications 181;
M. J. W. Jansen (1999), "Analysis of variance designs for model output", Computer Physics
Communications 117.
"""

from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import __version__
from . import layout as L
from . import rng
from .errors import EXIT_BAD_INPUT, SimulatorError

__all__ = ["AttributionError", "Attribution", "attribute", "format_attribution", "DEFAULT_METRIC"]

DEFAULT_METRIC = "reserve_months:employee_pooled:end"
#: the suffix that turns a stream name into an independent stream (sample ``B``)
_RESAMPLE = "#sobol-B"
_EVENTS = {"exhaustion": "balance", "deficit": "current_balance", "operating_deficit": "operating_balance"}
_BOOTSTRAP = 400


class AttributionError(SimulatorError):
    """An attribution that cannot be computed as asked (bad metric, a metric without variance)."""

    exit_code = EXIT_BAD_INPUT


@dataclass
class Attribution:
    metric: str
    units: str
    scenario: str
    paths: int
    seed: int
    variance: float
    mean: float
    groups: list = field(default_factory=list)   # dicts: group, components, first_order, ..., total, total_se
    first_order_sum: float = 0.0
    first_order_sum_se: float = 0.0
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"metric": self.metric, "units": self.units, "scenario": self.scenario, "paths": self.paths,
                "seed": self.seed, "mean": self.mean, "variance": self.variance, "groups": self.groups,
                "first_order_sum": self.first_order_sum, "first_order_sum_se": self.first_order_sum_se,
                "method": "Sobol indices by pick-freeze over independent random streams: first order "
                          "(Saltelli 2010), total (Jansen 1999); standard errors by bootstrap over paths",
                "notes": self.notes, "software_version": __version__}


# ----------------------------------------------------------------------------- metric

@dataclass
class _PerPath:
    text: str
    kind: str       # variable | event
    name: str
    fund: str | None
    year: object


def _parse_metric(text: str) -> _PerPath:
    from .results import FUNDS, VARIABLES
    from .errors import suggest

    form = ("write VARIABLE[:FUND]:YEAR (a per-path value, e.g. reserve_months:employee_pooled:end) or "
            "EVENT:FUND:YEAR with EVENT exhaustion, deficit or operating_deficit (whether it happened by YEAR)")
    parts = [p.strip() for p in str(text).split(":")]
    if len(parts) < 2:
        raise AttributionError(f"metric {text!r}: {form}")

    def year_of(tok):
        if tok == "end":
            return "end"
        try:
            return int(tok)
        except ValueError:
            raise AttributionError(f"metric {text!r}: '{tok}' is not a year (a calendar year or 'end')") from None

    pooled = ("employee_pooled", "resident", "pooled_combined")
    if parts[0] in _EVENTS:
        if len(parts) != 3 or parts[1] not in pooled:
            raise AttributionError(f"metric {text!r}: {form}; FUND is one of {', '.join(pooled)}")
        return _PerPath(text, "event", parts[0], parts[1], year_of(parts[2]))
    if parts[0] not in VARIABLES:
        raise AttributionError(f"metric {text!r}: unknown variable '{parts[0]}'{suggest(parts[0], list(VARIABLES))}; "
                               + form)
    has_fund = "fund" in VARIABLES[parts[0]].dims
    extra = [d for d in VARIABLES[parts[0]].dims if d not in ("path", "year", "fund")]
    if extra:
        raise AttributionError(f"metric {text!r}: '{parts[0]}' has a {extra[0]} dimension; choose a variable by "
                               "fund and year")
    if len(parts) != (3 if has_fund else 2):
        raise AttributionError(f"metric {text!r}: {form}")
    fund = parts[1] if has_fund else None
    allowed = FUNDS + (("pooled_combined",) if parts[0] in ("reserve_months", "balance") else ())
    if has_fund and fund not in allowed:
        raise AttributionError(f"metric {text!r}: '{fund}' is not a fund{suggest(fund, allowed)}")
    return _PerPath(text, "variable", parts[0], fund, year_of(parts[-1]))


def _per_path(ds, m: _PerPath) -> np.ndarray:
    years = ds["year"].values
    year = int(years[-1]) if m.year == "end" else int(m.year)
    if year not in set(int(y) for y in years):
        raise AttributionError(f"metric {m.text!r}: the year {year} is outside the projection "
                               f"({int(years[0])}-{int(years[-1])})")
    if m.kind == "variable":
        if m.fund == "pooled_combined":
            da = ds[f"combined_pooled_{m.name}"]
        else:
            da = ds[m.name].sel(fund=m.fund) if m.fund is not None else ds[m.name]
        return np.asarray(da.sel(year=year).values, dtype=float)
    var = _EVENTS[m.name]
    da = ds[f"combined_pooled_{var}"] if m.fund == "pooled_combined" and f"combined_pooled_{var}" in ds else (
        ds[var].sel(fund=m.fund) if m.fund != "pooled_combined" else
        ds[var].sel(fund="employee_pooled") + ds[var].sel(fund="resident"))
    first = int(years[1]) if len(years) > 1 else int(years[0])
    flag = (da.sel(year=slice(first, year)) < 0).any("year")
    return np.asarray(flag.values, dtype=float)


def _units(m: _PerPath) -> str:
    from .results import VARIABLES

    return "share of paths (0/1 per path)" if m.kind == "event" else VARIABLES[m.name].units


# ----------------------------------------------------------------------------- groups

def component_groups(compiled, by_parameter: bool = False) -> list:
    """The groups of random components of a compiled scenario: ``(group name, kernel stream
    indices, uncertain-parameter rows)``; groups without randomness in this scenario are left out."""
    from .scenario.schema import DRIVERS

    inp = compiled.inputs
    scn = compiled.scenario
    par = inp.sched
    groups = []
    sigma = {d: par[L.SIGMA[k]] for k, d in enumerate(DRIVERS)}
    if np.any(par[L.KAPPA_SD] != 0):
        groups.append(("mortality", [L.S_MORTALITY], []))
    for k, d in enumerate(DRIVERS):
        own = bool(np.any(par[L.SIGMA_LOCAL[k]] != 0))  # a region's own deviation is part of the driver
        if np.any(sigma[d] != 0) or own:
            groups.append((d, [L.S_DRIVER + k] + ([L.S_LOCAL_DRIVER + k] if own else []), []))
    D = len(compiled.disease_names)
    dis_rows = [L.N_FIXED_ROWS + 4 * d + off for d in range(D) for off in (L.DIS_SD_PREV, L.DIS_SD_INT)]
    if D and np.any(par[dis_rows] != 0):
        groups.append(("disease_trends", [L.S_DISEASE + i for i in range(2 * D)], []))
    if np.any(par[L.EPI_P] != 0):
        groups.append(("epidemics", [L.S_EPIDEMIC], []))
    rows = sorted(compiled.uncertain_rows)
    if rows:
        if by_parameter:
            for r in rows:
                groups.append((f"parameter:{compiled.uncertain_rows[r][0]}", [], [r]))
        else:
            groups.append(("uncertain_parameters", [], rows))
    del scn
    return groups


def _shifts(compiled, path_ids, resampled_rows: set) -> np.ndarray:
    """The uncertain-parameter shifts of the paths, the rows in ``resampled_rows`` drawn afresh
    (the same inverse-CDF draw as :meth:`simulator.compile.Compiled.draw_shifts`, another stream)."""
    path_ids = np.asarray(path_ids, dtype=np.int64)
    seed = compiled.inputs.seed
    shift = np.zeros((path_ids.shape[0], len(compiled.row_names)))
    for row, (key, dist) in compiled.uncertain_rows.items():
        name = "param:" + key + (_RESAMPLE if row in resampled_rows else "")
        u = rng.uniform(seed, rng.stream_id(name), path_ids, 0)
        shift[:, row] = dist.ppf(u, clip=False) - dist.mean
    return shift


def _variant(compiled, stream_idx: set, rows: set, names: list):
    """A copy of ``compiled`` whose listed kernel streams and parameter rows are drawn afresh."""
    streams = compiled.inputs.streams.copy()
    for i in stream_idx:
        streams[i] = rng.stream_id(names[i] + _RESAMPLE)
    v = copy.copy(compiled)
    v.inputs = compiled.inputs._replace(streams=streams)
    base = compiled
    v.draw_shifts = lambda ids: _shifts(base, ids, rows)   # noqa: E731  (instance attribute shadows the method)
    return v


def _stream_names(compiled) -> list:
    names = L.stream_names(compiled.disease_names)
    ids = np.array([rng.stream_id(n) for n in names], dtype=np.uint64)
    if ids.shape != compiled.inputs.streams.shape or not np.array_equal(ids, compiled.inputs.streams):
        raise AttributionError("internal: the compiled scenario's random streams are not the ones this module knows")
    return names


# ----------------------------------------------------------------------------- estimators

def sobol_indices(ya, yb, yab):
    """(first order, total) estimates from the pick-freeze samples (arrays over paths)."""
    v = np.var(np.concatenate([ya, yb]))
    first = np.mean(yb * (yab - ya)) / v
    total = 0.5 * np.mean((ya - yab) ** 2) / v
    return first, total


def _bootstrap(ya, yb, yabs, reps=_BOOTSTRAP, seed=20240101):
    """Bootstrap standard errors of each group's indices and of the first-order sum."""
    n = ya.shape[0]
    gen = np.random.default_rng(seed)
    firsts = np.empty((reps, len(yabs)))
    totals = np.empty((reps, len(yabs)))
    for r in range(reps):
        idx = gen.integers(0, n, n)
        a, b = ya[idx], yb[idx]
        v = np.var(np.concatenate([a, b]))
        if v == 0:
            firsts[r] = np.nan
            totals[r] = np.nan
            continue
        for g, yab in enumerate(yabs):
            x = yab[idx]
            firsts[r, g] = np.mean(b * (x - a)) / v
            totals[r, g] = 0.5 * np.mean((a - x) ** 2) / v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanstd(firsts, axis=0, ddof=1), np.nanstd(totals, axis=0, ddof=1), float(
            np.nanstd(firsts.sum(axis=1), ddof=1))


# ----------------------------------------------------------------------------- the runs

def attribute(scenario="baseline", *, metric=DEFAULT_METRIC, paths=None, seed=None, horizon=None, overrides=(),
              by_parameter=False, threads=None, progress=None) -> Attribution:
    """Each group of random components' share of the variance of a per-path ``metric``.

    ``metric``: ``VARIABLE[:FUND]:YEAR`` or ``exhaustion|deficit|operating_deficit:FUND:YEAR``
    (module docstring). ``by_parameter`` splits the uncertain parameters into one group each.
    ``progress(done, total)`` is called after each run. Returns an :class:`Attribution`.
    """
    from .api import prepare, run_compiled

    m = _parse_metric(metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides)
    names = _stream_names(compiled)
    groups = component_groups(compiled, by_parameter)
    if not groups:
        raise AttributionError(f"scenario {loaded.name}: nothing is random (every sigma is zero, no uncertain "
                               "parameter, no epidemic): there is no variance to attribute")
    all_streams = set(range(len(names)))
    all_rows = set(compiled.uncertain_rows)
    runs = [("A", set(), set()), ("B", all_streams, all_rows)] + [(g, set(s), set(r)) for g, s, r in groups]
    out = {}
    for i, (name, s, r) in enumerate(runs):
        ds = run_compiled(loaded, _variant(compiled, s, r, names), threads=threads, variables="all")
        out[name] = _per_path(ds, m)
        del ds
        if progress is not None:
            progress(i + 1, len(runs))
    ya, yb = out["A"], out["B"]
    v = float(np.var(np.concatenate([ya, yb])))
    if not np.isfinite(v) or v == 0:
        raise AttributionError(f"metric {m.text!r} has no variance over the paths (every path gives "
                               f"{float(ya[0]):g}): nothing to attribute; choose another year or metric")
    yabs = [out[g] for g, _, _ in groups]
    f_se, t_se, sum_se = _bootstrap(ya, yb, yabs)
    rows = []
    for (g, s, r), yab, fse, tse in zip(groups, yabs, f_se, t_se):
        first, total = sobol_indices(ya, yb, yab)
        comps = [names[i] for i in sorted(s)] + [f"param:{compiled.uncertain_rows[k][0]}" for k in sorted(r)]
        rows.append({"group": g, "components": comps, "first_order": max(0.0, float(first)),
                     "first_order_estimate": float(first), "first_order_se": float(fse),
                     "total": float(total), "total_se": float(tse)})
    first_sum = float(sum(x["first_order_estimate"] for x in rows))
    notes = []
    if first_sum > 1 + 2 * sum_se:
        notes.append(f"the first-order shares sum to {first_sum:.3f} (se {sum_se:.3f}), above one by more than "
                     "two errors: run more paths")
    return Attribution(metric=m.text, units=_units(m), scenario=loaded.name, paths=int(ya.shape[0]),
                       seed=int(compiled.inputs.seed), variance=v, mean=float(np.mean(np.concatenate([ya, yb]))),
                       groups=rows, first_order_sum=first_sum, first_order_sum_se=sum_se, notes=notes)


def format_attribution(a: Attribution) -> str:
    lines = [f"Attribution of the variance of {a.metric} ({a.units}), scenario {a.scenario}",
             f"{a.paths} paths x {2 + len(a.groups)} runs, seed {a.seed}; mean {a.mean:,.4g}, "
             f"variance {a.variance:,.4g}; Sobol indices with bootstrap standard errors",
             "",
             f"  {'group':<34} {'first order':>16} {'total':>16}"]
    for g in sorted(a.groups, key=lambda x: -x["total"]):
        lines.append(f"  {g['group']:<34} {g['first_order']:>8.3f} ± {g['first_order_se']:.3f}"
                     f" {g['total']:>8.3f} ± {g['total_se']:.3f}")
    lines.append(f"  {'sum of first-order shares':<34} {a.first_order_sum:>8.3f} ± {a.first_order_sum_se:.3f}"
                 f"   (1 - sum: explained only by interactions)")
    for n in a.notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def attribution_json(a: Attribution) -> str:
    return json.dumps(a.to_dict(), indent=2, ensure_ascii=False)
