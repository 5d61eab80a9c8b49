"""Plausibility of the reported base-year figures and of the fitted calibration factors (specification section 11).

Calibration absorbs unit mistakes: actives given in 万人 are met by shrinking the working
coverage, flows in 亿元 by a tiny cost per member, a 70% employer rate by fitting ``β`` to 0.1.
So before the fit (:mod:`simulator.calibrate`) the reported figures are checked against each
other (:func:`check_reported`: members per person of the population, money per member, one year
against the other, the base-year contribution rates) and after it every fitted factor against its
plausible range (:data:`PLAUSIBLE`, each with its reason).  A value outside stops the run with an
:class:`~simulator.errors.ImplausibleInputError` (exit code 2) that names the value, the range and
the likely mistake, unless the scenario sets ``calibration.allow_implausible: true`` (then it is a
warning).  Members are in persons, money in yuan a year, rates and shares are fractions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import ImplausibleInputError
from .scenario.schema import Scenario


class Plausible(NamedTuple):
    """The plausible range of an input ratio or a fitted factor, why, and the likely mistakes."""

    lo: float
    hi: float
    what: str      # what the number is, with its unit
    reason: str    # why this range
    low: str       # the likely mistake when the value is below the range
    high: str      # ... and above it


_MEMBERS_LOW = "did you give 万人 (10,000 persons) or thousands? the model needs persons"
_POP_SMALL = ("is population.base in thousands or 万人 (UN WPP tables are in thousands)? the model needs persons; "
              "or are the members counted twice")
_MONEY_LOW = "did you give 万元 (10,000 yuan) or 亿元 (100 million yuan)? the model needs yuan"
_MONEY_HIGH = "are the members in 万人 or thousands while the money is in yuan? the model needs persons and yuan"
_YEARS = "are the two years in different units (persons and 万人, yuan and 亿元)?"

#: Plausible ranges, checked at every compilation.  The first group are the reported figures set
#: against each other before the fit (ratios, so that they hold for a city as for the nation); the
#: second are the factors the calibration fits.  Outside a range the run stops (exit code 2)
#: unless ``calibration.allow_implausible: true``.  The 2024 national values are in brackets.
PLAUSIBLE: dict[str, Plausible] = {
    # ---- reported figures against each other
    "members per person": Plausible(
        0.5, 1.5, "reported members (active + retirees + residents) per person of population.base",
        "about 95% of China's population is insured in one of the two schemes [0.93]; a region's count exceeds its "
        "population only by the migrants insured there", _MEMBERS_LOW, _POP_SMALL),
    "active per person": Plausible(
        0.005, 1.0, "employee-scheme active members per person of population.base",
        "19% of China's population in 2024, 14%-34% in the shipped cities; no region has more actives than people",
        _MEMBERS_LOW, _POP_SMALL),
    "retirees per person": Plausible(
        0.002, 0.6, "employee-scheme retirees per person of population.base",
        "7% of China's population in 2024, 5%-13% in the shipped cities; at most the people past retirement age",
        _MEMBERS_LOW, _POP_SMALL),
    "residents per person": Plausible(
        0.005, 1.2, "resident-scheme members per person of population.base",
        "67% of China's population in 2024, 48%-79% in the shipped cities",
        _MEMBERS_LOW, _POP_SMALL),
    "employee money per member": Plausible(
        100, 100_000, "yuan a year per employee-scheme member (active + retirees)",
        "pooled income 4,570 and expenditure 3,480 yuan per member in 2024 [2,200-4,600 in 2021-2024]; "
        "even the richest city spends well under 100,000",
        _MONEY_LOW, _MONEY_HIGH),
    "account money per member": Plausible(
        10, 100_000, "yuan a year per employee-scheme member (active + retirees); zero is allowed (no accounts)",
        "account income 1,680 and expenditure 1,550 yuan per member in 2024", _MONEY_LOW, _MONEY_HIGH),
    "resident money per member": Plausible(
        50, 100_000, "yuan a year per resident-scheme member",
        "income 1,180 and expenditure 1,130 yuan per member in 2024 (premium 400 + subsidy 670)",
        _MONEY_LOW, _MONEY_HIGH),
    "balance in years of expenditure": Plausible(
        0.001, 100, "a positive year-end balance over the year's expenditure (years)",
        "2.3 (pooled), 2.5 (accounts) and 0.8 (resident) years in 2024; 0.001 years is nine hours",
        _MONEY_LOW, "is the balance in yuan while the flows are in 万元 or 亿元? the model needs yuan"),
    "previous over base year": Plausible(
        0.5, 2.0, "a previous-year figure over the same base-year figure",
        "members and fund flows change by a few percent a year (at most -30%/+40% in the reported series)",
        _YEARS, _YEARS),
    "base wage": Plausible(
        3_000, 3_000_000, "economy.base_wage, yuan a year",
        "124,110 yuan in 2024 (urban non-private units); 9,371 in 2000",
        "did you give 万元 (10,000 yuan)? the model needs yuan a year", "did you give 分 or 角? the model needs yuan a year"),
    "wage over resident income": Plausible(
        1.2, 10, "economy.base_wage over economy.base_resident_income",
        "the average wage is about 3 times the per-capita disposable income [3.0]",
        "is base_wage a monthly wage (the model needs yuan a year), or the resident income in 元 and the wage in 万元?",
        "is base_resident_income monthly or in 万元? the model needs yuan a year"),
    "previous wage": Plausible(
        0.7, 1.3, "economy.previous_wage over economy.base_wage",
        "wages change by at most a few percent to 15% a year [0.97]", _YEARS, _YEARS),
    "employer rate": Plausible(
        0.0, 0.2, "employee.employer_rate in the base year (fraction of the contribution base)",
        "employer rates of China's pooling regions are 5%-12% (6% in the 1998 State Council decision, plus "
        "maternity since 2019)", "", "7% is written 0.07, not 0.7 (rates are fractions)"),
    "employee rate": Plausible(
        0.0, 0.1, "employee.employee_rate in the base year (fraction of the contribution base)",
        "employees pay 2% everywhere", "", "2% is written 0.02, not 0.2 (rates are fractions)"),
    "flexible rate": Plausible(
        0.0, 0.3, "employee.flexible_rate in the base year (fraction of the base)",
        "flexible workers pay the employer and employee rates together, 7%-12%", "",
        "8% is written 0.08, not 0.8 (rates are fractions)"),
    # ---- fitted factors
    "working_coverage_scale": Plausible(
        0.2, 5.0, "the working-coverage scale (the factor fitted on membership.working_coverage to match the active members)",
        "the profile gives the shape by age; the fit corrects its level (0.93 nationally, 0.68-1.63 in the shipped "
        "cities), not by orders of magnitude",
        _MEMBERS_LOW + " (for the active members)", "are the active members in persons and the population in thousands?"),
    "participation_scale": Plausible(
        0.5, 1.5, "the participation scale (the factor fitted on membership.participation to match the residents)",
        "participation is the insured share of the population, about 95% [1.00]; the fit corrects the profile slightly",
        _MEMBERS_LOW + " (for the residents)", "are the residents in persons and the population in thousands?"),
    "retiree_stock_scale": Plausible(
        0.03, 1.5, "the retiree stock scale (employee-scheme retirees per person past retirement age, times membership.retiree_profile)",
        "retirees are a part of the people past retirement age [0.31; 0.22-0.53 in the shipped cities]",
        _MEMBERS_LOW + " (for the retirees)", "are the retirees in persons and the population in thousands?"),
    "cost_scale_employee": Plausible(
        100, 100_000, "the employee-scheme cost scale c0 (the fitted gross medical cost per member, yuan a year)",
        "4,590 yuan per member nationally in 2024 (4,490-4,710 in the shipped scenarios)", _MONEY_LOW + " (pooled expenditure)",
        "is the pooled expenditure in yuan and the membership in 万人?"),
    "cost_scale_resident": Plausible(
        50, 100_000, "the resident-scheme cost scale c0 (the fitted gross medical cost per member, yuan a year)",
        "1,860 yuan per member nationally in 2024 (1,800-1,920 in the shipped scenarios)", _MONEY_LOW + " (resident expenditure)",
        "is the resident expenditure in yuan and the membership in 万人?"),
    "maternity_scale": Plausible(
        0.1, 10.0, "the maternity scale (the factor fitted on maternity.birth_cost and allowance_share to match reported maternity)",
        "the birth cost and allowance are national averages; a region's maternity cost per birth is within a few times "
        "them [1.66]", _MONEY_LOW + " (reported maternity)", "is reported maternity in yuan and the rest in 万元?"),
    "employee.base_ratio": Plausible(
        0.4, 1.5, "the contribution base ratio β (fitted: the declared contribution base over the average wage)",
        "the declared base lies between the 60% floor and the 300% cap of the average wage and most members declare near "
        "the floor or the average (0.84 nationally in 2024); below 0.4 even full evasion above the floor does not explain it",
        "are the contribution rates too high (employer {employer_rate:g}, employee {employee_rate:g} in {year}: 7% is 0.07)? "
        "or is the employee-scheme income in 万元 or 亿元 (the model needs yuan)?",
        "are the contribution rates too low (7% is 0.07, not 0.0007), the employee-scheme income too high, or the "
        "active members too few (万人? the model needs persons)?"),
    "resident.other_income_factor": Plausible(
        0.5, 2.0, "the other-income factor ϑ (fitted on resident premiums and subsidies: local top-ups and other income)",
        "resident income is premiums plus subsidies per member, with local top-ups and other income of a few percent [1.07]",
        "is the resident income in 万元 or 亿元 (the model needs yuan), or the premium or subsidy too high "
        "(premium {premium:g}, subsidy {subsidy:g} yuan a year)?",
        "is the resident premium or subsidy too low (yuan a year per person: premium {premium:g}, subsidy {subsidy:g}), "
        "or the residents too few (万人? the model needs persons)?"),
    "accounts.spend_share_balance": Plausible(
        0.0, 0.8, "the account spend share ξb (fitted: the share of the opening account balance spent in the year)",
        "members spend a part of the opening balance on top of this year's credits [0.16]; spending most of it each year "
        "would leave no balance to report",
        "", "is the account expenditure too high or the account balance too low (万元 or 亿元? the model needs yuan)?"),
}


class Plausibility:
    """Collects implausible values; raises :class:`ImplausibleInputError` unless allowed."""

    @classmethod
    def for_scenario(cls, scn: Scenario, file) -> "Plausibility":
        """A collector whose hints quote the scenario's base-year rates (fractions) and premium and
        subsidy (yuan a year per resident)."""
        y0 = [scn.base_year]
        return cls(scn, file, {
            "year": scn.base_year, "employer_rate": float(scn.employee.employer_rate.evaluate(y0)[0]),
            "employee_rate": float(scn.employee.employee_rate.evaluate(y0)[0]),
            "premium": float(scn.resident.premium.evaluate(y0)[0]), "subsidy": float(scn.resident.subsidy.evaluate(y0)[0])})

    def __init__(self, scn: Scenario, file, ctx: dict):
        self.allow = bool(scn.calibration.allow_implausible)
        self.file = file
        self.ctx = ctx
        self.found: list = []
        self.allowed: list = []

    def check(self, name, key_path, value, text=None, *, raise_now=False):
        """``value`` against ``PLAUSIBLE[name]``; ``text`` describes the value (default: the factor)."""
        r = PLAUSIBLE[name]
        if not np.isfinite(value) or r.lo <= value <= r.hi:
            return True
        hint = (r.low if value < r.lo else r.high).format_map(_Default(self.ctx))
        desc = text if text is not None else f"{r.what} = {value:.4g}"
        msg = f"{desc}, outside the plausible range {r.lo:g}-{r.hi:g} ({r.reason})" + (f": {hint}" if hint else "")
        self.found.append((key_path, msg, None, self.file))
        if raise_now:
            self.flush()
        return False

    def flush(self):
        """End of a stage: stop on what was found (or, when allowed, keep it as a warning)."""
        found, self.found = self.found, []
        if not found:
            return
        if not self.allow:
            raise ImplausibleInputError(found, self.file)
        self.allowed += [f"calibration: implausible input allowed (calibration.allow_implausible): {p[0]}: {p[1]}" for p in found]


class _Default(dict):
    def __missing__(self, key):
        return "?"


def check_reported(scn: Scenario, pop_total: float, chk: Plausibility) -> None:
    """The reported figures against the population, the members and each other (stage by stage,
    so that one mistake gives one message)."""
    rep, prev = scn.reported.base_year, scn.reported.previous_year
    R = "reported.base_year"
    m = rep.members
    act, ret, res = m.active.central, m.retirees.central, m.residents.central
    # members against the population
    if pop_total > 0:
        tot = act + ret + res
        if chk.check("members per person", f"{R}.members", tot / pop_total,
                     f"the reported members ({act:,.0f} active + {ret:,.0f} retirees + {res:,.0f} residents) are "
                     f"{tot / pop_total:.3g} per person of population.base ({pop_total:,.0f} persons)"):
            for key, v, name in (("active", act, "active per person"), ("retirees", ret, "retirees per person"),
                                 ("residents", res, "residents per person")):
                chk.check(name, f"{R}.members.{key}", v / pop_total,
                          f"{v:,.0f} {key} are {v / pop_total:.3g} per person of population.base ({pop_total:,.0f} persons)")
    chk.flush()
    # money against the members
    emp = act + ret
    for fund, n, name in (("employee_pooled", emp, "employee money per member"), ("employee_accounts", emp, "account money per member"),
                          ("resident", res, "resident money per member")):
        if n <= 0:
            continue
        for measure in ("income", "expenditure"):
            v = getattr(getattr(rep, fund), measure).central
            if fund == "employee_accounts" and v == 0:
                continue
            chk.check(name, f"{R}.{fund}.{measure}", v / n,
                      f"{v:,.6g} yuan is {v / n:,.4g} yuan a year per {'resident' if fund == 'resident' else 'employee-scheme'} member")
    chk.flush()
    for fund in ("employee_pooled", "employee_accounts", "resident"):
        f = getattr(rep, fund)
        bal, ex = f.balance.central, f.expenditure.central
        if bal > 0 and ex > 0:
            chk.check("balance in years of expenditure", f"{R}.{fund}.balance", bal / ex,
                      f"the balance {bal:,.6g} is {bal / ex:.3g} years of the expenditure {ex:,.6g}")
    # one year against the other
    pairs = [(f"members.{k}", getattr(m, k).central, getattr(prev.members, k).central) for k in ("active", "retirees", "residents")]
    for fund in ("employee_pooled", "employee_accounts", "resident"):
        for measure in ("income", "expenditure"):
            pairs.append((f"{fund}.{measure}", getattr(getattr(rep, fund), measure).central,
                          getattr(getattr(prev, fund), measure).central))
    for key, b, p in pairs:
        if b > 0 and p > 0:
            chk.check("previous over base year", f"reported.previous_year.{key}", p / b,
                      f"{p:,.6g} is {p / b:.3g} times the base year's {b:,.6g}")
    chk.flush()
    # wages and rates
    eco = scn.economy
    w, y = eco.base_wage.central, eco.base_resident_income.central
    chk.check("base wage", "economy.base_wage", w, f"{w:,.6g} yuan a year")
    if w > 0 and y > 0:
        chk.check("wage over resident income", "economy.base_wage", w / y,
                  f"the wage {w:,.6g} is {w / y:.3g} times the resident income {y:,.6g}")
    if w > 0:
        chk.check("previous wage", "economy.previous_wage", eco.previous_wage.central / w,
                  f"{eco.previous_wage.central:,.6g} is {eco.previous_wage.central / w:.3g} times the base wage {w:,.6g}")
    y0 = [scn.base_year]
    for key, name in (("employer_rate", "employer rate"), ("employee_rate", "employee rate"), ("flexible_rate", "flexible rate")):
        v = float(getattr(scn.employee, key).evaluate(y0)[0])
        chk.check(name, f"employee.{key}", v, f"{v:g} in {scn.base_year}")
    chk.flush()
