"""Expenditure (specification section 7), NumPy mirror of :mod:`simulator.kernels.expenditure`:
yuan per year, per path and scheme; ``c0h`` yuan per member at ``Cm = 1``."""

import numpy as np

from .. import layout as L
from .. import rng
from .parameters import year_parameters
from .reform import procurement_multiplier


def disease_indices(seed, streams, paths, t, par, lam, iota):
    """Prevalence and intensity indices (P, D), log random walks (section 7), updated in place."""
    for d in range(lam.shape[1]):
        r = L.N_FIXED_ROWS + 4 * d
        e1 = rng.normal(seed, streams[L.S_DISEASE + 2 * d], paths, t)
        e2 = rng.normal(seed, streams[L.S_DISEASE + 2 * d + 1], paths, t)
        lam[:, d] *= np.exp(par[:, r + L.DIS_MU_PREV] + par[:, r + L.DIS_SD_PREV] * e1)
        iota[:, d] *= np.exp(par[:, r + L.DIS_MU_INT] + par[:, r + L.DIS_SD_INT] * e2)


def demand_response(rr, rr0, elasticity):
    """Use multiplier of the demand response to cost sharing (specification section 7).

    ``Ud = ((1 - rr) / (1 - rr0))^(-elasticity)``: ``rr`` the effective reimbursement ratio of the
    year (fraction), ``rr0`` the base year's (the value the calibration saw, the same for every
    path, so ``Ud = 1`` in the base year and an uncertain ratio's draw moves use from year 1, as
    it moves the ratio), ``elasticity`` the price elasticity of use ``εd`` of the line (fraction of
    use per unit of log own price share, >= 0).  Each own price share ``1 - rr`` is floored at
    :data:`simulator.layout.DEMAND_SHARE_FLOOR` (0.05) so that a line paid in full keeps a finite
    multiplier.  Exactly 1 where the elasticity is 0.
    """
    share = np.maximum(1.0 - rr, L.DEMAND_SHARE_FLOOR)
    share0 = np.maximum(1.0 - rr0, L.DEMAND_SHARE_FLOOR)
    return np.where(elasticity == 0.0, 1.0, (share / share0) ** (-elasticity))


def disease_multiplier(wdis, j, lamiota, perdiem):
    """(dm_cm, dm_pd) (P, A, S): the disease multiplier split into the part growing with Cm and the
    per-diem part (inpatient only), section 7."""
    P = lamiota.shape[0]
    dm_cm = np.ones((P, L.N_AGES, L.N_SEXES))
    dm_pd = np.zeros((P, L.N_AGES, L.N_SEXES))
    for d in range(wdis.shape[0]):
        w = wdis[d, j][None]
        if j == L.INP and perdiem[d] > 0:
            dm_cm -= w
            dm_pd += w * lamiota[:, d][:, None, None]
        else:
            dm_cm += w * (lamiota[:, d][:, None, None] - 1.0)
    return dm_cm, dm_pd


def weighted_sums(members, cost, dm):
    """``Σ members·cost·dm`` over cells (P,), yuan per year at Cm = 1."""
    return (members * cost[None] * dm).sum(axis=(1, 2))


def line_group_sums(members, c0h, dm_cm, dm_pd):
    """(s_cm (P, 3, 4), s_pd (P, 4), n (P, 4)): :func:`weighted_sums` of the four member groups on
    each line (``dm_cm[j]``), the inpatient per-diem part (``dm_pd``) and the members, cost
    ``c0h[m(g), j]`` of the group's scheme (section 7)."""
    P = dm_pd.shape[0]
    s_cm, s_pd, n = np.empty((P, 3, 4)), np.empty((P, 4)), np.empty((P, 4))
    for g in range(L.N_GROUPS):
        m_idx = L.SCH_RES if g == L.RES else L.SCH_EMP
        for j in range(3):
            s_cm[:, j, g] = weighted_sums(members[g], c0h[m_idx, j], dm_cm[j])
        s_pd[:, g] = weighted_sums(members[g], c0h[m_idx, L.INP], dm_pd)
        n[:, g] = members[g].sum(axis=(1, 2))
    return s_cm, s_pd, n


def use_and_cover(par, g, j, rr0, vbp):
    """Gross use × demand response × reimbursement × below-limit share × procurement (sections 7-8)."""
    ud = demand_response(par[:, L.RR[g][j]], rr0[:, g, j], par[:, L.EPS_D[j]])
    return (1 + par[:, L.ZETA[j]] * (g == L.RET)) * ud * par[:, L.RR[g][j]] * (1 - par[:, L.LIMIT[g][j]]) * vbp


def cover_table(sched, shift, lo, hi, index_rows, T):
    """``table[t, g, j]`` of :func:`use_and_cover` (T, 4, 3) when every row it reads is the same on
    every path (the kernel's once-for-all-paths table), else None; the reference itself computes
    the multipliers path by path."""
    rows = ([L.ZETA[j] for j in range(3)] + [L.EPS_D[j] for j in range(3)] + [L.DRUG[j] for j in range(3)]
            + [L.RR[g][j] for g in range(L.N_GROUPS) for j in range(3)]
            + [L.LIMIT[g][j] for g in range(L.N_GROUPS) for j in range(3)] + [L.VP, L.PRICE_CUT, L.REBOUND])
    fixed = shift.shape[0] > 0 and all((shift[:, r] == 0).all() and not np.signbit(shift[:, r]).any()
                                       and r not in index_rows[:, L.IR_ROW] for r in rows)
    if not fixed:
        return None
    table = np.empty((T, L.N_GROUPS, 3))
    rr0 = np.empty((1, L.N_GROUPS, 3))
    for t in range(T):
        par = year_parameters(sched, shift[:1], lo, hi, t, t > 0)
        for j in range(3):
            vbp = procurement_multiplier(par[:, L.DRUG[j]], par[:, L.VP], par[:, L.PRICE_CUT], par[:, L.REBOUND])
            for g in range(L.N_GROUPS):
                if t == 0:
                    rr0[:, g, j] = par[:, L.RR[g][j]]
                table[t, g, j] = use_and_cover(par, g, j, rr0, vbp)[0]
    return table


def medical_by_line(par, t, lamiota, wdis, perdiem, c0h, members, Cm, Cpd, rr0):
    """(med (P, 2, 3), inp_np (P, 2), inp_pd (P, 2), chr_members (P, 2)): fund-paid medical
    expenditure by scheme and line (section 7); ``members`` = (A, F, Rt, Rs); rr0 set at t = 0."""
    P = lamiota.shape[0]
    med = np.zeros((P, 2, 3))
    inp_np = np.zeros((P, 2))
    inp_pd = np.zeros((P, 2))
    chr_members = np.zeros((P, 2))
    groups = [(g, members[g], L.SCH_RES if g == L.RES else L.SCH_EMP) for g in (L.EMP, L.FLX, L.RET, L.RES)]
    vbp = [procurement_multiplier(par[:, L.DRUG[j]], par[:, L.VP], par[:, L.PRICE_CUT], par[:, L.REBOUND])
           for j in range(3)]
    dms = [disease_multiplier(wdis, j, lamiota, perdiem) for j in range(3)]
    s_cm, s_pd, n_g = line_group_sums(members, c0h, [dm[0] for dm in dms], dms[L.INP][1])
    for j in range(3):
        for g, mem, m_idx in groups:
            if t == 0:
                rr0[:, g, j] = par[:, L.RR[g][j]]
            # gross use x demand response -> reimbursement -> payment limit -> procurement (section 8's order)
            mult = use_and_cover(par, g, j, rr0, vbp[j])
            s = s_cm[:, j, g] * Cm * mult
            if j == L.INP:
                inp_np[:, m_idx] += s
                inp_pd[:, m_idx] += s_pd[:, g] * Cpd * mult
            else:
                med[:, m_idx, j] += s
            if j == L.CHR:
                chr_members[:, m_idx] += n_g[:, g]
    return med, inp_np, inp_pd, chr_members


def maternity(par, Cm, births_emp, births_flex, W_lag):
    """``E_mat = cb0·Cm·(BA + χfl·BF) + χal·dL·(W[t−1]/365)·BA`` (section 7)."""
    return (par[:, L.CB0] * Cm * (births_emp + par[:, L.CHI_FL] * births_flex)
            + par[:, L.CHI_AL] * par[:, L.LEAVE_DAYS] * (W_lag / 365.0) * births_emp)


def critical_illness_premium(par, is_share, premium, subsidy):
    """Critical-illness premium per resident (section 7): ``ωc·(Pi + Ps)`` or an amount."""
    if is_share:
        return par[:, L.CII_SHARE] * (premium + subsidy)
    return par[:, L.CII_PREMIUM]
