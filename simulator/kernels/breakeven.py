"""Pay-as-you-go break-even rates (specification section 12): the employer rate and the resident
premium that balance this year's pooled contribution income and expenditure, path by path."""

import numpy as np

from .. import layout as L
from .jit import jit
from .membership import enrolment_factor
from .reform import budget_payment


@jit()
def breakeven_rate(par, base_emp, relief, employee, flex, retiree, credits_fixed, medical_emp, maternity, buyback,
                   recov_emp):
    """Break-even employer rate ``cer`` (section 12, fraction): pooled contribution income without
    buy-backs, recoveries and transfers (flexible rate held) equal to pooled expenditure, with the
    care carve-out ``share·Inc_c`` on both sides; NaN without a contribution base."""
    ltc_share = par[L.LTC]
    a_rate = base_emp * relief * (1 - (1 - par[L.PPO]) * par[L.ALPHA_E])
    b_fixed = employee + flex + retiree - credits_fixed
    if a_rate * (1 - ltc_share) > 0:
        return ((medical_emp + maternity + ltc_share * (buyback + recov_emp) - b_fixed * (1 - ltc_share))
                / (a_rate * (1 - ltc_share)))
    return np.nan


@jit()
def breakeven_rate_slope(par, base_emp, relief):
    """What one unit of the employer rate adds to the pooled contribution income the break-even
    rate balances, net of the care carve-out: ``a·(1 − share)`` of :func:`breakeven_rate`, yuan per
    year per unit of rate (section 12).  The rate of several books together (a province's) is
    their break-even rates weighted by it."""
    return base_emp * relief * (1 - (1 - par[L.PPO]) * par[L.ALPHA_E]) * (1 - par[L.LTC])


N_BRACKET_DOUBLINGS = 60
#: Brent's steps at most (it needs about 8 here; halving to the last bit would need about 55)
N_ROOT_STEPS = 200


@jit()
def resident_gap(Pi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                 epi_mult, recov):
    """Resident contribution income (without recoveries) minus expenditure at premium Pi, yuan per
    year (section 12; see :func:`simulator.reference.breakeven.resident_gap`)."""
    e = enrolment_factor(Pi, Y, psi0, par[L.ENROL_ELAST])
    k = e / enrol
    D = demand * k
    if flags[L.FLAG_BUDGET] != 0 and t > 0:
        pay, _ = budget_payment(D, budget, par[L.ETA_O], par[L.ETA_S], par[L.PV_FLOOR])
    else:
        pay = D
    tot = (1 - theta) * inp_np * k + inp_pd * k + pay + out_ * k + chr_ * k
    medical = (tot + par[L.LEAK] * tot) * epi_mult
    Ps = par[L.PS]
    if flags[L.FLAG_PS_CAP] != 0:
        Ps = min(Ps, par[L.PS_CAP] * Pi)
    if flags[L.FLAG_CII_SHARE] != 0:
        p_cii = par[L.CII_SHARE] * (Pi + Ps)
    else:
        p_cii = par[L.CII_PREMIUM]
    members = n_res * k
    income = par[L.THETA_OTHER] * members * (Pi + Ps)
    return income - (medical + p_cii * members + par[L.LTC] * (income + recov))


@jit()
def breakeven_premium(par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                       epi_mult, recov, Pi_now):
    """Pay-as-you-go break-even resident premium (section 12), yuan per person per year: closed
    form without an enrolment response, else a bracket by doubling, then Brent's method on
    :func:`resident_gap`; NaN where no premium balances."""
    if not (n_res > 0):
        return np.nan
    if par[L.ENROL_ELAST] == 0.0:
        # enrolment does not follow the premium: expenditure is fixed and income linear in
        # X = Pi + Ps (piecewise, where the subsidy cap binds) -- a closed form
        gap0 = resident_gap(0.0, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget,
                            theta, epi_mult, recov)
        share = par[L.CII_SHARE] if flags[L.FLAG_CII_SHARE] != 0 else 0.0
        slope = n_res * (par[L.THETA_OTHER] * (1 - par[L.LTC]) - share)  # d gap / d X
        if not (slope > 0):
            return np.nan
        Ps = par[L.PS]
        if flags[L.FLAG_PS_CAP] != 0:
            Ps0 = min(Ps, 0.0)  # the subsidy at Pi = 0
        else:
            Ps0 = Ps
        x_star = Ps0 - gap0 / slope  # gap(X) = gap0 + slope * (X - X(0)), X(0) = Ps0
        Pi = x_star - Ps
        if flags[L.FLAG_PS_CAP] != 0 and Ps > par[L.PS_CAP] * Pi:
            Pi = x_star / (1 + par[L.PS_CAP])
        return Pi
    lo = 1e-6 if par[L.ENROL_ELAST] > 0 else 0.0
    hi = max(Pi_now, 1.0) * 2.0
    f_hi = resident_gap(hi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                        epi_mult, recov)
    for _ in range(N_BRACKET_DOUBLINGS):
        if f_hi > 0:
            break
        hi = hi * 2.0
        f_hi = resident_gap(hi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget,
                            theta, epi_mult, recov)
    if not (f_hi > 0):
        return np.nan
    f_lo = resident_gap(lo, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                        epi_mult, recov)
    if f_lo > 0:
        return np.nan
    # Brent's method on the bracket [lo, hi] (gap(lo) <= 0 < gap(hi)): inverse quadratic and
    # secant steps where they stay inside it, bisection where they would not; about 8 evaluations
    # of the gap instead of the 50-odd halvings to the last bit (the reference takes the same steps
    # on all paths at once: where the gap changes sign more than once in the bracket, the root found
    # depends on the steps)
    a, fa = lo, f_lo
    b, fb = hi, f_hi
    c, fc = a, fa
    d = b - a
    e = d
    for _ in range(N_ROOT_STEPS):
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = b - a
            e = d
        if abs(fc) < abs(fb):
            a, fa = b, fb
            b, fb = c, fc
            c, fc = a, fa
        tol = 2.0 * 2.220446049250313e-16 * abs(b) + 1e-300
        m = 0.5 * (c - b)
        if abs(m) <= tol or fb == 0.0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s_ = fb / fa
            if a == c:
                p_ = 2.0 * m * s_
                q_ = 1.0 - s_
            else:
                q_ = fa / fc
                r_ = fb / fc
                p_ = s_ * (2.0 * m * q_ * (q_ - r_) - (b - a) * (r_ - 1.0))
                q_ = (q_ - 1.0) * (r_ - 1.0) * (s_ - 1.0)
            if p_ > 0:
                q_ = -q_
            else:
                p_ = -p_
            if 2.0 * p_ < min(3.0 * m * q_ - abs(tol * q_), abs(e * q_)):
                e = d
                d = p_ / q_
            else:
                d = m
                e = m
        else:
            d = m
            e = m
        a, fa = b, fb
        if abs(d) > tol:
            b = b + d
        elif m > 0:
            b = b + tol
        else:
            b = b - tol
        fb = resident_gap(b, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                          epi_mult, recov)
    return b
