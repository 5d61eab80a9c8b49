"""Policy rules inside the projection (specification section 10): the rate-adjustment trigger and
the fiscal backstop."""

from .. import layout as L
from .jit import jit


@jit()
def trigger_offsets(par, off_e, off_p, cer, cfl, premium):
    """Apply the trigger's persistent offsets (section 10) to this year's rates, bounded so that
    the employer rate stays in [floor, cap] and the premium in its bounds (no wind-up).
    Returns (off_e, off_p, employer rate, flexible rate (fractions), premium (yuan per person))."""
    off_e = min(max(off_e, par[L.TRIG_FLOOR_E] - cer), par[L.TRIG_CAP_E] - cer)
    off_p = min(max(off_p, par[L.TRIG_FLOOR_P] - premium), par[L.TRIG_CAP_P] - premium)
    return off_e, off_p, cer + off_e, min(max(cfl + off_e, 0.0), 1.0), premium + off_p


@jit()
def trigger_step(rm, rm_last, projected, lower, upper, step):
    """Change of a rate-trigger offset read from this year's reserve months (or, projected, from
    next year's 2*RM[t] - RM[t-1]): +step below the band, -step above it (specification section 10)."""
    if projected:
        rm = 2 * rm - rm_last
    if rm < lower:
        return step
    if rm > upper:
        return -step
    return 0.0


@jit()
def backstop_transfer(minimum_months, expenditure, balance):
    """Fiscal backstop (section 10), yuan: what tops the year-end balance up to
    ``Bmin·Exp/12``; 0 when the balance is above it."""
    need = minimum_months * expenditure / 12.0 - balance
    if need > 0.0:
        return need
    return 0.0
