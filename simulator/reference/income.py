"""Income (specification section 6), NumPy mirror of :mod:`simulator.kernels.income`: yuan per
year, per path (P,)."""

import numpy as np

from .. import layout as L


def resident_premium(premium_is_share, premium_share, Y, premium):
    """``Pi = πy·Y`` (定比筹资) or the schedule (section 6), yuan per person per year."""
    if premium_is_share:
        return premium_share * Y
    return premium


def resident_subsidy(subsidy, capped, cap_ratio, premium):
    """``Ps``, optionally ``≤ λs·Pi`` (section 6)."""
    if capped:
        return np.minimum(subsidy, cap_ratio * premium)
    return subsidy


def contribution_base(A, wp, W, beta, gamma_c):
    """``Σ A·W·wp·β·γc`` (section 6)."""
    return (A * wp[None]).sum(axis=(1, 2)) * W * beta * gamma_c


def employee_scheme_contributions(par, base_emp, cer, cfl, relief, n_flex, n_ret, W, buyback_persons):
    """(employer, employee, flexible, retiree, buy-back) contributions (section 6)."""
    employer = base_emp * cer * relief
    employee = base_emp * par[:, L.CEE] * relief
    flex = n_flex * par[:, L.BETA_F] * W * par[:, L.GAMMA_F] * cfl * relief
    retiree = n_ret * W * par[:, L.PENSION_RATIO] * par[:, L.CRE]
    buyback = buyback_persons * par[:, L.BUYBACK_YEARS] * par[:, L.BETA_F] * W * cfl
    return employer, employee, flex, retiree, buyback


def account_credits(par, base_emp, cer, relief, n_ret):
    """(credits without the employer share, all credits) to individual accounts (section 6)."""
    credits_fixed = ((1 - par[:, L.PPO]) * base_emp * np.minimum(par[:, L.CEE], par[:, L.CEE_IA]) * relief
                     + 12.0 * par[:, L.QR] * n_ret * (1 - par[:, L.PPO]))
    credits = credits_fixed + (1 - par[:, L.PPO]) * base_emp * par[:, L.ALPHA_E] * cer * relief
    return credits_fixed, credits


def recoveries(par, t, leak, leak_prev, base):
    """Recoveries (P, 2) of last year's leakage (section 8), other income of each pooled fund."""
    if t == 0:
        return par[:, L.RECOV][:, None] * leak * base[[L.B_EXP_RATIO_PREV + 0, L.B_EXP_RATIO_PREV + 2]][None, :]
    return par[:, L.RECOV][:, None] * leak_prev


def resident_contributions(other_income, n_res, premium, subsidy):
    """``ϑ·Σ Rs·(Pi + Ps)`` (section 6)."""
    return other_income * n_res * (premium + subsidy)


def contribution_income(employer, employee, flex, retiree, buyback, credits, res_contrib, recov):
    """``Inc_c`` (P, 3) by fund (section 6)."""
    inc_c = np.empty((employer.shape[0], 3))
    inc_c[:, L.F_POOL] = employer + employee + flex + retiree + buyback + recov[:, 0] - credits
    inc_c[:, L.F_ACC] = credits
    inc_c[:, L.F_RES] = res_contrib + recov[:, 1]
    return inc_c
