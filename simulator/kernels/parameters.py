"""Assumption values of a path and year (specification section 2), as the kernel reads them.

Every scenario scalar or schedule is a row of ``sched[row, t]`` (central values by year), with a
per-path shift ``shift[p, row]`` (an uncertain parameter's draw minus its mean, section 2) and
clip bounds.  Units are those of each row (:mod:`simulator.layout`).
"""

from .. import layout as L
from .jit import jit


@jit()
def year_parameters(sched, shift, lo, hi, p, t, shifted, out):
    """``out[k] = clip(sched[k, t] + shift[p, k], lo[k], hi[k])`` (section 2: an uncertain schedule
    is the schedule plus one drawn shift, the same in every year); without the shift when
    ``shifted`` is false (the base year, section 11: calibration at central values)."""
    K = sched.shape[0]
    for k in range(K):
        v = sched[k, t] + (shift[p, k] if shifted else 0.0)
        if v < lo[k]:
            v = lo[k]
        if v > hi[k]:
            v = hi[k]
        out[k] = v


@jit()
def indexed_parameters(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, p, t, W, Y, Cm, par):
    """Indexed schedules (specification 2.3 section 2): after its t0 a row's value grows with the
    path's own index, ``v[t] = v[t0]·I[t]/I[t0]·(1 + plus)^(t - t0)``, in ``par`` (clipped to the
    row's bounds as any value); at t0 the index is recorded in ``index_at_t0``.  ``I`` is the wage
    ``W`` (yuan), resident income ``Y`` (yuan), the cost index ``Cm`` or 1 (fixed)."""
    for q in range(index_rows.shape[0]):
        kind = index_rows[q, L.IR_INDEX]
        if kind == L.IDX_WAGE:
            level = W
        elif kind == L.IDX_RESINC:
            level = Y
        elif kind == L.IDX_COST:
            level = Cm
        else:
            level = 1.0
        t0 = index_rows[q, L.IR_T0]
        if t == t0:
            index_at_t0[q] = level
        elif t > t0:
            r = index_rows[q, L.IR_ROW]
            # sched[r, t] is the schedule held flat after t0, = v[t0] (a break-even solver that sets
            # the row from a later start year sets the level in yuan at the index of t0)
            v = sched[r, t] + shift[p, r]
            v = v * (level / index_at_t0[q]) * (1.0 + index_plus[q]) ** float(t - t0)
            if v < lo[r]:
                v = lo[r]
            if v > hi[r]:
                v = hi[r]
            par[r] = v
