"""Array layout shared by the compiler, the numba kernel and the NumPy reference.

The kernel never sees names: every scenario scalar or schedule is one row of the parameter table
``sched[row, t]`` (central values by year), with a per-path shift ``shift[path, row]`` for
uncertain parameters and clip bounds ``lo[row]``, ``hi[row]``.  This module names the rows, the
flags, the base-year scalars and the output variables.  It imports nothing, so that kernels can
use its integers as compile-time constants.
"""

N_AGES = 101
N_SEXES = 2
MALE, FEMALE = 0, 1
N_LINES = 3
INP, OUT, CHR = 0, 1, 2
N_GROUPS = 4
EMP, FLX, RET, RES = 0, 1, 2, 3
N_SCHEMES = 2
SCH_EMP, SCH_RES = 0, 1
N_FUNDS = 3
F_POOL, F_ACC, F_RES = 0, 1, 2
N_DRIVERS = 4
D_WAGE, D_EXCESS, D_INTEREST, D_RESINC = 0, 1, 2, 3

_rows = []


def _row(name):
    _rows.append(name)
    return len(_rows) - 1


# ---- parameter rows (order is part of the kernel's contract, not of the scenario language)
TFR = _row("population.fertility.tfr")
SRB = _row("population.fertility.sex_ratio_at_birth")
MIG_TOTAL = _row("population.migration.net_total")
KAPPA_SD = _row("population.mortality.kappa_sd")
WOMEN50 = _row("membership.women_track_50_share")
COV_TREND = _row("membership.working_coverage_trend")
FLEX_SHARE = _row("membership.flexible_share")
VEST_M = _row("membership.vesting_share_men")
VEST_F = _row("membership.vesting_share_women")
BUYBACK = _row("membership.buyback_share")
BUYBACK_YEARS = _row("membership.buyback_missing_years")
ENROL_ELAST = _row("membership.resident_enrolment_elasticity")
DRIVER_NAMES = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
MU = tuple(_row(f"economy.drivers.{d}.mean") for d in DRIVER_NAMES)
PHI = tuple(_row(f"economy.drivers.{d}.persistence") for d in DRIVER_NAMES)
SIGMA = tuple(_row(f"economy.drivers.{d}.sd") for d in DRIVER_NAMES)
#: a region's own deviation from the shared driver (specification 2.3 section 17): its sigma
SIGMA_LOCAL = tuple(_row(f"economy.drivers.{d}.local_sd") for d in DRIVER_NAMES)
SMAX = _row("economy.cost_share_ceiling")
EPI_P = _row("epidemic.probability")
EPI_COST = _row("epidemic.cost_add")
EPI_RELIEF = _row("epidemic.contribution_relief")
CER = _row("employee.employer_rate")
CEE = _row("employee.employee_rate")
BETA = _row("employee.base_ratio")
GAMMA_C = _row("employee.compliance")
CFL = _row("employee.flexible_rate")
BETA_F = _row("employee.flexible_base_ratio")
GAMMA_F = _row("employee.flexible_compliance")
CRE = _row("employee.retiree_rate")
PENSION_RATIO = _row("employee.pension_wage_ratio")
CEE_IA = _row("accounts.employee_rate_cap")
ALPHA_E = _row("accounts.employer_share")
QR = _row("accounts.retiree_quota")
PPO = _row("accounts.pool_only_share")
XI_F = _row("accounts.spend_share_credits")
XI_B = _row("accounts.spend_share_balance")
PI = _row("resident.premium")
PI_SHARE = _row("resident.premium_income_share")
PS = _row("resident.subsidy")
PS_CAP = _row("resident.subsidy_cap_ratio")
THETA_OTHER = _row("resident.other_income_factor")
LINE_NAMES = ("inpatient", "outpatient", "chronic_outpatient")
GROUP_NAMES = ("employee", "flexible", "retired", "resident")
RR = tuple(tuple(_row(f"expenditure.reimbursement.{g}.{j}") for j in LINE_NAMES) for g in GROUP_NAMES)
LIMIT = tuple(tuple(_row(f"expenditure.limit_excess_share.{g}.{j}") for j in LINE_NAMES) for g in GROUP_NAMES)
ZETA = tuple(_row(f"expenditure.retirement_use_uplift.{j}") for j in LINE_NAMES)
EPS_D = tuple(_row(f"expenditure.demand_elasticity.{j}") for j in LINE_NAMES)
CB0 = _row("maternity.birth_cost")
CHI_FL = _row("maternity.flexible_coverage")
CHI_AL = _row("maternity.allowance_share")
LEAVE_DAYS = _row("maternity.paid_leave_days")
CII_SHARE = _row("critical_illness.premium_share")
CII_PREMIUM = _row("critical_illness.premium")
LTC = _row("long_term_care.carve_out_share")
DRUG = tuple(_row(f"reform.procurement.drug_share.{j}") for j in LINE_NAMES)
VP = _row("reform.procurement.coverage")
PRICE_CUT = _row("reform.procurement.price_cut")
REBOUND = _row("reform.procurement.volume_rebound")
CAP_SHARE = _row("reform.capitation.share")
CAP_GROWTH = _row("reform.capitation.growth")
PERDIEM_GROWTH = _row("reform.per_diem.growth")
LEAK = _row("reform.fraud.leakage")
RECOV = _row("reform.fraud.recovery_share")
THETA = _row("reform.drg_dip.coverage")
CREEP = _row("reform.drg_dip.coding_creep")
CREEP_CAP = _row("reform.drg_dip.creep_cap")
SE_MAX = _row("reform.drg_dip.efficiency_max")
SE_TAU = _row("reform.drg_dip.efficiency_time")
PV_FLOOR = _row("reform.drg_dip.point_value_floor")
GB = _row("reform.drg_dip.global_budget.budget_growth")
GI = _row("reform.drg_dip.global_budget.income_growth")
MS = _row("reform.drg_dip.global_budget.surplus_margin")
ETA_O = _row("reform.drg_dip.global_budget.overrun_share")
ETA_S = _row("reform.drg_dip.global_budget.savings_share")
TRIG_LOWER = _row("policy.rate_trigger.lower_months")
TRIG_UPPER = _row("policy.rate_trigger.upper_months")
TRIG_STEP_E = _row("policy.rate_trigger.employer_step")
TRIG_CAP_E = _row("policy.rate_trigger.employer_cap")
TRIG_FLOOR_E = _row("policy.rate_trigger.employer_floor")
TRIG_STEP_P = _row("policy.rate_trigger.premium_step")
TRIG_CAP_P = _row("policy.rate_trigger.premium_cap")
TRIG_FLOOR_P = _row("policy.rate_trigger.premium_floor")
BACKSTOP_MONTHS = _row("policy.fiscal_backstop.minimum_months")
N_FIXED_ROWS = len(_rows)
FIXED_ROW_NAMES = tuple(_rows)
# disease rows follow: for disease d, row N_FIXED_ROWS + 4*d + k
DIS_MU_PREV, DIS_SD_PREV, DIS_MU_INT, DIS_SD_INT = 0, 1, 2, 3
DISEASE_ROW_FIELDS = ("prevalence_trend", "prevalence_sd", "intensity_trend", "intensity_sd")

#: floor of the member's own price share 1 - rr in the demand response (specification section 7):
#: a line paid in full keeps a finite use multiplier
DEMAND_SHARE_FLOOR = 0.05

# ---- indexed schedules (specification 2.3 section 2): index_rows[q] = (row, index, t0)
INDEX_NAMES = ("fixed", "wage", "resident_income", "medical_cost")
IDX_FIXED, IDX_WAGE, IDX_RESINC, IDX_COST = 0, 1, 2, 3
IR_ROW, IR_INDEX, IR_T0 = 0, 1, 2

# ---- integer flags
FLAG_BUDGET = 0          # DIP global budget on
FLAG_GI_SET = 1          # budgeted income growth given (else last year's realised growth)
FLAG_PI_SHARE = 2        # premium = share of resident income
FLAG_PS_CAP = 3          # subsidy capped at a multiple of the premium
FLAG_CII_SHARE = 4       # critical-illness premium as a share of Pi + Ps (else an amount)
FLAG_SMAX = 5            # long-run bend of excess cost growth on
FLAG_DIP_START = 6       # calendar year DRG/DIP started
FLAG_BASE_YEAR = 7       # calendar year of t = 0
FLAG_TRIGGER = 8         # rate-adjustment trigger on (specification section 10)
FLAG_BACKSTOP = 9        # fiscal backstop on (specification section 10)
FLAG_TRIGGER_PROJECTED = 10  # trigger reads next year's projected reserve months 2*RM[t] - RM[t-1]
N_FLAGS = 11

# ---- random streams: index into the stream-id array (ids are hashes of these names)
S_MORTALITY = 0
S_DRIVER = 1             # 4 entries, in DRIVER_NAMES order
S_EPIDEMIC = 5
S_LOCAL_DRIVER = 6       # 4 entries: each driver's local deviation (section 17), in DRIVER_NAMES order
S_DISEASE = 10           # then 2 per disease: prevalence at S_DISEASE + 2*d, intensity at S_DISEASE + 2*d + 1


def stream_names(disease_names) -> list:
    """The random streams' names in ModelInputs.streams order (their ids are hashes of the names,
    :func:`simulator.rng.stream_id`), for a scenario with these disease groups."""
    names = ["mortality"] + [f"driver:{d}" for d in DRIVER_NAMES] + ["epidemic"]
    names += [f"driver_local:{d}" for d in DRIVER_NAMES]
    for grp in disease_names:
        names += [f"disease_prevalence:{grp}", f"disease_intensity:{grp}"]
    return names

# ---- base-year scalars (reported or calibrated, the same for every path)
B_W0 = 0                 # average wage of the base year, yuan
B_Y0 = 1                 # resident income of the base year, yuan
B_W_PREV = 2             # average wage of the previous year, yuan
B_BAL_PREV = 3           # 3 entries: opening balance of the base year (implied), yuan, by fund
B_BAL0 = 6               # 3 entries: reported end-of-base-year balance, yuan, by fund
B_J0 = 9                 # 3 entries: interest of the base year taken out of reported income, yuan
B_INC_GROWTH0 = 12       # 3 entries: reported income growth of the base year (budget's gi at t = 1)
B_EXP_RATIO_PREV = 15    # 3 entries: reported expenditure of previous / base year (recoveries at t = 0)
B_PSI0 = 18              # premium burden Pi/Y of the base year
B_S0 = 19                # cost-to-wage share S0 of the base year (long-run bend)
B_OUT_SHARE = 20         # 2 entries: share of the scheme's non-per-diem inpatient cost incurred in other
                         # regions (out-of-region care, section 17), by scheme; 0 outside a province
N_BASE = 22

# ---- output variables of the kernel, per path and year
_out = []


def _o(name):
    _out.append(name)
    return len(_out) - 1


O_INC_C = tuple(_o(f"contribution_income.{f}") for f in ("employee_pooled", "employee_accounts", "resident"))
O_J = tuple(_o(f"interest_signed.{f}") for f in ("employee_pooled", "employee_accounts", "resident"))
O_EXP = tuple(_o(f"expenditure.{f}") for f in ("employee_pooled", "employee_accounts", "resident"))
O_BAL = tuple(_o(f"balance.{f}") for f in ("employee_pooled", "employee_accounts", "resident"))
O_MED = tuple(tuple(_o(f"medical_{j}.{m}") for j in LINE_NAMES) for m in ("employee", "resident"))
O_LEAK = tuple(_o(f"leakage.{m}") for m in ("employee", "resident"))
O_RECOV = tuple(_o(f"recoveries.{m}") for m in ("employee", "resident"))
O_DIP_DEMAND = tuple(_o(f"dip_demand.{m}") for m in ("employee", "resident"))
O_DIP_PAY = tuple(_o(f"dip_payment.{m}") for m in ("employee", "resident"))
O_DIP_BUDGET = tuple(_o(f"dip_budget.{m}") for m in ("employee", "resident"))
O_POINTS = tuple(_o(f"dip_points.{m}") for m in ("employee", "resident"))
O_PV_REF = tuple(_o(f"point_value_reference.{m}") for m in ("employee", "resident"))
O_MARGIN = tuple(_o(f"hospital_margin.{m}") for m in ("employee", "resident"))
O_POP = _o("population")
O_EMPLOYEES = _o("employees")
O_FLEXIBLE = _o("flexible")
O_RETIREES = _o("retirees")
O_RESIDENTS = _o("residents")
O_BIRTHS = _o("births")
O_BIRTHS_EMP = _o("births_to_employees")
O_MATERNITY = _o("maternity")
O_CII = _o("critical_illness_premiums")
O_LTC = _o("long_term_care")
O_EMPLOYER_CONTRIB = _o("employer_contributions")
O_EMPLOYEE_CONTRIB = _o("employee_contributions")
O_FLEX_CONTRIB = _o("flexible_contributions")
O_RETIREE_CONTRIB = _o("retiree_contributions")
O_BUYBACK = _o("buyback_income")
O_RES_CONTRIB = _o("resident_contributions")
O_EMPLOYER_RATE = _o("employer_rate")
O_PREMIUM = _o("resident_premium")
O_SUBSIDY = _o("resident_subsidy")
O_WAGE = _o("average_wage")
O_RES_INCOME = _o("resident_income")
O_COST_INDEX = _o("medical_cost_index")
O_WAGE_GROWTH = _o("wage_growth")
O_EXCESS = _o("excess_cost_growth")
O_INTEREST_RATE = _o("interest_rate")
O_RESINC_GROWTH = _o("resident_income_growth")
O_EPIDEMIC = _o("epidemic")
O_KAPPA = _o("mortality_index")
O_DEATHS = _o("deaths")
O_TRANSFER = tuple(_o(f"fiscal_transfer.{f}") for f in ("employee_pooled", "employee_accounts", "resident"))
O_BREAKEVEN_RATE = _o("breakeven_rate")
O_BREAKEVEN_PREMIUM = _o("breakeven_premium")
O_CONTRIB_BASE = _o("contribution_base")
O_NET_MIG = _o("net_migration")
O_DIP_FLOOR_OVERRUN = tuple(_o(f"dip_floor_overrun.{m}") for m in ("employee", "resident"))
O_DIP_FLOOR_BINDING = tuple(_o(f"dip_floor_binding.{m}") for m in ("employee", "resident"))
O_DIP_CAP_BINDING = tuple(_o(f"dip_income_cap_binding.{m}") for m in ("employee", "resident"))
O_DIP_PRICE_RATIO = tuple(_o(f"inpatient_price_ratio.{m}") for m in ("employee", "resident"))
O_OUT_OF_REGION = tuple(_o(f"out_of_region_expenditure.{m}") for m in ("employee", "resident"))
O_BREAKEVEN_RATE_SLOPE = _o("breakeven_rate_slope")
N_OUT = len(_out)
OUT_NAMES = tuple(_out)

#: floor of the premium burden's ratio to the base year in the enrolment response
#: ``e = (max(ψ/ψ0, floor))^(-εe)`` (a departure from specification section 4, where a premium of 0
#: makes enrolment infinite; as the member's own share of the price is floored at 0.05 in ``Ud``)
ENROL_BURDEN_FLOOR = 0.05
