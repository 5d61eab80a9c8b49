"""The year loop of the NumPy reference: vectorised over paths and ages, looping in Python over
years only, calling the steps of :mod:`simulator.reference` (the same names as the kernel's,
:mod:`simulator.kernels`) in the order of specification section 8."""

import numpy as np

from .. import layout as L
from . import breakeven as BE
from . import economy as EC
from . import expenditure as EX
from . import funds as FU
from . import income as IN
from . import membership as ME
from . import population as PO
from . import reform as RF
from . import rules as RU
from .parameters import indexed_parameters, year_parameters
from .record import record_year


def project(inp, horizon=None):
    """Project every path of ``inp``; returns ``out`` of shape (P, T, N_OUT)."""
    (seed, path_ids, streams, sched, shift, lo, hi, flags, base, pop0, m0, ri, fx, mig_prof, track,
     rho, flex_rel, tau, rt0, wp, c0h, wdis, perdiem, chol, index_rows, index_plus, out_price) = inp
    P = path_ids.shape[0]
    T = sched.shape[1] if horizon is None else horizon + 1
    D = wdis.shape[0]
    out = np.zeros((P, T, L.N_OUT))
    base_year = int(flags[L.FLAG_BASE_YEAR])
    paths = path_ids.astype(np.int64)

    # ---- state
    S_surv = None  # survival between mid-year stocks from last year's rates (from t = 1)
    N = np.broadcast_to(pop0, (P, L.N_AGES, L.N_SEXES)).copy()
    Rt = np.broadcast_to(rt0, (P, L.N_AGES, L.N_SEXES)).copy()
    kappa = np.zeros(P)
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
    h_prev = np.ones((P, L.N_AGES, L.N_SEXES))  # exp(-m/2) of last year (half-year survival)
    births_prev = np.zeros((P, L.N_SEXES))
    S_prev = np.full(P, base[L.B_S0])
    par_prev = year_parameters(sched, shift, lo, hi, 0, True)
    off_e = np.zeros(P)  # rate-trigger offsets (specification section 10): employer rate, resident premium
    off_p = np.zeros(P)
    trigger = bool(flags[L.FLAG_TRIGGER])
    rm_last = np.zeros((P, 3))  # last year's reserve months (the projected trigger's slope)
    rr0 = np.zeros((P, L.N_GROUPS, 3))  # base-year reimbursement ratios (demand response, section 7)
    index_at_t0 = np.ones((P, index_rows.shape[0]))  # each indexed schedule's index in its year t0

    for t in range(T):
        year = base_year + t
        par = year_parameters(sched, shift, lo, hi, t, t > 0)
        # ---- economy, disease, mortality index, epidemic (sections 5, 7, 3)
        if t == 0:
            x, lx, lmu_prev = EC.drivers_at_mean(year_parameters(sched, shift, lo, hi, t, True))
            epi = np.zeros(P)
        else:
            z = EC.driver_shocks(seed, streams, paths, t, par)
            bend = np.ones(P)
            if flags[L.FLAG_SMAX]:
                bend = EC.cost_bend(S_prev, par[:, L.SMAX], base[L.B_S0])
            x, lx, lmu_prev = EC.drivers_ar1(par, chol, z, bend, lx, lmu_prev)
            W_prev = W.copy()
            W, Y, Cm = EC.price_levels(W, Y, Cm, lx)
            Cpd, cp = RF.grow_payment_indices(par, Cpd, cp)
            EX.disease_indices(seed, streams, paths, t, par, lam, iota)
            kappa = PO.mortality_index(kappa, par[:, L.KAPPA_SD], seed, streams[L.S_MORTALITY], paths, t)
            epi = EC.epidemic_draw(seed, streams[L.S_EPIDEMIC], paths, t, par[:, L.EPI_P])
        par = indexed_parameters(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, t, W, Y, Cm, par)

        # ---- population (section 3)
        net_mig = np.zeros(P)
        if t > 0:
            S_surv = PO.survival_factors(h_prev)
            N, net_mig = PO.migrate(PO.survive(N, births_prev, S_surv, h_prev), par[:, L.MIG_TOTAL], mig_prof)
        h = PO.mortality_rates(m0, ri, kappa)

        # ---- membership (section 4), premium and the rate trigger's offsets (sections 6, 10)
        Pi_ret = ME.retired_share(track, t + 1, par[:, L.WOMEN50])
        Pi_prev = ME.retired_share(track, t, par_prev[:, L.WOMEN50] if t > 0 else par[:, L.WOMEN50])
        if t > 0:
            Rt = ME.age_retirees(Rt, S_surv, h_prev)
        A, F, Rt, n_emp, n_flex, n_ret, buyback_persons = ME.working_members(
            N, Pi_ret, Pi_prev, rho, flex_rel, par[:, L.COV_TREND], par[:, L.FLEX_SHARE], par[:, L.VEST_M],
            par[:, L.VEST_F], par[:, L.BUYBACK], t, Rt)
        Pi_prem = IN.resident_premium(flags[L.FLAG_PI_SHARE], par[:, L.PI_SHARE], Y, par[:, L.PI])
        cer = par[:, L.CER]
        cfl = par[:, L.CFL]
        if trigger and t > 0:
            off_e, off_p, cer, cfl, Pi_prem = RU.trigger_offsets(par, off_e, off_p, cer, cfl, Pi_prem)
        Ps = IN.resident_subsidy(par[:, L.PS], flags[L.FLAG_PS_CAP], par[:, L.PS_CAP], Pi_prem)
        enrol = ME.enrolment_factor(Pi_prem, Y, base[L.B_PSI0], par[:, L.ENROL_ELAST])
        Rs, n_res = ME.residents(N, tau, A, F, Rt, enrol)

        # ---- expenditure and payment reform (sections 7-8, in section 8's order)
        lamiota = lam * iota  # (P, D)
        med, inp_np, inp_pd, chr_members = EX.medical_by_line(par, t, lamiota, wdis, perdiem, c0h, (A, F, Rt, Rs),
                                                              Cm, Cpd, rr0)
        cp = RF.capitation(par, t, med, cp, chr_members)
        inp_np, away = RF.out_of_region_split(base, out_price, t, inp_np)
        theta, pv_ref, se_now, V, pts, demand = RF.dip_points(par, year, int(flags[L.FLAG_DIP_START]), Cm, inp_np)
        budget, pay, floor_overrun, floor_binding, cap_binding = RF.global_budget(
            par, flags, t, base, theta, theta_prev, demand, pay_prev, inc_prev, inc_prev2, eo_prev)
        epi_mult, leak, medical = RF.leakage_and_epidemic(par, epi, theta, inp_np, inp_pd, pay, away, med)
        price_ratio = RF.inpatient_price_ratio(theta, inp_np, pay)
        births_emp, births_flex, births_all = PO.births_by_group(par[:, L.TFR], fx[t], A, F, N)
        W_lag = W_prev if t > 0 else np.full(P, base[L.B_W_PREV])
        maternity = EX.maternity(par, Cm, births_emp, births_flex, W_lag)
        cii = EX.critical_illness_premium(par, flags[L.FLAG_CII_SHARE], Pi_prem, Ps) * n_res

        # ---- income (section 6)
        relief = 1 - par[:, L.EPI_RELIEF] * epi
        base_emp = IN.contribution_base(A, wp, W, par[:, L.BETA], par[:, L.GAMMA_C])
        employer, employee, flex, retiree, buyback = IN.employee_scheme_contributions(
            par, base_emp, cer, cfl, relief, n_flex, n_ret, W, buyback_persons)
        credits_fixed, credits = IN.account_credits(par, base_emp, cer, relief, n_ret)
        recov = IN.recoveries(par, t, leak, leak_prev, base)
        res_contrib = IN.resident_contributions(par[:, L.THETA_OTHER], n_res, Pi_prem, Ps)
        inc_c = IN.contribution_income(employer, employee, flex, retiree, buyback, credits, res_contrib, recov)

        # ---- funds (section 9) and the rules reading the year's end state (section 10)
        ltc, exp, bal_open = FU.fund_expenditure(par, t, medical, maternity, cii, inc_c, credits, bal, base)
        J, new_bal, transfer = FU.balances(t, x[:, L.D_INTEREST], bal_open, inc_c, exp, base,
                                           bool(flags[L.FLAG_BACKSTOP]), par[:, L.BACKSTOP_MONTHS])
        if trigger:
            # year t's end state sets year t+1's offsets (one year of lag)
            projected = bool(flags[L.FLAG_TRIGGER_PROJECTED]) and t > 0
            off_e = off_e + RU.trigger_step(FU.reserve_months(new_bal[:, L.F_POOL], exp[:, L.F_POOL]),
                                            rm_last[:, L.F_POOL], projected, par[:, L.TRIG_LOWER],
                                            par[:, L.TRIG_UPPER], par[:, L.TRIG_STEP_E])
            off_p = off_p + RU.trigger_step(FU.reserve_months(new_bal[:, L.F_RES], exp[:, L.F_RES]),
                                            rm_last[:, L.F_RES], projected, par[:, L.TRIG_LOWER],
                                            par[:, L.TRIG_UPPER], par[:, L.TRIG_STEP_P])
        rm_last = FU.reserve_months(new_bal, exp)

        # ---- pay-as-you-go break-even (section 12): employer rate, resident premium
        be_rate = BE.breakeven_rate(par, base_emp, relief, employee, flex, retiree, credits_fixed, medical[:, 0],
                                    maternity, buyback, recov[:, 0])
        be_slope = BE.breakeven_rate_slope(par, base_emp, relief)
        res_parts = (inp_np[:, 1], inp_pd[:, 1] + away[:, 1], med[:, 1, L.OUT], med[:, 1, L.CHR], demand[:, 1], budget[:, 1])
        be_prem = BE.breakeven_premium(par, flags, t, Y, base[L.B_PSI0], enrol, n_res, res_parts, theta,
                                       epi_mult, recov[:, 1], Pi_prem)

        # ---- outputs
        pop_sum, deaths = PO.population_and_deaths(N, h)
        record_year(out[:, t], inc_c, J, exp, new_bal, transfer, med, leak, recov, demand, pay, budget, pts, pv_ref,
                    V, Cm, se_now, floor_overrun, floor_binding, cap_binding, pop_sum, n_emp, n_flex, n_ret, n_res,
                    births_all, births_emp, maternity, cii, ltc.sum(axis=1), employer, employee, flex, retiree,
                    buyback, res_contrib, cer, be_rate, be_slope, be_prem, base_emp, Pi_prem, Ps, W, Y, x, epi, kappa, deaths,
                    net_mig, price_ratio, away)

        # ---- carry to next year
        births_prev = PO.births_by_sex(births_all, par[:, L.SRB])
        h_prev = h
        bal = new_bal
        pay_prev = pay
        theta_prev = theta
        inc_prev2 = inc_prev
        inc_prev = inc_c
        eo_prev = exp[:, [L.F_POOL, L.F_RES]] - pay
        leak_prev = leak
        S_prev = EC.cost_to_wage_share(base[L.B_S0], Cm, base[L.B_W0], W)
        par_prev = par
    return out
