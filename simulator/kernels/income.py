"""Income (specification section 6): contributions of the employee scheme, individual-account
credits, resident premiums and subsidies, recoveries.  Money in yuan per year; rates as fractions."""

from .. import layout as L
from .jit import jit

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def resident_premium(premium_is_share, premium_share, Y, premium):
    """Individual resident premium ``Pi`` (section 6), yuan per person per year: ``πy·Y`` when the
    premium is a share of resident income (定比筹资), else the schedule."""
    if premium_is_share:
        return premium_share * Y
    return premium


@jit()
def resident_subsidy(subsidy, capped, cap_ratio, premium):
    """Fiscal subsidy ``Ps`` (section 6), yuan per person per year, optionally ``≤ λs·Pi``."""
    if capped:
        return min(subsidy, cap_ratio * premium)
    return subsidy


@jit()
def contribution_base(A, wp, W, beta, gamma_c):
    """Employees' declared base times compliance ``Σ A·W·wp·β·γc`` (section 6), yuan per year."""
    wage_sum = 0.0
    for a in range(NA):
        for s in range(NS):
            wage_sum += A[a, s] * wp[a, s]
    return wage_sum * W * beta * gamma_c


@jit()
def employee_scheme_contributions(par, base_emp, cer, cfl, relief, n_flex, n_ret, W, buyback_persons):
    """(employer, employee, flexible, retiree, buy-back) contributions (section 6), yuan per year:
    ``base·cer``, ``base·cee`` and ``F·βf·W·γf·cfl`` times the epidemic relief ``1 − ke``;
    ``Rt·W·πr·cre``; buy-back persons × ``mby`` missing years × ``βf·W·cfl``."""
    employer = base_emp * cer * relief
    employee = base_emp * par[L.CEE] * relief
    flex = n_flex * par[L.BETA_F] * W * par[L.GAMMA_F] * cfl * relief
    retiree = n_ret * W * par[L.PENSION_RATIO] * par[L.CRE]
    buyback = buyback_persons * par[L.BUYBACK_YEARS] * par[L.BETA_F] * W * cfl
    return employer, employee, flex, retiree, buyback


@jit()
def account_credits(par, base_emp, cer, relief, n_ret):
    """(credits without the employer share, all credits) to individual accounts (section 6),
    yuan per year: ``In = Σ A·(1 − πpo)·base·(min(cee, cee_ia) + αe·cer) + 12·qr·Rt·(1 − πpo)``."""
    credits_fixed = ((1 - par[L.PPO]) * base_emp * min(par[L.CEE], par[L.CEE_IA]) * relief
                     + 12.0 * par[L.QR] * n_ret * (1 - par[L.PPO]))
    credits = credits_fixed + (1 - par[L.PPO]) * base_emp * par[L.ALPHA_E] * cer * relief
    return credits_fixed, credits


@jit()
def recoveries(par, t, leak, leak_prev, base, recov):
    """Recoveries of fraud (section 8), yuan per year, booked as other income: ``φrec·ℓ·Exp`` of the
    previous year; in the base year from its own leakage times the reported previous / base ratio."""
    for mi in range(2):
        if t == 0:
            recov[mi] = par[L.RECOV] * leak[mi] * base[L.B_EXP_RATIO_PREV + (0 if mi == 0 else 2)]
        else:
            recov[mi] = par[L.RECOV] * leak_prev[mi]


@jit()
def resident_contributions(other_income, n_res, premium, subsidy):
    """``Inc_c,res = ϑ·Σ Rs·(Pi + Ps)`` (section 6), yuan per year."""
    return other_income * n_res * (premium + subsidy)


@jit()
def contribution_income(employer, employee, flex, retiree, buyback, credits, res_contrib, recov, inc_c):
    """Contribution income ``Inc_c`` by fund (section 6), yuan per year: the pooled fund gets all
    employee-scheme contributions, buy-backs and recoveries less the account credits."""
    inc_c[L.F_POOL] = employer + employee + flex + retiree + buyback + recov[0] - credits
    inc_c[L.F_ACC] = credits
    inc_c[L.F_RES] = res_contrib + recov[1]
