"""The projection kernel: ``prange`` over paths, one path projected year by year.

:func:`project_path` is the year loop: it holds a path's state and calls the step functions of
each model section in the order of specification section 8 (economy → population → membership →
expenditure → payment reform → income → funds → rules → break-even), one module per section:
:mod:`.parameters` (section 2), :mod:`.economy` (5), :mod:`.population` (3), :mod:`.membership` (4),
:mod:`.expenditure` (7), :mod:`.reform` (8), :mod:`.income` (6), :mod:`.funds` (9), :mod:`.rules` (10),
:mod:`.breakeven` (12).  The NumPy reference (:mod:`simulator.reference`) has the same steps under
the same names; the tests hold each step and the whole projection equal to 1e-9 relative.

Each path writes only its own slice ``out[p]`` (no shared accumulators), and its random numbers
come from the counter-based streams keyed by its global path index, so results do not depend on
the number of threads or on how paths are chunked.  Scratch memory is per path (a few age x sex
arrays), so memory grows with paths x years only through ``out``.
"""

import numpy as np
from numba import prange

from .. import layout as L
from . import breakeven as BE
from . import economy as EC
from . import expenditure as EX
from . import funds as FU
from . import income as IN
from . import membership as ME
from . import population as PO
from . import reform as RF
from . import rng as RNG
from . import rules as RU
from .jit import jit
from .parameters import indexed_parameters, year_parameters
from .record import record_year

NA = L.N_AGES
NS = L.N_SEXES
NC = NA * NS


@jit()
def project_path(p, seed, path_id, streams, sched, shift, lo, hi, flags, base, pop0, m0, ri, fx, mig_prof,
                 track, rho, flex_rel, tau, rt0, wp, c0h, wdis, perdiem, chol, index_rows, index_plus, out_price,
                 cover, use_cover, out):
    """Project one path (local index p, global index path_id) into out[p] (T, N_OUT): the year loop.
    ``cover`` holds what is the same on every path, computed once (:func:`.expenditure.cover_table`)."""
    K = sched.shape[0]
    T = out.shape[1]
    D = wdis.shape[0]
    base_year = flags[L.FLAG_BASE_YEAR]
    par, par_prev, par_s = np.empty(K), np.empty(K), np.empty(K)
    N = pop0.copy()
    members = np.empty((L.N_GROUPS, NA, NS))  # A, F, Rt, Rs: employees, flexible, retirees, residents
    A, F, Rt, Rs = members[L.EMP], members[L.FLX], members[L.RET], members[L.RES]
    Rt[:, :] = rt0
    members_flat = members.reshape(L.N_GROUPS, NC)
    newN, h = np.empty((NA, NS)), np.empty((NA, NS))  # h = exp(-m/2) of this year (half-year survival)
    h_prev = np.ones((NA, NS))        # exp(-m/2) of last year
    S_surv = np.empty((NA, NS))       # survival between mid-year stocks from last year's rates
    Pi_ret, Pi_prev = np.empty((NA, NS)), np.empty((NA, NS))
    dmc, dmp, sums = np.empty((3, NC)), np.empty((3, NC)), np.empty((5, L.N_GROUPS))  # expenditure scratch
    x = np.zeros(L.N_DRIVERS)         # drivers as rates (fraction per year), as reported
    keys = np.empty(streams.shape[0], dtype=np.uint64)  # each stream's hash for this path, once (rng.path_keys)
    RNG.path_keys(seed, streams, path_id, keys)
    lx = np.zeros(L.N_DRIVERS)        # log(1 + x): the AR(1) state (specification section 5)
    lmu_prev = np.zeros(L.N_DRIVERS)  # last year's mean of lx, log(1 + mean), bend included
    z = np.zeros(2 * L.N_DRIVERS)     # shared shocks, then the region's own (section 17)
    lam, iota, lamiota = np.ones(D), np.ones(D), np.ones(D)
    cp, pay_prev, eo_prev, leak_prev, births_prev = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
    bal, inc_prev, inc_prev2 = np.zeros(3), np.zeros(3), np.zeros(3)
    med = np.zeros((2, 3))
    inp_np, inp_pd, chr_members, demand, pay, budget = (np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
                                                         np.zeros(2), np.zeros(2))
    pts, V, leak, medical, recov = np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2)
    floor_overrun, floor_binding, cap_binding = np.zeros(2), np.zeros(2), np.zeros(2)
    away, price_ratio = np.zeros(2), np.zeros(2)  # out-of-region care (section 17)
    inc_c, exp, J, new_bal, transfer = np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3)
    kappa = 0.0
    W = base[L.B_W0]
    Y = base[L.B_Y0]
    W_prev = base[L.B_W_PREV]
    Cm = 1.0
    Cpd = 1.0
    theta_prev = 0.0
    S_prev = base[L.B_S0]
    year_parameters(sched, shift, lo, hi, p, 0, True, par_prev)
    off_e = 0.0  # rate-trigger offsets: employer rate, resident premium
    off_p = 0.0
    trigger = flags[L.FLAG_TRIGGER] != 0
    c0h_flat = c0h.reshape(2, 3, NC)
    wdis_flat = wdis.reshape(wdis.shape[0], 3, NC)
    rm_last_pool = 0.0
    rm_last_res = 0.0
    rr0 = np.zeros((L.N_GROUPS, 3))   # base-year reimbursement ratios (demand response, section 7)
    index_at_t0 = np.ones(index_rows.shape[0])  # each indexed schedule's index in its year t0

    for t in range(T):
        year = base_year + t
        year_parameters(sched, shift, lo, hi, p, t, t > 0, par)
        # ---- economy, disease, mortality index, epidemic (sections 5, 7, 3)
        epi = 0.0
        if t == 0:
            year_parameters(sched, shift, lo, hi, p, t, True, par_s)
            EC.drivers_at_mean(par_s, x, lx, lmu_prev)
        else:
            EC.driver_shocks(keys, t, par, z)
            bend = 1.0
            if flags[L.FLAG_SMAX] != 0:
                bend = EC.cost_bend(S_prev, par[L.SMAX], base[L.B_S0])
            EC.drivers_ar1(par, chol, z, bend, x, lx, lmu_prev)
            W_prev = W
            W, Y, Cm = EC.price_levels(W, Y, Cm, lx)
            Cpd = RF.grow_payment_indices(par, Cpd, cp)
            EX.disease_indices(keys, t, par, lam, iota)
            kappa = PO.mortality_index(kappa, par[L.KAPPA_SD], keys[L.S_MORTALITY], t)
            epi = EC.epidemic_draw(keys[L.S_EPIDEMIC], t, par[L.EPI_P])
        indexed_parameters(index_rows, index_plus, index_at_t0, sched, shift, lo, hi, p, t, W, Y, Cm, par)

        # ---- population (section 3)
        net_mig = 0.0
        if t > 0:
            PO.survival_factors(h_prev, S_surv)
            PO.survive(N, births_prev, S_surv, h_prev, newN)
            net_mig = PO.migrate(newN, par[L.MIG_TOTAL], mig_prof, N)
        PO.mortality_rates(m0, ri, kappa, h)

        # ---- membership (section 4), premium and the rate trigger's offsets (sections 6, 10)
        ME.retired_share(track, t + 1, par[L.WOMEN50], Pi_ret)
        ME.retired_share(track, t, par_prev[L.WOMEN50] if t > 0 else par[L.WOMEN50], Pi_prev)
        if t > 0:
            ME.age_retirees(Rt, S_surv, h_prev)
        n_emp, n_flex, n_ret, buyback_persons = ME.working_members(
            N, Pi_ret, Pi_prev, rho, flex_rel, par[L.COV_TREND], par[L.FLEX_SHARE], par[L.VEST_M], par[L.VEST_F],
            par[L.BUYBACK], t, A, F, Rt)
        Pi_prem = IN.resident_premium(flags[L.FLAG_PI_SHARE] != 0, par[L.PI_SHARE], Y, par[L.PI])
        cer = par[L.CER]
        cfl = par[L.CFL]
        if trigger and t > 0:
            off_e, off_p, cer, cfl, Pi_prem = RU.trigger_offsets(par, off_e, off_p, cer, cfl, Pi_prem)
        Ps = IN.resident_subsidy(par[L.PS], flags[L.FLAG_PS_CAP] != 0, par[L.PS_CAP], Pi_prem)
        enrol = ME.enrolment_factor(Pi_prem, Y, base[L.B_PSI0], par[L.ENROL_ELAST])
        n_res = ME.residents(N, tau, A, F, Rt, enrol, Rs)

        # ---- expenditure and payment reform (sections 7-8, in section 8's order)
        for d in range(D):
            lamiota[d] = lam[d] * iota[d]
        EX.medical_by_line(par, t, lamiota, wdis_flat, perdiem, c0h_flat, members_flat, Cm, Cpd, rr0, cover[t],
                           use_cover, dmc, dmp, sums,
                           med, inp_np, inp_pd, chr_members)
        RF.capitation(par, t, med, cp, chr_members)
        RF.out_of_region_split(base, out_price, p, t, inp_np, away)
        theta, pv_ref, se_now = RF.dip_points(par, year, flags[L.FLAG_DIP_START], Cm, inp_np, V, pts, demand)
        RF.global_budget(par, flags, t, base, theta, theta_prev, demand, pay_prev, inc_prev, inc_prev2, eo_prev,
                         budget, pay, floor_overrun, floor_binding, cap_binding)
        epi_mult = RF.leakage_and_epidemic(par, epi, theta, inp_np, inp_pd, pay, away, med, leak, medical)
        for mi in range(2):
            price_ratio[mi] = RF.inpatient_price_ratio(theta, inp_np, pay, mi)
        births_emp, births_flex, births_all = PO.births_by_group(par[L.TFR], fx[t], A, F, N)
        W_lag = W_prev if t > 0 else base[L.B_W_PREV]
        maternity = EX.maternity(par, Cm, births_emp, births_flex, W_lag)
        cii = EX.critical_illness_premium(par, flags[L.FLAG_CII_SHARE] != 0, Pi_prem, Ps) * n_res

        # ---- income (section 6)
        relief = 1 - par[L.EPI_RELIEF] * epi
        base_emp = IN.contribution_base(A, wp, W, par[L.BETA], par[L.GAMMA_C])
        employer, employee, flex, retiree, buyback = IN.employee_scheme_contributions(
            par, base_emp, cer, cfl, relief, n_flex, n_ret, W, buyback_persons)
        credits_fixed, credits = IN.account_credits(par, base_emp, cer, relief, n_ret)
        IN.recoveries(par, t, leak, leak_prev, base, recov)
        res_contrib = IN.resident_contributions(par[L.THETA_OTHER], n_res, Pi_prem, Ps)
        IN.contribution_income(employer, employee, flex, retiree, buyback, credits, res_contrib, recov, inc_c)

        # ---- funds (section 9) and the rules reading the year's end state (section 10)
        ltc0, ltc1 = FU.fund_expenditure(par, t, medical, maternity, cii, inc_c, credits, bal, base, exp)
        FU.balances(t, x[L.D_INTEREST], bal, inc_c, exp, base, flags[L.FLAG_BACKSTOP] != 0, par[L.BACKSTOP_MONTHS],
                    J, new_bal, transfer)
        rm_pool = FU.reserve_months(new_bal[L.F_POOL], exp[L.F_POOL])
        rm_res = FU.reserve_months(new_bal[L.F_RES], exp[L.F_RES])
        if trigger:
            projected = flags[L.FLAG_TRIGGER_PROJECTED] != 0 and t > 0
            off_e += RU.trigger_step(rm_pool, rm_last_pool, projected, par[L.TRIG_LOWER], par[L.TRIG_UPPER],
                                     par[L.TRIG_STEP_E])
            off_p += RU.trigger_step(rm_res, rm_last_res, projected, par[L.TRIG_LOWER], par[L.TRIG_UPPER],
                                     par[L.TRIG_STEP_P])
        rm_last_pool = rm_pool
        rm_last_res = rm_res

        # ---- pay-as-you-go break-even (section 12)
        be_rate = BE.breakeven_rate(par, base_emp, relief, employee, flex, retiree, credits_fixed, medical[0],
                                    maternity, buyback, recov[0])
        be_slope = BE.breakeven_rate_slope(par, base_emp, relief)
        # care away from home scales with the members, outside the budget, as per-diem care does
        be_prem = BE.breakeven_premium(par, flags, t, Y, base[L.B_PSI0], enrol, n_res, inp_np[1], inp_pd[1] + away[1],
                                       med[1, L.OUT], med[1, L.CHR], demand[1], budget[1], theta, epi_mult,
                                       recov[1], Pi_prem)

        # ---- outputs
        pop_sum, deaths = PO.population_and_deaths(N, h)
        record_year(out[p, t], inc_c, J, exp, new_bal, transfer, med, leak, recov, demand, pay, budget, pts, pv_ref,
                    V, Cm, se_now, floor_overrun, floor_binding, cap_binding, pop_sum, n_emp, n_flex, n_ret, n_res,
                    births_all, births_emp, maternity, cii, ltc0 + ltc1, employer, employee, flex, retiree, buyback,
                    res_contrib, cer, be_rate, be_slope, be_prem, base_emp, Pi_prem, Ps, W, Y, x, epi, kappa, deaths, net_mig,
                    price_ratio, away)

        # ---- carry to next year
        PO.births_by_sex(births_all, par[L.SRB], births_prev)
        h, h_prev = h_prev, h  # this year's h is next year's h_prev (the buffers swap, no copy)
        for f in range(3):
            bal[f] = new_bal[f]
            inc_prev2[f] = inc_prev[f]
            inc_prev[f] = inc_c[f]
        for mi in range(2):
            pay_prev[mi] = pay[mi]
            eo_prev[mi] = exp[0 if mi == 0 else 2] - pay[mi]
            leak_prev[mi] = leak[mi]
        theta_prev = theta
        S_prev = EC.cost_to_wage_share(base[L.B_S0], Cm, base[L.B_W0], W)
        par_prev[:] = par


@jit(parallel=True)
def project(seed_, path_ids_, streams_, sched_, shift_, lo_, hi_, flags_, base_, pop0_, m0_, ri_, fx_, mig_prof_,
            track_, rho_, flex_rel_, tau_, rt0_, wp_, c0h_, wdis_, perdiem_, chol_, index_rows_, index_plus_, out_price_,
            out_):
    """Project every path: ``out[p, t, v]`` for paths ``path_ids`` (prange over paths).

    (Argument names carry a trailing underscore: numba's parfor lowering rejects a prange body
    whose call arguments share names with the callee's parameters.)
    """
    n_paths = path_ids_.shape[0]
    # what is fixed per year (the same on every path) once, outside the path loop
    cover_ = np.empty((out_.shape[1], L.N_GROUPS, 3))
    use_cover_ = EX.cover_table(sched_, shift_, lo_, hi_, index_rows_, cover_)
    for p in prange(n_paths):
        # np.int64(p): typing sees p as int64 but the parallel loop body gets an unsigned index;
        # without the cast project_path (most of the compile time) is compiled twice
        project_path(np.int64(p), seed_, path_ids_[p], streams_, sched_, shift_, lo_, hi_, flags_, base_, pop0_, m0_, ri_, fx_,
                     mig_prof_, track_, rho_, flex_rel_, tau_, rt0_, wp_, c0h_, wdis_, perdiem_, chol_, index_rows_,
                     index_plus_, out_price_, cover_, use_cover_, out_)
