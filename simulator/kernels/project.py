"""The projection kernel: ``prange`` over paths, one path projected year by year.

Each path writes only its own slice ``out[p]`` (no shared accumulators), and its random numbers
come from the counter-based streams keyed by its global path index, so results do not depend on
the number of threads or on how paths are chunked.  The equations and their order are those of
:mod:`simulator.reference` (the NumPy reference, whose docstring lists the year step); the tests
hold the two equal to 1e-9 relative.  Scratch memory is per path (a few age x sex arrays), so
memory grows with paths x years only through ``out``.
"""

import math

import numpy as np
from numba import prange

from .. import layout as L
from .jit import jit
from .rng import normal, uniform

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def _param(sched, shift, lo, hi, p, t, shifted, out):
    K = sched.shape[0]
    for k in range(K):
        v = sched[k, t] + (shift[p, k] if shifted else 0.0)
        if v < lo[k]:
            v = lo[k]
        if v > hi[k]:
            v = hi[k]
        out[k] = v


@jit()
def _retired_share(track, ti, women50, out):
    for a in range(NA):
        out[a, 0] = track[ti, 0, a]
        out[a, 1] = women50 * track[ti, 1, a] + (1.0 - women50) * track[ti, 2, a]


@jit()
def _se(year, start, semax, tau):
    tau_d = year - start
    if tau_d > 0:
        return semax * (1.0 - math.exp(-tau_d / tau))
    return 0.0


@jit()
def _weighted_sums(mem, cost, dm_cm, dm_pd, with_pd):
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
def _demand_response(rr, rr0, elasticity):
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
def _trigger_step(rm, rm_last, projected, lower, upper, step):
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
def _budget_payment(demand, budget, overrun_share, savings_share, floor_share):
    """(payment, floor overrun) of DRG/DIP care under the global budget (specification section 8),
    yuan per year: overrun sharing above the budget, retained savings below it, and at least
    ``floor_share * demand`` (the point-value floor); the overrun is what the floor adds."""
    if demand > budget:
        rule = budget + overrun_share * (demand - budget)
    else:
        rule = demand + savings_share * (budget - demand)
    floor = floor_share * demand
    if rule < floor:
        return floor, floor - rule
    return rule, 0.0


N_BRACKET_DOUBLINGS = 60
N_BISECTIONS = 80


@jit()
def resident_gap(Pi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                 epi_mult, recov):
    """Resident contribution income (without recoveries) minus expenditure at premium Pi
    (see :func:`simulator.reference.resident_gap`)."""
    e = (Pi / Y / psi0) ** (-par[L.ENROL_ELAST])
    k = e / enrol
    D = demand * k
    if flags[L.FLAG_BUDGET] != 0 and t > 0:
        pay, _ = _budget_payment(D, budget, par[L.ETA_O], par[L.ETA_S], par[L.PV_FLOOR])
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
def _breakeven_premium(par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                       epi_mult, recov, Pi_now):
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
    for _ in range(N_BRACKET_DOUBLINGS):
        if resident_gap(hi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                        epi_mult, recov) > 0:
            break
        hi = hi * 2.0
    if not (n_res > 0):
        return np.nan
    if not (resident_gap(hi, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                         epi_mult, recov) > 0):
        return np.nan
    if resident_gap(lo, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                    epi_mult, recov) > 0:
        return np.nan
    for _ in range(N_BISECTIONS):
        mid = (lo + hi) / 2
        if resident_gap(mid, par, flags, t, Y, psi0, enrol, n_res, inp_np, inp_pd, out_, chr_, demand, budget, theta,
                        epi_mult, recov) > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@jit()
def _apply_indices(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, p, t, W, Y, Cm, par):
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


@jit()
def project_path(p, seed, path_id, streams, sched, shift, lo, hi, flags, base, pop0, m0, ri, fx, mig_prof,
                 track, rho, flex_rel, tau, rt0, wp, c0h, wdis, perdiem, chol, index_rows, index_plus, out):
    """Project one path (local index p, global index path_id) into out[p] (T, N_OUT)."""
    K = sched.shape[0]
    T = out.shape[1]
    D = wdis.shape[0]
    base_year = flags[L.FLAG_BASE_YEAR]
    dip_start = flags[L.FLAG_DIP_START]
    par = np.empty(K)
    par_prev = np.empty(K)
    par_s = np.empty(K)
    N = pop0.copy()
    Rt = rt0.copy()
    newN = np.empty((NA, NS))
    m = np.empty((NA, NS))
    e_surv = np.empty((NA, NS))       # exp(-m) of this year
    e_prev = np.ones((NA, NS))        # exp(-m) of last year
    Pi_ret = np.empty((NA, NS))
    Pi_prev = np.empty((NA, NS))
    A = np.empty((NA, NS))
    F = np.empty((NA, NS))
    Rs = np.empty((NA, NS))
    dm_cm = np.empty((NA, NS))
    dm_pd = np.empty((NA, NS))
    x = np.zeros(L.N_DRIVERS)         # drivers as rates (fraction per year), as reported
    lx = np.zeros(L.N_DRIVERS)        # log(1 + x): the AR(1) state (specification section 5)
    lmu_prev = np.zeros(L.N_DRIVERS)  # last year's mean of lx, log(1 + mean), bend included
    z = np.zeros(L.N_DRIVERS)
    lam = np.ones(D)
    iota = np.ones(D)
    lamiota = np.ones(D)
    cp = np.zeros(2)
    bal = np.zeros(3)
    pay_prev = np.zeros(2)
    inc_prev = np.zeros(3)
    inc_prev2 = np.zeros(3)
    eo_prev = np.zeros(2)
    leak_prev = np.zeros(2)
    births_prev = np.zeros(2)
    med = np.zeros((2, 3))
    inp_np = np.zeros(2)
    inp_pd = np.zeros(2)
    chr_members = np.zeros(2)
    demand = np.zeros(2)
    pay = np.zeros(2)
    budget = np.zeros(2)
    pts = np.zeros(2)
    floor_overrun = np.zeros(2)
    floor_binding = np.zeros(2)
    cap_binding = np.zeros(2)
    V = np.zeros(2)
    leak = np.zeros(2)
    medical = np.zeros(2)
    recov = np.zeros(2)
    inc_c = np.zeros(3)
    exp = np.zeros(3)
    J = np.zeros(3)
    new_bal = np.zeros(3)
    kappa = 0.0
    W = base[L.B_W0]
    Y = base[L.B_Y0]
    W_prev = base[L.B_W_PREV]
    Cm = 1.0
    Cpd = 1.0
    theta_prev = 0.0
    S_prev = base[L.B_S0]
    _param(sched, shift, lo, hi, p, 0, True, par_prev)
    off_e = 0.0  # rate-trigger offsets: employer rate, resident premium
    off_p = 0.0
    trigger = flags[L.FLAG_TRIGGER] != 0
    # flat views over the age x sex cells, made once per path (reshape inside the year loop costs)
    NC = NA * NS
    A_flat = A.reshape(NC)
    F_flat = F.reshape(NC)
    Rt_flat = Rt.reshape(NC)
    Rs_flat = Rs.reshape(NC)
    dmc = dm_cm.reshape(NC)
    dmp = dm_pd.reshape(NC)
    c0h_flat = c0h.reshape(2, 3, NC)
    wdis_flat = wdis.reshape(wdis.shape[0], 3, NC)
    rm_last_pool = 0.0
    rm_last_res = 0.0
    transfer = np.zeros(3)
    rr0 = np.zeros((L.N_GROUPS, 3))   # base-year reimbursement ratios (demand response, section 7)
    index_at_t0 = np.ones(index_rows.shape[0])  # each indexed schedule's index in its year t0

    for t in range(T):
        year = base_year + t
        _param(sched, shift, lo, hi, p, t, t > 0, par)
        # ---- 1. economy, disease, mortality index, epidemic
        epi = 0.0
        if t == 0:
            _param(sched, shift, lo, hi, p, t, True, par_s)
            for k in range(L.N_DRIVERS):
                x[k] = par_s[L.MU[k]]
                lx[k] = math.log1p(x[k])
                lmu_prev[k] = lx[k]
        else:
            for k in range(L.N_DRIVERS):
                z[k] = normal(seed, streams[L.S_DRIVER + k], path_id, t)
            bend = 1.0
            if flags[L.FLAG_SMAX] != 0:
                smax = par[L.SMAX]
                bend = max(0.0, 1.0 - S_prev / smax) / (1.0 - base[L.B_S0] / smax)
            for k in range(L.N_DRIVERS):
                eta = 0.0
                for q in range(L.N_DRIVERS):
                    eta += z[q] * chol[k, q]
                # the AR(1) acts on log(1 + x), so every growth factor exp(lx) is positive; the
                # bend scales the log mean: factor (1 + mu)^bend, positive for any bend >= 0
                lmu = math.log1p(par[L.MU[k]]) * (bend if k == L.D_EXCESS else 1.0)
                lx[k] = lmu + par[L.PHI[k]] * (lx[k] - lmu_prev[k]) + par[L.SIGMA[k]] * eta
                lmu_prev[k] = lmu
                x[k] = math.expm1(lx[k])
            W_prev = W
            fw = math.exp(lx[L.D_WAGE])
            W = W * fw
            Y = Y * math.exp(lx[L.D_RESINC])
            Cm = Cm * fw * math.exp(lx[L.D_EXCESS])
            Cpd = Cpd * (1 + par[L.PERDIEM_GROWTH])
            for mi in range(2):
                cp[mi] = cp[mi] * (1 + par[L.CAP_GROWTH])
            for d in range(D):
                r = L.N_FIXED_ROWS + 4 * d
                e1 = normal(seed, streams[L.S_DISEASE + 2 * d], path_id, t)
                e2 = normal(seed, streams[L.S_DISEASE + 2 * d + 1], path_id, t)
                lam[d] *= math.exp(par[r + L.DIS_MU_PREV] + par[r + L.DIS_SD_PREV] * e1)
                iota[d] *= math.exp(par[r + L.DIS_MU_INT] + par[r + L.DIS_SD_INT] * e2)
            kappa = kappa + 1.0 + par[L.KAPPA_SD] * normal(seed, streams[L.S_MORTALITY], path_id, t)
            if uniform(seed, streams[L.S_EPIDEMIC], path_id, t) < par[L.EPI_P]:
                epi = 1.0
        gw = x[0]
        ge = x[1]
        i_rate = x[2]
        gy = x[3]
        _apply_indices(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, p, t, W, Y, Cm, par)

        # ---- 2. population
        net_mig = 0.0
        if t > 0:
            for s in range(NS):
                # exp(-(m1 + m2)/2) = sqrt(exp(-m1) * exp(-m2)): one exp per cell instead of three
                newN[0, s] = births_prev[s] * math.sqrt(e_prev[0, s])
                for a in range(1, NA):
                    newN[a, s] = N[a - 1, s] * math.sqrt(e_prev[a - 1, s] * e_prev[a, s])
                newN[NA - 1, s] += N[NA - 1, s] * e_prev[NA - 1, s]
            # migration (section 3): a cell loses at most its survivors; the profile's
            # opposite-sign cells shrink by the share of the outflows the stocks could supply
            # (see simulator.reference), so the realised total keeps the requested sign
            mig_total = par[L.MIG_TOTAL]
            req_out = 0.0
            real_out = 0.0
            for s in range(NS):
                for a in range(NA):
                    mc = mig_total * mig_prof[a, s]
                    if mc < 0.0:
                        req_out += mc
                        real_out += mc if mc > -newN[a, s] else -newN[a, s]
            supplied = real_out / req_out if req_out < 0.0 else 1.0
            for s in range(NS):
                for a in range(NA):
                    mc = mig_total * mig_prof[a, s]
                    if mc < 0.0:
                        v = mc if mc > -newN[a, s] else -newN[a, s]
                    else:
                        v = supplied * mc
                    N[a, s] = newN[a, s] + v
                    net_mig += v
        for s in range(NS):
            # improvement rates repeat within age groups: one exp per distinct rate
            last_ri = np.nan
            factor = 1.0
            for a in range(NA):
                r = ri[a, s]
                if r != last_ri:
                    factor = math.exp(-r * kappa)
                    last_ri = r
                m[a, s] = m0[a, s] * factor
                e_surv[a, s] = math.exp(-m[a, s])

        # ---- 3. membership
        _retired_share(track, t + 1, par[L.WOMEN50], Pi_ret)
        _retired_share(track, t, par_prev[L.WOMEN50] if t > 0 else par[L.WOMEN50], Pi_prev)
        cov_trend = par[L.COV_TREND]
        flex_share = par[L.FLEX_SHARE]
        bb = par[L.BUYBACK]
        buyback_persons = 0.0
        if t > 0:
            for s in range(NS):
                top = Rt[NA - 1, s] * e_prev[NA - 1, s]
                for a in range(NA - 1, 0, -1):
                    Rt[a, s] = Rt[a - 1, s] * math.sqrt(e_prev[a - 1, s] * e_prev[a, s])
                Rt[0, s] = 0.0
                Rt[NA - 1, s] += top
        n_emp = 0.0
        n_flex = 0.0
        n_ret = 0.0
        for s in range(NS):
            vest = par[L.VEST_M] if s == 0 else par[L.VEST_F]
            for a in range(NA):
                cov = rho[a, s] * cov_trend
                if cov > 1.0:
                    cov = 1.0
                phif = flex_rel[a, s] * flex_share
                if phif > 1.0:
                    phif = 1.0
                work = N[a, s] * (1 - Pi_ret[a, s]) * cov
                A[a, s] = work * (1 - phif)
                F[a, s] = work * phif
                dpi = 0.0
                if a > 0:
                    dpi = Pi_ret[a, s] - Pi_prev[a - 1, s]
                    if dpi < 0.0:
                        dpi = 0.0
                ret_new = N[a, s] * dpi * cov
                if t > 0:
                    Rt[a, s] += ret_new * (vest + (1 - vest) * bb)
                buyback_persons += ret_new * (1 - vest) * bb
                n_emp += A[a, s]
                n_flex += F[a, s]
                n_ret += Rt[a, s]
        if flags[L.FLAG_PI_SHARE] != 0:
            Pi_prem = par[L.PI_SHARE] * Y
        else:
            Pi_prem = par[L.PI]
        cer = par[L.CER]
        cfl = par[L.CFL]
        if trigger and t > 0:
            off_e = min(max(off_e, par[L.TRIG_FLOOR_E] - cer), par[L.TRIG_CAP_E] - cer)
            off_p = min(max(off_p, par[L.TRIG_FLOOR_P] - Pi_prem), par[L.TRIG_CAP_P] - Pi_prem)
            cer = cer + off_e
            cfl = min(max(cfl + off_e, 0.0), 1.0)
            Pi_prem = Pi_prem + off_p
        Ps = par[L.PS]
        if flags[L.FLAG_PS_CAP] != 0:
            Ps = min(Ps, par[L.PS_CAP] * Pi_prem)
        enrol = (Pi_prem / Y / base[L.B_PSI0]) ** (-par[L.ENROL_ELAST])
        n_res = 0.0
        for a in range(NA):
            for s in range(NS):
                v = N[a, s] * tau[a, s] - A[a, s] - F[a, s] - Rt[a, s]
                Rs[a, s] = (v if v > 0.0 else 0.0) * enrol
                n_res += Rs[a, s]

        # ---- 4. expenditure
        for d in range(D):
            lamiota[d] = lam[d] * iota[d]
        for mi in range(2):
            inp_np[mi] = 0.0
            inp_pd[mi] = 0.0
            chr_members[mi] = 0.0
            for j in range(3):
                med[mi, j] = 0.0
        for j in range(3):
            vbp = 1 - par[L.DRUG[j]] * par[L.VP] * par[L.PRICE_CUT] * (1 - par[L.REBOUND])
            for c in range(NC):
                dmc[c] = 1.0
                dmp[c] = 0.0
            for d in range(D):
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
            for g in range(L.N_GROUPS):
                mi = L.SCH_RES if g == L.RES else L.SCH_EMP
                if t == 0:
                    rr0[g, j] = par[L.RR[g][j]]
                # gross use x demand response -> reimbursement -> payment limit -> procurement (section 8's order)
                ud = _demand_response(par[L.RR[g][j]], rr0[g, j], par[L.EPS_D[j]])
                mult = ((1 + par[L.ZETA[j]] * (1.0 if g == L.RET else 0.0)) * ud * par[L.RR[g][j]] * (1 - par[L.LIMIT[g][j]])
                        * vbp)
                if g == L.EMP:
                    mem = A_flat
                elif g == L.FLX:
                    mem = F_flat
                elif g == L.RET:
                    mem = Rt_flat
                else:
                    mem = Rs_flat
                s_cm, s_pd, n_g = _weighted_sums(mem, c0h_flat[mi, j], dmc, dmp, j == L.INP)
                s_cm = s_cm * Cm * mult
                if j == L.INP:
                    inp_np[mi] += s_cm
                    inp_pd[mi] += s_pd * Cpd * mult
                else:
                    med[mi, j] += s_cm
                if j == L.CHR:
                    chr_members[mi] += n_g
        if t == 0:
            for mi in range(2):
                cp[mi] = med[mi, L.CHR] / chr_members[mi] if chr_members[mi] > 0 else 0.0
        cap = par[L.CAP_SHARE]
        for mi in range(2):
            med[mi, L.CHR] = (1 - cap) * med[mi, L.CHR] + cap * cp[mi] * chr_members[mi]
        theta = par[L.THETA]
        tau_d = year - dip_start
        if tau_d < 0:
            tau_d = 0
        creep = min(par[L.CREEP] * tau_d, par[L.CREEP_CAP])
        semax = par[L.SE_MAX]
        se_tau = par[L.SE_TAU]
        se_now = _se(year, dip_start, semax, se_tau)
        se_ref = (_se(year - 1, dip_start, semax, se_tau) + _se(year - 2, dip_start, semax, se_tau)
                  + _se(year - 3, dip_start, semax, se_tau)) / 3
        pv_ref = Cm * (1 - se_ref)
        for mi in range(2):
            V[mi] = theta * inp_np[mi] / Cm
            pts[mi] = V[mi] * (1 + creep)
            demand[mi] = pts[mi] * pv_ref
            budget[mi] = np.nan
            pay[mi] = demand[mi]
            floor_overrun[mi] = 0.0
            floor_binding[mi] = 0.0
            cap_binding[mi] = 0.0
        if flags[L.FLAG_BUDGET] != 0 and t > 0:
            for mi in range(2):
                f = 0 if mi == 0 else 2
                if flags[L.FLAG_GI_SET] != 0:
                    gi = par[L.GI]
                elif t == 1:
                    gi = base[L.B_INC_GROWTH0 + f]
                else:
                    gi = inc_prev[f] / inc_prev2[f] - 1
                if theta_prev > 0:
                    by_payment = pay_prev[mi] * (theta / theta_prev) * (1 + par[L.GB])
                else:
                    by_payment = demand[mi]
                by_income = (inc_prev[f] - eo_prev[mi]) * (1 + gi) * (1 - par[L.MS])
                # no floor at zero on the budget: the point-value floor keeps the payment up
                # (specification 2.3 section 8; see simulator.reference)
                if by_income < by_payment:
                    bg = by_income
                    cap_binding[mi] = 1.0
                else:
                    bg = by_payment
                budget[mi] = bg
                pay[mi], floor_overrun[mi] = _budget_payment(demand[mi], bg, par[L.ETA_O], par[L.ETA_S],
                                                             par[L.PV_FLOOR])
                if floor_overrun[mi] > 0.0:
                    floor_binding[mi] = 1.0
        epi_mult = 1 + par[L.EPI_COST] * epi
        for mi in range(2):
            med[mi, L.INP] = (1 - theta) * inp_np[mi] + inp_pd[mi] + pay[mi]
            tot = med[mi, 0] + med[mi, 1] + med[mi, 2]
            leak[mi] = par[L.LEAK] * tot
            medical[mi] = (tot + leak[mi]) * epi_mult
        tfr = par[L.TFR]
        births_emp = 0.0
        births_flex = 0.0
        births_all = 0.0
        for a in range(NA):
            fr = tfr * fx[t, a]
            births_emp += fr * A[a, L.FEMALE]
            births_flex += fr * F[a, L.FEMALE]
            births_all += fr * N[a, L.FEMALE]
        W_lag = W_prev if t > 0 else base[L.B_W_PREV]
        maternity = (par[L.CB0] * Cm * (births_emp + par[L.CHI_FL] * births_flex)
                     + par[L.CHI_AL] * par[L.LEAVE_DAYS] * (W_lag / 365.0) * births_emp)
        if flags[L.FLAG_CII_SHARE] != 0:
            p_cii = par[L.CII_SHARE] * (Pi_prem + Ps)
        else:
            p_cii = par[L.CII_PREMIUM]
        cii = p_cii * n_res

        # ---- 5. income
        relief = 1 - par[L.EPI_RELIEF] * epi
        wage_sum = 0.0
        for a in range(NA):
            for s in range(NS):
                wage_sum += A[a, s] * wp[a, s]
        base_emp = wage_sum * W * par[L.BETA] * par[L.GAMMA_C]
        employer = base_emp * cer * relief
        employee = base_emp * par[L.CEE] * relief
        flex = n_flex * par[L.BETA_F] * W * par[L.GAMMA_F] * cfl * relief
        retiree = n_ret * W * par[L.PENSION_RATIO] * par[L.CRE]
        buyback = buyback_persons * par[L.BUYBACK_YEARS] * par[L.BETA_F] * W * cfl
        credits_fixed = ((1 - par[L.PPO]) * base_emp * min(par[L.CEE], par[L.CEE_IA]) * relief
                         + 12.0 * par[L.QR] * n_ret * (1 - par[L.PPO]))
        credits = credits_fixed + (1 - par[L.PPO]) * base_emp * par[L.ALPHA_E] * cer * relief
        for mi in range(2):
            if t == 0:
                recov[mi] = par[L.RECOV] * leak[mi] * base[L.B_EXP_RATIO_PREV + (0 if mi == 0 else 2)]
            else:
                recov[mi] = par[L.RECOV] * leak_prev[mi]
        res_contrib = par[L.THETA_OTHER] * n_res * (Pi_prem + Ps)
        inc_c[L.F_POOL] = employer + employee + flex + retiree + buyback + recov[0] - credits
        inc_c[L.F_ACC] = credits
        inc_c[L.F_RES] = res_contrib + recov[1]
        ltc0 = par[L.LTC] * inc_c[L.F_POOL]
        ltc1 = par[L.LTC] * inc_c[L.F_RES]

        # ---- 6. funds
        exp[L.F_POOL] = medical[0] + maternity + ltc0
        exp[L.F_RES] = medical[1] + cii + ltc1
        acc_open = bal[L.F_ACC] if t > 0 else base[L.B_BAL_PREV + 1]
        exp[L.F_ACC] = min(acc_open + credits, par[L.XI_F] * credits + par[L.XI_B] * acc_open)
        for f in range(3):
            if t == 0:
                J[f] = base[L.B_J0 + f]
                new_bal[f] = base[L.B_BAL0 + f]
            else:
                J[f] = i_rate * bal[f] + (i_rate / 2) * (inc_c[f] - exp[f])
                new_bal[f] = bal[f] + inc_c[f] + J[f] - exp[f]
            transfer[f] = 0.0
            if t > 0 and flags[L.FLAG_BACKSTOP] != 0 and f != L.F_ACC:
                need = par[L.BACKSTOP_MONTHS] * exp[f] / 12.0 - new_bal[f]
                if need > 0.0:
                    transfer[f] = need
                    new_bal[f] += need
        if trigger:
            projected = flags[L.FLAG_TRIGGER_PROJECTED] != 0 and t > 0
            off_e += _trigger_step(new_bal[L.F_POOL] / (exp[L.F_POOL] / 12.0), rm_last_pool, projected,
                                   par[L.TRIG_LOWER], par[L.TRIG_UPPER], par[L.TRIG_STEP_E])
            off_p += _trigger_step(new_bal[L.F_RES] / (exp[L.F_RES] / 12.0), rm_last_res, projected,
                                   par[L.TRIG_LOWER], par[L.TRIG_UPPER], par[L.TRIG_STEP_P])
        rm_last_pool = new_bal[L.F_POOL] / (exp[L.F_POOL] / 12.0)
        rm_last_res = new_bal[L.F_RES] / (exp[L.F_RES] / 12.0)

        # ---- pay-as-you-go break-even (specification section 12)
        ltc_share = par[L.LTC]
        a_rate = base_emp * relief * (1 - (1 - par[L.PPO]) * par[L.ALPHA_E])
        b_fixed = employee + flex + retiree - credits_fixed
        if a_rate * (1 - ltc_share) > 0:
            be_rate = ((medical[0] + maternity + ltc_share * (buyback + recov[0]) - b_fixed * (1 - ltc_share))
                       / (a_rate * (1 - ltc_share)))
        else:
            be_rate = np.nan
        be_prem = _breakeven_premium(par, flags, t, Y, base[L.B_PSI0], enrol, n_res, inp_np[1], inp_pd[1],
                                     med[1, L.OUT], med[1, L.CHR], demand[1], budget[1], theta, epi_mult,
                                     recov[1], Pi_prem)

        # ---- outputs
        o = out[p, t]
        for f in range(3):
            o[L.O_INC_C[f]] = inc_c[f]
            o[L.O_J[f]] = J[f]
            o[L.O_EXP[f]] = exp[f]
            o[L.O_BAL[f]] = new_bal[f]
            o[L.O_TRANSFER[f]] = transfer[f]
        for mi in range(2):
            for j in range(3):
                o[L.O_MED[mi][j]] = med[mi, j]
            o[L.O_LEAK[mi]] = leak[mi]
            o[L.O_RECOV[mi]] = recov[mi]
            o[L.O_DIP_DEMAND[mi]] = demand[mi]
            o[L.O_DIP_PAY[mi]] = pay[mi]
            o[L.O_DIP_BUDGET[mi]] = budget[mi]
            o[L.O_POINTS[mi]] = pts[mi]
            o[L.O_PV_REF[mi]] = pv_ref
            o[L.O_MARGIN[mi]] = pay[mi] - V[mi] * (Cm * (1 - se_now))
            o[L.O_DIP_FLOOR_OVERRUN[mi]] = floor_overrun[mi]
            o[L.O_DIP_FLOOR_BINDING[mi]] = floor_binding[mi]
            o[L.O_DIP_CAP_BINDING[mi]] = cap_binding[mi]
        pop_sum = 0.0
        deaths = 0.0
        for a in range(NA):
            for s in range(NS):
                pop_sum += N[a, s]
                deaths += N[a, s] * (1 - e_surv[a, s])
        o[L.O_POP] = pop_sum
        o[L.O_EMPLOYEES] = n_emp
        o[L.O_FLEXIBLE] = n_flex
        o[L.O_RETIREES] = n_ret
        o[L.O_RESIDENTS] = n_res
        o[L.O_BIRTHS] = births_all
        o[L.O_BIRTHS_EMP] = births_emp
        o[L.O_MATERNITY] = maternity
        o[L.O_CII] = cii
        o[L.O_LTC] = ltc0 + ltc1
        o[L.O_EMPLOYER_CONTRIB] = employer
        o[L.O_EMPLOYEE_CONTRIB] = employee
        o[L.O_FLEX_CONTRIB] = flex
        o[L.O_RETIREE_CONTRIB] = retiree
        o[L.O_BUYBACK] = buyback
        o[L.O_RES_CONTRIB] = res_contrib
        o[L.O_EMPLOYER_RATE] = cer
        o[L.O_BREAKEVEN_RATE] = be_rate
        o[L.O_BREAKEVEN_PREMIUM] = be_prem
        o[L.O_CONTRIB_BASE] = base_emp
        o[L.O_PREMIUM] = Pi_prem
        o[L.O_SUBSIDY] = Ps
        o[L.O_WAGE] = W
        o[L.O_RES_INCOME] = Y
        o[L.O_COST_INDEX] = Cm
        o[L.O_WAGE_GROWTH] = gw
        o[L.O_EXCESS] = ge
        o[L.O_INTEREST_RATE] = i_rate
        o[L.O_RESINC_GROWTH] = gy
        o[L.O_EPIDEMIC] = epi
        o[L.O_KAPPA] = kappa
        o[L.O_DEATHS] = deaths
        o[L.O_NET_MIG] = net_mig

        # ---- carry
        srb = par[L.SRB]
        births_prev[0] = births_all * srb / (1 + srb)
        births_prev[1] = births_all / (1 + srb)
        for a in range(NA):
            for s in range(NS):
                e_prev[a, s] = e_surv[a, s]
        for f in range(3):
            bal[f] = new_bal[f]
            inc_prev2[f] = inc_prev[f]
            inc_prev[f] = inc_c[f]
        for mi in range(2):
            pay_prev[mi] = pay[mi]
            eo_prev[mi] = exp[0 if mi == 0 else 2] - pay[mi]
            leak_prev[mi] = leak[mi]
        theta_prev = theta
        S_prev = base[L.B_S0] * Cm * base[L.B_W0] / W
        for k in range(K):
            par_prev[k] = par[k]


@jit(parallel=True)
def project(seed_, path_ids_, streams_, sched_, shift_, lo_, hi_, flags_, base_, pop0_, m0_, ri_, fx_, mig_prof_,
            track_, rho_, flex_rel_, tau_, rt0_, wp_, c0h_, wdis_, perdiem_, chol_, index_rows_, index_plus_, out_):
    """Project every path: ``out[p, t, v]`` for paths ``path_ids`` (prange over paths).

    (Argument names carry a trailing underscore: numba's parfor lowering rejects a prange body
    whose call arguments share names with the callee's parameters.)
    """
    n_paths = path_ids_.shape[0]
    for p in prange(n_paths):
        # np.int64(p): typing sees p as int64 but the parallel loop body gets an unsigned index;
        # without the cast project_path (most of the compile time) is compiled twice
        project_path(np.int64(p), seed_, path_ids_[p], streams_, sched_, shift_, lo_, hi_, flags_, base_, pop0_, m0_, ri_, fx_,
                     mig_prof_, track_, rho_, flex_rel_, tau_, rt0_, wp_, c0h_, wdis_, perdiem_, chol_, index_rows_,
                     index_plus_, out_)
