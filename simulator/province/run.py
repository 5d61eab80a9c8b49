"""Run a province (specification section 17): every region's projection on the same paths, the
pooling ledger over them, and one Dataset with a ``region`` dimension.

Common and local randomness: each region is compiled from its own scenario with the province's
seed and paths, and the random streams are keyed by component *name* (:mod:`simulator.rng`), so
mortality, the economic drivers, epidemics, the disease trends and every uncertain value are
shared by the regions on a path (one stream each); the key paths listed under ``local:``, and the
components named there (``disease``, ``epidemic``, ``mortality``, ``drivers``: the four economic
drivers together, as their shocks are correlated), get streams keyed by region as well
(``name@region``): independent draws per region.  A partly shared driver is a region's own
deviation on top of the shared one, ``economy.drivers.NAME.local_sd`` in its scenario, drawn on a
stream keyed by region (``driver_local:NAME@region``; :func:`simulator.kernels.economy.drivers_ar1`)
when the province has more than one region.

Why the pooling can follow the projections: within a year nothing a region computes reads its
pooled balance except the rate trigger (section 10), so a province whose regions pool their
money refuses a rate trigger, and the ledger (:mod:`simulator.kernels.pooling`) recomputes each
region's interest, balance and fiscal transfer exactly, with the levies and top-ups of the
adjustment fund or the unified pool.  ``separate`` leaves the regions' outputs untouched: a
province of one region (with no ``local:`` list) equals the single-region run bit for bit.
"""

from __future__ import annotations

import dataclasses
import json
import time
import warnings

import numpy as np
import xarray as xr

from .. import __version__
from .. import layout as L
from ..errors import ScenarioError, suggest
from ..kernels.pooling import MODE_ADJUSTMENT, MODE_SEPARATE, MODE_UNIFIED
from ..limits import DEFAULT_CHUNK, check_memory, check_threads, chunk_paths, numba_threads, variable_names
from ..results import derive
from .spec import PROVINCE_ENTRY, REGION_PREFIX, Province, check_region_names, load_province, province_settings  # noqa: F401

#: variables a province run keeps whatever ``variables`` says (its counts and summaries need them)
PROVINCE_NEEDS = ("balance", "current_balance", "combined_pooled_balance", "reserve_months", "combined_pooled_reserve_months",
                  "income", "expenditure", "contribution_income", "operating_balance", "fiscal_gap", "interest", "borrowing_cost",
                  "fiscal_transfer")
MODES = {"separate": MODE_SEPARATE, "adjustment_fund": MODE_ADJUSTMENT, "unified": MODE_UNIFIED}
POOLED = (L.F_POOL, L.F_RES)

#: kernel outputs that are not summed into the province's entry (rates, prices, indices, flags)
INTENSIVE_PREFIXES = ("employer_rate", "resident_premium", "resident_subsidy", "average_wage", "resident_income",
                      "medical_cost_index", "wage_growth", "excess_cost_growth", "interest_rate",
                      "resident_income_growth", "epidemic", "mortality_index", "breakeven_rate", "breakeven_premium",
                      "point_value_reference", "dip_floor_binding", "dip_income_cap_binding", "inpatient_price_ratio")
INTENSIVE_ROWS = np.array([i for i, n in enumerate(L._out) if n.split(".")[0] in INTENSIVE_PREFIXES], dtype=np.int64)


@dataclasses.dataclass
class PreparedProvince:
    """A province compiled: its file, and per region the loaded scenario and compiled arrays."""
    province: Province
    loaded: list
    compiled: list
    mode: int
    share: np.ndarray        # (R,) fraction of pooled contribution income
    min_months: np.ndarray   # (R,) months
    join_t: np.ndarray       # (R,) year index of joining the unified pool (T: never)
    shares: np.ndarray | None = None  # (R, R) out-of-region care: money shares (simulator.province.care)

    @property
    def names(self):
        return self.province.region_names


def _problem(prov: Province, key: str, msg: str) -> ScenarioError:
    return ScenarioError([(key, msg, None, prov.origin)], prov.origin)


def _localise(prov: Province, compiled, region: str):
    """The compiled region with its local components on streams keyed by region (module docstring);
    the drivers' local deviations (``economy.drivers.*.local_sd``) are the region's own wherever
    the province has more than one region (alone, it keeps the single run's stream, so that a
    province of one region is that run bit for bit)."""
    from .. import rng
    local = list(prov.body.local)
    inputs = compiled.inputs
    streams = inputs.streams.copy()
    if len(prov.body.regions) > 1:
        for i, d in enumerate(L.DRIVER_NAMES):
            streams[L.S_LOCAL_DRIVER + i] = rng.stream_id(f"driver_local:{d}@{region}")
    if not local:
        return dataclasses.replace(compiled, inputs=inputs._replace(streams=streams))
    keys = {key for key, _ in compiled.uncertain_rows.values()}
    # whole random components: their stream index in ModelInputs.streams and stream name
    components = {"mortality": [(L.S_MORTALITY, "mortality")], "epidemic": [(L.S_EPIDEMIC, "epidemic")]}
    # the drivers' shocks are correlated through one Cholesky factor (chol · z): a region's drivers are
    # made local together, or a local first driver would move the shared ones and a local later one
    # stay partly shared
    components["drivers"] = [(L.S_DRIVER + i, f"driver:{d}") for i, d in enumerate(L.DRIVER_NAMES)]
    components["disease"] = [(L.S_DISEASE + 2 * d + k, f"{kind}:{grp}") for d, grp in enumerate(compiled.disease_names)
                             for k, kind in enumerate(("disease_prevalence", "disease_intensity"))]
    for i, key in enumerate(local):
        if key not in components and key not in keys:
            hint = suggest(key, sorted(keys) + sorted(components))
            raise _problem(prov, f"province.local[{i}]", f"'{key}' is not an uncertain value of region {region}'s "
                           f"scenario nor a random component ({', '.join(sorted(components))}){hint}")
    rows = {row: ((f"{key}@{region}" if key in local else key), dist) for row, (key, dist) in compiled.uncertain_rows.items()}
    for key in local:
        for index, name in components.get(key, ()):
            streams[index] = rng.stream_id(f"{name}@{region}")
    inputs = inputs._replace(streams=streams)
    # the per-path draws are made per chunk from uncertain_rows (Compiled.draw_shifts)
    return dataclasses.replace(compiled, uncertain_rows=rows, inputs=inputs)


def prepare_province(source, *, paths=None, seed=None, horizon=None, overrides=(), variables=None,
                     chunk_size=DEFAULT_CHUNK) -> PreparedProvince:
    """Load a province file and compile every region's scenario with the province's seed, paths and
    horizon (the command line's, else the file's ``simulation:``/``horizon:``, else the first
    region's); ``overrides`` that start with ``province.`` change the province file's own keys
    (``province.pooling.mode=unified``), ``region.NAME.KEY.PATH=VALUE`` that region's scenario
    alone (``region.qingdao.employee.employer_rate=0.08``), the others every region's scenario."""
    from ..api import prepare
    from .spec import split_overrides
    own, overrides, by_region = split_overrides(tuple(overrides or ()))
    prov = source if isinstance(source, Province) and not own else load_province(
        source.origin if isinstance(source, Province) else source, own)
    body = prov.body
    check_region_names(prov, by_region)
    paths = paths if paths is not None else body.simulation.paths
    seed = seed if seed is not None else body.simulation.seed
    horizon = horizon if horizon is not None else body.horizon
    loaded, compiled = [], []
    for i, region in enumerate(body.regions):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lo, co = prepare(prov.scenario_source(region), paths=paths, seed=seed, horizon=horizon,
                                 overrides=tuple(overrides) + tuple(by_region.get(region.name, ())),
                                 variables=variables, chunk_size=chunk_size)
            for w in caught:  # said again with the region it is about
                warnings.warn(f"region {region.name}: {w.message}", w.category, stacklevel=2)
        except ScenarioError as e:
            raise prov.region_error(i, e) from None
        if i == 0:  # the first region settles what the file and the command line leave open
            paths, seed = int(co.inputs.path_ids.shape[0]), int(co.inputs.seed)
            horizon = int(co.inputs.sched.shape[1] - 1)
        loaded.append(lo)
        compiled.append(_localise(prov, co, region.name))
    first = compiled[0]
    T = first.inputs.sched.shape[1]
    for i, co in enumerate(compiled[1:], start=1):
        if co.scenario.base_year != first.scenario.base_year:
            raise _problem(prov, f"province.regions[{i}].scenario", f"region {body.regions[i].name} has base year "
                           f"{co.scenario.base_year}, the first region {first.scenario.base_year}: the regions of a "
                           "province are projected on the same years")
    mode = MODES[body.pooling.mode]
    if mode != MODE_SEPARATE:
        for i, co in enumerate(compiled):
            if co.inputs.flags[L.FLAG_TRIGGER]:
                raise _problem(prov, "province.pooling.mode", f"region {body.regions[i].name} has a rate trigger "
                               "(policy.rate_trigger.enabled): a trigger reads the region's reserve months, which "
                               f"pooling ({body.pooling.mode}) changes; not supported yet: use mode separate or turn "
                               "the trigger off")
    R = len(compiled)
    share = np.array([r.share if r.share is not None else body.pooling.share for r in body.regions], dtype=float)
    min_months = np.array([r.min_months if r.min_months is not None else body.pooling.min_months
                           for r in body.regions], dtype=float)
    base_year = first.scenario.base_year
    join_t = np.full(R, T, dtype=np.int64)
    if mode == MODE_UNIFIED:
        for i, r in enumerate(body.regions):
            year = r.joins_unified_pool if r.joins_unified_pool is not None else body.pooling.unified_from
            t = 1 if year is None else year - base_year
            key = (f"province.regions[{i}].joins_unified_pool" if r.joins_unified_pool is not None
                   else "province.pooling.unified_from")
            if year is not None and t < 1:
                raise _problem(prov, key, f"{year} is not after the base year {base_year}: the pool starts with a "
                               "projected year (the base year's balances are reported)")
            if year is not None and t > T - 1:
                raise _problem(prov, key, f"{year} is after the last projected year {base_year + T - 1}: the region "
                               "would never join the pool")
            if (r.joins_unified_pool is not None and body.pooling.unified_from is not None
                    and r.joins_unified_pool < body.pooling.unified_from):
                raise _problem(prov, key, f"{r.joins_unified_pool} is before the pool starts "
                               f"(pooling.unified_from {body.pooling.unified_from})")
            join_t[i] = t
        # 2: one pool, one backstop: the members' fiscal backstops must agree (section 10)
        settings = {(int(c.inputs.flags[L.FLAG_BACKSTOP]),
                     tuple(c.inputs.sched[L.BACKSTOP_MONTHS]) if c.inputs.flags[L.FLAG_BACKSTOP] else ())
                    for c in compiled}
        if len(settings) > 1:
            raise _problem(prov, "province.pooling.mode", "the regions' fiscal backstops differ "
                           "(policy.fiscal_backstop): a unified pool has one; give every region the same setting")
    from .care import care_shares, with_care
    shares = care_shares(body, prov.region_names)
    return PreparedProvince(prov, loaded, with_care(compiled, shares), mode, share, min_months, join_t, shares)


def _backstop_months(compiled, shift) -> np.ndarray:
    """(P, T) minimum months of the fiscal backstop of a region's paths (section 10)."""
    inp = compiled.inputs
    row = L.BACKSTOP_MONTHS
    v = inp.sched[row][None, :] + shift[:, row][:, None]
    return np.clip(v, inp.lo[row], inp.hi[row])


def pool_chunk(prep: PreparedProvince, raws: np.ndarray, shifts, *, reference=False) -> dict:
    """Apply the pooling ledger to the regions' kernel outputs ``raws`` (R, P, T, N_OUT) in place;
    returns the levies, top-ups (R, P, T, 3) and the provincial fund's balance, interest and
    transfer (P, T, 3), yuan and yuan per year."""
    R, P, T, _ = raws.shape
    res = {k: np.zeros((R, P, T, 3)) for k in ("levy", "top_up")}
    res.update({k: np.zeros((P, T, 3)) for k in ("fund_balance", "fund_interest", "fund_transfer", "fund_expenditure")})
    if prep.mode == MODE_SEPARATE:
        return res
    if reference:
        from ..reference.pooling import pool_funds
    else:
        from ..kernels.pooling import pool_funds
    backstop = np.array([int(c.inputs.flags[L.FLAG_BACKSTOP]) for c in prep.compiled], dtype=np.int64)
    months = np.stack([_backstop_months(c, s) for c, s in zip(prep.compiled, shifts)])
    i_rate = np.ascontiguousarray(raws[:, :, :, L.O_INTEREST_RATE])
    for f in POOLED:
        inc = np.ascontiguousarray(raws[:, :, :, L.O_INC_C[f]])
        exp = np.ascontiguousarray(raws[:, :, :, L.O_EXP[f]])
        J = np.ascontiguousarray(raws[:, :, :, L.O_J[f]])
        bal = np.ascontiguousarray(raws[:, :, :, L.O_BAL[f]])
        transfer = np.ascontiguousarray(raws[:, :, :, L.O_TRANSFER[f]])
        bal0 = np.ascontiguousarray(bal[:, :, 0])
        levy, top_up = np.zeros((R, P, T)), np.zeros((R, P, T))
        fb, fj, ft = np.zeros((P, T)), np.zeros((P, T)), np.zeros((P, T))
        pool_funds(prep.mode, inc, exp, i_rate, bal0, prep.share, prep.min_months, prep.join_t, backstop, months,
                   J, bal, transfer, levy, top_up, fb, fj, ft)
        raws[:, :, :, L.O_J[f]] = J
        raws[:, :, :, L.O_BAL[f]] = bal
        raws[:, :, :, L.O_TRANSFER[f]] = transfer
        res["levy"][..., f], res["top_up"][..., f] = levy, top_up
        res["fund_balance"][..., f], res["fund_interest"][..., f], res["fund_transfer"][..., f] = fb, fj, ft
        if prep.mode == MODE_UNIFIED:  # what the pool pays: its members' expenditure
            member = np.arange(T)[None, :] >= prep.join_t[:, None]  # (R, T)
            res["fund_expenditure"][..., f] = (exp * member[:, None, :]).sum(axis=0)
    return res


def province_raw(prep: PreparedProvince, raws: np.ndarray, pooled: dict) -> np.ndarray:
    """The province's own entry (P, T, N_OUT): every extensive output summed over the regions
    (money, persons, points), rates and prices NaN but the break-even employer rate of all books
    together (the regions' weighted by ``breakeven_rate_slope``: it is linear in the rate); its funds
    hold every book: the regions' own (NaN while in the unified pool), the adjustment fund or the
    unified pool."""
    out = raws.sum(axis=0)
    out[:, :, INTENSIVE_ROWS] = np.nan
    slope = np.where(raws[:, :, :, L.O_BREAKEVEN_RATE_SLOPE] > 0, raws[:, :, :, L.O_BREAKEVEN_RATE_SLOPE], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, :, L.O_BREAKEVEN_RATE] = np.nansum(raws[:, :, :, L.O_BREAKEVEN_RATE] * slope, axis=0) / slope.sum(axis=0)
    for f in range(3):
        out[:, :, L.O_BAL[f]] = np.nansum(raws[:, :, :, L.O_BAL[f]], axis=0) + pooled["fund_balance"][..., f]
        out[:, :, L.O_J[f]] = raws[:, :, :, L.O_J[f]].sum(axis=0) + pooled["fund_interest"][..., f]
        if prep.mode == MODE_UNIFIED:  # the pool's backstop; an adjustment fund's top-ups stay inside the province
            out[:, :, L.O_TRANSFER[f]] += pooled["fund_transfer"][..., f]
    return out


def _province_sums(part: dict, arrays: dict, R: int, sl, pooled: dict) -> None:
    """The province's fiscal gap, interest and borrowing cost as the sums of its books' (each
    region's and the provincial fund's), not recomputed from the summed balance and interest, which
    would net one region's deficit against another's surplus; income and the current balance follow."""
    fund_J, fund_bal = pooled["fund_interest"], pooled["fund_balance"]
    for name, fund_part in (("fiscal_gap", np.maximum(-fund_bal, 0.0)), ("interest", np.maximum(fund_J, 0.0)),
                            ("borrowing_cost", np.maximum(-fund_J, 0.0))):
        regions = np.nan_to_num(arrays[name][:R, sl]).sum(axis=0)
        part[name] = regions + fund_part
    part["income"] = part["contribution_income"] + part["interest"] + part["fiscal_transfer"]
    part["current_balance"] = part["income"] - part["expenditure"]


def run_prepared(prep: PreparedProvince, *, threads=None, chunk_size=DEFAULT_CHUNK, progress=None,
                 use_reference=False, check_finite=True, variables="all") -> xr.Dataset:
    """Project every region of a compiled province on the same paths, pool, and assemble."""
    from ..api import _kernel
    from .assemble import assemble_province, check_province_finite
    from .care import project_regions
    # the counts of regions in deficit and exhausted, and P(any region exhausted), read these
    names = list(dict.fromkeys(list(variable_names(variables)) + list(PROVINCE_NEEDS)))
    R = len(prep.compiled)
    first = prep.compiled[0].inputs
    ids_all = first.path_ids
    P, T = ids_all.shape[0], first.sched.shape[1]
    if not use_reference:
        threads = check_threads(threads)
    # each region's own check counted it alone; the province keeps every region and its own entry
    check_memory(P, T, variables, chunk_size=chunk_size, rows=first.sched.shape[0], compiled=True, regions=R)
    prev_exp = []
    for co in prep.compiled:
        rp = co.scenario.reported.previous_year
        prev_exp.append([rp.employee_pooled.expenditure.central, rp.employee_accounts.expenditure.central,
                         rp.resident.expenditure.central])
    # a chunk's regions share one buffer (R, n, T, N_OUT), kept small so that the next chunk reuses it
    chunk_size = chunk_paths(chunk_size, T, R)
    n0 = min(chunk_size, P)
    raws = np.empty((R, n0, T, L.N_OUT))
    entries = R + 1
    arrays: dict = {}
    extra = {"adjustment_levy": np.zeros((entries, P, T, 3)), "adjustment_top_up": np.zeros((entries, P, T, 3)),
             "provincial_fund_balance": np.zeros((P, T, 3)), "provincial_fund_interest": np.zeros((P, T, 3)),
             "provincial_fund_transfer": np.zeros((P, T, 3)), "provincial_fund_expenditure": np.zeros((P, T, 3))}
    kernel = _kernel(use_reference)
    started = time.perf_counter()
    kernel_time = 0.0
    most_passes = 1
    with numba_threads(None if use_reference else threads):
        for start in range(0, P, chunk_size):
            ids = ids_all[start:start + chunk_size]
            n = len(ids)
            view = raws[:, :n]
            k0 = time.perf_counter()
            shifts, passes = project_regions(prep.compiled, prep.shares, kernel, ids, view)
            most_passes = max(most_passes, passes)
            pooled = pool_chunk(prep, view, shifts, reference=use_reference)
            kernel_time += time.perf_counter() - k0
            prov = province_raw(prep, view, pooled)
            sl = slice(start, start + n)
            for e in range(entries):
                if e < R:
                    part = derive(view[e], prev_exp[e])
                    levy, top = pooled["levy"][e], pooled["top_up"][e]
                    part["income"] = part["income"] + top - levy  # net of the levy, with the top-up
                    part["current_balance"] = part["current_balance"] + top - levy
                    extra["adjustment_levy"][e, sl], extra["adjustment_top_up"][e, sl] = levy, top
                else:
                    part = derive(prov, np.sum(prev_exp, axis=0))
                    _province_sums(part, arrays, R, sl, pooled)
                    extra["adjustment_levy"][e, sl] = pooled["levy"].sum(axis=0)
                    extra["adjustment_top_up"][e, sl] = pooled["top_up"].sum(axis=0)
                for name in names:
                    if name not in arrays:
                        arrays[name] = np.empty((entries, P) + part[name].shape[1:])
                    arrays[name][e, sl] = part[name]
            extra["provincial_fund_balance"][sl] = pooled["fund_balance"]
            extra["provincial_fund_interest"][sl] = pooled["fund_interest"]
            extra["provincial_fund_transfer"][sl] = pooled["fund_transfer"]
            extra["provincial_fund_expenditure"][sl] = pooled["fund_expenditure"]
            if progress is not None:
                progress(start + n, P)
    elapsed = time.perf_counter() - started
    prov = prep.province
    attrs = {
        "title": f"fundsim projection of province {prov.name}",
        "kind": "province",
        "scenario_name": prov.name,
        "scenario_origin": str(prov.origin),
        "province_yaml": prov.text,
        "pooling_mode": prov.body.pooling.mode,
        "pooling": json.dumps(prov.body.pooling.model_dump(), sort_keys=True),
        "regions": json.dumps(prep.names),
        # the calendar year each region joins the unified pool (null: never, or not mode unified)
        "unified_join_years": json.dumps({n: (int(prep.compiled[0].scenario.base_year + t) if t < T else None)
                                          for n, t in zip(prep.names, prep.join_t)}),
        "region_scenarios": json.dumps({n: str(lo.origin) for n, lo in zip(prep.names, prep.loaded)}, ensure_ascii=False),
        "region_scenario_sha256": json.dumps({n: lo.hash for n, lo in zip(prep.names, prep.loaded)}),
        "seed": int(first.seed),
        "paths": int(P),
        "base_year": int(prep.compiled[0].scenario.base_year),
        "horizon": int(T - 1),
        "software_version": __version__,
        "engine": "numpy reference" if use_reference else "numba kernel",
        "kernel_seconds": float(kernel_time),
        # projections per chunk that solved the out-of-region prices (1: no out-of-region care)
        "out_of_region_passes": int(most_passes),
        "run_seconds": float(elapsed),
        "conventions": "mid-year stocks; flows during the year; balances at year end; money in nominal yuan",
    }
    if check_finite:
        check_province_finite(prep, arrays, ids_all, prep.compiled[0].years[:T])
    return assemble_province(prep, arrays, extra, prep.compiled[0].years[:T], ids_all, attrs)


def run_province(source, *, paths=None, seed=None, horizon=None, overrides=(), threads=None,
                 chunk_size=DEFAULT_CHUNK, progress=None, use_reference=False, check_finite=True,
                 variables="all") -> xr.Dataset:
    """Run a province file (a path, a built-in name such as ``example_province``, or a dict);
    results with a ``region`` dimension: each region, then ``province`` (module docstring)."""
    prep = prepare_province(source, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                            variables=variables, chunk_size=chunk_size)
    return run_prepared(prep, threads=threads, chunk_size=chunk_size, progress=progress,
                        use_reference=use_reference, check_finite=check_finite, variables=variables)
