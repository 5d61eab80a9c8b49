"""Break-even of a province's pooling (issue 18): the smallest adjustment-fund levy share that
keeps the probability that any region is exhausted by a year at most a target.

The regions' projections do not depend on the pooling (:mod:`simulator.province.run`), so they run
once; each trial share re-runs only the pooling ledger on the stored outputs, which takes
milliseconds, and the search is a scan of shares followed by bisection inside the first bracket
(the probability need not fall monotonically with the share: a larger levy also drains the
regions that pay it; the scan finds the first share that meets the target, and the result says
whether a larger share in the scan failed it again).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import layout as L
from ..kernels.pooling import MODE_ADJUSTMENT, MODE_UNIFIED
from .run import POOLED, pool_chunk, prepare_province

FUNDS = {"employee_pooled": (L.F_POOL,), "resident": (L.F_RES,), "pooled_combined": POOLED}


@dataclasses.dataclass
class ShareResult:
    share: float | None            # fraction of pooled contribution income; None: not reachable up to max_share
    probability: float             # P(any region exhausted by the year) at that share (fraction of paths)
    probability_without: float     # ... with no levy (separate books)
    target: float
    by_year: int
    fund: str
    min_months: float
    paths: int
    monotone: bool                 # no larger scanned share fails the target again
    scan: list                     # (share, probability) pairs evaluated
    note: str = ""                 # what of the file the search replaced

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def format(self) -> str:
        head = (f"adjustment-fund share for P(any region's {self.fund} exhausted by {self.by_year}) <= {self.target:g} "
                f"(top-up to {self.min_months:g} months, {self.paths} paths): ")
        if self.share is None:
            return head + (f"not reached with shares up to {self.scan[-1][0]:.0%} (P = {self.scan[-1][1]:.3f}; "
                           f"{self.probability_without:.3f} without pooling)")
        note = "" if self.monotone else "; a larger share in the scan fails the target again (see scan)"
        return head + (f"{self.share:.4f} of pooled contribution income (P = {self.probability:.3f}; "
                       f"{self.probability_without:.3f} without pooling){note}") + (
            f"\n  ({self.note})" if self.note else "")


def _regions_raw(prep):
    """Every region's projection on the run's paths, with the out-of-region prices solved as a
    province run solves them (:func:`simulator.province.care.project_regions`)."""
    from ..api import _kernel
    from .care import project_regions
    kernel = _kernel(False)
    first = prep.compiled[0].inputs
    ids = first.path_ids
    raws = np.empty((len(prep.compiled), ids.shape[0], first.sched.shape[1], L.N_OUT))
    shifts, _ = project_regions(prep.compiled, prep.shares, kernel, ids, raws)
    return raws, shifts


def exhaustion_probability(prep, raws, shifts, t_last: int, funds) -> float:
    """P(any region's own balance of ``funds`` (summed), or the provincial fund's in mode unified,
    below zero in a year up to index ``t_last``) after pooling ``raws`` (left as it was)."""
    # the ledger rewrites these rows in place: keep the projections' own and put them back after,
    # rather than copying every output of every region for each trial share
    rows = list(L.O_J) + list(L.O_BAL) + list(L.O_TRANSFER)
    kept = raws[:, :, :, rows].copy()
    try:
        pooled = pool_chunk(prep, raws, shifts)
        bal = sum(raws[:, :, 1:t_last + 1, L.O_BAL[f]] for f in funds)  # (R, P, years)
    finally:
        raws[:, :, :, rows] = kept
    exhausted = (bal < 0).any(axis=(0, 2))
    if prep.mode == MODE_UNIFIED:
        fund = sum(pooled["fund_balance"][:, 1:t_last + 1, f] for f in funds)
        exhausted |= (fund < 0).any(axis=1)
    return float(exhausted.mean())


def breakeven_share(source, *, target=0.10, by_year=None, fund="employee_pooled", min_months=None, paths=1000,
                    seed=None, horizon=None, overrides=(), max_share=0.2, step=0.01, tolerance=1e-4) -> ShareResult:
    """The smallest levy share (fraction of each region's pooled contribution income, the same for
    every region: a file's per-region ``share`` and ``min_months`` are replaced) with P(any region
    exhausted by ``by_year``) <= ``target``; regions are topped up to ``min_months`` (default: the
    file's ``pooling.min_months`` if it sets one, else 3 months).  A file in mode ``separate`` is
    solved as an adjustment fund (what levy would keep every region solvent); mode ``unified`` has
    no levy and is refused.  ``target`` is met by a probability within 1e-12 of it."""
    if fund not in FUNDS:
        from ..limits import OptionError
        raise OptionError(f"fund must be one of {', '.join(FUNDS)}, got {fund!r}")
    prep = prepare_province(source, paths=paths, seed=seed, horizon=horizon, overrides=overrides)
    body = prep.province.body
    if body.pooling.mode == "unified":
        from ..limits import OptionError
        raise OptionError("break-even of a province solves for the adjustment-fund share, and this province's pooling "
                          "is unified (one pool, no levy): run it and read P(any region exhausted), or solve a rate "
                          "for every region with --set (fundsim sweep), or set province.pooling.mode=adjustment_fund")
    base_year = prep.compiled[0].scenario.base_year
    T = prep.compiled[0].inputs.sched.shape[1]
    by_year = base_year + T - 1 if by_year is None else int(by_year)
    t_last = by_year - base_year
    if not 1 <= t_last <= T - 1:
        from ..limits import OptionError
        raise OptionError(f"--by: {by_year} is not a projected year ({base_year + 1}-{base_year + T - 1})")
    given = "min_months" in body.pooling.model_fields_set
    mm = float(min_months if min_months is not None else (body.pooling.min_months if given else 3.0))
    replaced = []
    if body.pooling.mode == "separate":
        replaced.append("the file's separate books replaced by an adjustment fund")
    if any(r.share is not None or r.min_months is not None for r in body.regions):
        replaced.append("the regions' own shares and minimum months replaced by one share and "
                        f"{mm:g} months for every region")
    note = "; ".join(replaced)
    raws, shifts = _regions_raw(prep)
    R = len(prep.compiled)
    funds = FUNDS[fund]

    def prob(share):
        trial = dataclasses.replace(prep, mode=MODE_ADJUSTMENT, share=np.full(R, share), min_months=np.full(R, mm))
        return exhaustion_probability(trial, raws, shifts, t_last, funds)

    def meets(p):  # p is a share of paths; 1 - 0.9 is 0.09999999999999998 in binary
        return p <= target + 1e-12

    without = prob(0.0)
    scan = [(0.0, without)]
    n_paths = int(raws.shape[1])
    if meets(without):
        return ShareResult(0.0, without, without, target, by_year, fund, mm, n_paths, True, scan, note)
    found = None
    for k in range(1, int(round(max_share / step)) + 1):
        scan.append((k * step, prob(k * step)))
        if meets(scan[-1][1]):
            found = k * step
            break
    if found is None:
        return ShareResult(None, scan[-1][1], without, target, by_year, fund, mm, n_paths, True, scan, note)
    lo, hi = found - step, found
    while hi - lo > tolerance:
        mid = 0.5 * (lo + hi)
        if meets(prob(mid)):
            hi = mid
        else:
            lo = mid
    later = [prob(s) for s in np.arange(found + step, max_share + 1e-12, step)[:5]]
    return ShareResult(float(hi), prob(hi), without, target, by_year, fund, mm, n_paths,
                       all(meets(q) for q in later), scan, note)
