"""Out-of-region care (异地就医, specification 2.3 section 17): a region's members treated in another
region of the province, paid by their own fund at the host's DRG/DIP prices.

A share ``o[r→r′]`` of region r's members' inpatient care (volume at home prices) is received in
r′ at the price factor ``πo[r→r′]``; in money it is the share
``s[r→r′] = o·πo / (1 − Σo + Σ o·πo)`` of r's non-per-diem inpatient cost, and ``w[r] = Σ s`` of it
leaves r's own DRG/DIP (``layout.B_OUT_SHARE``; :func:`simulator.kernels.reform.out_of_region_split`):
it is not in r's DRG/DIP points, and r's income cap counts it with the spending outside DRG/DIP
(``Eo``).
r's fund pays for it at the host's price: the host's ``inpatient_price_ratio``
``Q[r′] = ((1 − θ)·E_inp + Pay) / E_inp``, what the host's fund pays per yuan of its own inpatient
care after DRG/DIP pricing (the realised point value against the reference, on the covered share),
at the host's medical cost level ``Cm[r′]`` rather than the sender's.  The specification counts
the senders' cases in the host's points; they are priced here at the point value the host's own
budget and points give, and kept out of the host's ``dip_points`` and ``dip_payment`` outputs,
which stay its own members' (the same point value if the senders' funds bring the money their
cases' points are worth, which paying at that value means).

Only the change of that price from the base year is new information: the reported flows of the
base year do not split care at home from care away, and the calibration (section 11) fits their
sum.  So care away costs r per yuan what care at home does in the base year, and from then on
follows the host's price and cost level:
``m[r, t] = Q[r, 0] · Σ s[r→r′]·(Q[r′, t]/Q[r′, 0])·(Cm[r′, t]/Cm[r, t]) / w[r]`` (per path and
scheme; ``Cm`` is 1 in the base year).  Nothing changes in the base year, since the calibration
absorbs the shares and price factors; later years move, because the share ``w`` leaves the
sender's own global budget (its DRG/DIP squeeze no longer applies to it) and follows the hosts'
price instead (about 0.1-0.5% of the senders' spending in the shipped example).  Outpatient care
away is not split: no DRG/DIP prices it, and the base year cannot tell it apart.

The coupling is solved exactly by iterating whole projections: ``Q[r′, t]`` depends on r′'s own
care away only in years before t (the global budget reads last year's income and spending), so a
pass that feeds the prices of the last one settles at least one more year; the projections are
repeated until the prices they imply equal, bit for bit, those they were given (at most T + 1
passes; 2 when no host sends care itself, more when care flows both ways).  Each path converges on
its own, so the result depends neither on chunking nor on threads.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import layout as L

SCHEME_PRICE = list(L.O_DIP_PRICE_RATIO)


def care_shares(body, names) -> np.ndarray:
    """(R, R) money shares ``s[r, r′]`` of each sender's non-per-diem inpatient cost incurred in
    each host (module docstring); zeros without out-of-region care."""
    R = len(names)
    s = np.zeros((R, R))
    for sender, hosts in body.out_of_region_care.items():
        r = names.index(sender)
        o = {names.index(h): c.share for h, c in hosts.items()}
        cost = {names.index(h): c.share * c.price_factor for h, c in hosts.items()}
        total = 1.0 - sum(o.values()) + sum(cost.values())
        for h, c in cost.items():
            s[r, h] = c / total
    return s


def with_care(compiled: list, shares: np.ndarray) -> list:
    """The compiled regions with each sender's share of inpatient care away (both schemes) in its
    base-year scalars; the others unchanged."""
    out = []
    for r, co in enumerate(compiled):
        w = shares[r].sum()
        if w > 0:
            base = co.inputs.base.copy()
            base[L.B_OUT_SHARE:L.B_OUT_SHARE + 2] = w
            co = dataclasses.replace(co, inputs=co.inputs._replace(base=base))
        out.append(co)
    return out


def away_prices(shares: np.ndarray, raws: np.ndarray) -> np.ndarray:
    """(R, P, T, 2) price per yuan of each region's care away, from the regions' outputs ``raws``
    (R, P, T, N_OUT): ``m[r] = Q[r, 0]·Σ s[r, r′]·(Q[r′]/Q[r′, 0])·(Cm[r′]/Cm[r]) / w[r]`` (1 where
    r sends none)."""
    Q = raws[:, :, :, SCHEME_PRICE]           # (R, P, T, 2)
    rel = Q / Q[:, :, :1, :]                  # each host's price relative to its base year
    cost = raws[:, :, :, L.O_COST_INDEX][..., None]  # (R, P, T, 1): 1 in the base year
    w = shares.sum(axis=1)
    m = np.ones_like(Q)
    for r in np.nonzero(w > 0)[0]:
        acc = np.zeros_like(Q[0])
        for h in np.nonzero(shares[r] > 0)[0]:
            acc += shares[r, h] * rel[h] * (cost[h] / cost[r])
        m[r] = Q[r, :, :1, :] * acc / w[r]
    return m


def project_regions(compiled: list, shares, kernel, ids, view) -> tuple[list, int]:
    """Project every region on the paths ``ids`` into ``view`` (R, n, T, N_OUT), solving the
    out-of-region prices (module docstring); returns (the per-region shifts, the passes)."""
    shifts = [co.draw_shifts(ids) for co in compiled]
    inputs = [co.inputs.with_paths(ids, s) for co, s in zip(compiled, shifts)]
    for r, inp in enumerate(inputs):
        kernel(inp, view[r])  # care away priced at 1: the first guess
    senders = [] if shares is None else list(np.nonzero(shares.sum(axis=1) > 0)[0])
    if not senders:
        return shifts, 1
    T = view.shape[2]
    given = None
    for passes in range(1, T + 3):
        prices = away_prices(shares, view)
        if given is not None and np.array_equal(prices[senders], given[senders], equal_nan=True):
            return shifts, passes
        given = prices
        for r in senders:
            kernel(inputs[r]._replace(out_price=np.ascontiguousarray(prices[r])), view[r])
    raise RuntimeError(f"the out-of-region prices did not settle in {T + 2} passes (they must within T + 1)")
