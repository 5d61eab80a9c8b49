"""Kernel throughput against the NumPy reference (path-years per second), and each step function."""

import numpy as np

from . import SMOKE, YEARS, compiled_baseline, kernel_out, sizes


class KernelThroughput:
    params = sizes(100, 10_000, 100_000)
    param_names = ["paths"]
    timeout = 600

    def setup(self, paths):
        from simulator.kernels.project import project

        self.project = project
        _, self.compiled = compiled_baseline(paths)
        self.out = kernel_out(self.compiled)
        inp = self.compiled.inputs
        project(*inp.with_paths(inp.path_ids[:2], inp.shift[:2]), self.out[:2])  # JIT warm (compile timed apart)

    def time_kernel(self, paths):
        self.project(*self.compiled.inputs, self.out)

    def track_kernel_path_years_per_s(self, paths):
        import time
        t0 = time.perf_counter()
        self.project(*self.compiled.inputs, self.out)
        return paths * YEARS / (time.perf_counter() - t0)

    track_kernel_path_years_per_s.unit = "path-years/s"


class ReferenceThroughput:
    """The vectorised NumPy reference on the same inputs (100,000 paths would take minutes: skipped)."""

    params = sizes(100, 10_000)
    param_names = ["paths"]
    timeout = 600

    def setup(self, paths):
        from simulator.reference import project

        self.project = project
        _, self.compiled = compiled_baseline(paths)

    def time_reference(self, paths):
        self.project(self.compiled.inputs)


class KernelCompile:
    """Numba's cost to load (or compile) the kernel in a fresh process."""

    timeout = 600

    def time_kernel_import_and_first_call(self):
        import subprocess
        import sys
        subprocess.run([sys.executable, "-c", (
            "import simulator, numpy as np; from simulator.kernels.project import project; "
            "l, c = simulator.prepare('baseline', paths=2, horizon=2); "
            "from simulator import layout as L; project(*c.inputs, np.empty((2, 3, L.N_OUT)))")], check=True)


_CASES = {}


def _step_cases():
    """{"section.step": (function, arguments)}: every step function of simulator.kernels on one
    path's realistic arguments (the baseline's arrays, its parameters of year 3)."""
    import simulator.kernels  # noqa: F401  (the cache folder first)
    from simulator import layout as L
    from simulator.kernels import breakeven as BE, economy as EC, expenditure as EX, funds as FU, income as IN
    from simulator.kernels import membership as ME, parameters as PA, population as PO, record as RE
    from simulator.kernels import reform as RF, rules as RU

    _, compiled = compiled_baseline(2, years=max(YEARS, 4))
    inp = compiled.inputs
    NA, NS, NC = L.N_AGES, L.N_SEXES, L.N_AGES * L.N_SEXES
    D = inp.wdis.shape[0]
    par = np.empty(inp.sched.shape[0])
    PA.year_parameters(inp.sched, inp.shift, inp.lo, inp.hi, 0, 3, True, par)
    seed, path = inp.seed, 1
    from simulator.kernels import rng as RNG
    keys = np.empty(inp.streams.shape[0], dtype=np.uint64)  # the path's stream keys, as project_path makes them
    RNG.path_keys(seed, inp.streams, path, keys)
    N, h = inp.pop0.copy(), np.exp(-inp.m0 / 2)  # h = exp(-m/2), the half-year survival
    A, F, Rt, Rs = N * 0.3, N * 0.05, inp.rt0.copy(), N * 0.5
    members = np.stack([A, F, Rt, Rs]).reshape(4, NC)
    a2, a3, a4 = (lambda: np.ones(2)), (lambda: np.ones(3)), (lambda: np.zeros(4))
    arr = lambda: np.empty((NA, NS))  # noqa: E731
    w, y, cm = 1.3e5, 4.5e4, 1.1
    bud = np.array([1e12, 2e11])
    if _CASES:
        return _CASES
    _CASES.update({
        "parameters.year_parameters": (PA.year_parameters, (inp.sched, inp.shift, inp.lo, inp.hi, 0, 3, True, par.copy())),
        "parameters.indexed_parameters": (PA.indexed_parameters, (inp.index_rows, inp.index_plus, np.ones(inp.index_rows.shape[0]),
                                                                  inp.sched, inp.shift, inp.lo, inp.hi, 0, 3, w, y, cm, par.copy())),
        "economy.drivers_at_mean": (EC.drivers_at_mean, (par, a4(), a4(), a4())),
        "economy.driver_shocks": (EC.driver_shocks, (keys, 3, par, np.zeros(8))),
        "economy.cost_bend": (EC.cost_bend, (0.05, 0.2, 0.04)),
        "economy.drivers_ar1": (EC.drivers_ar1, (par, inp.chol, np.full(8, 0.3), 1.0, a4(), np.full(4, 0.03), np.full(4, 0.03))),
        "economy.price_levels": (EC.price_levels, (w, y, cm, np.full(4, 0.03))),
        "economy.epidemic_draw": (EC.epidemic_draw, (keys[L.S_EPIDEMIC], 3, 0.1)),
        "economy.cost_to_wage_share": (EC.cost_to_wage_share, (0.04, cm, 1.2e5, w)),
        "population.mortality_index": (PO.mortality_index, (3.0, 0.5, keys[L.S_MORTALITY], 3)),
        "population.mortality_rates": (PO.mortality_rates, (inp.m0, inp.ri, 3.0, arr())),
        "population.survival_factors": (PO.survival_factors, (h, arr())),
        "population.survive": (PO.survive, (N, np.full(2, 4e6), h, h, arr())),
        "population.migrate": (PO.migrate, (N.copy(), -1e6, inp.mig_prof, arr())),
        "population.births_by_group": (PO.births_by_group, (1.0, inp.fx[3], A, F, N)),
        "population.births_by_sex": (PO.births_by_sex, (9e6, 1.1, a2())),
        "population.population_and_deaths": (PO.population_and_deaths, (N, h)),
        "membership.retired_share": (ME.retired_share, (inp.track, 3, 0.5, arr())),
        "membership.age_retirees": (ME.age_retirees, (Rt.copy(), h, h)),
        "membership.working_members": (ME.working_members, (N, np.full((NA, NS), 0.3), np.full((NA, NS), 0.29), inp.rho,
                                                            inp.flex_rel, 1.0, 0.2, 0.8, 0.8, 0.5, 3, arr(), arr(), Rt.copy())),
        "membership.enrolment_factor": (ME.enrolment_factor, (420.0, y, 0.009, 0.1)),
        "membership.residents": (ME.residents, (N, inp.tau, A, F, Rt, 1.0, arr())),
        "expenditure.disease_indices": (EX.disease_indices, (keys, 3, par, np.ones(D), np.ones(D))),
        "expenditure.demand_response": (EX.demand_response, (0.7, 0.6, 0.2)),
        "expenditure.disease_multiplier": (EX.disease_multiplier, (inp.wdis.reshape(D, 3, NC), 0, np.full(D, 1.05),
                                                                  inp.perdiem, np.empty(NC), np.empty(NC))),
        "expenditure.weighted_sums": (EX.weighted_sums, (members[0], inp.c0h[0, 0].reshape(NC), np.ones(NC), np.zeros(NC), True)),
        "expenditure.line_group_sums": (EX.line_group_sums, (members, inp.c0h.reshape(2, 3, NC), np.ones((3, NC)),
                                                            np.zeros((3, NC)), np.empty((5, 4)))),
        "expenditure.use_and_cover": (EX.use_and_cover, (par, 2, 1, np.full((4, 3), 0.6), 0.98)),
        "expenditure.medical_by_line": (EX.medical_by_line, (par, 3, np.full(D, 1.05), inp.wdis.reshape(D, 3, NC), inp.perdiem,
                                                            inp.c0h.reshape(2, 3, NC), members, cm, 1.05, np.full((4, 3), 0.6),
                                                            np.full((4, 3), 0.5), False,
                                                            np.empty((3, NC)), np.empty((3, NC)), np.empty((5, 4)),
                                                            np.zeros((2, 3)), a2(), a2(), a2())),
        "expenditure.cover_table": (EX.cover_table, (inp.sched, inp.shift, inp.lo, inp.hi, inp.index_rows,
                                                    np.empty((inp.sched.shape[1], 4, 3)))),
        "expenditure.maternity": (EX.maternity, (par, cm, 3e6, 5e5, w)),
        "expenditure.critical_illness_premium": (EX.critical_illness_premium, (par, False, 420.0, 700.0)),
        "reform.procurement_multiplier": (RF.procurement_multiplier, (0.3, 0.6, 0.5, 0.2)),
        "reform.grow_payment_indices": (RF.grow_payment_indices, (par, 1.05, a2())),
        "reform.capitation": (RF.capitation, (par, 3, np.ones((2, 3)) * 1e11, np.full(2, 150.0), np.full(2, 3e8))),
        "reform.efficiency_gain": (RF.efficiency_gain, (2027, 2020, 0.1, 5.0)),
        "reform.dip_points": (RF.dip_points, (par, 2027, 2020, cm, bud, a2(), a2(), a2())),
        "reform.budget_payment": (RF.budget_payment, (1e12, 9e11, 0.5, 0.3, 0.9)),
        "reform.global_budget": (RF.global_budget, (par, inp.flags, 3, inp.base, 0.7, 0.68, bud, bud, np.full(3, 2e12),
                                                    np.full(3, 1.9e12), np.full(2, 1e12), a2(), a2(), a2(), a2(), a2())),
        "reform.out_of_region_split": (RF.out_of_region_split, (inp.base, np.zeros((0, 1, 2)), 0, 3, bud.copy(), a2())),
        "reform.inpatient_price_ratio": (RF.inpatient_price_ratio, (0.7, bud, bud, 1)),
        "reform.leakage_and_epidemic": (RF.leakage_and_epidemic, (par, 0.0, 0.7, bud, a2(), bud, a2(), np.ones((2, 3)), a2(),
                                                                  a2())),
        "reform.hospital_margin": (RF.hospital_margin, (1e12, 9e11, cm, 0.05)),
        "income.resident_premium": (IN.resident_premium, (False, 0.01, y, 420.0)),
        "income.resident_subsidy": (IN.resident_subsidy, (700.0, True, 2.0, 420.0)),
        "income.contribution_base": (IN.contribution_base, (A, inp.wp, w, 0.6, 0.9)),
        "income.employee_scheme_contributions": (IN.employee_scheme_contributions, (par, 2e13, 0.07, 0.08, 1.0, 5e7, 9e7, w, 1e5)),
        "income.account_credits": (IN.account_credits, (par, 2e13, 0.07, 1.0, 9e7)),
        "income.recoveries": (IN.recoveries, (par, 3, a2(), a2(), inp.base, a2())),
        "income.resident_contributions": (IN.resident_contributions, (1.1, 9e8, 420.0, 700.0)),
        "income.contribution_income": (IN.contribution_income, (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, a2(), a3())),
        "funds.account_outflow": (FU.account_outflow, (1e12, 5e11, 0.8, 0.2)),
        "funds.fund_expenditure": (FU.fund_expenditure, (par, 3, a2(), 1.0, 1.0, a3(), 1.0, a3(), inp.base, a3())),
        "funds.balances": (FU.balances, (3, 0.02, a3(), a3(), a3(), inp.base, True, 3.0, a3(), a3(), a3())),
        "funds.reserve_months": (FU.reserve_months, (2e12, 2.4e12)),
        "rules.trigger_offsets": (RU.trigger_offsets, (par, 0.0, 0.0, 0.07, 0.08, 420.0)),
        "rules.trigger_step": (RU.trigger_step, (5.0, 6.0, True, 6.0, 9.0, 0.005)),
        "rules.backstop_transfer": (RU.backstop_transfer, (3.0, 2.4e12, 1e11)),
        "breakeven.breakeven_rate": (BE.breakeven_rate, (par, 2e13, 1.0, 5e11, 5e10, 0.0, 4e11, 2e12, 1e11, 1e9, 1e9)),
        "breakeven.breakeven_rate_slope": (BE.breakeven_rate_slope, (par, 2e13, 1.0)),
        "breakeven.resident_gap": (BE.resident_gap, (420.0, par, inp.flags, 3, y, 0.009, 1.0, 9e8, 1e12, 1e10, 2e11, 1e11,
                                                     1e12, 1e12, 0.7, 1.0, 1e9)),
        "breakeven.breakeven_premium": (BE.breakeven_premium, (par, inp.flags, 3, y, 0.009, 1.0, 9e8, 1e12, 1e10, 2e11, 1e11,
                                                               1e12, 1e12, 0.7, 1.0, 1e9, 420.0)),
        "record.record_year": (RE.record_year, (np.empty(L.N_OUT), a3(), a3(), a3(), a3(), a3(), np.ones((2, 3)), a2(), a2(),
                                                a2(), a2(), a2(), a2(), 1.0, a2(), 1.0, 0.0, a2(), a2(), a2(),
                                                *([1.0] * 25), a4(), 0.0, 1.0, 1.0, 1.0, a2(), a2())),
    })
    return _CASES


def _repeat_calls():
    """A jitted loop calling a step ``n`` times (numba takes the jitted step as an argument), so a
    step is timed without the Python call overhead of each of its calls."""
    from numba import njit

    @njit(cache=False)
    def repeat(fn, n, *args):
        r = fn(*args)
        for _ in range(n - 1):
            r = fn(*args)
        return r
    return repeat


#: the benchmarked steps: every public function of the kernel's section modules
STEP_NAMES = (
    "parameters.year_parameters", "parameters.indexed_parameters",
    "economy.drivers_at_mean", "economy.driver_shocks", "economy.cost_bend", "economy.drivers_ar1", "economy.price_levels",
    "economy.epidemic_draw", "economy.cost_to_wage_share",
    "population.mortality_index", "population.mortality_rates", "population.survival_factors", "population.survive", "population.migrate",
    "population.births_by_group", "population.births_by_sex", "population.population_and_deaths",
    "membership.retired_share", "membership.age_retirees", "membership.working_members", "membership.enrolment_factor",
    "membership.residents",
    "expenditure.disease_indices", "expenditure.demand_response", "expenditure.disease_multiplier",
    "expenditure.weighted_sums", "expenditure.line_group_sums", "expenditure.use_and_cover", "expenditure.medical_by_line", "expenditure.cover_table", "expenditure.maternity",
    "expenditure.critical_illness_premium",
    "reform.procurement_multiplier", "reform.grow_payment_indices", "reform.capitation", "reform.efficiency_gain",
    "reform.dip_points", "reform.budget_payment", "reform.global_budget", "reform.out_of_region_split",
    "reform.inpatient_price_ratio", "reform.leakage_and_epidemic",
    "reform.hospital_margin",
    "income.resident_premium", "income.resident_subsidy", "income.contribution_base",
    "income.employee_scheme_contributions", "income.account_credits", "income.recoveries",
    "income.resident_contributions", "income.contribution_income",
    "funds.account_outflow", "funds.fund_expenditure", "funds.balances", "funds.reserve_months",
    "rules.trigger_offsets", "rules.trigger_step", "rules.backstop_transfer",
    "breakeven.breakeven_rate", "breakeven.breakeven_rate_slope", "breakeven.resident_gap", "breakeven.breakeven_premium",
    "record.record_year",
)

#: calls per timing: each time_step is this many path-years of one step
STEP_CALLS = 1 if SMOKE else 1000


class StepFunctions:
    """Each step function of the kernel (simulator.kernels, one module per model section), timed
    over STEP_CALLS calls on one path's baseline arguments: seconds per call = time / STEP_CALLS,
    the step's cost per path-year (issue 17 item 5)."""

    params = (["population.survive", "membership.working_members", "expenditure.medical_by_line",
               "breakeven.breakeven_premium", "record.record_year"] if SMOKE else list(STEP_NAMES))
    param_names = ["step"]
    timeout = 600

    def setup(self, step):
        cases = _step_cases()
        assert set(cases) == set(STEP_NAMES), sorted(set(cases) ^ set(STEP_NAMES))
        self.fn, self.args = cases[step]
        self.repeat = _repeat_calls()
        self.repeat(self.fn, 1, *self.args)  # numba compiles the loop for this step here

    def time_step(self, step):
        self.repeat(self.fn, STEP_CALLS, *self.args)
