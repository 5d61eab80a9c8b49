"""Schema sections of spending and policy: expenditure by line and disease group, maternity,
critical illness, long-term care, the payment reforms (procurement, capitation, per-diem, fraud,
global budget, DRG/DIP) and the policy rules (rate trigger, fiscal backstop)."""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
from pydantic import Field, field_validator, model_validator

from .fields import LINES, SCHEMES, Section, param, profile, year_field
from .values import Param, Profile


class LineValues(Section):
    inpatient: Param = param("inpatient (住院)", "fraction", 0, 1, 0.0)
    outpatient: Param = param("general outpatient (普通门诊)", "fraction", 0, 1, 0.0)
    chronic_outpatient: Param = param("chronic and special outpatient (门诊慢特病)", "fraction", 0, 1, 0.0)


class LineShares(Section):
    inpatient: Param = param("share of inpatient in the scheme's base-year gross cost", "fraction", 0, 1, schedule=False, uncertain=False)
    outpatient: Param = param("share of general outpatient", "fraction", 0, 1, schedule=False, uncertain=False)
    chronic_outpatient: Param = param("share of chronic and special outpatient", "fraction", 0, 1, schedule=False, uncertain=False)

    @model_validator(mode="after")
    def _sum(self):
        s = sum(getattr(self, j).central for j in LINES)
        if abs(s - 1) > 1e-6:
            raise ValueError(f"line shares must sum to 1, they sum to {s:g}")
        return self


class LineProfiles(Section):
    inpatient: Profile = profile("age-sex cost curve h of inpatient care (normalised at calibration)", "relative", 0, None, symbol="h")
    outpatient: Profile = profile("age-sex cost curve h of general outpatient care", "relative", 0, None, symbol="h")
    chronic_outpatient: Profile = profile("age-sex cost curve h of chronic and special outpatient care", "relative", 0, None, symbol="h")


class LineElasticities(Section):
    inpatient: Param = param("price elasticity εd of inpatient use (住院) to the member's own share of the price 1 - rr",
                             "fraction of use per unit of log price share", 0, 2, 0.0, symbol="εd")
    outpatient: Param = param("price elasticity εd of general outpatient use (普通门诊)",
                              "fraction of use per unit of log price share", 0, 2, 0.0, symbol="εd")
    chronic_outpatient: Param = param("price elasticity εd of chronic and special outpatient use (门诊慢特病)",
                                      "fraction of use per unit of log price share", 0, 2, 0.0, symbol="εd")


class DiseaseShares(Section):
    inpatient: Profile = profile("the group's share of base-year inpatient cost by age and sex w", "fraction", 0, 1, 0.0, symbol="w")
    outpatient: Profile = profile("share of base-year general outpatient cost", "fraction", 0, 1, 0.0, symbol="w")
    chronic_outpatient: Profile = profile("share of base-year chronic outpatient cost", "fraction", 0, 1, 0.0, symbol="w")


class DiseaseGroup(Section):
    name: str = Field(description="name of the disease group (also names its random streams)", json_schema_extra={"unit": "text"})
    share: DiseaseShares
    prevalence_trend: Param = param("age-standardised trend μλ of log prevalence", "log change per year", -0.5, 0.5, 0.0, symbol="μλ")
    prevalence_sd: Param = param("sd σλ of the yearly log-prevalence shock", "log change per year", 0, 0.5, 0.0, schedule=False, symbol="σλ")
    intensity_trend: Param = param("trend μι of log treatment intensity", "log change per year", -0.5, 0.5, 0.0, symbol="μι")
    intensity_sd: Param = param("sd σι of the yearly log-intensity shock", "log change per year", 0, 0.5, 0.0, schedule=False, symbol="σι")
    per_diem: bool = Field(False, description="long-stay group paid per bed-day (inpatient cost grows with per_diem growth, outside DRG/DIP)",
                           json_schema_extra={"unit": "flag"})


class GroupLines(Section):
    employee: LineValues = LineValues()
    flexible: LineValues = LineValues()
    retired: LineValues = LineValues()
    resident: LineValues = LineValues()


class Expenditure(Section):
    line_shares: dict[Literal["employee", "resident"], LineShares] = Field(description="relative base-year gross cost of the service lines by scheme (c0 shape)",
                                                                          json_schema_extra={"unit": "fraction"})
    age_cost_curve: dict[Literal["employee", "resident"], LineProfiles] = Field(description="age-sex cost curves h by scheme and line",
                                                                                json_schema_extra={"unit": "relative"})
    reimbursement: GroupLines = Field(description="effective reimbursement ratio rr by member group and line")
    retirement_use_uplift: LineValues = Field(default_factory=LineValues, description="extra use ζu that comes with retirement, by line")
    demand_elasticity: LineElasticities = Field(default_factory=LineElasticities, description="demand response to cost sharing (specification section 7): gross use is multiplied by Ud = ((1 - rr[t]) / (1 - rr[base year]))^(-εd), 1 - rr floored at 0.05; 0 (the default) switches it off")
    limit_excess_share: GroupLines = Field(default_factory=GroupLines, description="share of cost above the annual payment limit, by group and line")
    disease_groups: list[DiseaseGroup] = Field(default_factory=list, description="disease groups of the spectrum multiplier Dm")

    @field_validator("line_shares", "age_cost_curve")
    @classmethod
    def _both(cls, v):
        missing = [m for m in SCHEMES if m not in v]
        if missing:
            raise ValueError(f"needs both schemes (missing: {', '.join(missing)})")
        return v

    @model_validator(mode="after")
    def _disease(self):
        names = [d.name for d in self.disease_groups]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"disease group names must be unique ({', '.join(sorted(dup))})")
        for j in LINES:
            tot = sum(getattr(d.share, j).values for d in self.disease_groups) if self.disease_groups else None
            if tot is not None and (tot > 1 + 1e-9).any():
                a = int(np.argwhere(tot > 1 + 1e-9)[0][0])
                raise ValueError(f"disease shares of {j} sum to more than 1 (at age {a})")
        return self


class Maternity(Section):
    birth_cost: Param = param("birth-related medical cost per birth cb0 in base-year yuan (scaled at calibration)", "yuan per birth", 0, None, symbol="cb0")
    flexible_coverage: Param = param("share χfl of flexible workers' births whose medical cost the pooled fund pays", "fraction", 0, 1, 0.0, symbol="χfl")
    allowance_share: Param = param("eligible share χal of employees' births receiving the maternity allowance (scaled at calibration)", "fraction", 0, 1, symbol="χal")
    paid_leave_days: Param = param("paid maternity leave days dL", "days", 0, 366, 98.0, symbol="dL")


class CriticalIllness(Section):
    premium_share: Optional[Param] = param("critical-illness premium as a share ωc of Pi + Ps", "fraction", 0, 1, None, symbol="ωc")
    premium: Optional[Param] = param("critical-illness premium per resident Pcii (used when premium_share is absent; may be indexed)", "yuan per person per year", 0, None, None, symbol="Pcii", indexable=True)


class LongTermCare(Section):
    carve_out_share: Param = param("carve-out Tltc to a care fund as a share of each pooled fund's contribution income", "fraction", 0, 1, 0.0, symbol="Tltc")


class Procurement(Section):
    drug_share: LineValues = Field(default_factory=LineValues, description="drug share δ of each line's cost")
    coverage: Param = param("cumulative procurement coverage of drug spending vp", "fraction", 0, 1, 0.0, symbol="vp")
    price_cut: Param = param("average price cut πc", "fraction", 0, 1, 0.0, symbol="πc")
    volume_rebound: Param = param("volume rebound ρv", "fraction", 0, 1, 0.0, symbol="ρv")


class Capitation(Section):
    share: Param = param("share ψc of chronic outpatient spending paid per member", "fraction", 0, 1, 0.0, symbol="ψc")
    growth: Param = param("growth gc of the capitation amount", "fraction per year", -0.5, 1, 0.0, symbol="gc")


class PerDiem(Section):
    growth: Param = param("growth gd of the per-diem cost of long-stay groups (replaces Cm growth)", "fraction per year", -0.5, 1, 0.0, symbol="gd")


class Fraud(Section):
    leakage: Param = param("leakage ℓ: fraud and abuse as a share of fund-paid medical expenditure", "fraction", 0, 1, 0.0, symbol="ℓ")
    recovery_share: Param = param("share φrec of last year's leakage recovered as other income", "fraction", 0, 1, 0.0, symbol="φrec")


class GlobalBudget(Section):
    enabled: bool = Field(False, description="regional global budget with point values (DIP pilot notice 2020)", json_schema_extra={"unit": "flag"})
    budget_growth: Param = param("budgeted growth gb of covered spending", "fraction per year", -0.5, 1, 0.0, symbol="gb")
    income_growth: Optional[Param] = param("budgeted income growth gi (default: last year's realised growth)", "fraction per year", -0.5, 1, None, symbol="gi")
    surplus_margin: Param = param("small-surplus margin ms", "fraction", 0, 1, 0.0, symbol="ms")
    overrun_share: Param = param("share ηo of an overrun the fund pays", "fraction", 0, 1, 0.0, symbol="ηo")
    savings_share: Param = param("share ηs of savings under budget the hospitals keep", "fraction", 0, 1, 0.0, symbol="ηs")


class DrgDip(Section):
    coverage: Param = param("share θ of inpatient spending paid by DRG/DIP", "fraction", 0, 1, 0.0, symbol="θ")
    start_year: int = year_field("year the scheme started (coding creep and efficiency count from it)", 2021)
    coding_creep: Param = param("coding creep u per year since the start", "fraction per year", 0, 1, 0.0, symbol="u")
    creep_cap: Param = param("bound umax on cumulative coding creep", "fraction", 0, 5, 0.0, symbol="umax")
    efficiency_max: Param = param("long-run efficiency gain semax of hospitals' cost per unit of real volume", "fraction", 0, 1, 0.0, symbol="semax")
    efficiency_time: Param = param("time constant τs of the efficiency gain", "years", 0.01, 100, 3.0, symbol="τs")
    point_value_floor: Param = param("floor κpv of the realised point value as a share of the reference value: under the global "
                                     "budget the fund pays at least κpv·Dd (specification 2.3 section 8; the default 0.9 is an "
                                     "assumption to be replaced by a sourced figure)", "fraction", 0, 1, 0.9, symbol="κpv")
    global_budget: GlobalBudget = GlobalBudget()


class Reform(Section):
    procurement: Procurement = Procurement()
    capitation: Capitation = Capitation()
    per_diem: PerDiem = PerDiem()
    fraud: Fraud = Fraud()
    drg_dip: DrgDip = DrgDip()


class RateTrigger(Section):
    enabled: bool = Field(False, description="rate-adjustment trigger (费率调整触发机制): reserve months below lower_months raise next year's rate by a step, above upper_months lower it",
                          json_schema_extra={"unit": "flag"})
    mode: Literal["threshold", "projected"] = Field("threshold", description="threshold: specification section 10 as written (a step whenever this year's reserve months are outside the band); projected: a step when next year's reserve months, projected from this year's change (2*RM[t] - RM[t-1]), would be outside the band, which avoids the overshoot of a pure threshold rule",
                                                 json_schema_extra={"unit": "choice"})
    lower_months: Param = param("lower threshold L of reserve months (the fund's target band)", "months", 0, 240, 6.0, symbol="L")
    upper_months: Param = param("upper threshold U of reserve months", "months", 0, 240, 9.0, symbol="U")
    employer_step: Param = param("step Δ of the employer rate (the flexible rate moves by the same offset)", "fraction", 0, 1, 0.005, symbol="Δ")
    employer_cap: Param = param("cap on the employer rate the trigger may reach", "fraction", 0, 1, 0.12)
    employer_floor: Param = param("floor of the employer rate the trigger may reach", "fraction", 0, 1, 0.04)
    premium_step: Param = param("step of the resident individual premium", "yuan per person per year", 0, None, 30.0)
    premium_cap: Param = param("cap on the resident premium the trigger may reach", "yuan per person per year", 0, None, 1e9)
    premium_floor: Param = param("floor of the resident premium the trigger may reach", "yuan per person per year", 0, None, 0.0)

    @model_validator(mode="after")
    def _band(self):
        if self.enabled and (self.lower_months.evaluate([0]) > self.upper_months.evaluate([0])).any():
            raise ValueError("lower_months must not exceed upper_months")
        return self


class FiscalBackstop(Section):
    enabled: bool = Field(False, description="the government tops each pooled fund's balance up to minimum_months at year end (a transfer, part of income but not of contribution income)",
                          json_schema_extra={"unit": "flag"})
    minimum_months: Param = param("reserve months Bmin the backstop restores", "months", 0, 240, 0.0, symbol="Bmin")


class Policy(Section):
    rate_trigger: RateTrigger = RateTrigger()
    fiscal_backstop: FiscalBackstop = FiscalBackstop()
