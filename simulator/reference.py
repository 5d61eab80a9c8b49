"""The model in plain NumPy: the reference the numba kernel is tested against.

Vectorised over paths and ages, looping in Python over years only.  It takes the same arrays as
:func:`simulator.kernels.project.project` (see :class:`simulator.compile.ModelInputs`) and
returns the same ``out[path, year, variable]`` array (variables in :mod:`simulator.layout`).

The year step, in the order specification section 8 prescribes (t = 0 is the calibrated base year,
shifts of uncertain parameters act from t = 1):

1. parameters of the year; economic drivers (AR(1), correlated by Cholesky), disease indices
   (log random walks), mortality index kappa (random walk with drift 1), epidemic draw.  Each
   driver's AR(1) acts on ``l = log(1 + x)`` with mean ``log(1 + mu)`` (section 5), the rate
   reported is ``x = expm1(l)`` and the levels grow by ``exp(l)``: wage ``W``, resident income
   ``Y`` and the cost index ``Cm`` stay positive on every path.  The interest rate follows the
   same rule, so ``i > -1``: a balance can shrink by interest but never change sign through it
   (a rate near zero behaves as before: ``expm1(l) = l + O(l^2)``);
2. population N[t] from N[t-1] (cohort component, section 3), net migration limited by the
   stocks (:func:`_migrate`); mortality m[t];
   Indexed schedules (premium, subsidy, retiree quota, critical-illness premium: section 2) then
   grow with the path's own W, Y or Cm after their last year (:func:`apply_indices`);
3. membership: past-retirement share Pi, employees A, flexible F, retiree stock Rt, residents Rs
   (section 4);
4. expenditure: gross cost with the disease multiplier, the demand response to cost sharing
   (:func:`demand_response`), reimbursement, procurement, capitation,
   per-diem, DRG/DIP points and payment (the global budget with its point-value floor,
   :func:`budget_payment`), leakage, epidemic, maternity,
   critical-illness premium (sections 7-8);
5. income: contributions, buy-backs, account credits, resident premiums and subsidies,
   recoveries (section 6); long-term-care carve-out;
6. funds: interest on the opening balance and half the year's net flow, balances (section 9);
7. births of the year (the age-0 stock of the next year).
"""

from __future__ import annotations

import numpy as np

from . import layout as L
from . import rng


def _retired_share(track, ti, women50):
    """Pi[a, s] for year index ti of the track table (P, A, S) given per-path women50 (P,)."""
    P = women50.shape[0]
    out = np.empty((P, L.N_AGES, L.N_SEXES))
    out[:, :, L.MALE] = track[ti, 0][None, :]
    out[:, :, L.FEMALE] = women50[:, None] * track[ti, 1][None, :] + (1 - women50[:, None]) * track[ti, 2][None, :]
    return out


def _se(year, start, semax, tau):
    tau_d = year - start
    return np.where(tau_d > 0, semax * (1.0 - np.exp(-np.maximum(tau_d, 0) / tau)), 0.0)


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


def apply_indices(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, t, W, Y, Cm, par):
    """Indexed schedules (specification 2.3 section 2): ``par`` (P, K) with every indexed row after
    its ``t0`` set to ``v[t0]·I[t]/I[t0]·(1 + plus)^(t - t0)``, clipped to the row's bounds.

    ``index_rows[q] = (row, index, t0)`` (:func:`simulator.compile._indexed_rows`), ``index_plus``
    the extra growth (fraction per year); ``I`` is the path's own wage ``W`` or resident income
    ``Y`` (yuan per year), cost index ``Cm``, or 1 (``fixed``), each (P,).  In year ``t0`` the
    index is recorded in ``index_at_t0`` (P, Q), updated in place.  The value after ``t0`` is the
    schedule held flat there (``sched[row, t] = v[t0]``), so paths with low wages get lower
    premiums, and an override of the early years keeps the later growth.  The rate trigger's
    premium offset is added afterwards, on top.
    """
    if index_rows.shape[0] == 0:
        return par
    par = par.copy()
    for q in range(index_rows.shape[0]):
        row, kind, t0 = (int(v) for v in index_rows[q])
        level = {L.IDX_WAGE: W, L.IDX_RESINC: Y, L.IDX_COST: Cm}.get(kind, np.ones_like(W))
        if t == t0:
            index_at_t0[:, q] = level
        elif t > t0:
            v = (sched[row, t] + shift[:, row]) * (level / index_at_t0[:, q]) * (1.0 + index_plus[q]) ** float(t - t0)
            par[:, row] = np.clip(v, lo[row], hi[row])
    return par


def budget_payment(demand, budget, overrun_share, savings_share, floor_share):
    """DRG/DIP payment under the regional global budget (specification 2.3 section 8), yuan per year.

    Above the budget the fund pays the budget and a share ``overrun_share`` of the overrun
    (合理超支分担), below it the demand and a share ``savings_share`` of the savings (结余留用);
    and never less than ``floor_share * demand`` (``κpv·Dd``, the point-value floor: the realised
    point value ``Pay / Pts`` stays at or above ``κpv · pv_ref``).  Returns ``(payment,
    floor_overrun)``, the overrun being what the floor adds to the sharing rule's payment (0 where
    the floor does not bind).  The income cap alone would let the point value fall without limit
    when spending outside the budget grows faster than income; the floor replaces the zero floor
    on the budget of earlier versions (a budget may now be negative, the payment never is).
    """
    rule = np.where(demand > budget, budget + overrun_share * (demand - budget),
                    demand + savings_share * (budget - demand))
    floor = floor_share * demand
    return np.where(rule < floor, floor, rule), np.where(rule < floor, floor - rule, 0.0)


def _migrate(survivors, total, profile):
    """Add net migration to the survivors (specification section 3); returns (N, realised net).

    ``survivors`` (P, A, S) persons before migration, ``total`` (P,) the requested net migration
    in persons per year, ``profile`` (A, S) its age-sex shape summing to 1.  The profile may mix
    signs (the national one has young emigrants and returning middle-aged migrants), so the
    request ``total * profile`` has outflow cells and inflow cells.  An outflow cell loses at most
    its survivors.  When stocks cap the outflows, the inflow cells shrink in the same proportion
    (the share ``supplied`` of the requested outflows that the stocks could supply): the
    realised net migration is ``supplied * total``, of the sign requested and never larger.
    Without that, a large emigration emptied the young cells while the middle-aged inflows
    went on in full, and the population grew.  Returns N >= 0 exactly (no floor needed) and the
    realised net migration in persons per year.
    """
    mig = total[:, None, None] * profile[None]
    outflow = mig < 0.0
    capped = np.where(outflow, np.maximum(mig, -survivors), 0.0)
    req_out = np.where(outflow, mig, 0.0).sum(axis=(1, 2))
    real_out = capped.sum(axis=(1, 2))
    supplied = np.where(req_out < 0.0, real_out / np.where(req_out < 0.0, req_out, 1.0), 1.0)
    realised = np.where(outflow, capped, supplied[:, None, None] * mig)
    return survivors + realised, realised.sum(axis=(1, 2))


def project(inp, horizon=None):
    """Project every path of ``inp``; returns ``out`` of shape (P, T, N_OUT)."""
    (seed, path_ids, streams, sched, shift, lo, hi, flags, base, pop0, m0, ri, fx, mig_prof, track,
     rho, flex_rel, tau, rt0, wp, c0h, wdis, perdiem, chol, index_rows, index_plus) = inp
    P = path_ids.shape[0]
    T = sched.shape[1] if horizon is None else horizon + 1
    D = wdis.shape[0]
    out = np.zeros((P, T, L.N_OUT))
    base_year = int(flags[L.FLAG_BASE_YEAR])
    dip_start = int(flags[L.FLAG_DIP_START])
    paths = path_ids.astype(np.int64)

    def params(t, shifted):
        v = sched[:, t][None, :] + (shift if shifted else 0.0 * shift)
        return np.clip(v, lo[None, :], hi[None, :])  # (P, K)

    # ---- state
    N = np.broadcast_to(pop0, (P, L.N_AGES, L.N_SEXES)).copy()
    Rt = np.broadcast_to(rt0, (P, L.N_AGES, L.N_SEXES)).copy()
    kappa = np.zeros(P)
    x = np.zeros((P, L.N_DRIVERS))         # drivers as rates (fraction per year), as reported
    lx = np.zeros((P, L.N_DRIVERS))        # log(1 + x): the AR(1) state
    lmu_prev = np.zeros((P, L.N_DRIVERS))  # last year's mean of lx, log(1 + mean), bend included
    W = np.full(P, base[L.B_W0])
    Y = np.full(P, base[L.B_Y0])
    W_prev = np.full(P, base[L.B_W_PREV])
    Cm = np.ones(P)
    Cpd = np.ones(P)
    lam = np.ones((P, D))
    iota = np.ones((P, D))
    cp = np.zeros((P, 2))
    bal = np.zeros((P, 3))
    pay_prev = np.zeros((P, 2))
    theta_prev = np.zeros(P)
    inc_prev = np.zeros((P, 3))
    inc_prev2 = np.zeros((P, 3))
    eo_prev = np.zeros((P, 2))
    leak_prev = np.zeros((P, 2))
    m_prev = np.zeros((P, L.N_AGES, L.N_SEXES))
    births_prev = np.zeros((P, L.N_SEXES))
    S_prev = np.full(P, base[L.B_S0])
    par_prev = params(0, True)
    off_e = np.zeros(P)  # rate-trigger offsets (specification section 10): employer rate, resident premium
    off_p = np.zeros(P)
    trigger = bool(flags[L.FLAG_TRIGGER])
    rm_last = np.zeros((P, 3))  # last year's reserve months (the projected trigger's slope)
    rr0 = np.zeros((P, L.N_GROUPS, 3))  # base-year reimbursement ratios (demand response, section 7)
    index_at_t0 = np.ones((P, index_rows.shape[0]))  # each indexed schedule's index in its year t0

    for t in range(T):
        year = base_year + t
        par = params(t, t > 0)
        par_s = params(t, True)  # shifted even in the base year: drivers' own means
        # ---- 1. economy, disease, mortality index, epidemic
        if t == 0:
            x = np.stack([par_s[:, L.MU[k]] for k in range(L.N_DRIVERS)], axis=1)
            lx = np.log1p(x)
            lmu_prev = lx.copy()
            epi = np.zeros(P)
        else:
            z = np.stack([rng.normal(seed, streams[L.S_DRIVER + k], paths, t) for k in range(L.N_DRIVERS)], axis=1)
            eta = z @ chol.T
            bend = np.ones(P)
            if flags[L.FLAG_SMAX]:
                smax = par[:, L.SMAX]
                bend = np.maximum(0.0, 1.0 - S_prev / smax) / (1.0 - base[L.B_S0] / smax)
            new_lx = np.empty_like(lx)
            new_lmu = np.empty_like(lx)
            for k in range(L.N_DRIVERS):
                # the AR(1) acts on log(1 + x) (section 5), so every growth factor exp(lx) is
                # positive; the bend scales the log mean: factor (1 + mu)^bend, positive for any
                # bend >= 0, where scaling mu itself could reach mu <= -1 as S approaches Smax
                lmu = np.log1p(par[:, L.MU[k]]) * (bend if k == L.D_EXCESS else 1.0)
                new_lx[:, k] = lmu + par[:, L.PHI[k]] * (lx[:, k] - lmu_prev[:, k]) + par[:, L.SIGMA[k]] * eta[:, k]
                new_lmu[:, k] = lmu
            lx, lmu_prev = new_lx, new_lmu
            x = np.expm1(lx)
            W_prev = W.copy()
            fw = np.exp(lx[:, L.D_WAGE])
            W = W * fw
            Y = Y * np.exp(lx[:, L.D_RESINC])
            Cm = Cm * fw * np.exp(lx[:, L.D_EXCESS])
            Cpd = Cpd * (1 + par[:, L.PERDIEM_GROWTH])
            cp = cp * (1 + par[:, L.CAP_GROWTH])[:, None]
            for d in range(D):
                r = L.N_FIXED_ROWS + 4 * d
                e1 = rng.normal(seed, streams[L.S_DISEASE + 2 * d], paths, t)
                e2 = rng.normal(seed, streams[L.S_DISEASE + 2 * d + 1], paths, t)
                lam[:, d] *= np.exp(par[:, r + L.DIS_MU_PREV] + par[:, r + L.DIS_SD_PREV] * e1)
                iota[:, d] *= np.exp(par[:, r + L.DIS_MU_INT] + par[:, r + L.DIS_SD_INT] * e2)
            kappa = kappa + 1.0 + par[:, L.KAPPA_SD] * rng.normal(seed, streams[L.S_MORTALITY], paths, t)
            epi = (rng.uniform(seed, streams[L.S_EPIDEMIC], paths, t) < par[:, L.EPI_P]).astype(float)
        gw, ge, i_rate, gy = x[:, 0], x[:, 1], x[:, 2], x[:, 3]
        par = apply_indices(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, t, W, Y, Cm, par)

        # ---- 2. population
        net_mig = np.zeros(P)
        if t > 0:
            newN = np.zeros_like(N)
            newN[:, 1:, :] = N[:, :-1, :] * np.exp(-(m_prev[:, :-1, :] + m_prev[:, 1:, :]) / 2)
            newN[:, 100, :] += N[:, 100, :] * np.exp(-m_prev[:, 100, :])
            newN[:, 0, :] = births_prev * np.exp(-m_prev[:, 0, :] / 2)
            N, net_mig = _migrate(newN, par[:, L.MIG_TOTAL], mig_prof)
        m = m0[None] * np.exp(-ri[None] * kappa[:, None, None])

        # ---- 3. membership
        Pi_ret = _retired_share(track, t + 1, par[:, L.WOMEN50])
        Pi_prev = _retired_share(track, t, par_prev[:, L.WOMEN50] if t > 0 else par[:, L.WOMEN50])
        dPi = np.zeros_like(Pi_ret)
        dPi[:, 1:, :] = np.maximum(0.0, Pi_ret[:, 1:, :] - Pi_prev[:, :-1, :])
        cov = np.minimum(1.0, rho[None] * par[:, L.COV_TREND][:, None, None])
        phif = np.minimum(1.0, flex_rel[None] * par[:, L.FLEX_SHARE][:, None, None])
        work = N * (1 - Pi_ret) * cov
        A = work * (1 - phif)
        F = work * phif
        vest = np.stack([par[:, L.VEST_M], par[:, L.VEST_F]], axis=1)[:, None, :]
        bb = par[:, L.BUYBACK][:, None, None]
        retiring = N * dPi * cov
        if t > 0:
            # retirees survive as their cohort does (section 3's mid-year survival), not at
            # (1 - q[t-1, a-1]) as section 4 writes it, which would let them outlive their cohort
            newRt = np.zeros_like(Rt)
            newRt[:, 1:, :] = Rt[:, :-1, :] * np.exp(-(m_prev[:, :-1, :] + m_prev[:, 1:, :]) / 2)
            newRt[:, 100, :] += Rt[:, 100, :] * np.exp(-m_prev[:, 100, :])
            Rt = newRt + retiring * (vest + (1 - vest) * bb)
        buyback_persons = (retiring * (1 - vest) * bb).sum(axis=(1, 2))
        if flags[L.FLAG_PI_SHARE]:
            Pi_prem = par[:, L.PI_SHARE] * Y
        else:
            Pi_prem = par[:, L.PI]
        cer = par[:, L.CER]
        cfl = par[:, L.CFL]
        if trigger and t > 0:
            # the offsets persist on top of the schedules, bounded so that the rates stay within
            # [floor, cap] (no wind-up beyond the bounds)
            off_e = np.clip(off_e, par[:, L.TRIG_FLOOR_E] - cer, par[:, L.TRIG_CAP_E] - cer)
            off_p = np.clip(off_p, par[:, L.TRIG_FLOOR_P] - Pi_prem, par[:, L.TRIG_CAP_P] - Pi_prem)
            cer = cer + off_e
            cfl = np.clip(cfl + off_e, 0.0, 1.0)
            Pi_prem = Pi_prem + off_p
        Ps = par[:, L.PS]
        if flags[L.FLAG_PS_CAP]:
            Ps = np.minimum(Ps, par[:, L.PS_CAP] * Pi_prem)
        psi = Pi_prem / Y
        enrol = (psi / base[L.B_PSI0]) ** (-par[:, L.ENROL_ELAST])
        Rs = np.maximum(N * tau[None] - A - F - Rt, 0.0) * enrol[:, None, None]

        # ---- 4. expenditure
        lamiota = lam * iota  # (P, D)
        med = np.zeros((P, 2, 3))
        inp_np = np.zeros((P, 2))
        inp_pd = np.zeros((P, 2))
        chr_members = np.zeros((P, 2))
        groups = ((L.EMP, A, L.SCH_EMP), (L.FLX, F, L.SCH_EMP), (L.RET, Rt, L.SCH_EMP), (L.RES, Rs, L.SCH_RES))
        vbp = [1 - par[:, L.DRUG[j]] * par[:, L.VP] * par[:, L.PRICE_CUT] * (1 - par[:, L.REBOUND]) for j in range(3)]
        for j in range(3):
            # disease multiplier split into the part growing with Cm and the per-diem part (inpatient only)
            dm_cm = np.ones((P, L.N_AGES, L.N_SEXES))
            dm_pd = np.zeros((P, L.N_AGES, L.N_SEXES))
            for d in range(D):
                w = wdis[d, j][None]
                if j == L.INP and perdiem[d] > 0:
                    dm_cm -= w
                    dm_pd += w * lamiota[:, d][:, None, None]
                else:
                    dm_cm += w * (lamiota[:, d][:, None, None] - 1.0)
            for g, members, m_idx in groups:
                if t == 0:
                    rr0[:, g, j] = par[:, L.RR[g][j]]
                # gross use x demand response -> reimbursement -> payment limit -> procurement (section 8's order)
                ud = demand_response(par[:, L.RR[g][j]], rr0[:, g, j], par[:, L.EPS_D[j]])
                mult = (1 + par[:, L.ZETA[j]] * (g == L.RET)) * ud * par[:, L.RR[g][j]] * (1 - par[:, L.LIMIT[g][j]]) * vbp[j]
                s_cm = (members * c0h[m_idx, j][None] * dm_cm).sum(axis=(1, 2)) * Cm * mult
                if j == L.INP:
                    s_pd = (members * c0h[m_idx, j][None] * dm_pd).sum(axis=(1, 2)) * Cpd * mult
                    inp_np[:, m_idx] += s_cm
                    inp_pd[:, m_idx] += s_pd
                else:
                    med[:, m_idx, j] += s_cm
                if j == L.CHR:
                    chr_members[:, m_idx] += members.sum(axis=(1, 2))
        # capitation of chronic outpatient care
        if t == 0:
            cp = np.where(chr_members > 0, med[:, :, L.CHR] / np.where(chr_members > 0, chr_members, 1.0), 0.0)
        cap = par[:, L.CAP_SHARE][:, None]
        med[:, :, L.CHR] = (1 - cap) * med[:, :, L.CHR] + cap * cp * chr_members
        # DRG/DIP
        theta = par[:, L.THETA]
        tau_d = np.maximum(0, year - dip_start)
        creep = np.minimum(par[:, L.CREEP] * tau_d, par[:, L.CREEP_CAP])
        se_args = (dip_start, par[:, L.SE_MAX], par[:, L.SE_TAU])
        se_now = _se(year, *se_args)
        se_ref = (_se(year - 1, *se_args) + _se(year - 2, *se_args) + _se(year - 3, *se_args)) / 3
        pv_ref = Cm * (1 - se_ref)
        V = theta[:, None] * inp_np / Cm[:, None]
        pts = V * (1 + creep)[:, None]
        demand = pts * pv_ref[:, None]
        budget = np.full((P, 2), np.nan)
        if flags[L.FLAG_BUDGET] and t > 0:
            if flags[L.FLAG_GI_SET]:
                gi = np.broadcast_to(par[:, L.GI][:, None], (P, 2))
            elif t == 1:
                gi = np.broadcast_to(base[[L.B_INC_GROWTH0 + 0, L.B_INC_GROWTH0 + 2]][None, :], (P, 2))
            else:
                gi = inc_prev[:, [0, 2]] / inc_prev2[:, [0, 2]] - 1
            ratio = np.where(theta_prev > 0, theta / np.where(theta_prev > 0, theta_prev, 1.0), 1.0)
            by_payment = np.where(theta_prev[:, None] > 0, pay_prev * ratio[:, None] * (1 + par[:, L.GB])[:, None], demand)
            by_income = (inc_prev[:, [0, 2]] - eo_prev) * (1 + gi) * (1 - par[:, L.MS])[:, None]
            # the income cap binds where income allows less than the grown payment; the budget is
            # not floored at zero (it may be negative: income minus spending outside the budget
            # allows nothing), the point-value floor keeps the payment up (specification 2.3 section 8)
            cap_binding = (by_income < by_payment).astype(float)
            budget = np.where(by_income < by_payment, by_income, by_payment)
            pay, floor_overrun = budget_payment(demand, budget, par[:, L.ETA_O][:, None], par[:, L.ETA_S][:, None],
                                                par[:, L.PV_FLOOR][:, None])
            floor_binding = (floor_overrun > 0.0).astype(float)
        else:
            pay = demand
            floor_overrun = np.zeros((P, 2))
            floor_binding = np.zeros((P, 2))
            cap_binding = np.zeros((P, 2))
        margin = pay - V * (Cm * (1 - se_now))[:, None]
        med[:, :, L.INP] = (1 - theta)[:, None] * inp_np + inp_pd + pay
        med_total = med.sum(axis=2)
        leak = par[:, L.LEAK][:, None] * med_total
        medical = (med_total + leak) * (1 + par[:, L.EPI_COST] * epi)[:, None]
        # maternity
        fert = par[:, L.TFR][:, None] * fx[t][None, :]
        births_emp = (fert * A[:, :, L.FEMALE]).sum(axis=1)
        births_flex = (fert * F[:, :, L.FEMALE]).sum(axis=1)
        W_lag = W_prev if t > 0 else np.full(P, base[L.B_W_PREV])
        maternity = (par[:, L.CB0] * Cm * (births_emp + par[:, L.CHI_FL] * births_flex)
                     + par[:, L.CHI_AL] * par[:, L.LEAVE_DAYS] * (W_lag / 365.0) * births_emp)
        n_res = Rs.sum(axis=(1, 2))
        if flags[L.FLAG_CII_SHARE]:
            p_cii = par[:, L.CII_SHARE] * (Pi_prem + Ps)
        else:
            p_cii = par[:, L.CII_PREMIUM]
        cii = p_cii * n_res

        # ---- 5. income
        relief = 1 - par[:, L.EPI_RELIEF] * epi
        base_emp = (A * wp[None]).sum(axis=(1, 2)) * W * par[:, L.BETA] * par[:, L.GAMMA_C]
        employer = base_emp * cer * relief
        employee = base_emp * par[:, L.CEE] * relief
        flex = F.sum(axis=(1, 2)) * par[:, L.BETA_F] * W * par[:, L.GAMMA_F] * cfl * relief
        n_ret = Rt.sum(axis=(1, 2))
        retiree = n_ret * W * par[:, L.PENSION_RATIO] * par[:, L.CRE]
        buyback = buyback_persons * par[:, L.BUYBACK_YEARS] * par[:, L.BETA_F] * W * cfl
        credits_fixed = ((1 - par[:, L.PPO]) * base_emp * np.minimum(par[:, L.CEE], par[:, L.CEE_IA]) * relief
                         + 12.0 * par[:, L.QR] * n_ret * (1 - par[:, L.PPO]))
        credits = credits_fixed + (1 - par[:, L.PPO]) * base_emp * par[:, L.ALPHA_E] * cer * relief
        if t == 0:
            recov = par[:, L.RECOV][:, None] * leak * base[[L.B_EXP_RATIO_PREV + 0, L.B_EXP_RATIO_PREV + 2]][None, :]
        else:
            recov = par[:, L.RECOV][:, None] * leak_prev
        res_contrib = par[:, L.THETA_OTHER] * n_res * (Pi_prem + Ps)
        inc_c = np.empty((P, 3))
        inc_c[:, L.F_POOL] = employer + employee + flex + retiree + buyback + recov[:, 0] - credits
        inc_c[:, L.F_ACC] = credits
        inc_c[:, L.F_RES] = res_contrib + recov[:, 1]
        ltc = par[:, L.LTC][:, None] * inc_c[:, [L.F_POOL, L.F_RES]]

        # ---- 6. funds
        exp = np.empty((P, 3))
        exp[:, L.F_POOL] = medical[:, 0] + maternity + ltc[:, 0]
        exp[:, L.F_RES] = medical[:, 1] + cii + ltc[:, 1]
        bal_open = bal if t > 0 else np.broadcast_to(base[L.B_BAL_PREV:L.B_BAL_PREV + 3][None, :], (P, 3))
        exp[:, L.F_ACC] = np.minimum(bal_open[:, L.F_ACC] + credits,
                                     par[:, L.XI_F] * credits + par[:, L.XI_B] * bal_open[:, L.F_ACC])
        transfer = np.zeros((P, 3))
        if t == 0:
            J = np.broadcast_to(base[L.B_J0:L.B_J0 + 3][None, :], (P, 3)).copy()
            new_bal = np.broadcast_to(base[L.B_BAL0:L.B_BAL0 + 3][None, :], (P, 3)).copy()
        else:
            J = i_rate[:, None] * bal_open + (i_rate[:, None] / 2) * (inc_c - exp)
            new_bal = bal_open + inc_c + J - exp
            if flags[L.FLAG_BACKSTOP]:
                for f in (L.F_POOL, L.F_RES):
                    need = par[:, L.BACKSTOP_MONTHS] * exp[:, f] / 12.0 - new_bal[:, f]
                    transfer[:, f] = np.maximum(need, 0.0)
                    new_bal[:, f] += transfer[:, f]
        if trigger:
            # year t's end state sets year t+1's offsets (one year of lag)
            for f, off, step in ((L.F_POOL, "e", L.TRIG_STEP_E), (L.F_RES, "p", L.TRIG_STEP_P)):
                rm = new_bal[:, f] / (exp[:, f] / 12.0)
                if flags[L.FLAG_TRIGGER_PROJECTED] and t > 0:
                    rm = 2 * rm - rm_last[:, f]
                low = rm < par[:, L.TRIG_LOWER]
                high = rm > par[:, L.TRIG_UPPER]
                delta = np.where(low, par[:, step], np.where(high, -par[:, step], 0.0))
                if off == "e":
                    off_e = off_e + delta
                else:
                    off_p = off_p + delta

        rm_last = new_bal / (exp / 12.0)

        # ---- pay-as-you-go break-even (specification section 12): employer rate, resident premium
        ltc_share = par[:, L.LTC]
        a_rate = base_emp * relief * (1 - (1 - par[:, L.PPO]) * par[:, L.ALPHA_E])
        b_fixed = employee + flex + retiree - credits_fixed
        with np.errstate(divide="ignore", invalid="ignore"):
            be_rate = ((medical[:, 0] + maternity + ltc_share * (buyback + recov[:, 0]) - b_fixed * (1 - ltc_share))
                       / (a_rate * (1 - ltc_share)))
        be_rate = np.where(a_rate * (1 - ltc_share) > 0, be_rate, np.nan)
        res_parts = (inp_np[:, 1], inp_pd[:, 1], med[:, 1, L.OUT], med[:, 1, L.CHR], demand[:, 1], budget[:, 1])
        be_prem = _breakeven_premium(par, flags, t, Y, base[L.B_PSI0], enrol, n_res, res_parts, theta,
                                     1 + par[:, L.EPI_COST] * epi, recov[:, 1], Pi_prem)

        # ---- outputs
        o = out[:, t]
        for f in range(3):
            o[:, L.O_INC_C[f]] = inc_c[:, f]
            o[:, L.O_J[f]] = J[:, f]
            o[:, L.O_EXP[f]] = exp[:, f]
            o[:, L.O_BAL[f]] = new_bal[:, f]
            o[:, L.O_TRANSFER[f]] = transfer[:, f]
        for mi in range(2):
            for j in range(3):
                o[:, L.O_MED[mi][j]] = med[:, mi, j]
            o[:, L.O_LEAK[mi]] = leak[:, mi]
            o[:, L.O_RECOV[mi]] = recov[:, mi]
            o[:, L.O_DIP_DEMAND[mi]] = demand[:, mi]
            o[:, L.O_DIP_PAY[mi]] = pay[:, mi]
            o[:, L.O_DIP_BUDGET[mi]] = budget[:, mi]
            o[:, L.O_POINTS[mi]] = pts[:, mi]
            o[:, L.O_PV_REF[mi]] = pv_ref
            o[:, L.O_MARGIN[mi]] = margin[:, mi]
            o[:, L.O_DIP_FLOOR_OVERRUN[mi]] = floor_overrun[:, mi]
            o[:, L.O_DIP_FLOOR_BINDING[mi]] = floor_binding[:, mi]
            o[:, L.O_DIP_CAP_BINDING[mi]] = cap_binding[:, mi]
        o[:, L.O_POP] = N.sum(axis=(1, 2))
        o[:, L.O_EMPLOYEES] = A.sum(axis=(1, 2))
        o[:, L.O_FLEXIBLE] = F.sum(axis=(1, 2))
        o[:, L.O_RETIREES] = n_ret
        o[:, L.O_RESIDENTS] = n_res
        births = par[:, L.TFR] * (fx[t][None, :] * N[:, :, L.FEMALE]).sum(axis=1)
        o[:, L.O_BIRTHS] = births
        o[:, L.O_BIRTHS_EMP] = births_emp
        o[:, L.O_MATERNITY] = maternity
        o[:, L.O_CII] = cii
        o[:, L.O_LTC] = ltc.sum(axis=1)
        o[:, L.O_EMPLOYER_CONTRIB] = employer
        o[:, L.O_EMPLOYEE_CONTRIB] = employee
        o[:, L.O_FLEX_CONTRIB] = flex
        o[:, L.O_RETIREE_CONTRIB] = retiree
        o[:, L.O_BUYBACK] = buyback
        o[:, L.O_RES_CONTRIB] = res_contrib
        o[:, L.O_EMPLOYER_RATE] = cer
        o[:, L.O_BREAKEVEN_RATE] = be_rate
        o[:, L.O_BREAKEVEN_PREMIUM] = be_prem
        o[:, L.O_CONTRIB_BASE] = base_emp
        o[:, L.O_PREMIUM] = Pi_prem
        o[:, L.O_SUBSIDY] = Ps
        o[:, L.O_WAGE] = W
        o[:, L.O_RES_INCOME] = Y
        o[:, L.O_COST_INDEX] = Cm
        o[:, L.O_WAGE_GROWTH] = gw
        o[:, L.O_EXCESS] = ge
        o[:, L.O_INTEREST_RATE] = i_rate
        o[:, L.O_RESINC_GROWTH] = gy
        o[:, L.O_EPIDEMIC] = epi
        o[:, L.O_KAPPA] = kappa
        o[:, L.O_DEATHS] = (N * (1 - np.exp(-m))).sum(axis=(1, 2))
        o[:, L.O_NET_MIG] = net_mig

        # ---- carry to next year
        srb = par[:, L.SRB]
        births_prev = np.stack([births * srb / (1 + srb), births / (1 + srb)], axis=1)
        m_prev = m
        bal = new_bal
        pay_prev = pay
        theta_prev = theta
        inc_prev2 = inc_prev
        inc_prev = inc_c
        eo_prev = exp[:, [L.F_POOL, L.F_RES]] - pay
        leak_prev = leak
        S_prev = base[L.B_S0] * Cm * base[L.B_W0] / W
        par_prev = par
    return out


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
        e = (Pi / Y / psi0) ** (-par[:, L.ENROL_ELAST])
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


def _breakeven_premium(par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov, Pi_now):
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
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    bisected = np.where(ok, (lo + hi) / 2, np.nan)
    return np.where(par[:, L.ENROL_ELAST] == 0.0, closed, bisected)
