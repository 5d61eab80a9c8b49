"""The parameter table: every schedule at the projection years, its bounds and the per-path draws (specification section 2).

``sched[row, t]`` is a row's central value in year ``base + t`` (the row's unit: rates and shares
are fractions, money yuan a year, counts persons), clipped to ``lo[row]``/``hi[row]`` (the schema's
``min``/``max`` and the distribution's clips); ``shift[p, row]`` is path ``p``'s draw of an
uncertain row minus its mean (section 13), which the kernel adds from ``t = 1``.  The rows are
:data:`simulator.layout.FIXED_ROW_NAMES` then two per disease group
(:data:`simulator.layout.DISEASE_ROW_FIELDS`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import layout as L
from .. import rng
from ..scenario.schema import Scenario
from ..scenario.values import INDICES


class ParameterTable(NamedTuple):
    """The compiled parameter rows (see the module docstring for the units)."""

    rows: list                # (row name, Param or None, min, max) per row
    sched: np.ndarray         # (K, T) central values by year
    lo: np.ndarray            # (K,) lower clip bounds
    hi: np.ndarray            # (K,) upper clip bounds
    uncertain: dict           # row -> (key path, Distribution)
    flags: np.ndarray         # (N_FLAGS,) int64 switches and years (simulator.layout.FLAG_*)
    index_rows: np.ndarray    # (Q, 3) int64: row, index (layout.IDX_*), t0
    index_plus: np.ndarray    # (Q,) extra growth on top of the index, fraction a year


def parameter_table(scn: Scenario, years, warn: list) -> ParameterTable:
    """Evaluate every parameter row at ``years``; rows the scenario leaves unset take their default
    (``β = 1``, ``ξb = 0``, ``ϑ = 1``, ``Smax = 1``: the calibration fits the first three, section 11).
    Warnings (indexed schedules ending before the base year, no critical-illness premium) go to ``warn``."""
    T = years.shape[0]

    rows = _param_rows(scn)
    K = len(rows)
    sched = np.zeros((K, T))
    lo = np.full(K, -np.inf)
    hi = np.full(K, np.inf)
    uncertain = {}
    flags = np.zeros(L.N_FLAGS, dtype=np.int64)
    for r, (name, p, pmin, pmax) in enumerate(rows):
        if p is None:
            continue
        sched[r] = p.evaluate(years)
        lo[r] = -np.inf if pmin is None else pmin
        hi[r] = np.inf if pmax is None else pmax
        if p.dist is not None:
            if p.dist.clip_min is not None:
                lo[r] = max(lo[r], p.dist.clip_min)
            if p.dist.clip_max is not None:
                hi[r] = min(hi[r], p.dist.clip_max)
            uncertain[r] = (name, p.dist)
    sched = np.clip(sched, lo[:, None], hi[:, None])
    index_rows, index_plus = _indexed_rows(rows, scn.base_year, warn)
    flags[L.FLAG_BUDGET] = int(scn.reform.drg_dip.global_budget.enabled)
    flags[L.FLAG_GI_SET] = int(scn.reform.drg_dip.global_budget.income_growth is not None)
    flags[L.FLAG_PI_SHARE] = int(scn.resident.premium_income_share is not None)
    flags[L.FLAG_PS_CAP] = int(scn.resident.subsidy_cap_ratio is not None)
    flags[L.FLAG_CII_SHARE] = int(scn.critical_illness.premium_share is not None)
    flags[L.FLAG_SMAX] = int(scn.economy.cost_share_ceiling is not None)
    flags[L.FLAG_DIP_START] = scn.reform.drg_dip.start_year
    flags[L.FLAG_BASE_YEAR] = scn.base_year
    flags[L.FLAG_TRIGGER] = int(scn.policy.rate_trigger.enabled)
    flags[L.FLAG_BACKSTOP] = int(scn.policy.fiscal_backstop.enabled)
    flags[L.FLAG_TRIGGER_PROJECTED] = int(scn.policy.rate_trigger.mode == "projected")
    if scn.critical_illness.premium_share is None and scn.critical_illness.premium is None:
        warn.append("critical_illness: neither premium_share nor premium is set; the critical-illness premium is 0")
    # rows with a default where the scenario leaves them unset
    defaults = {L.BETA: 1.0, L.XI_B: 0.0, L.THETA_OTHER: 1.0, L.SMAX: 1.0}
    for r, v in defaults.items():
        if rows[r][1] is None:
            sched[r] = v
    return ParameterTable(rows, sched, lo, hi, uncertain, flags, index_rows, index_plus)


def _get(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _field_meta(model_cls, name):
    return model_cls.model_fields[name].json_schema_extra or {}


def _param_rows(scn: Scenario):
    """(row name, Param or None, lo, hi) for every row, fixed rows then disease rows."""
    rows = []
    for name in L.FIXED_ROW_NAMES:
        parts = name.split(".")
        parent = _get(scn, ".".join(parts[:-1])) if len(parts) > 1 else scn
        meta = _field_meta(type(parent), parts[-1])
        rows.append((name, getattr(parent, parts[-1]), meta.get("min"), meta.get("max")))
    for d, grp in enumerate(scn.expenditure.disease_groups):
        for fld in L.DISEASE_ROW_FIELDS:
            meta = _field_meta(type(grp), fld)
            rows.append((f"expenditure.disease_groups[{d}].{fld}", getattr(grp, fld), meta.get("min"), meta.get("max")))
    return rows


def _indexed_rows(rows, base_year: int, warn: list) -> tuple:
    """The indexed schedules (specification 2.3 section 2) as ``(index_rows, index_plus)``.

    ``index_rows[q] = (row, index, t0)``: the parameter row, the index it follows
    (:data:`simulator.layout.INDEX_NAMES`) and ``t0``, the year index (from the base year) of the
    schedule's last year.  After ``t0`` the engine sets ``v[t] = v[t0]·I[t]/I[t0]·(1 + plus)^(t - t0)``
    path by path.  A constant, or a schedule ending before the base year, has ``t0 = 0``: it is
    indexed from the base year, since the paths' indices start there (the last value is held
    flat to the base year, as any schedule is outside its years; a warning says so when the
    schedule ends before it).  ``fixed`` without ``index_plus`` is flat and needs no row.
    """
    assert L.INDEX_NAMES == INDICES
    found, plus = [], []
    for r, (name, p, _lo, _hi) in enumerate(rows):
        if p is None or not p.is_indexed:
            continue
        last = p.last_year
        if last is not None and last < base_year:
            warn.append(f"{name}: the indexed schedule ends in {last}, before the base year {base_year}: its last value "
                        f"holds to {base_year} and grows with {p.index} from there (the paths' indices start in the "
                        "base year)")
        t0 = 0 if last is None else max(last - base_year, 0)
        found.append((r, INDICES.index(p.index), t0))
        plus.append(p.index_plus)
    return (np.array(found, dtype=np.int64).reshape(len(found), 3), np.array(plus, dtype=np.float64))


def _draw_shifts(seed, path_ids, uncertain_rows, sched, K):
    path_ids = np.asarray(path_ids, dtype=np.int64)
    shift = np.zeros((path_ids.shape[0], K))
    for row, (key, dist) in uncertain_rows.items():
        u = rng.uniform(seed, rng.stream_id("param:" + key), path_ids, 0)
        # the draw is not clipped here: the row's bounds (which include min/max) clip the value
        shift[:, row] = dist.ppf(u, clip=False) - dist.mean
    return shift

