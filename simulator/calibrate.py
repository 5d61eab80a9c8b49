"""The base-year calibration (specification section 11): fit the model to the reported figures of the base year.

:func:`calibrate` takes the arrays :func:`simulator.compile.compile_scenario` built from a
validated scenario and fits, in this order (each step sees the ones before it):

* membership (section 4): the retiree stock is scaled to the reported count; with
  ``calibration.fit_coverage`` the working coverage and the participation rate are scaled so
  that active members and residents match too (then they are fitted, not checked).  The targets
  are mid-year counts (persons): the mean of the base and previous year-end counts;
* interest of the base year (section 9's formula) is taken out of reported income
  (:func:`take_out_interest`, yuan);
* one factor per pooled fund scales ``c0`` so that modelled expenditure (net of maternity, the
  critical-illness premium and the long-term-care carve-out) equals reported expenditure; one
  factor scales the birth cost and the allowance share so that maternity matches;
* the contribution base ratio ``β`` is fitted so that employee-scheme contribution income
  (pooled plus accounts) matches, the factor ``ϑ`` so that resident contribution income matches,
  the accounts' balance spend share ``ξb`` so that account expenditure matches; each unless the
  scenario fixes it.  The pooled/accounts split of income is then a check;
* the base-year cost-to-wage share ``S0`` (section 5's cost bend) from the fitted costs.

Every fit uses central values (every shift is zero in the base year), once for all paths, on a
one-path, one-year projection on the kernel (:func:`_base_year`).  The fitted factors and the checks (modelled
against reported, each saying whether it was fitted: a check on a fitted quantity is no check) are
the calibration report, ``Compiled.calibration``.  Plausibility checks before and after the fit
(:mod:`simulator.plausibility`) stop the unit mistakes the fit would otherwise absorb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import layout as L
from .errors import CalibrationError, ScenarioError
from .calibrate_report import report
from .plausibility import Plausibility, check_reported
from .scenario.schema import LINES, SCHEMES, Scenario

if TYPE_CHECKING:
    from .compile.inputs import ModelInputs


class Membership(NamedTuple):
    """The base-year membership after its fit (section 4), persons by age and sex (A, S)."""

    rho: np.ndarray       # working coverage, fitted scale applied (fraction)
    tau: np.ndarray       # participation, fitted scale applied (fraction)
    rt0: np.ndarray       # retirees (persons)
    A0: np.ndarray        # employees (persons)
    F0: np.ndarray        # flexible workers (persons)
    Rs0: np.ndarray       # residents (persons; the enrolment factor is 1 in the base year)
    targets: tuple        # reported mid-year active, retirees, residents (persons)


def calibrate(scn: Scenario, inputs: ModelInputs, h: np.ndarray, file, warn: list) -> tuple[ModelInputs, dict]:
    """Fit the base year (section 11); returns the calibrated inputs and the calibration report.

    ``inputs`` holds the arrays built from the scenario with the membership profiles as given
    (``rho``, ``tau``; ``rt0`` and ``c0h`` are not read) and path 0 with no shift; ``h`` (2, 3, A, S)
    the age cost curves of each scheme and line (relative, any level).  ``inputs.sched`` and
    ``inputs.base`` are completed in place: the fitted rows (``β``, ``ϑ``, ``ξb``, the maternity
    birth cost and allowance share) and the base-year scalars (balances, interest, ``S0``).
    Warnings are appended to ``warn``; an implausible input or factor raises
    :class:`~simulator.errors.ImplausibleInputError` unless allowed.
    """
    cal: dict = {}
    chk = Plausibility.for_scenario(scn, file)
    check_reported(scn, float(inputs.pop0.sum()), chk)
    mem = fit_membership(scn, inputs, chk, cal, warn)
    inc_target = take_out_interest(scn, inputs.sched, inputs.base)
    c0h = unit_cost(scn, h, mem)
    inputs = inputs._replace(rho=mem.rho, tau=mem.tau, rt0=mem.rt0, c0h=c0h)
    fitted, o = fit_flows(scn, inputs, mem, inc_target, chk, cal, warn, file)
    report(scn, inputs, mem, fitted, o, cal, warn)
    chk.flush()
    if chk.allowed:
        warn += chk.allowed
        cal["implausible_allowed"] = list(chk.allowed)
    return inputs, cal


def fit_membership(scn: Scenario, inputs: ModelInputs, chk: Plausibility, cal: dict, warn: list) -> Membership:
    """The base-year members by age and sex (section 4) fitted to the reported mid-year counts.

    Working members ``N·(1 - Π)·min(1, ρ·coverage trend)`` split into employees and flexible
    workers by the flexible share; retirees ``Rt = k·profile·Π·N`` with ``k`` fitted to the reported
    retirees; with ``calibration.fit_coverage`` a scale on ``ρ`` (fixed-point iteration, ``ρ``
    capped at 1) and one on ``τ`` (bisection) match the active members and the residents.
    """
    pop0, sched, track = inputs.pop0, inputs.sched, inputs.track
    mem = scn.membership
    rho, flex_rel, tau = inputs.rho, inputs.flex_rel, inputs.tau
    w50 = sched[L.WOMEN50, 0]
    Pi0 = np.stack([track[1, 0], w50 * track[1, 1] + (1 - w50) * track[1, 2]], axis=1)
    rep, prev = scn.reported.base_year, scn.reported.previous_year
    target_active = (rep.members.active.central + prev.members.active.central) / 2
    target_ret = (rep.members.retirees.central + prev.members.retirees.central) / 2
    target_res = (rep.members.residents.central + prev.members.residents.central) / 2

    def working(rho_):
        return pop0 * (1 - Pi0) * np.minimum(1.0, rho_ * sched[L.COV_TREND, 0])

    if scn.calibration.fit_coverage:
        k = 1.0
        for _ in range(50):
            got = working(rho * k).sum()
            if got <= 0:
                raise CalibrationError("calibration: working coverage is zero at every age; cannot fit active members")
            k_new = k * target_active / got
            if abs(k_new - k) < 1e-15 * k:
                break
            k = k_new
        if abs(working(rho * k).sum() / target_active - 1) > 1e-9:
            raise CalibrationError("calibration: working coverage cannot reach the reported active members (coverage capped at 1)")
        rho = np.minimum(1.0, rho * k)
        cal["working_coverage_scale"] = k
        chk.check("working_coverage_scale", "membership.working_coverage", k, raise_now=True)
    shape = mem.retiree_profile.values * Pi0 * pop0
    if shape.sum() <= 0:
        raise CalibrationError("calibration: no one is past retirement age in the base year with the given retiree_profile")
    rt0 = shape * (target_ret / shape.sum())
    cal["retiree_stock_scale"] = target_ret / shape.sum()
    chk.check("retiree_stock_scale", "membership.retiree_profile", cal["retiree_stock_scale"], raise_now=True)
    work0 = working(rho)
    A0 = work0 * (1 - np.minimum(1.0, flex_rel * sched[L.FLEX_SHARE, 0]))
    F0 = work0 - A0

    def residents(k):
        return np.maximum(pop0 * np.minimum(1.0, tau * k) - A0 - F0 - rt0, 0).sum()

    if scn.calibration.fit_coverage:
        kmax = 1.0 / max(tau.max(), 1e-12)
        if residents(kmax) < target_res:
            raise CalibrationError("calibration: the reported resident count exceeds the population not in the employee scheme")
        # residents(k) is increasing in k: bisection (importing scipy.optimize costs 0.3 s of start-up)
        lo_k, hi_k = 0.0, kmax
        for _ in range(200):
            mid = (lo_k + hi_k) / 2
            if residents(mid) < target_res:
                lo_k = mid
            else:
                hi_k = mid
            if hi_k - lo_k <= 1e-15 * hi_k:
                break
        k = (lo_k + hi_k) / 2
        tau = np.minimum(1.0, tau * k)
        cal["participation_scale"] = k
        chk.check("participation_scale", "membership.participation", k, raise_now=True)

    # specification section 4: employee-scheme members cannot exceed the participating population
    over = np.maximum(A0 + F0 + rt0 - pop0 * tau, 0.0)
    cal["members_above_participation"] = float(over.sum())
    if over.sum() > 1e-6 * pop0.sum():
        ages = sorted({int(a) for a in np.argwhere(over > 0)[:, 0]})
        warn.append(f"calibration: employee-scheme members exceed participation x population by {over.sum():,.0f} persons "
                    f"at ages {ages[0]}-{ages[-1]} in the base year (A + F + Rt <= N * tau fails; residents there are 0)")
    Rs0 = np.maximum(pop0 * tau - A0 - F0 - rt0, 0.0)
    return Membership(rho, tau, rt0, A0, F0, Rs0, (target_active, target_ret, target_res))


def take_out_interest(scn: Scenario, sched, base) -> np.ndarray:
    """The base-year fund scalars in ``base`` and the contribution income to fit, per fund (yuan).

    Interest of the base year follows section 9, ``J = i·Bal[-1] + (i/2)·(Inc_c - Exp)``, with
    ``Bal[-1] = Bal - (Inc - Exp)`` and ``Inc = Inc_c + J``: so ``J = i·(Bal[-1] + (Inc - Exp)/2)/(1 + i/2)``.
    Reported income less ``J`` is the contribution income ``Inc_c`` the fit matches.  Also sets the
    opening and closing balances (yuan), last year's income growth (fraction) and expenditure ratio.
    """
    rep, prev = scn.reported.base_year, scn.reported.previous_year
    fund_rep = [rep.employee_pooled, rep.employee_accounts, rep.resident]
    fund_prev = [prev.employee_pooled, prev.employee_accounts, prev.resident]
    i0 = sched[L.MU[L.D_INTEREST], 0]
    inc_target = np.zeros(3)
    for f in range(3):
        inc, ex, bal = fund_rep[f].income.central, fund_rep[f].expenditure.central, fund_rep[f].balance.central
        bal_prev = bal - (inc - ex)
        J0 = i0 * (bal_prev + (inc - ex) / 2) / (1 + i0 / 2)
        base[L.B_BAL_PREV + f] = bal_prev
        base[L.B_BAL0 + f] = bal
        base[L.B_J0 + f] = J0
        base[L.B_INC_GROWTH0 + f] = inc / fund_prev[f].income.central - 1 if fund_prev[f].income.central > 0 else 0.0
        base[L.B_EXP_RATIO_PREV + f] = fund_prev[f].expenditure.central / ex if ex > 0 else 0.0
        inc_target[f] = inc - J0
    return inc_target


def unit_cost(scn: Scenario, h, mem: Membership) -> np.ndarray:
    """``c0·h`` at unit level (2, 3, A, S): each line's share (of a scheme's gross cost) times its
    age curve normalised to average 1 over the scheme's base-year members, so that a factor on it
    is the gross cost per member (yuan a year at ``Cm = 1``)."""
    exp_ = scn.expenditure
    members_scheme = [mem.A0 + mem.F0 + mem.rt0, mem.Rs0]
    c0h = np.zeros_like(h)
    for mi, m in enumerate(SCHEMES):
        M = members_scheme[mi]
        for j, line in enumerate(LINES):
            avg = (M * h[mi, j]).sum() / M.sum() if M.sum() > 0 else 1.0
            if avg <= 0:
                raise CalibrationError(f"calibration: the {m} {line} cost curve is zero for every member")
            c0h[mi, j] = getattr(exp_.line_shares[m], line).central * h[mi, j] / avg
    return c0h


def fit_flows(scn: Scenario, inputs: ModelInputs, mem: Membership, inc_target, chk: Plausibility, cal: dict,
              warn: list, file) -> tuple[list, np.ndarray]:
    """Fit the cost level, maternity, ``β``, ``ϑ`` and ``ξb`` in turn (section 11), in place in
    ``inputs.c0h`` and ``inputs.sched``, and set ``S0``; returns the names of the fitted scenario
    values and the base year's outputs after the fit.

    Modelled expenditure is linear in ``c0``, maternity in its factor, employee contributions in
    ``β``, resident contributions in ``ϑ`` and account spending in ``ξb``: each is one division.
    Each fit runs the base year again after the previous one, since it moves what the next reads
    (the recoveries follow the fitted costs, the account credits the fitted ``β``).
    """
    sched, base, flags, c0h = inputs.sched, inputs.base, inputs.flags, inputs.c0h
    rep = scn.reported.base_year
    fund_rep = [rep.employee_pooled, rep.employee_accounts, rep.resident]
    members_scheme = [mem.A0 + mem.F0 + mem.rt0, mem.Rs0]
    # expenditure factors (modelled expenditure is linear in c0)
    o = _base_year(inputs)
    med_unit = np.array([sum(o[L.O_MED[mi][j]] for j in range(3)) + o[L.O_LEAK[mi]] for mi in range(2)])
    ltc_share = sched[L.LTC, 0]
    targets = np.array([fund_rep[0].expenditure.central - rep.maternity.central - ltc_share * inc_target[0],
                        fund_rep[2].expenditure.central - o[L.O_CII] - ltc_share * inc_target[2]])
    k_cost = np.zeros(2)
    for mi in range(2):
        if targets[mi] <= 0:
            raise CalibrationError(f"calibration: reported {SCHEMES[mi]} expenditure is smaller than maternity/critical-illness/care spending")
        if med_unit[mi] <= 0:
            raise CalibrationError(f"calibration: modelled {SCHEMES[mi]} medical expenditure is zero (no members or reimbursement)")
        k_cost[mi] = targets[mi] / med_unit[mi]
        c0h[mi] *= k_cost[mi]
    cal["cost_scale_employee"] = k_cost[0]
    cal["cost_scale_resident"] = k_cost[1]
    chk.check("cost_scale_employee", "reported.base_year.employee_pooled.expenditure", k_cost[0])
    chk.check("cost_scale_resident", "reported.base_year.resident.expenditure", k_cost[1])
    chk.flush()
    cal["c0_employee_yuan_per_member"] = {line: float((c0h[0, j] * members_scheme[0]).sum() / members_scheme[0].sum()) for j, line in enumerate(LINES)}
    cal["c0_resident_yuan_per_member"] = {line: float((c0h[1, j] * members_scheme[1]).sum() / members_scheme[1].sum()) for j, line in enumerate(LINES)}
    # maternity: one factor on the birth cost and the allowance share
    mat_model = o[L.O_MATERNITY]
    if mat_model <= 0:
        raise CalibrationError("calibration: modelled maternity spending is zero (no births to employees or zero costs)")
    k_mat = rep.maternity.central / mat_model
    sched[L.CB0] *= k_mat
    sched[L.CHI_AL] *= k_mat
    cal["maternity_scale"] = k_mat
    chk.check("maternity_scale", "reported.base_year.maternity", k_mat, raise_now=True)
    if sched[L.CHI_AL].max() > 1:
        warn.append(f"calibration: the fitted maternity allowance share is {sched[L.CHI_AL].max():.3f} > 1; "
                    "raise maternity.birth_cost or paid_leave_days")
    # contributions
    o = _base_year(inputs)
    fitted = []
    if scn.employee.base_ratio is None:
        per_beta = o[L.O_EMPLOYER_CONTRIB] + o[L.O_EMPLOYEE_CONTRIB]
        rest = o[L.O_FLEX_CONTRIB] + o[L.O_RETIREE_CONTRIB] + o[L.O_BUYBACK] + o[L.O_RECOV[0]]
        target = inc_target[0] + inc_target[1]
        if per_beta <= 0:
            raise CalibrationError("calibration: employees pay no contributions (zero rates or members); set employee.base_ratio")
        beta = (target - rest) / per_beta
        if beta <= 0:
            raise CalibrationError("calibration: flexible, retiree and buy-back contributions alone exceed the reported employee-scheme income")
        sched[L.BETA] = beta
        fitted.append("employee.base_ratio")
        chk.check("employee.base_ratio", "employee.base_ratio", beta, raise_now=True)
    if scn.resident.other_income_factor is None:
        o = _base_year(inputs)
        per = o[L.O_RES_CONTRIB] / sched[L.THETA_OTHER, 0]
        if per <= 0:
            raise CalibrationError("calibration: residents pay no premium or subsidy; set resident.other_income_factor")
        sched[L.THETA_OTHER] = (inc_target[2] - o[L.O_RECOV[1]]) / per
        fitted.append("resident.other_income_factor")
        chk.check("resident.other_income_factor", "resident.other_income_factor", sched[L.THETA_OTHER, 0], raise_now=True)
    if scn.accounts.spend_share_balance is None:
        o = _base_year(inputs)
        credits = o[L.O_INC_C[L.F_ACC]]
        bal_prev = base[L.B_BAL_PREV + 1]
        xi_b = (fund_rep[1].expenditure.central - sched[L.XI_F, 0] * credits) / bal_prev if bal_prev > 0 else 0.0
        if 0 <= xi_b <= 1:
            chk.check("accounts.spend_share_balance", "accounts.spend_share_balance", xi_b, raise_now=True)
        else:
            raise CalibrationError(f"calibration: the account spend share of the balance would be {xi_b:.3f}, outside [0, 1]; "
                                   "change accounts.spend_share_credits or set accounts.spend_share_balance")
        sched[L.XI_B] = xi_b
        fitted.append("accounts.spend_share_balance")
    o = _base_year(inputs)
    emp_members = o[L.O_EMPLOYEES] + o[L.O_FLEXIBLE]
    base[L.B_S0] = ((sum(o[L.O_MED[0][j]] for j in range(3)) + sum(o[L.O_MED[1][j]] for j in range(3)))
                    / (base[L.B_W0] * emp_members)) if emp_members > 0 else 0.0
    if flags[L.FLAG_SMAX] and base[L.B_S0] >= sched[L.SMAX].min():
        raise ScenarioError([("economy.cost_share_ceiling", f"must exceed the base-year cost-to-wage share S0 = {base[L.B_S0]:.4f}", None)], file)
    return fitted, o


def _base_year(inputs: ModelInputs) -> np.ndarray:
    """The outputs (``N_OUT``, indices ``layout.O_*``) of the base year of one path with no shift,
    computed by the kernel (:func:`simulator.kernels.project.project`; the NumPy reference gives
    the same to rounding, ``tests/compile/test_calibrate_kernel.py``): the fit runs it up to five times per
    compiled scenario, and the back-test's fits compile dozens."""
    from .kernels.project import project
    one = inputs._replace(path_ids=np.ascontiguousarray(inputs.path_ids[:1], dtype=np.int64),
                          shift=np.zeros((1, inputs.sched.shape[0])))
    out = np.zeros((1, 1, L.N_OUT))
    project(*one, out)
    return out[0, 0]
