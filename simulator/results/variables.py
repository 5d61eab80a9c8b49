"""The output variables, declared once: dimensions, units, long name, where each is computed.

Each declared variable (:data:`VARIABLES`) names its dimensions, units, long name, where it is
computed (the kernel function :func:`simulator.kernels.project.project_path`, the year loop, or
a derivation of :func:`simulator.results.derive`) and the step function that computes it
(``step``, from :data:`STEPS`: a function of :mod:`simulator.kernels`, one module per model
section, whose docstring cites the section and equation; the NumPy reference's function of the
same name is in :mod:`simulator.reference`). :data:`CORE` names the variables a ``"core"`` run
keeps, :data:`MAY_BE_NAN` those allowed to hold NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import layout as L

FUNDS = ("employee_pooled", "employee_accounts", "resident")
POOLED_FUNDS = ("employee_pooled", "resident")
SCHEMES = ("employee", "resident")
LINES = L.LINE_NAMES
KERNEL = "simulator.kernels.project.project_path"


@dataclass(frozen=True)
class Var:
    dims: tuple
    units: str
    long_name: str
    computed_in: str = KERNEL
    step: str = ""  # the kernel step function computing it (STEPS)


PY = ("path", "year")
PYF = ("path", "year", "fund")
PYS = ("path", "year", "scheme")

VARIABLES = {
    # funds (specification section 9)
    "contribution_income": Var(PYF, "yuan per year", "contribution income Inc_c: contributions, premiums, subsidies, buy-backs, recoveries (accounts: credits)"),
    "interest": Var(PYF, "yuan per year", "interest income max(J, 0), J = i*Bal[t-1] + (i/2)*(Inc_c - Exp)", "simulator.results.derive"),
    "borrowing_cost": Var(PYF, "yuan per year", "interest on a negative balance max(-J, 0); accumulates in the balance, outside income and expenditure", "simulator.results.derive"),
    "income": Var(PYF, "yuan per year", "income as the bulletins report it: Inc_c + interest + fiscal transfer", "simulator.results.derive"),
    "fiscal_transfer": Var(PYF, "yuan per year", "fiscal backstop transfer topping the balance up to the minimum reserve months (specification section 10); part of income, not of Inc_c"),
    "expenditure": Var(PYF, "yuan per year", "fund expenditure Exp (pooled: medical + maternity/critical-illness premium + care carve-out; accounts: outflow)"),
    "balance": Var(PYF, "yuan", "accumulated balance at year end Bal[t] = Bal[t-1] + Inc_c + J - Exp"),
    "reserve_months": Var(PYF, "months", "reserve months Bal[t] / (Exp[t] / 12)", "simulator.results.derive"),
    "fiscal_gap": Var(PYF, "yuan", "negative part of the balance max(-Bal, 0)", "simulator.results.derive"),
    "operating_balance": Var(PYF, "yuan per year", "operating current balance Inc_c - Exp", "simulator.results.derive"),
    "current_balance": Var(PYF, "yuan per year", "current balance as the bulletins show it: income - expenditure", "simulator.results.derive"),
    "expenditure_growth_5y": Var(PYF, "fraction per year", "five-year average expenditure growth (Exp[t]/Exp[t-5])^(1/5) - 1 (reported previous year used where t-5 is before the base)", "simulator.results.derive"),
    "combined_pooled_balance": Var(PY, "yuan", "balance of both pooled funds together (as the bulletins report it)", "simulator.results.derive"),
    "combined_pooled_reserve_months": Var(PY, "months", "reserve months of both pooled funds together", "simulator.results.derive"),
    "account_balance_per_member": Var(PY, "yuan per member", "individual-account balance per employee-scheme member (employees + retirees)", "simulator.results.derive"),
    # expenditure and reform (specification section 7-8)
    "medical_expenditure": Var(("path", "year", "scheme", "line"), "yuan per year", "fund-paid medical expenditure by line after procurement, capitation, per-diem and DRG/DIP, before leakage and epidemics"),
    "leakage": Var(PYS, "yuan per year", "fraud and abuse leakage l * medical expenditure"),
    "recoveries": Var(PYS, "yuan per year", "recoveries of last year's leakage, booked as other income"),
    "dip_demand": Var(PYS, "yuan per year", "DRG/DIP demand Dd = points * reference point value"),
    "dip_payment": Var(PYS, "yuan per year", "DRG/DIP payment by the fund: under the global budget the budget with overrun sharing and retained savings, at least the point-value floor kappa_pv * Dd; without it Dd"),
    "dip_budget": Var(PYS, "yuan per year", "regional global budget Bg = min(last payment grown at gb, income-based cap) (NaN when the budget is off or in the base year; negative when spending outside the budget exceeds what income allows)"),
    "dip_floor_overrun": Var(PYS, "yuan per year", "what the point-value floor adds to the budget's payment: kappa_pv * Dd minus the overrun-sharing payment where the floor binds, else 0 (specification 2.3 section 8)"),
    "dip_floor_binding": Var(PYS, "flag", "1 in a path-year where the point-value floor binds (the budget's payment would fall below kappa_pv * Dd), else 0; its mean over paths is the share of paths where it binds"),
    "dip_income_cap_binding": Var(PYS, "flag", "1 in a path-year where the income cap sets the global budget (income less spending outside the budget allows less than last payment grown at gb), else 0"),
    "dip_points": Var(PYS, "points (base-year yuan)", "DRG/DIP points Pts = V * (1 + creep)"),
    "point_value": Var(PYS, "yuan per point", "realised point value Pay / Pts", "simulator.results.derive"),
    "point_value_reference": Var(PYS, "yuan per point", "reference point value pv_ref = Cm * (1 - mean efficiency of the last three years)"),
    "point_value_ratio": Var(PYS, "ratio", "realised over reference point value", "simulator.results.derive"),
    "hospital_margin": Var(PYS, "yuan per year", "hospitals' margin on covered care Pay - V * AC"),
    "inpatient_price_ratio": Var(PYS, "ratio", "what the fund pays per yuan of the region's own non-per-diem inpatient care after DRG/DIP pricing: ((1 - theta) * E_inp + Pay) / E_inp (1 without DRG/DIP; below 1 where the budget cuts the point value); other regions' members treated here pay per yuan their own base-year ratio times this ratio's change since the base year (specification 2.3 section 17; simulator.province.care)"),
    "out_of_region_expenditure": Var(PYS, "yuan per year", "inpatient care of the region's members in other regions of the province (out-of-region care, specification 2.3 section 17), priced by the host regions' inpatient_price_ratio (its change since the base year) at the hosts' medical_cost_index; part of medical_expenditure; 0 outside a province"),
    "maternity": Var(PY, "yuan per year", "maternity expenditure of the employee pooled fund (birth costs and allowance)"),
    "critical_illness_premiums": Var(PY, "yuan per year", "critical-illness premiums paid by the resident fund"),
    "long_term_care": Var(PY, "yuan per year", "long-term-care carve-out from both pooled funds"),
    # income detail (specification section 6)
    "employer_contributions": Var(PY, "yuan per year", "employer contributions"),
    "employee_contributions": Var(PY, "yuan per year", "employee contributions"),
    "flexible_contributions": Var(PY, "yuan per year", "flexible workers' contributions"),
    "retiree_contributions": Var(PY, "yuan per year", "retirees' contributions"),
    "buyback_income": Var(PY, "yuan per year", "lump-sum buy-backs of missing contribution years (non-recurring)"),
    "resident_contributions": Var(PY, "yuan per year", "resident premiums and subsidies times the other-income factor"),
    "employer_rate": Var(PY, "fraction", "employer contribution rate in force (schedule plus any rate-trigger offset)"),
    "breakeven_rate": Var(PY, "fraction", "pay-as-you-go break-even employer rate: pooled contribution income without buy-backs, recoveries and transfers equals pooled expenditure (flexible rate held; specification section 12)"),
    "breakeven_rate_slope": Var(PY, "yuan per year per unit of rate", "pooled contribution income one unit of the employer rate adds, net of the care carve-out: the weight of a region's breakeven_rate in a province's (specification sections 12, 17)"),
    "breakeven_premium": Var(PY, "yuan per person per year", "pay-as-you-go break-even resident premium, subsidy by its rule, enrolment and critical-illness premium following it (specification section 12); NaN when no premium balances"),
    "contribution_base": Var(PY, "yuan per year", "employees' declared contribution base times compliance (sum of W * wp * beta * gamma_c over employees)"),
    "resident_premium": Var(PY, "yuan per person per year", "individual resident premium Pi"),
    "resident_subsidy": Var(PY, "yuan per person per year", "fiscal subsidy per resident Ps"),
    "subsidy_premium_ratio": Var(PY, "ratio", "subsidy : premium ratio Ps / Pi (plans: at most 2)", "simulator.results.derive"),
    # members (specification section 3-4)
    "population": Var(PY, "persons", "mid-year population"),
    "employees": Var(PY, "persons", "employees of employers in the employee scheme (mid-year)"),
    "flexible": Var(PY, "persons", "flexible workers in the employee scheme (mid-year)"),
    "retirees": Var(PY, "persons", "retirees in the employee scheme (mid-year)"),
    "residents": Var(PY, "persons", "members of the resident scheme (mid-year)"),
    "births": Var(PY, "persons per year", "births"),
    "births_to_employees": Var(PY, "persons per year", "births to employees"),
    "deaths": Var(PY, "persons per year", "deaths (sum of N * q)"),
    "net_migration": Var(PY, "persons per year", "realised net migration into the mid-year stock of year t: the requested total times the age-sex profile, a cell losing at most its stock; when stocks limit the outflows the profile's inflows shrink in proportion, so it has the requested sign and is never larger (0 in the base year)"),
    "old_age_dependency": Var(PY, "ratio", "retirees / (employees + flexible workers)", "simulator.results.derive"),
    # economy (specification section 5)
    "average_wage": Var(PY, "yuan per year", "average wage W[t] = W[t-1] * (1 + gw[t]); positive on every path"),
    "resident_income": Var(PY, "yuan per year", "resident per-capita income Y[t] = Y[t-1] * (1 + gy[t]); positive on every path"),
    "medical_cost_index": Var(PY, "index (base year = 1)", "medical unit cost index Cm[t] = Cm[t-1] * (1 + gw[t]) * (1 + ge[t]); positive on every path"),
    "wage_growth": Var(PY, "fraction per year", "wage growth gw = expm1(l), l = log(1 + gw) following the AR(1); always > -1"),
    "excess_cost_growth": Var(PY, "fraction per year", "excess medical cost growth ge = expm1(l), l = log(1 + ge) following the AR(1); always > -1"),
    "interest_rate": Var(PY, "fraction per year", "interest rate the funds earn i = expm1(l), l = log(1 + i) following the AR(1); always > -1"),
    "resident_income_growth": Var(PY, "fraction per year", "resident income growth gy = expm1(l), l = log(1 + gy) following the AR(1); always > -1"),
    "epidemic": Var(PY, "flag", "1 in an epidemic year"),
    "mortality_index": Var(PY, "years of improvement", "Lee-Carter mortality index kappa"),
}

_K = "simulator.kernels."
#: the step function of :mod:`simulator.kernels` that computes each variable (for a derived
#: variable, the step computing what it is derived from)
STEPS = {
    "contribution_income": _K + "income.contribution_income",
    "interest": _K + "funds.balances",
    "borrowing_cost": _K + "funds.balances",
    "income": _K + "income.contribution_income",
    "fiscal_transfer": _K + "rules.backstop_transfer",
    "expenditure": _K + "funds.fund_expenditure",
    "balance": _K + "funds.balances",
    "reserve_months": _K + "funds.reserve_months",
    "fiscal_gap": _K + "funds.balances",
    "operating_balance": _K + "funds.balances",
    "current_balance": _K + "funds.balances",
    "expenditure_growth_5y": _K + "funds.fund_expenditure",
    "combined_pooled_balance": _K + "funds.balances",
    "combined_pooled_reserve_months": _K + "funds.reserve_months",
    "account_balance_per_member": _K + "funds.balances",
    "medical_expenditure": _K + "expenditure.medical_by_line",
    "leakage": _K + "reform.leakage_and_epidemic",
    "recoveries": _K + "income.recoveries",
    "dip_demand": _K + "reform.dip_points",
    "dip_payment": _K + "reform.global_budget",
    "dip_budget": _K + "reform.global_budget",
    "dip_floor_overrun": _K + "reform.budget_payment",
    "dip_floor_binding": _K + "reform.global_budget",
    "dip_income_cap_binding": _K + "reform.global_budget",
    "dip_points": _K + "reform.dip_points",
    "inpatient_price_ratio": _K + "reform.inpatient_price_ratio",
    "out_of_region_expenditure": _K + "reform.out_of_region_split",
    "point_value": _K + "reform.global_budget",
    "point_value_reference": _K + "reform.dip_points",
    "point_value_ratio": _K + "reform.global_budget",
    "hospital_margin": _K + "reform.hospital_margin",
    "maternity": _K + "expenditure.maternity",
    "critical_illness_premiums": _K + "expenditure.critical_illness_premium",
    "long_term_care": _K + "funds.fund_expenditure",
    "employer_contributions": _K + "income.employee_scheme_contributions",
    "employee_contributions": _K + "income.employee_scheme_contributions",
    "flexible_contributions": _K + "income.employee_scheme_contributions",
    "retiree_contributions": _K + "income.employee_scheme_contributions",
    "buyback_income": _K + "income.employee_scheme_contributions",
    "resident_contributions": _K + "income.resident_contributions",
    "employer_rate": _K + "rules.trigger_offsets",
    "breakeven_rate": _K + "breakeven.breakeven_rate",
    "breakeven_rate_slope": _K + "breakeven.breakeven_rate_slope",
    "breakeven_premium": _K + "breakeven.breakeven_premium",
    "contribution_base": _K + "income.contribution_base",
    "resident_premium": _K + "income.resident_premium",
    "resident_subsidy": _K + "income.resident_subsidy",
    "subsidy_premium_ratio": _K + "income.resident_subsidy",
    "population": _K + "population.population_and_deaths",
    "employees": _K + "membership.working_members",
    "flexible": _K + "membership.working_members",
    "retirees": _K + "membership.working_members",
    "residents": _K + "membership.residents",
    "births": _K + "population.births_by_group",
    "births_to_employees": _K + "population.births_by_group",
    "deaths": _K + "population.population_and_deaths",
    "net_migration": _K + "population.migrate",
    "old_age_dependency": _K + "membership.working_members",
    "average_wage": _K + "economy.price_levels",
    "resident_income": _K + "economy.price_levels",
    "medical_cost_index": _K + "economy.price_levels",
    "wage_growth": _K + "economy.drivers_ar1",
    "excess_cost_growth": _K + "economy.drivers_ar1",
    "interest_rate": _K + "economy.drivers_ar1",
    "resident_income_growth": _K + "economy.drivers_ar1",
    "epidemic": _K + "economy.epidemic_draw",
    "mortality_index": _K + "population.mortality_index",
}
VARIABLES = {name: replace(var, step=STEPS[name]) for name, var in VARIABLES.items()}

#: variables allowed to hold NaN (by construction), all others are checked for finiteness
MAY_BE_NAN = {"dip_budget", "breakeven_rate", "breakeven_premium", "old_age_dependency", "point_value", "point_value_ratio", "expenditure_growth_5y", "reserve_months",
              "combined_pooled_reserve_months", "subsidy_premium_ratio", "account_balance_per_member"}


#: the variables kept with ``variables="core"``: what summaries, break-even and the actuarial
#: balance need, for runs too large to keep everything (about a third of the memory of "all")
CORE = ("income", "contribution_income", "interest", "borrowing_cost", "fiscal_transfer", "expenditure", "balance",
        "reserve_months", "combined_pooled_balance", "combined_pooled_reserve_months", "employer_rate",
        "resident_premium", "resident_subsidy", "breakeven_rate", "breakeven_premium", "contribution_base",
        "population", "employees", "flexible", "retirees", "residents", "interest_rate")
