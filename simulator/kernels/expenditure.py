"""Expenditure (specification section 7): disease-spectrum indices and multiplier, the demand
response, fund-paid medical expenditure by scheme and line, maternity and critical-illness
premiums.  Money in yuan per year; ``c0h`` is yuan per member at ``Cm = 1``."""

import math

import numpy as np

from .. import layout as L
from .jit import jit
from .reform import procurement_multiplier
from .rng import normal

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def disease_indices(seed, streams, path_id, t, par, lam, iota):
    """Prevalence ``λ`` and intensity ``ι`` of each disease group (section 7), log random walks:
    ``log λ[t] = log λ[t−1] + μλ + σλ·ελ``, the same for ``ι``, each shock its own stream (index, 1 at t = 0)."""
    for d in range(lam.shape[0]):
        r = L.N_FIXED_ROWS + 4 * d
        e1 = normal(seed, streams[L.S_DISEASE + 2 * d], path_id, t)
        e2 = normal(seed, streams[L.S_DISEASE + 2 * d + 1], path_id, t)
        lam[d] *= math.exp(par[r + L.DIS_MU_PREV] + par[r + L.DIS_SD_PREV] * e1)
        iota[d] *= math.exp(par[r + L.DIS_MU_INT] + par[r + L.DIS_SD_INT] * e2)


@jit()
def demand_response(rr, rr0, elasticity):
    """Use multiplier Ud = ((1 - rr) / (1 - rr0))^(-elasticity) of the demand response to cost
    sharing (specification section 7), each own price share 1 - rr floored at
    :data:`simulator.layout.DEMAND_SHARE_FLOOR`; rr0 the base year's ratio, so Ud = 1 there.
    Exactly 1 when the elasticity is 0 (then results are bit for bit those without the response)."""
    if elasticity == 0.0:
        return 1.0
    share = max(1.0 - rr, L.DEMAND_SHARE_FLOOR)
    share0 = max(1.0 - rr0, L.DEMAND_SHARE_FLOOR)
    return (share / share0) ** (-elasticity)


@jit()
def disease_multiplier(wdis_flat, j, lamiota, perdiem, dmc, dmp):
    """``Dm = 1 + Σ_d w[d]·(λ·ι − 1)`` on line j by cell (section 7, ratio; ``wdis_flat[d, j, cell]``), split on the inpatient
    line into the part growing with Cm (``dmc``) and the per-diem groups' part (``dmp``, section 8)."""
    NC = dmc.shape[0]
    for c in range(NC):
        dmc[c] = 1.0
        dmp[c] = 0.0
    for d in range(wdis_flat.shape[0]):
        li = lamiota[d]
        w = wdis_flat[d, j]
        if j == L.INP and perdiem[d] > 0:
            for c in range(NC):
                dmc[c] -= w[c]
                dmp[c] += w[c] * li
        else:
            lm1 = li - 1.0
            for c in range(NC):
                dmc[c] += w[c] * lm1


@jit()
def weighted_sums(mem, cost, dm_cm, dm_pd, with_pd):
    """(sum mem*cost*dm_cm, sum mem*cost*dm_pd, sum mem) over cells: the hot loop of the expenditure.

    Members in persons and cost in yuan per member, so the sums are in yuan and persons.  The
    sums run left to right over the cells (strict IEEE, :mod:`simulator.kernels.jit`): the same
    bits on every compile.
    """
    s_cm = 0.0
    s_pd = 0.0
    n = 0.0
    if with_pd:
        for c in range(mem.shape[0]):
            x = mem[c] * cost[c]
            s_cm += x * dm_cm[c]
            s_pd += x * dm_pd[c]
            n += mem[c]
    else:
        for c in range(mem.shape[0]):
            s_cm += mem[c] * cost[c] * dm_cm[c]
            n += mem[c]
    return s_cm, s_pd, n


@jit()
def use_and_cover(par, g, j, rr0, vbp):
    """Multiplier of gross cost for group g on line j (sections 7-8, ratio), in section 8's order:
    retirement use uplift ``1 + ζu`` × demand response ``Ud`` × reimbursement ``rr`` × share below
    the payment limit × procurement."""
    ud = demand_response(par[L.RR[g][j]], rr0[g, j], par[L.EPS_D[j]])
    return ((1 + par[L.ZETA[j]] * (1.0 if g == L.RET else 0.0)) * ud * par[L.RR[g][j]] * (1 - par[L.LIMIT[g][j]])
            * vbp)


@jit()
def group_sums(members, cost_emp, cost_res, dmc, dmp, with_pd, with_n, s_cm, s_pd, n):
    """:func:`weighted_sums` of the four member groups in one pass over the cells: ``s_cm[g] =
    Σ members[g]·cost·dmc``, ``s_pd[g] = Σ members[g]·cost·dmp`` (with ``with_pd``) and ``n[g] =
    Σ members[g]`` (with ``with_n``), cost ``cost_emp`` for the employee scheme's groups and
    ``cost_res`` for residents (yuan per year at Cm = 1; persons).  Each group's sums run left to
    right over the cells, as :func:`weighted_sums` runs them (the same bits); the four groups'
    independent sums in one loop keep the adder busy where one sum waits on its last addition."""
    m0, m1, m2, m3 = members[L.EMP], members[L.FLX], members[L.RET], members[L.RES]
    a0 = a1 = a2 = a3 = 0.0
    b0 = b1 = b2 = b3 = 0.0
    c0 = c1 = c2 = c3 = 0.0
    if with_pd:
        for c in range(dmc.shape[0]):
            ce, cr, dc, dp = cost_emp[c], cost_res[c], dmc[c], dmp[c]
            x0, x1, x2, x3 = m0[c] * ce, m1[c] * ce, m2[c] * ce, m3[c] * cr
            a0 += x0 * dc
            a1 += x1 * dc
            a2 += x2 * dc
            a3 += x3 * dc
            b0 += x0 * dp
            b1 += x1 * dp
            b2 += x2 * dp
            b3 += x3 * dp
    else:
        for c in range(dmc.shape[0]):
            ce, cr, dc = cost_emp[c], cost_res[c], dmc[c]
            a0 += m0[c] * ce * dc
            a1 += m1[c] * ce * dc
            a2 += m2[c] * ce * dc
            a3 += m3[c] * cr * dc
    if with_n:
        for c in range(dmc.shape[0]):
            c0 += m0[c]
            c1 += m1[c]
            c2 += m2[c]
            c3 += m3[c]
    s_cm[0], s_cm[1], s_cm[2], s_cm[3] = a0, a1, a2, a3
    s_pd[0], s_pd[1], s_pd[2], s_pd[3] = b0, b1, b2, b3
    n[0], n[1], n[2], n[3] = c0, c1, c2, c3


@jit()
def medical_by_line(par, t, lamiota, wdis_flat, perdiem, c0h_flat, members, Cm, Cpd, rr0, dmc, dmp,
                    med, inp_np, inp_pd, chr_members):
    """Fund-paid medical expenditure ``E = Σ members·c0·h·Cm·Dm·mult`` by scheme and line (section 7),
    yuan per year: ``med[m, j]`` for outpatient and chronic lines, the inpatient line split into the
    part priced with Cm (``inp_np``) and the per-diem part (``inp_pd``); ``chr_members`` the members
    (persons) of each scheme for capitation.  ``members[g]`` flat (cells) by group; base-year
    reimbursement ratios are recorded in ``rr0`` at t = 0."""
    s_cm = np.empty(L.N_GROUPS)
    s_pd = np.empty(L.N_GROUPS)
    n_g = np.empty(L.N_GROUPS)
    for mi in range(2):
        inp_np[mi] = 0.0
        inp_pd[mi] = 0.0
        chr_members[mi] = 0.0
        for j in range(3):
            med[mi, j] = 0.0
    for j in range(3):
        vbp = procurement_multiplier(par[L.DRUG[j]], par[L.VP], par[L.PRICE_CUT], par[L.REBOUND])
        disease_multiplier(wdis_flat, j, lamiota, perdiem, dmc, dmp)
        group_sums(members, c0h_flat[L.SCH_EMP, j], c0h_flat[L.SCH_RES, j], dmc, dmp, j == L.INP, j == L.CHR,
                   s_cm, s_pd, n_g)
        for g in range(L.N_GROUPS):
            mi = L.SCH_RES if g == L.RES else L.SCH_EMP
            if t == 0:
                rr0[g, j] = par[L.RR[g][j]]
            mult = use_and_cover(par, g, j, rr0, vbp)
            s = s_cm[g] * Cm * mult
            if j == L.INP:
                inp_np[mi] += s
                inp_pd[mi] += s_pd[g] * Cpd * mult
            else:
                med[mi, j] += s
            if j == L.CHR:
                chr_members[mi] += n_g[g]


@jit()
def maternity(par, Cm, births_emp, births_flex, W_lag):
    """``E_mat = cb0·Cm·(BA + χfl·BF) + χal·dL·(W[t−1]/365)·BA`` (section 7), yuan per year."""
    return (par[L.CB0] * Cm * (births_emp + par[L.CHI_FL] * births_flex)
            + par[L.CHI_AL] * par[L.LEAVE_DAYS] * (W_lag / 365.0) * births_emp)


@jit()
def critical_illness_premium(par, is_share, premium, subsidy):
    """Critical-illness premium per resident ``Pcii`` (section 7), yuan per person per year: a share
    ``ωc`` of ``Pi + Ps`` or an amount."""
    if is_share:
        return par[L.CII_SHARE] * (premium + subsidy)
    return par[L.CII_PREMIUM]
