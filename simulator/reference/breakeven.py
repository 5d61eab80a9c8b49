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


def breakeven_rate_slope(par, base_emp, relief):
    """``a·(1 − share)`` of :func:`breakeven_rate` (as the kernel's), yuan per year per unit of rate."""
    return base_emp * relief * (1 - (1 - par[:, L.PPO]) * par[:, L.ALPHA_E]) * (1 - par[:, L.LTC])


N_BRACKET_DOUBLINGS = 60
#: Brent's steps at most (as the kernel)
N_ROOT_STEPS = 200
EPS = 2.220446049250313e-16


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
    bracket by doubling, then Brent's method (:func:`_brent`), step for step as the kernel takes
    it: where the gap changes sign more than once in the bracket (extreme paths), the root found
    depends on the steps, and the kernel and the reference must find the same one.
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
    f_hi = resident_gap(hi, *args)
    f_lo = resident_gap(lo, *args)
    ok = (n_res > 0) & (f_hi > 0) & ~(f_lo > 0)
    root = _brent(lambda x: resident_gap(x, *args), lo, f_lo, hi, f_hi, ok)
    solved = np.where(ok, root, np.nan)
    return np.where(par[:, L.ENROL_ELAST] == 0.0, closed, solved)


def _brent(f, lo, f_lo, hi, f_hi, active):
    """Brent's method on every path at once (a root of ``f`` in ``[lo, hi]`` where ``active``),
    the kernel's steps (:func:`simulator.kernels.breakeven.breakeven_premium`) with masks: each
    path stops where the kernel's loop would return."""
    a, fa = lo.astype(float).copy(), f_lo.copy()
    b, fb = hi.astype(float).copy(), f_hi.copy()
    c, fc = a.copy(), fa.copy()
    d = b - a
    e = d.copy()
    live = active.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(N_ROOT_STEPS):
            if not live.any():
                break
            reset = live & ((fb > 0) == (fc > 0))
            c, fc = np.where(reset, a, c), np.where(reset, fa, fc)
            d = np.where(reset, b - a, d)
            e = np.where(reset, d, e)
            swap = live & (np.abs(fc) < np.abs(fb))
            a, fa, b, fb, c, fc = (np.where(swap, b, a), np.where(swap, fb, fa), np.where(swap, c, b), np.where(swap, fc, fb),
                                   np.where(swap, b, c), np.where(swap, fb, fc))
            tol = 2.0 * EPS * np.abs(b) + 1e-300
            m = 0.5 * (c - b)
            live = live & ~((np.abs(m) <= tol) | (fb == 0.0))
            if not live.any():
                break
            interp = (np.abs(e) >= tol) & (np.abs(fa) > np.abs(fb))
            s_ = fb / fa
            secant = a == c
            q1, r1 = fa / fc, fb / fc
            p_ = np.where(secant, 2.0 * m * s_, s_ * (2.0 * m * q1 * (q1 - r1) - (b - a) * (r1 - 1.0)))
            q_ = np.where(secant, 1.0 - s_, (q1 - 1.0) * (r1 - 1.0) * (s_ - 1.0))
            q_ = np.where(p_ > 0, -q_, q_)
            p_ = np.abs(p_)
            take = interp & (2.0 * p_ < np.minimum(3.0 * m * q_ - np.abs(tol * q_), np.abs(e * q_)))
            e = np.where(live, np.where(take, d, m), e)
            d = np.where(live, np.where(take, p_ / q_, m), d)
            a, fa = np.where(live, b, a), np.where(live, fb, fa)
            step = np.where(np.abs(d) > tol, d, np.where(m > 0, tol, -tol))
            b = np.where(live, b + step, b)
            fb = np.where(live, f(b), fb)
    return b

