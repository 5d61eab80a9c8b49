"""Assumption values of every path in a year (specification section 2), NumPy mirror of
:mod:`simulator.kernels.parameters`."""

import numpy as np

from .. import layout as L


def year_parameters(sched, shift, lo, hi, t, shifted):
    """``clip(sched[:, t] + shift, lo, hi)`` (P, K): the schedules of year t plus each path's draw of
    the uncertain parameters (section 2), without the draw when ``shifted`` is false (base year)."""
    v = sched[:, t][None, :] + (shift if shifted else 0.0 * shift)
    return np.clip(v, lo[None, :], hi[None, :])  # (P, K)


def indexed_parameters(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, t, W, Y, Cm, par):
    """Indexed schedules (specification 2.3 section 2): ``par`` (P, K) with every indexed row after
    its ``t0`` set to ``v[t0]·I[t]/I[t0]·(1 + plus)^(t - t0)``, clipped to the row's bounds.

    ``index_rows[q] = (row, index, t0)`` (:func:`simulator.compile._indexed_rows`), ``index_plus``
    the extra growth (fraction per year); ``I`` is the path's own wage ``W`` or resident income
    ``Y`` (yuan per year), cost index ``Cm``, or 1 (``fixed``), each (P,).  In year ``t0`` the
    index is recorded in ``index_at_t0`` (P, Q), updated in place.  The value after ``t0`` is the
    schedule held flat there (``sched[row, t] = v[t0]``), so paths with low wages get lower
    premiums, and an override of the early years keeps the later growth.  The rate trigger's
    premium offset is added afterwards, on top.
    """
    if index_rows.shape[0] == 0:
        return par
    par = par.copy()
    for q in range(index_rows.shape[0]):
        row, kind, t0 = (int(v) for v in index_rows[q])
        level = {L.IDX_WAGE: W, L.IDX_RESINC: Y, L.IDX_COST: Cm}.get(kind, np.ones_like(W))
        if t == t0:
            index_at_t0[:, q] = level
        elif t > t0:
            v = (sched[row, t] + shift[:, row]) * (level / index_at_t0[:, q]) * (1.0 + index_plus[q]) ** float(t - t0)
            par[:, row] = np.clip(v, lo[row], hi[row])
    return par
