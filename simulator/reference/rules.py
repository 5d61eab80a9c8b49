"""Policy rules (specification section 10), NumPy mirror of :mod:`simulator.kernels.rules`."""

import numpy as np

from .. import layout as L


def trigger_offsets(par, off_e, off_p, cer, cfl, premium):
    """The offsets persist on top of the schedules, bounded so that the rates stay within
    [floor, cap] (no wind-up beyond the bounds).  Returns (off_e, off_p, cer, cfl, premium)."""
    off_e = np.clip(off_e, par[:, L.TRIG_FLOOR_E] - cer, par[:, L.TRIG_CAP_E] - cer)
    off_p = np.clip(off_p, par[:, L.TRIG_FLOOR_P] - premium, par[:, L.TRIG_CAP_P] - premium)
    return off_e, off_p, cer + off_e, np.clip(cfl + off_e, 0.0, 1.0), premium + off_p


def trigger_step(rm, rm_last, projected, lower, upper, step):
    """Change of an offset from this year's reserve months (projected: 2·RM[t] − RM[t−1]):
    +step below ``lower``, −step above ``upper`` (section 10)."""
    if projected:
        rm = 2 * rm - rm_last
    low = rm < lower
    high = rm > upper
    return np.where(low, step, np.where(high, -step, 0.0))


def backstop_transfer(minimum_months, expenditure, balance):
    """Fiscal backstop (section 10), yuan: ``max(Bmin·Exp/12 − Bal, 0)``."""
    need = minimum_months * expenditure / 12.0 - balance
    return np.maximum(need, 0.0)
