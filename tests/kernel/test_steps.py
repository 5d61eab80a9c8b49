"""Each step function of the kernel (simulator.kernels, one module per model section) against the
NumPy reference's function of the same name (simulator.reference), on randomised inputs; and the
bookkeeping that keeps one hop from an output's name to its equation (issue 17 item 1).

The kernel steps take one path's scalars and scratch arrays, the reference's every path at once:
each test calls the kernel step path by path and compares with the reference's row, to 1e-9
relative to each quantity's scale.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import warnings

import numpy as np
import pytest

from simulator import kernels as _kernels  # noqa: F401  (cache folder before any kernel module)
from simulator import layout as L
from simulator.kernels import breakeven as kBE, economy as kEC, expenditure as kEX, funds as kFU, income as kIN
from simulator.kernels import membership as kME, parameters as kPA, population as kPO, record as kRE
from simulator.kernels import reform as kRF, rules as kRU
from simulator.reference import breakeven as rBE, economy as rEC, expenditure as rEX, funds as rFU, income as rIN
from simulator.reference import membership as rME, parameters as rPA, population as rPO, record as rRE
from simulator.reference import reform as rRF, rules as rRU

SECTIONS = ("parameters", "economy", "population", "membership", "expenditure", "reform", "income", "funds", "rules",
            "breakeven", "record")
P = 5
NA, NS = L.N_AGES, L.N_SEXES


def _keys(inp, path):
    """The kernel's stream keys of one path (each stream's hash of seed and path, made once)."""
    from simulator.kernels import rng as kRNG
    keys = np.empty(inp.streams.shape[0], dtype=np.uint64)
    kRNG.path_keys(inp.seed, inp.streams, int(path), keys)
    return keys


def close(a, b, rtol=1e-9):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    if not ok.any():
        return
    scale = max(float(np.max(np.abs(b[ok]))), 1e-300)
    err = float(np.max(np.abs(a[ok] - b[ok]))) / scale
    assert err <= rtol, f"relative difference {err:.3g}"


@pytest.fixture(scope="module")
def case():
    """A compiled baseline (its arrays) and randomised state and parameters for P paths."""
    import simulator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, compiled = simulator.prepare("baseline", paths=P, seed=5, horizon=6)
    inp = compiled.inputs
    rng = np.random.default_rng(17)
    t = 3
    par = rPA.year_parameters(inp.sched, inp.shift, inp.lo, inp.hi, t, True)
    par = par * rng.uniform(0.8, 1.2, par.shape)
    par[:, list(L.MU)] = rng.uniform(-0.02, 0.08, (P, L.N_DRIVERS))
    par[:, list(L.PHI)] = rng.uniform(-0.5, 0.95, (P, L.N_DRIVERS))
    par[:, list(L.SIGMA)] = rng.uniform(0.0, 0.1, (P, L.N_DRIVERS))
    par[:, L.ENROL_ELAST] = rng.uniform(0.0, 0.5, P)
    par[:, L.CII_SHARE] = rng.uniform(0.0, 0.1, P)
    for g in range(L.N_GROUPS):
        for j in range(3):
            par[:, L.RR[g][j]] = rng.uniform(0.3, 0.98, P)
            par[:, L.LIMIT[g][j]] = rng.uniform(0.0, 0.1, P)
    for j in range(3):
        par[:, L.EPS_D[j]] = np.where(rng.uniform(size=P) < 0.3, 0.0, rng.uniform(0, 0.8, P))
    par = np.ascontiguousarray(par)
    N = inp.pop0[None] * rng.uniform(0.7, 1.3, (P, NA, NS))
    m = inp.m0[None] * rng.uniform(0.5, 1.5, (P, NA, NS))
    Rt = inp.rt0[None] * rng.uniform(0.5, 1.5, (P, NA, NS))
    return dict(inp=inp, rng=rng, t=t, year=int(inp.flags[L.FLAG_BASE_YEAR]) + t, par=par, N=N, m=m, Rt=Rt,
                paths=inp.path_ids.astype(np.int64))


def per_path(fn, *arrays):
    """Stack fn(p) over paths (each a scalar or tuple of scalars)."""
    return np.array([fn(p) for p in range(P)])


# --------------------------------------------------------------------------- section 2


def test_year_parameters(case):
    inp = case["inp"]
    for shifted in (False, True):
        ref = rPA.year_parameters(inp.sched, inp.shift, inp.lo, inp.hi, 2, shifted)
        for p in range(P):
            out = np.empty(inp.sched.shape[0])
            kPA.year_parameters(inp.sched, inp.shift, inp.lo, inp.hi, p, 2, shifted, out)
            close(out, ref[p])


def test_indexed_parameters(case):
    inp, rng, par = case["inp"], case["rng"], case["par"]
    rows = np.array([[L.PI, L.IDX_RESINC, 1], [L.PS, L.IDX_WAGE, 2], [L.QR, L.IDX_COST, 0], [L.CII_PREMIUM, 0, 1]],
                    dtype=np.int64)
    plus = rng.uniform(-0.02, 0.03, 4)
    W, Y, Cm = (rng.uniform(0.5, 2.0, P) * 1e5, rng.uniform(0.5, 2.0, P) * 4e4, rng.uniform(0.8, 1.5, P))
    at_t0 = rng.uniform(0.5, 2.0, (P, 4)) * np.array([4e4, 1e5, 1.0, 1.0])
    ref_at = at_t0.copy()
    ref = rPA.indexed_parameters(rows, plus, ref_at, inp.sched, inp.shift, inp.lo, inp.hi, 2, W, Y, Cm, par)
    for p in range(P):
        k_par, k_at = par[p].copy(), at_t0[p].copy()
        kPA.indexed_parameters(rows, plus, k_at, inp.sched, inp.shift, inp.lo, inp.hi, p, 2, W[p], Y[p], Cm[p], k_par)
        close(k_par, ref[p])
        close(k_at, ref_at[p])


# --------------------------------------------------------------------------- section 5


def test_economy_steps(case):
    inp, rng, par = case["inp"], case["rng"], case["par"]
    x, lx, lmu = rEC.drivers_at_mean(par)
    par = par.copy()
    # a region's own deviations (section 17) on some drivers and paths: drawn only where sigma_r != 0
    par[:, list(L.SIGMA_LOCAL)] = np.where(rng.uniform(size=(P, L.N_DRIVERS)) < 0.5, rng.uniform(0.0, 0.05, (P, L.N_DRIVERS)), 0.0)
    z = rEC.driver_shocks(inp.seed, inp.streams, case["paths"], 3, par)
    assert ((z[:, L.N_DRIVERS:] == 0) == (par[:, list(L.SIGMA_LOCAL)] == 0)).all()
    S_prev, smax = rng.uniform(0.05, 0.2, P), rng.uniform(0.25, 0.4, P)
    bend = rEC.cost_bend(S_prev, smax, 0.1)
    lx1 = lx + rng.normal(0, 0.01, lx.shape)
    rx, rlx, rlmu = rEC.drivers_ar1(par, inp.chol, z, bend, lx1, lmu)
    W, Y, Cm = rng.uniform(1e5, 2e5, P), rng.uniform(3e4, 6e4, P), rng.uniform(1, 2, P)
    levels = rEC.price_levels(W, Y, Cm, rlx)
    for p in range(P):
        kx, klx, klmu, kz = np.empty(4), np.empty(4), np.empty(4), np.empty(8)
        kEC.drivers_at_mean(par[p], kx, klx, klmu)
        close(kx, x[p]), close(klx, lx[p]), close(klmu, lmu[p])
        kEC.driver_shocks(_keys(inp, case["paths"][p]), 3, par[p], kz)
        close(kz, z[p])
        close(kEC.cost_bend(S_prev[p], smax[p], 0.1), bend[p])
        klx, klmu = lx1[p].copy(), lmu[p].copy()
        kEC.drivers_ar1(par[p], inp.chol, z[p], bend[p], kx, klx, klmu)
        close(kx, rx[p]), close(klx, rlx[p]), close(klmu, rlmu[p])
        close(kEC.price_levels(W[p], Y[p], Cm[p], rlx[p]), [v[p] for v in levels])
        close(kEC.cost_to_wage_share(0.1, Cm[p], 1e5, W[p]), rEC.cost_to_wage_share(0.1, Cm, 1e5, W)[p])
    pr = rng.uniform(0, 1, P)
    close(per_path(lambda p: kEC.epidemic_draw(_keys(inp, case["paths"][p])[L.S_EPIDEMIC], 3, pr[p])),
          rEC.epidemic_draw(inp.seed, inp.streams[L.S_EPIDEMIC], case["paths"], 3, pr))


# --------------------------------------------------------------------------- section 3


def test_population_steps(case):
    inp, rng, par, N, m = case["inp"], case["rng"], case["par"], case["N"], case["m"]
    kappa = rng.uniform(0, 10, P)
    births_prev = rng.uniform(4e6, 5e6, (P, 2))
    total = np.where(rng.uniform(size=P) < 0.5, -1e8, 1e6) * rng.uniform(0, 1, P)
    r_kappa = rPO.mortality_index(kappa, par[:, L.KAPPA_SD], inp.seed, inp.streams[L.S_MORTALITY], case["paths"], 3)
    h = np.exp(-m / 2)
    r_h = rPO.mortality_rates(inp.m0, inp.ri, kappa)
    r_S = rPO.survival_factors(h)
    r_new = rPO.survive(N, births_prev, r_S, h)
    r_N, r_net = rPO.migrate(r_new, total, inp.mig_prof)
    A, F = N * 0.3, N * 0.05
    r_births = rPO.births_by_group(par[:, L.TFR], inp.fx[3], A, F, N)
    r_sex = rPO.births_by_sex(r_births[2], par[:, L.SRB])
    r_pop = rPO.population_and_deaths(N, h)
    for p in range(P):
        close(kPO.mortality_index(kappa[p], par[p, L.KAPPA_SD], _keys(inp, case["paths"][p])[L.S_MORTALITY], 3),
              r_kappa[p])
        kh = np.empty((NA, NS))
        kPO.mortality_rates(inp.m0, inp.ri, kappa[p], kh)
        close(kh, r_h[p])
        close(kh, np.exp(-inp.m0 * np.exp(-inp.ri * kappa[p]) / 2))  # h = exp(-m/2), m = m0·exp(-ri·κ)
        kS, new = np.empty((NA, NS)), np.empty((NA, NS))
        kPO.survival_factors(h[p], kS)
        close(kS, r_S[p])
        close(kS[1:], np.exp(-(m[p, :-1] + m[p, 1:]) / 2)), close(kS[0], np.exp(-m[p, 0] / 2))
        kPO.survive(N[p], births_prev[p], kS, h[p], new)
        close(new, r_new[p])
        kN = np.empty((NA, NS))
        close(kPO.migrate(r_new[p], total[p], inp.mig_prof, kN), r_net[p])
        close(kN, r_N[p])
        close(kPO.births_by_group(par[p, L.TFR], inp.fx[3], A[p], F[p], N[p]), [b[p] for b in r_births])
        ks = np.empty(2)
        kPO.births_by_sex(r_births[2][p], par[p, L.SRB], ks)
        close(ks, r_sex[p])
        close(kPO.population_and_deaths(N[p], h[p]), [v[p] for v in r_pop])
        close(r_pop[1][p], (N[p] * (1 - np.exp(-m[p]))).sum())


# --------------------------------------------------------------------------- section 4


def test_membership_steps(case):
    inp, rng, par, N, m, Rt = case["inp"], case["rng"], case["par"], case["N"], case["m"], case["Rt"]
    w50 = rng.uniform(0, 1, P)
    r_pi = rME.retired_share(inp.track, 4, w50)
    r_pp = rME.retired_share(inp.track, 3, w50)
    h = np.exp(-m / 2)
    r_aged = rME.age_retirees(Rt, rPO.survival_factors(h), h)
    args = (par[:, L.COV_TREND], par[:, L.FLEX_SHARE], par[:, L.VEST_M], par[:, L.VEST_F], par[:, L.BUYBACK])
    r_w = rME.working_members(N, r_pi, r_pp, inp.rho, inp.flex_rel, *args, 3, r_aged)
    prem, Y = rng.uniform(300, 500, P), rng.uniform(3e4, 5e4, P)
    r_e = rME.enrolment_factor(prem, Y, 0.01, par[:, L.ENROL_ELAST])
    r_rs, r_nres = rME.residents(N, inp.tau, r_w[0], r_w[1], r_w[2], r_e)
    for p in range(P):
        kpi, kpp = np.empty((NA, NS)), np.empty((NA, NS))
        kME.retired_share(inp.track, 4, w50[p], kpi)
        kME.retired_share(inp.track, 3, w50[p], kpp)
        close(kpi, r_pi[p]), close(kpp, r_pp[p])
        kRt = Rt[p].copy()
        kS = np.empty((NA, NS))
        kPO.survival_factors(h[p], kS)
        kME.age_retirees(kRt, kS, h[p])
        close(kRt, r_aged[p])
        A, F = np.empty((NA, NS)), np.empty((NA, NS))
        sums = kME.working_members(N[p], kpi, kpp, inp.rho, inp.flex_rel, *(a[p] for a in args), 3, A, F, kRt)
        close(A, r_w[0][p]), close(F, r_w[1][p]), close(kRt, r_w[2][p])
        close(sums, [v[p] for v in r_w[3:]])
        e = kME.enrolment_factor(prem[p], Y[p], 0.01, par[p, L.ENROL_ELAST])
        close(e, r_e[p])
        Rs = np.empty((NA, NS))
        close(kME.residents(N[p], inp.tau, A, F, kRt, e, Rs), r_nres[p])
        close(Rs, r_rs[p])


# --------------------------------------------------------------------------- section 10


@pytest.mark.parametrize("projected", [False, True])
def test_rules_steps(case, projected):
    rng, par = case["rng"], case["par"]
    off_e, off_p = rng.uniform(-0.02, 0.02, P), rng.uniform(-50, 50, P)
    cer, cfl, prem = rng.uniform(0.05, 0.1, P), rng.uniform(0.05, 0.1, P), rng.uniform(300, 500, P)
    par = par.copy()
    par[:, L.TRIG_FLOOR_E], par[:, L.TRIG_CAP_E] = 0.06, 0.09
    par[:, L.TRIG_FLOOR_P], par[:, L.TRIG_CAP_P] = 350, 480
    r = rRU.trigger_offsets(par, off_e, off_p, cer, cfl, prem)
    rm, rm_last = rng.uniform(0, 20, P), rng.uniform(0, 20, P)
    r_step = rRU.trigger_step(rm, rm_last, projected, 6.0, 9.0, 0.005)
    months, exp, bal = rng.uniform(0, 6, P), rng.uniform(1e11, 2e11, P), rng.uniform(-1e11, 1e11, P)
    r_bs = rRU.backstop_transfer(months, exp, bal)
    for p in range(P):
        close(kRU.trigger_offsets(par[p], off_e[p], off_p[p], cer[p], cfl[p], prem[p]), [v[p] for v in r])
        close(kRU.trigger_step(rm[p], rm_last[p], projected, 6.0, 9.0, 0.005), r_step[p])
        close(kRU.backstop_transfer(months[p], exp[p], bal[p]), r_bs[p])


# --------------------------------------------------------------------------- section 6


def test_income_steps(case):
    inp, rng, par, N, t = case["inp"], case["rng"], case["par"], case["N"], case["t"]
    A = N * 0.3
    Y, W = rng.uniform(3e4, 5e4, P), rng.uniform(1e5, 2e5, P)
    for share in (False, True):
        r = rIN.resident_premium(share, par[:, L.PI_SHARE], Y, par[:, L.PI])
        close(per_path(lambda p: kIN.resident_premium(share, par[p, L.PI_SHARE], Y[p], par[p, L.PI])), r)
        rs = rIN.resident_subsidy(par[:, L.PS], share, par[:, L.PS_CAP], r)
        close(per_path(lambda p: kIN.resident_subsidy(par[p, L.PS], share, par[p, L.PS_CAP], r[p])), rs)
    base_emp = rIN.contribution_base(A, inp.wp, W, par[:, L.BETA], par[:, L.GAMMA_C])
    close(per_path(lambda p: kIN.contribution_base(A[p], inp.wp, W[p], par[p, L.BETA], par[p, L.GAMMA_C])), base_emp)
    cer, cfl, relief = rng.uniform(0.05, 0.1, P), rng.uniform(0.05, 0.1, P), rng.uniform(0.8, 1.0, P)
    n_flex, n_ret, bbp = rng.uniform(1e7, 5e7, P), rng.uniform(5e7, 1e8, P), rng.uniform(0, 1e5, P)
    contrib = rIN.employee_scheme_contributions(par, base_emp, cer, cfl, relief, n_flex, n_ret, W, bbp)
    credits = rIN.account_credits(par, base_emp, cer, relief, n_ret)
    leak, leak_prev = rng.uniform(1e9, 2e9, (P, 2)), rng.uniform(1e9, 2e9, (P, 2))
    res_contrib = rIN.resident_contributions(par[:, L.THETA_OTHER], n_ret, Y * 0.01, Y * 0.02)
    for tt in (0, t):
        recov = rIN.recoveries(par, tt, leak, leak_prev, inp.base)
        inc_c = rIN.contribution_income(*contrib, credits[1], res_contrib, recov)
        for p in range(P):
            k_recov, k_inc = np.empty(2), np.empty(3)
            kIN.recoveries(par[p], tt, leak[p], leak_prev[p], inp.base, k_recov)
            close(k_recov, recov[p])
            kIN.contribution_income(*(c[p] for c in contrib), credits[1][p], res_contrib[p], recov[p], k_inc)
            close(k_inc, inc_c[p])
    for p in range(P):
        close(kIN.employee_scheme_contributions(par[p], base_emp[p], cer[p], cfl[p], relief[p], n_flex[p], n_ret[p],
                                                W[p], bbp[p]), [c[p] for c in contrib])
        close(kIN.account_credits(par[p], base_emp[p], cer[p], relief[p], n_ret[p]), [c[p] for c in credits])
        close(kIN.resident_contributions(par[p, L.THETA_OTHER], n_ret[p], Y[p] * 0.01, Y[p] * 0.02), res_contrib[p])


# --------------------------------------------------------------------------- section 9


@pytest.mark.parametrize("t", [0, 3])
def test_funds_steps(case, t):
    inp, rng, par = case["inp"], case["rng"], case["par"]
    medical = rng.uniform(1e12, 2e12, (P, 2))
    maternity, cii, credits = rng.uniform(1e11, 2e11, P), rng.uniform(1e10, 2e10, P), rng.uniform(5e11, 6e11, P)
    inc_c, bal = rng.uniform(1e12, 3e12, (P, 3)), rng.uniform(-1e12, 3e12, (P, 3))
    i_rate = rng.uniform(0, 0.04, P)
    ltc, exp, bal_open = rFU.fund_expenditure(par, t, medical, maternity, cii, inc_c, credits, bal, inp.base)
    for backstop in (False, True):
        J, new_bal, transfer = rFU.balances(t, i_rate, bal_open, inc_c, exp, inp.base, backstop, par[:, L.BACKSTOP_MONTHS])
        for p in range(P):
            k_exp = np.empty(3)
            close(kFU.fund_expenditure(par[p], t, medical[p], maternity[p], cii[p], inc_c[p], credits[p], bal[p],
                                       inp.base, k_exp), ltc[p])
            close(k_exp, exp[p])
            kJ, kb, kt = np.empty(3), np.empty(3), np.empty(3)
            kFU.balances(t, i_rate[p], bal[p], inc_c[p], exp[p], inp.base, backstop, par[p, L.BACKSTOP_MONTHS], kJ, kb, kt)
            close(kJ, J[p]), close(kb, new_bal[p]), close(kt, transfer[p])
            close(kFU.reserve_months(kb[0], exp[p, 0]), rFU.reserve_months(new_bal, exp)[p, 0])
            close(kFU.account_outflow(bal[p, 1], credits[p], 0.5, 0.3),
                  rFU.account_outflow(bal[:, 1], credits, 0.5, 0.3)[p])


# --------------------------------------------------------------------------- sections 7-8


def test_cover_table_is_the_per_path_step(case):
    """The multipliers computed once for all paths equal each path's own (the same bits), and the
    table is refused when a row it reads differs between paths."""
    inp = case["inp"]
    T = inp.sched.shape[1]
    table = np.empty((T, L.N_GROUPS, 3))
    assert kEX.cover_table(inp.sched, inp.shift, inp.lo, inp.hi, inp.index_rows, table)
    np.testing.assert_array_equal(table, rEX.cover_table(inp.sched, inp.shift, inp.lo, inp.hi, inp.index_rows, T))
    par, rr0 = np.empty(inp.sched.shape[0]), np.empty((L.N_GROUPS, 3))
    for t in range(T):
        kPA.year_parameters(inp.sched, inp.shift, inp.lo, inp.hi, P - 1, t, t > 0, par)
        for j in range(3):
            vbp = kRF.procurement_multiplier(par[L.DRUG[j]], par[L.VP], par[L.PRICE_CUT], par[L.REBOUND])
            for g in range(L.N_GROUPS):
                if t == 0:
                    rr0[g, j] = par[L.RR[g][j]]
                assert kEX.use_and_cover(par, g, j, rr0, vbp) == table[t, g, j]
    shift = inp.shift.copy()
    shift[1, L.RR[2][1]] = 0.01
    assert not kEX.cover_table(inp.sched, shift, inp.lo, inp.hi, inp.index_rows, table)
    assert rEX.cover_table(inp.sched, shift, inp.lo, inp.hi, inp.index_rows, T) is None
    shift[1, L.RR[2][1]] = -0.0
    assert not kEX.cover_table(inp.sched, shift, inp.lo, inp.hi, inp.index_rows, table)
    rows = np.array([[L.VP, L.IDX_WAGE, 1]], dtype=np.int64)
    assert not kEX.cover_table(inp.sched, inp.shift, inp.lo, inp.hi, rows, table)


@pytest.mark.parametrize("t", [0, 3])
def test_expenditure_steps(case, t):
    inp, rng, par, N, Rt = case["inp"], case["rng"], case["par"], case["N"], case["Rt"]
    D = inp.wdis.shape[0]
    lam, iota = rng.uniform(0.8, 1.3, (P, D)), rng.uniform(0.8, 1.3, (P, D))
    r_lam, r_iota = lam.copy(), iota.copy()
    rEX.disease_indices(inp.seed, inp.streams, case["paths"], 3, par, r_lam, r_iota)
    perdiem = (rng.uniform(size=D) < 0.4).astype(float)
    members = (N * 0.3, N * 0.05, Rt, N * 0.5)
    Cm, Cpd = rng.uniform(1, 2, P), rng.uniform(1, 2, P)
    rr0 = rng.uniform(0.3, 0.9, (P, L.N_GROUPS, 3))
    r_rr0 = rr0.copy()
    lamiota = lam * iota
    r_med = rEX.medical_by_line(par, t, lamiota, inp.wdis, perdiem, inp.c0h, members, Cm, Cpd, r_rr0)
    births = rng.uniform(1e6, 2e6, (2, P))
    r_mat = rEX.maternity(par, Cm, births[0], births[1], rng.uniform(1e5, 1.2e5, P) * 0 + 1.1e5)
    NC = NA * NS
    for p in range(P):
        kl, ki = lam[p].copy(), iota[p].copy()
        kEX.disease_indices(_keys(inp, case["paths"][p]), 3, par[p], kl, ki)
        close(kl, r_lam[p]), close(ki, r_iota[p])
        for j in range(3):
            dmc, dmp = np.empty(NC), np.empty(NC)
            kEX.disease_multiplier(inp.wdis.reshape(D, 3, NC), j, lamiota[p], perdiem, dmc, dmp)
            r_dmc, r_dmp = rEX.disease_multiplier(inp.wdis, j, lamiota, perdiem)
            close(dmc, r_dmc[p].reshape(NC)), close(dmp, r_dmp[p].reshape(NC))
            mem, cost = members[0][p].reshape(NC), inp.c0h[0, j].reshape(NC)
            s = kEX.weighted_sums(mem, cost, dmc, dmp, j == L.INP)
            close(s[0], rEX.weighted_sums(members[0], inp.c0h[0, j], r_dmc)[p])
            if j == L.INP:
                close(s[1], rEX.weighted_sums(members[0], inp.c0h[0, j], r_dmp)[p])
            close(s[2], members[0][p].sum())
            for g in range(L.N_GROUPS):
                close(kEX.use_and_cover(par[p], g, j, rr0[p], 0.97), rEX.use_and_cover(par, g, j, rr0, 0.97)[p])
            close(kEX.demand_response(par[p, L.RR[0][j]], rr0[p, 0, j], par[p, L.EPS_D[j]]),
                  rEX.demand_response(par[:, L.RR[0][j]], rr0[:, 0, j], par[:, L.EPS_D[j]])[p])
        dmc3, dmp3, sums = np.empty((3, NC)), np.empty((3, NC)), np.empty((5, 4))
        for j in range(3):
            kEX.disease_multiplier(inp.wdis.reshape(D, 3, NC), j, lamiota[p], perdiem, dmc3[j], dmp3[j])
        kEX.line_group_sums(np.stack(members)[:, p].reshape(4, NC), inp.c0h.reshape(2, 3, NC), dmc3, dmp3, sums)
        r_dms = [rEX.disease_multiplier(inp.wdis, j, lamiota, perdiem) for j in range(3)]
        r_s = rEX.line_group_sums(members, inp.c0h, [d[0] for d in r_dms], r_dms[L.INP][1])
        close(sums[:3], r_s[0][p]), close(sums[3], r_s[1][p]), close(sums[4], r_s[2][p])
        k_rr0 = rr0[p].copy()
        med, inp_np, inp_pd, chr_m = np.empty((2, 3)), np.empty(2), np.empty(2), np.empty(2)
        kEX.medical_by_line(par[p], t, lamiota[p], inp.wdis.reshape(D, 3, NC), perdiem, inp.c0h.reshape(2, 3, NC),
                            np.stack(members)[:, p].reshape(4, NC), Cm[p], Cpd[p], k_rr0, np.empty((4, 3)), False,
                            np.empty((3, NC)), np.empty((3, NC)), np.empty((5, 4)), med, inp_np, inp_pd, chr_m)
        close(k_rr0, r_rr0[p])
        for a, b in zip((med, inp_np, inp_pd, chr_m), r_med):
            close(a[..., 1:] if a.ndim == 2 else a, b[p][..., 1:] if a.ndim == 2 else b[p])
        close(kEX.maternity(par[p], Cm[p], births[0, p], births[1, p], 1.1e5), r_mat[p])
        for share in (False, True):
            close(kEX.critical_illness_premium(par[p], share, 400.0, 700.0),
                  rEX.critical_illness_premium(par, share, np.full(P, 400.0), np.full(P, 700.0))[p])


@pytest.mark.parametrize("t, budget_on", [(0, True), (1, True), (4, True), (4, False)])
def test_reform_steps(case, t, budget_on):
    inp, rng, par = case["inp"], case["rng"], case["par"]
    flags = inp.flags.copy()
    flags[L.FLAG_BUDGET] = int(budget_on)
    flags[L.FLAG_GI_SET] = int(rng.integers(0, 2))
    Cm, Cpd, cp = rng.uniform(1, 2, P), rng.uniform(1, 2, P), rng.uniform(100, 200, (P, 2))
    med = rng.uniform(1e11, 1e12, (P, 2, 3))
    chr_m = rng.uniform(1e8, 3e8, (P, 2))
    inp_np, inp_pd = rng.uniform(1e12, 2e12, (P, 2)), rng.uniform(1e10, 2e10, (P, 2))
    r_cpd, r_cp = rRF.grow_payment_indices(par, Cpd, cp)
    r_med = med.copy()
    r_cp2 = rRF.capitation(par, t, r_med, cp, chr_m)
    year = 2020 + t
    theta, pv_ref, se_now, V, pts, demand = rRF.dip_points(par, year, 2019, Cm, inp_np)
    theta_prev = np.where(rng.uniform(size=P) < 0.2, 0.0, theta * 0.95)
    pay_prev, eo_prev = demand * rng.uniform(0.9, 1.1, (P, 2)), rng.uniform(1e11, 5e11, (P, 2))
    inc_prev, inc_prev2 = rng.uniform(1e12, 3e12, (P, 3)), rng.uniform(1e12, 3e12, (P, 3))
    gb = rRF.global_budget(par, flags, t, inp.base, theta, theta_prev, demand, pay_prev, inc_prev, inc_prev2, eo_prev)
    epi = (rng.uniform(size=P) < 0.5).astype(float)
    # out-of-region care (section 17): a share of inpatient care away, priced per path and year
    base = inp.base.copy()
    base[L.B_OUT_SHARE:L.B_OUT_SHARE + 2] = rng.uniform(0.0, 0.2, 2)
    out_price = rng.uniform(0.8, 1.2, (P, t + 1, 2))
    r_home, r_away = rRF.out_of_region_split(base, out_price, t, inp_np)
    r_none = rRF.out_of_region_split(inp.base, np.zeros((0, 1, 2)), t, inp_np)
    r_ratio = rRF.inpatient_price_ratio(theta, r_home, gb[1])
    r_med2 = r_med.copy()
    r_epi = rRF.leakage_and_epidemic(par, epi, theta, inp_np, inp_pd, gb[1], r_away, r_med2)
    margin = rRF.hospital_margin(gb[1], V, Cm, se_now)
    for p in range(P):
        kcp = cp[p].copy()
        close(kRF.grow_payment_indices(par[p], Cpd[p], kcp), r_cpd[p]), close(kcp, r_cp[p])
        kmed, kcp = med[p].copy(), cp[p].copy()
        kRF.capitation(par[p], t, kmed, kcp, chr_m[p])
        close(kmed, r_med[p]), close(kcp, r_cp2[p])
        kV, kpts, kd = np.empty(2), np.empty(2), np.empty(2)
        close(kRF.dip_points(par[p], year, 2019, Cm[p], inp_np[p], kV, kpts, kd), (theta[p], pv_ref[p], se_now[p]))
        close(kV, V[p]), close(kpts, pts[p]), close(kd, demand[p])
        out = [np.empty(2) for _ in range(5)]
        kRF.global_budget(par[p], flags, t, inp.base, theta[p], theta_prev[p], demand[p], pay_prev[p], inc_prev[p],
                          inc_prev2[p], eo_prev[p], *out)
        for a, b in zip(out, gb):
            close(a, b[p])
        home, away = inp_np.copy(), np.empty((P, 2))
        kRF.out_of_region_split(base, out_price, p, t, home[p], away[p])
        close(home[p], r_home[p]), close(away[p], r_away[p])
        home0, away0 = inp_np.copy(), np.empty((P, 2))
        kRF.out_of_region_split(inp.base, np.zeros((0, 1, 2)), p, t, home0[p], away0[p])
        assert (home0[p] == inp_np[p]).all() and (away0[p] == 0).all()  # none: exactly no change
        assert (r_none[0][p] == inp_np[p]).all() and (r_none[1][p] == 0).all()
        close([kRF.inpatient_price_ratio(theta[p], r_home[p], gb[1][p], mi) for mi in range(2)], r_ratio[p])
        kmed = r_med[p].copy()
        leak, medical = np.empty(2), np.empty(2)
        close(kRF.leakage_and_epidemic(par[p], epi[p], theta[p], inp_np[p], inp_pd[p], gb[1][p], r_away[p], kmed, leak,
                                       medical),
              r_epi[0][p])
        close(kmed, r_med2[p]), close(leak, r_epi[1][p]), close(medical, r_epi[2][p])
        close([kRF.hospital_margin(gb[1][p, mi], V[p, mi], Cm[p], se_now[p]) for mi in range(2)], margin[p])
        close(kRF.procurement_multiplier(0.3, par[p, L.VP], 0.5, 0.2),
              rRF.procurement_multiplier(0.3, par[:, L.VP], 0.5, 0.2)[p])
        for y in (2015, 2019, 2030):
            close(kRF.efficiency_gain(y, 2019, par[p, L.SE_MAX], par[p, L.SE_TAU]),
                  rRF.efficiency_gain(y, 2019, par[:, L.SE_MAX], par[:, L.SE_TAU])[p])
    d, b = rng.uniform(1e11, 2e11, P), rng.uniform(0.5e11, 2.5e11, P)
    r_pay = rRF.budget_payment(d, b, 0.5, 0.3, 0.9)
    close(per_path(lambda p: kRF.budget_payment(d[p], b[p], 0.5, 0.3, 0.9)), np.stack(r_pay, axis=1))


# --------------------------------------------------------------------------- section 12


@pytest.mark.parametrize("t, elastic", [(0, False), (3, False), (3, True)])
def test_breakeven_steps(case, t, elastic):
    inp, rng, par = case["inp"], case["rng"], case["par"].copy()
    if not elastic:
        par[:, L.ENROL_ELAST] = 0.0
    flags = inp.flags.copy()
    flags[L.FLAG_BUDGET] = 1
    base_emp, relief = rng.uniform(2e13, 3e13, P), rng.uniform(0.8, 1.0, P)
    employee, flex, retiree, cf = (rng.uniform(4e11, 6e11, P) for _ in range(4))
    med0, mat, bb, rec = rng.uniform(1.5e12, 2e12, P), rng.uniform(1e11, 2e11, P), rng.uniform(0, 1e9, P), rng.uniform(0, 1e9, P)
    r_rate = rBE.breakeven_rate(par, base_emp, relief, employee, flex, retiree, cf, med0, mat, bb, rec)
    r_slope = rBE.breakeven_rate_slope(par, base_emp, relief)
    Y, enrol, n_res = rng.uniform(3e4, 5e4, P), rng.uniform(0.9, 1.1, P), rng.uniform(8e8, 1e9, P)
    parts = tuple(rng.uniform(1e11, 1e12, P) for _ in range(6))
    theta, epi_mult, recov, Pi_now = rng.uniform(0.5, 0.8, P), rng.uniform(1.0, 1.1, P), rng.uniform(0, 1e9, P), rng.uniform(300, 500, P)
    psi0 = 0.01
    r_gap = rBE.resident_gap(Pi_now, par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov)
    r_prem = rBE.breakeven_premium(par, flags, t, Y, psi0, enrol, n_res, parts, theta, epi_mult, recov, Pi_now)
    for p in range(P):
        close(kBE.breakeven_rate(par[p], base_emp[p], relief[p], employee[p], flex[p], retiree[p], cf[p], med0[p],
                                 mat[p], bb[p], rec[p]), r_rate[p])
        close(kBE.breakeven_rate_slope(par[p], base_emp[p], relief[p]), r_slope[p])
        args = (par[p], flags, t, Y[p], psi0, enrol[p], n_res[p], *(x[p] for x in parts), theta[p], epi_mult[p], recov[p])
        close(kBE.resident_gap(Pi_now[p], *args), r_gap[p])
        close(kBE.breakeven_premium(*args, Pi_now[p]), r_prem[p], rtol=1e-9 if not elastic else 1e-7)


# --------------------------------------------------------------------------- outputs


def test_record_year(case):
    rng = case["rng"]
    shapes = dict(inc_c=3, J=3, exp=3, new_bal=3, transfer=3, med=(2, 3), leak=2, recov=2, demand=2, pay=2, budget=2,
                  pts=2, pv_ref=(), V=2, Cm=(), se_now=(), floor_overrun=2, floor_binding=2, cap_binding=2, x=4,
                  price_ratio=2, away=2)
    names = list(inspect.signature(kRE.record_year.py_func if hasattr(kRE.record_year, "py_func")
                                   else kRE.record_year).parameters)[1:]
    values = {n: rng.uniform(0.1, 10.0, (P,) + ((shapes[n],) if isinstance(shapes.get(n, ()), int) else shapes.get(n, ())))
              for n in names}
    ref = np.full((P, L.N_OUT), np.nan)
    rRE.record_year(ref, *(values[n] for n in names))
    assert not np.isnan(ref).any()  # every output is written
    for p in range(P):
        o = np.full(L.N_OUT, np.nan)
        kRE.record_year(o, *(values[n][p] for n in names))
        close(o, ref[p])


# --------------------------------------------------------------------------- bookkeeping


def _step_functions(package):
    """{(module, name): function} of every public function of each section module."""
    found = {}
    for section in SECTIONS:
        mod = importlib.import_module(f"{package}.{section}")
        for name, obj in vars(mod).items():
            fn = getattr(obj, "py_func", obj)
            if inspect.isfunction(fn) and fn.__module__ == mod.__name__ and not name.startswith("_"):
                found[(section, name)] = fn
    return found


def test_every_output_names_a_step_function_that_exists():
    from simulator.results import STEPS, VARIABLES

    assert set(STEPS) == set(VARIABLES)
    for name, var in VARIABLES.items():
        assert var.step.startswith("simulator.kernels."), name
        module, func = var.step.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), func, None)), f"{name}: {var.step} does not exist"
        # and the reference has the step of the same name
        ref_module = module.replace("simulator.kernels", "simulator.reference")
        assert callable(getattr(importlib.import_module(ref_module), func, None)), f"{name}: no reference {func}"


def test_the_reference_mirrors_every_kernel_step():
    kernel = _step_functions("simulator.kernels")
    reference = _step_functions("simulator.reference")
    missing = sorted(set(kernel) - set(reference))
    assert not missing, f"kernel steps without a reference of the same name: {missing}"


@pytest.mark.parametrize("package", ["simulator.kernels", "simulator.reference"])
def test_steps_cite_their_section_and_use_every_argument(package):
    """Every step has a docstring citing its model section (or naming the reference's), and uses
    every argument it takes (Tax-Calculator's check on calcfunctions.py)."""
    for (section, name), fn in _step_functions(package).items():
        doc = inspect.getdoc(fn) or ""
        assert doc, f"{section}.{name} has no docstring"
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        func = tree.body[0]
        used = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
        unused = [a.arg for a in func.args.args if a.arg not in used]
        assert not unused, f"{package}.{section}.{name} does not use {unused}"
    module_docs = [importlib.import_module(f"{package}.{s}").__doc__ or "" for s in SECTIONS]
    assert all("section" in d for d in module_docs)


def test_no_kernel_or_reference_file_over_300_lines():
    from pathlib import Path

    import simulator
    root = Path(simulator.__file__).parent
    for path in list((root / "kernels").glob("*.py")) + list((root / "reference").glob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        assert n <= 300, f"{path.name}: {n} lines"


def test_enrolment_factor_is_floored_where_the_premium_vanishes():
    import numpy as np

    from simulator import layout as L
    from simulator.kernels.membership import enrolment_factor as k_enrol
    from simulator.reference.membership import enrolment_factor as r_enrol

    floor = L.ENROL_BURDEN_FLOOR ** -0.2
    assert k_enrol(0.0, 40000.0, 0.01, 0.2) == floor
    assert np.allclose(r_enrol(np.array([0.0, 400.0]), 40000.0, 0.01, 0.2), [floor, 1.0])
    assert k_enrol(400.0, 40000.0, 0.01, 0.2) == 1.0


def test_stream_keys_give_the_same_numbers_as_the_full_hash():
    """rng.uniform_at(path_key(...)) is rng.uniform(...) bit for bit, and both are the reference's."""
    from simulator import rng as ref_rng
    from simulator.kernels import rng as kRNG
    seed, streams = np.uint64(20240101), np.array([7, 11, 2**63 + 5], dtype=np.uint64)
    for path in (0, 1, 12345, 2**40):
        keys = np.empty(3, dtype=np.uint64)
        kRNG.path_keys(seed, streams, path, keys)
        for i, stream in enumerate(streams):
            for counter in (0, 1, 77):
                assert kRNG.uniform_at(keys[i], counter) == kRNG.uniform(seed, stream, path, counter)
            assert kRNG.normal_at(keys[i], 5) == kRNG.normal(seed, stream, path, 5)
            assert kRNG.uniform_at(keys[i], 77) == float(ref_rng.uniform(seed, stream, np.int64(path), np.int64(77)))

