"""A path-year's outputs written to its row of ``out`` (specification section 14); the indices are
:mod:`simulator.layout`'s ``O_*`` and each value's step function is named in
:data:`simulator.results.VARIABLES`."""

from .. import layout as L
from .jit import jit
from .reform import hospital_margin


@jit()
def record_year(o, inc_c, J, exp, new_bal, transfer, med, leak, recov, demand, pay, budget, pts, pv_ref, V, Cm, se_now,
                floor_overrun, floor_binding, cap_binding, pop_sum, n_emp, n_flex, n_ret, n_res, births_all,
                births_emp, maternity, cii, ltc, employer, employee, flex, retiree, buyback, res_contrib, cer,
                be_rate, be_slope, be_prem, base_emp, premium, subsidy, W, Y, x, epi, kappa, deaths, net_mig, price_ratio, away):
    """Write one path-year's outputs into ``o`` (N_OUT,): units as :data:`simulator.results.VARIABLES` declares."""
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
        o[L.O_MARGIN[mi]] = hospital_margin(pay[mi], V[mi], Cm, se_now)
        o[L.O_DIP_FLOOR_OVERRUN[mi]] = floor_overrun[mi]
        o[L.O_DIP_FLOOR_BINDING[mi]] = floor_binding[mi]
        o[L.O_DIP_CAP_BINDING[mi]] = cap_binding[mi]
        o[L.O_DIP_PRICE_RATIO[mi]] = price_ratio[mi]
        o[L.O_OUT_OF_REGION[mi]] = away[mi]
    o[L.O_POP] = pop_sum
    o[L.O_EMPLOYEES] = n_emp
    o[L.O_FLEXIBLE] = n_flex
    o[L.O_RETIREES] = n_ret
    o[L.O_RESIDENTS] = n_res
    o[L.O_BIRTHS] = births_all
    o[L.O_BIRTHS_EMP] = births_emp
    o[L.O_MATERNITY] = maternity
    o[L.O_CII] = cii
    o[L.O_LTC] = ltc
    o[L.O_EMPLOYER_CONTRIB] = employer
    o[L.O_EMPLOYEE_CONTRIB] = employee
    o[L.O_FLEX_CONTRIB] = flex
    o[L.O_RETIREE_CONTRIB] = retiree
    o[L.O_BUYBACK] = buyback
    o[L.O_RES_CONTRIB] = res_contrib
    o[L.O_EMPLOYER_RATE] = cer
    o[L.O_BREAKEVEN_RATE] = be_rate
    o[L.O_BREAKEVEN_RATE_SLOPE] = be_slope
    o[L.O_BREAKEVEN_PREMIUM] = be_prem
    o[L.O_CONTRIB_BASE] = base_emp
    o[L.O_PREMIUM] = premium
    o[L.O_SUBSIDY] = subsidy
    o[L.O_WAGE] = W
    o[L.O_RES_INCOME] = Y
    o[L.O_COST_INDEX] = Cm
    o[L.O_WAGE_GROWTH] = x[L.D_WAGE]
    o[L.O_EXCESS] = x[L.D_EXCESS]
    o[L.O_INTEREST_RATE] = x[L.D_INTEREST]
    o[L.O_RESINC_GROWTH] = x[L.D_RESINC]
    o[L.O_EPIDEMIC] = epi
    o[L.O_KAPPA] = kappa
    o[L.O_DEATHS] = deaths
    o[L.O_NET_MIG] = net_mig
