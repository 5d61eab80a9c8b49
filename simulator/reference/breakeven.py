"""Pay-as-you-go break-even rates (specification section 12), NumPy mirror of
:mod:`simulator.kernels.breakeven`."""

import numpy as np

from .. import layout as L
from .membership import enrolment_factor
from .reform import budget_payment


def breakeven_rate(par, base_emp, relief, employee, flex, retiree, credits_fixed, medical_emp, maternity, buyback,
                   recov_emp):
    """Break-even employer rate (section 12, fraction per path): pooled contribution income without
    buy-backs, recoveries and transfers equal to pooled expenditure; NaN without a base."""
    ltc_share = par[:, L.LTC]
    a_rate = base_emp * relief * (1 - (1 - par[:, L.PPO]) * par[:, L.ALPHA_E])
    b_fixed = employee + flex + retiree - credits_fixed
    with np.errstate(divide="ignore", invalid="ignore"):
        be_rate = ((medical_emp + maternity + ltc_share * (buyback + recov_emp) - b_fixed * (1 - ltc_share))
                   / (a_rate * (1 - ltc_share)))
    return np.where(a_rate * (1 - ltc_share) > 0, be_rate, np.nan)


N_BRACKET_DOUBLINGS = 60
N_BISECTIONS = 80


def resident_gap(Pi, par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov):
    """Resident contribution income (without recoveries) minus expenditure if the premium were Pi.

    Enrolment follows Pi (section 4); everything in the resident block scales with enrolment
    except a DIP budget already set from last year; the subsidy follows its rule and the
    critical-illness premium follows Pi + Ps (section 12).
    """
    inp_np, inp_pd, out, chr_, demand, budget = parts
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = enrolment_factor(Pi, Y, psi0, par[:, L.ENROL_ELAST])
        k = e / enrol
    D = demand * k
    if flags[L.FLAG_BUDGET] and t > 0:
        pay, _ = budget_payment(D, budget, par[:, L.ETA_O], par[:, L.ETA_S], par[:, L.PV_FLOOR])
    else:
        pay = D
    tot = (1 - theta) * inp_np * k + inp_pd * k + pay + out * k + chr_ * k
    medical = (tot + par[:, L.LEAK] * tot) * epi_mult
    Ps = par[:, L.PS]
    if flags[L.FLAG_PS_CAP]:
        Ps = np.minimum(Ps, par[:, L.PS_CAP] * Pi)
    p_cii = par[:, L.CII_SHARE] * (Pi + Ps) if flags[L.FLAG_CII_SHARE] else par[:, L.CII_PREMIUM]
    members = n_res * k
    income = par[:, L.THETA_OTHER] * members * (Pi + Ps)
    return income - (medical + p_cii * members + par[:, L.LTC] * (income + recov))


def breakeven_premium(par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov, Pi_now):
    """The premium that balances the resident fund this year.

    Without an enrolment response, expenditure does not depend on the premium and income is
    linear in X = Pi + Ps (piecewise where the subsidy cap binds): a closed form. Otherwise a
    bracket by doubling, then bisection.
    """
    args = (par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap0 = resident_gap(np.zeros_like(Pi_now), *args)
        share = par[:, L.CII_SHARE] if flags[L.FLAG_CII_SHARE] else 0.0
        slope = n_res * (par[:, L.THETA_OTHER] * (1 - par[:, L.LTC]) - share)
        Ps = par[:, L.PS]
        Ps0 = np.minimum(Ps, 0.0) if flags[L.FLAG_PS_CAP] else Ps
        x_star = Ps0 - gap0 / slope
        closed = x_star - Ps
        if flags[L.FLAG_PS_CAP]:
            closed = np.where(Ps > par[:, L.PS_CAP] * closed, x_star / (1 + par[:, L.PS_CAP]), closed)
    closed = np.where((n_res > 0) & (slope > 0), closed, np.nan)
    lo = np.where(par[:, L.ENROL_ELAST] > 0, 1e-6, 0.0)
    hi = np.maximum(Pi_now, 1.0) * 2.0
    for _ in range(N_BRACKET_DOUBLINGS):
        grow = ~(resident_gap(hi, *args) > 0)
        if not grow.any():
            break
        hi = np.where(grow, hi * 2.0, hi)
    ok = (n_res > 0) & (resident_gap(hi, *args) > 0) & ~(resident_gap(lo, *args) > 0)
    for _ in range(N_BISECTIONS):
        mid = (lo + hi) / 2
        up = resident_gap(mid, *args) > 0
        new_hi = np.where(up, mid, hi)
        new_lo = np.where(up, lo, mid)
        if np.array_equal(new_hi, hi, equal_nan=True) and np.array_equal(new_lo, lo, equal_nan=True):
            break  # every path at a fixed point of the step: the remaining bisections change nothing
        hi, lo = new_hi, new_lo
    bisected = np.where(ok, (lo + hi) / 2, np.nan)
    return np.where(par[:, L.ENROL_ELAST] == 0.0, closed, bisected)
