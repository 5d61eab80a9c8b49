"""Expenditure (specification section 7): disease-spectrum indices and multiplier, the demand
response, fund-paid medical expenditure by scheme and line, maternity and critical-illness
premiums.  Money in yuan per year; ``c0h`` is yuan per member at ``Cm = 1``."""

import math

import numpy as np

from .. import layout as L
from .jit import jit
from .parameters import year_parameters
from .reform import procurement_multiplier
from .rng import normal_at

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def disease_indices(keys, t, par, lam, iota):
    """Prevalence ``λ`` and intensity ``ι`` of each disease group (section 7), log random walks:
    ``log λ[t] = log λ[t−1] + μλ + σλ·ελ``, the same for ``ι``, each shock its own stream (index, 1 at t = 0);
    ``keys`` the path's stream keys."""
    for d in range(lam.shape[0]):
        r = L.N_FIXED_ROWS + 4 * d
        e1 = normal_at(keys[L.S_DISEASE + 2 * d], t)
        e2 = normal_at(keys[L.S_DISEASE + 2 * d + 1], t)
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
def line_group_sums(members, c0h_flat, dmc, dmp, sums):
    """:func:`weighted_sums` of the four member groups on the three lines in one pass over the cells
    (section 7), yuan per year at Cm = 1 and persons: ``sums[j, g] = Σ members[g]·c0h[m(g), j]·dmc[j]``
    for line j, ``sums[3, g] = Σ members[g]·c0h[m(g), INP]·dmp[INP]`` (the per-diem part) and
    ``sums[4, g] = Σ members[g]``; ``m(g)`` the group's scheme.  Each sum runs left to right over
    the cells, as :func:`weighted_sums` runs it (the same bits); twenty independent sums in one
    loop keep the adders busy where one sum waits on its last addition."""
    m0, m1, m2, m3 = members[L.EMP], members[L.FLX], members[L.RET], members[L.RES]
    ei, eo, ec = c0h_flat[L.SCH_EMP, L.INP], c0h_flat[L.SCH_EMP, L.OUT], c0h_flat[L.SCH_EMP, L.CHR]
    ri, ro, rc = c0h_flat[L.SCH_RES, L.INP], c0h_flat[L.SCH_RES, L.OUT], c0h_flat[L.SCH_RES, L.CHR]
    di, do, dc, dp = dmc[L.INP], dmc[L.OUT], dmc[L.CHR], dmp[L.INP]
    i0 = i1 = i2 = i3 = 0.0
    p0 = p1 = p2 = p3 = 0.0
    o0 = o1 = o2 = o3 = 0.0
    h0 = h1 = h2 = h3 = 0.0
    n0 = n1 = n2 = n3 = 0.0
    for c in range(di.shape[0]):
        a0, a1, a2, a3 = m0[c], m1[c], m2[c], m3[c]
        x0, x1, x2, x3 = a0 * ei[c], a1 * ei[c], a2 * ei[c], a3 * ri[c]
        i0 += x0 * di[c]
        i1 += x1 * di[c]
        i2 += x2 * di[c]
        i3 += x3 * di[c]
        p0 += x0 * dp[c]
        p1 += x1 * dp[c]
        p2 += x2 * dp[c]
        p3 += x3 * dp[c]
        o0 += a0 * eo[c] * do[c]
        o1 += a1 * eo[c] * do[c]
        o2 += a2 * eo[c] * do[c]
        o3 += a3 * ro[c] * do[c]
        h0 += a0 * ec[c] * dc[c]
        h1 += a1 * ec[c] * dc[c]
        h2 += a2 * ec[c] * dc[c]
        h3 += a3 * rc[c] * dc[c]
        n0 += a0
        n1 += a1
        n2 += a2
        n3 += a3
    sums[L.INP, 0], sums[L.INP, 1], sums[L.INP, 2], sums[L.INP, 3] = i0, i1, i2, i3
    sums[L.OUT, 0], sums[L.OUT, 1], sums[L.OUT, 2], sums[L.OUT, 3] = o0, o1, o2, o3
    sums[L.CHR, 0], sums[L.CHR, 1], sums[L.CHR, 2], sums[L.CHR, 3] = h0, h1, h2, h3
    sums[3, 0], sums[3, 1], sums[3, 2], sums[3, 3] = p0, p1, p2, p3
    sums[4, 0], sums[4, 1], sums[4, 2], sums[4, 3] = n0, n1, n2, n3


@jit()
def _row_is_fixed(shift, index_rows, r):
    """True when parameter row r has the same value on every path: no path's shift (not even a
    negative zero) and no indexed schedule on it."""
    for p in range(shift.shape[0]):
        v = shift[p, r]
        if v != 0.0 or math.copysign(1.0, v) < 0.0:
            return False
    for q in range(index_rows.shape[0]):
        if index_rows[q, L.IR_ROW] == r:
            return False
    return True


@jit()
def cover_table(sched, shift, lo, hi, index_rows, table):
    """:func:`use_and_cover` of every year, group and line, ``table[t, g, j]`` (ratio), computed once
    for all paths when every row it reads (reimbursement, payment limit, use uplift, demand
    elasticity, procurement) is the same on every path; returns whether it is (else the year loop
    computes it path by path).  The values are those the path's own step would compute, bit for
    bit: the same function of the same parameter values."""
    if shift.shape[0] == 0:
        return False
    for j in range(3):
        if not (_row_is_fixed(shift, index_rows, L.ZETA[j]) and _row_is_fixed(shift, index_rows, L.EPS_D[j])
                and _row_is_fixed(shift, index_rows, L.DRUG[j])):
            return False
        for g in range(L.N_GROUPS):
            if not (_row_is_fixed(shift, index_rows, L.RR[g][j]) and _row_is_fixed(shift, index_rows, L.LIMIT[g][j])):
                return False
    for r in (L.VP, L.PRICE_CUT, L.REBOUND):
        if not _row_is_fixed(shift, index_rows, r):
            return False
    par = np.empty(sched.shape[0])
    rr0 = np.empty((L.N_GROUPS, 3))
    for t in range(table.shape[0]):
        year_parameters(sched, shift, lo, hi, 0, t, t > 0, par)
        for j in range(3):
            vbp = procurement_multiplier(par[L.DRUG[j]], par[L.VP], par[L.PRICE_CUT], par[L.REBOUND])
            for g in range(L.N_GROUPS):
                if t == 0:
                    rr0[g, j] = par[L.RR[g][j]]
                table[t, g, j] = use_and_cover(par, g, j, rr0, vbp)
    return True


@jit()
def medical_by_line(par, t, lamiota, wdis_flat, perdiem, c0h_flat, members, Cm, Cpd, rr0, cover_t, use_cover, dmc,
                    dmp, sums, med, inp_np, inp_pd, chr_members):
    """Fund-paid medical expenditure ``E = Σ members·c0·h·Cm·Dm·mult`` by scheme and line (section 7),
    yuan per year: ``med[m, j]`` for outpatient and chronic lines, the inpatient line split into the
    part priced with Cm (``inp_np``) and the per-diem part (``inp_pd``); ``chr_members`` the members
    (persons) of each scheme for capitation.  ``members[g]`` flat (cells) by group; ``dmc``, ``dmp``
    (3, cells) and ``sums`` (5, 4) scratch; base-year reimbursement ratios are recorded in ``rr0``
    at t = 0; with ``use_cover`` the multipliers are this year's row of :func:`cover_table`."""
    for mi in range(2):
        inp_np[mi] = 0.0
        inp_pd[mi] = 0.0
        chr_members[mi] = 0.0
        for j in range(3):
            med[mi, j] = 0.0
    for j in range(3):
        disease_multiplier(wdis_flat, j, lamiota, perdiem, dmc[j], dmp[j])
    line_group_sums(members, c0h_flat, dmc, dmp, sums)
    for j in range(3):
        vbp = procurement_multiplier(par[L.DRUG[j]], par[L.VP], par[L.PRICE_CUT], par[L.REBOUND])
        for g in range(L.N_GROUPS):
            mi = L.SCH_RES if g == L.RES else L.SCH_EMP
            if t == 0:
                rr0[g, j] = par[L.RR[g][j]]
            if use_cover:
                mult = cover_t[g, j]
            else:
                mult = use_and_cover(par, g, j, rr0, vbp)
            s = sums[j, g] * Cm * mult
            if j == L.INP:
                inp_np[mi] += s
                inp_pd[mi] += sums[3, g] * Cpd * mult
            else:
                med[mi, j] += s
            if j == L.CHR:
                chr_members[mi] += sums[4, g]


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
