"""The scenario language: one model per the model specification section, every key with a unit and a range.

Each field's metadata (``json_schema_extra``) holds its ``unit``, ``min``/``max`` and whether it
may be a schedule or uncertain; validation reads the same metadata, so the documented range is
the checked range.  Unknown keys are rejected (the loader adds a "did you mean").

Types are strict: a boolean is never a number (``horizon: true`` is an error, not 1), a number
is never a boolean or text, and a whole number (``horizon``, ``seed``, years) has no fraction
(``40`` or ``40.0``, not ``40.5``).
"""

from __future__ import annotations

from typing import Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import excerpt
from .values import MAX_YEAR, MIN_YEAR, Param, Profile, parse_param, parse_profile

REQUIRED = ...
LINES = ("inpatient", "outpatient", "chronic_outpatient")
GROUPS = ("employee", "flexible", "retired", "resident")
SCHEMES = ("employee", "resident")
DRIVERS = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
FUNDS = ("employee_pooled", "employee_accounts", "resident")


def param(description, unit, lo=None, hi=None, default=REQUIRED, *, schedule=True, uncertain=True, symbol=None,
          indexable=False):
    """A scalar/schedule field.  ``lo``/``hi`` bound every central value (and clip every draw);
    ``indexable``: an amount in yuan that may be an indexed schedule (specification 2.3 section 2)."""
    return Field(default, description=description, validate_default=default is not REQUIRED,
                 json_schema_extra={"value_kind": "param", "unit": unit, "min": lo, "max": hi,
                                    "schedule": schedule, "uncertain": uncertain, "symbol": symbol,
                                    "indexable": indexable})


def reported(description, unit="yuan", lo=None, default=REQUIRED):
    """A reported figure: one number, never uncertain."""
    return param(description, unit, lo, None, default, schedule=False, uncertain=False)


def profile(description, unit, lo=None, hi=None, default=REQUIRED, symbol=None):
    """An age (and sex) profile over ages 0..100."""
    return Field(default, description=description, validate_default=default is not REQUIRED,
                 json_schema_extra={"value_kind": "profile", "unit": unit, "min": lo, "max": hi, "symbol": symbol})


def _check_range(values, lo, hi, what="value", unit=""):
    for v in values:
        if lo is not None and v < lo:
            raise ValueError(f"{what} {v:g} is below the allowed minimum {lo:g}")
        if hi is not None and v > hi:
            hint = ""
            if str(unit).startswith("fraction") and hi <= 1 and 1 < v <= 100:
                hint = f"; is {v:g} a percentage? write {v / 100:g} (rates and shares are fractions: 7% is 0.07)"
            raise ValueError(f"{what} {v:g} is above the allowed maximum {hi:g}{hint}")


def year_field(description, default=REQUIRED, **extra):
    """A calendar year: a whole number in MIN_YEAR..MAX_YEAR."""
    return Field(default, ge=MIN_YEAR, le=MAX_YEAR, description=description,
                 json_schema_extra={"unit": "year", **extra})


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, validate_assignment=False, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _parse_values(cls, v, info):
        f = cls.model_fields[info.field_name]
        meta = f.json_schema_extra or {}
        kind = meta.get("value_kind")
        if kind == "param":
            if v is None and f.default is None:
                return None
            p = parse_param(v, allow_schedule=meta["schedule"], allow_dist=meta["uncertain"],
                            allow_index=meta.get("indexable", False))
            _check_range(p.values(), meta["min"], meta["max"], unit=meta.get("unit", ""))
            if p.dist is not None and not p.is_schedule:
                _check_range([p.dist.mean], meta["min"], meta["max"], "distribution mean", unit=meta.get("unit", ""))
            return p
        if kind == "profile":
            if v is None and f.default is None:
                return None
            pr = parse_profile(v)
            if not np.isfinite(pr.values).all():
                raise ValueError("profile has non-finite values")
            _check_range([float(pr.values.min()), float(pr.values.max())], meta["min"], meta["max"], unit=meta.get("unit", ""))
            return pr
        if f.annotation is int and isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
            return int(v)  # a whole number written 40.0 (a swept range): still not a boolean or 40.5
        return v


# ----------------------------------------------------------------------------- sections


class Simulation(Section):
    paths: int = Field(1000, ge=1, description="number of Monte Carlo paths", json_schema_extra={"unit": "paths"})
    seed: int = Field(20240101, ge=0, lt=2**63, description="the one seed all randomness comes from (specification section 13)",
                      json_schema_extra={"unit": "integer"})


class Mortality(Section):
    base_rates: Profile = profile("central death rates m0 of the table year, by single age and sex", "per year", 0, 10, symbol="m0")
    table_year: int = year_field("calendar year of base_rates; projected to the base year by exp(-ri*(base-year))")
    improvement: Profile = profile("expected annual mortality improvement rate ri (Lee-Carter age response)", "fraction per year", -0.2, 0.2, symbol="ri")
    kappa_sd: Param = param("standard deviation of the yearly increment of the mortality index kappa (drift 1 per year)", "years of improvement", 0, 10, 0.0, symbol="σκ")


class Fertility(Section):
    tfr: Param = param("total fertility rate", "children per woman", 0, 10, symbol="TFR")
    age_pattern: Union[str, Profile] = Field("china_fertility_by_year", description="age pattern of fertility fx: a shipped table of age-specific fertility by year (its shape by year) or an age profile (female column; the same every year); normalised to sum 1",
                                             json_schema_extra={"unit": "table name or relative profile"})

    @field_validator("age_pattern", mode="before")
    @classmethod
    def _pattern(cls, v):
        if isinstance(v, str):
            return v
        pr = parse_profile(v)
        if (pr.values < 0).any() or pr.values[:, 1].sum() <= 0:
            raise ValueError("a fertility age pattern must be non-negative with a positive sum")
        return pr

    sex_ratio_at_birth: Param = param("males born per female born", "ratio", 0.5, 2.0, symbol="SRB")


class Migration(Section):
    net_total: Param = param("net migration per year (negative: emigration)", "persons per year", None, None, 0.0)
    age_profile: Profile = profile("age-sex distribution of net migration (normalised to sum 1 over ages and sexes; may be signed)", "relative", None, None, 1.0)


class Population(Section):
    base: Profile = profile("mid-year population of the base year by single age and sex", "persons", 0, None, symbol="N[0]")
    mortality: Mortality
    fertility: Fertility
    migration: Migration = Migration()


class RetirementOverride(Section):
    men: Optional[Param] = param("statutory retirement age of men by birth year (replaces the 2024 NPC rule)", "years of age", 40, 80, None, uncertain=False)
    women_50: Optional[Param] = param("retirement age on the women's 50 track by birth year", "years of age", 40, 80, None, uncertain=False)
    women_55: Optional[Param] = param("retirement age on the women's 55 track by birth year", "years of age", 40, 80, None, uncertain=False)


class Membership(Section):
    women_track_50_share: Param = param("share of insured women on the 50 retirement track (the rest on the 55 track)", "fraction", 0, 1, symbol="ωk")
    retirement_override: RetirementOverride = RetirementOverride()
    working_coverage: Profile = profile("share of the cell's working-age people in the employee scheme (ρ)", "fraction", 0, 1, symbol="ρ")
    working_coverage_trend: Param = param("multiplier on working_coverage by year (flexible workers joining; the product is capped at 1)", "ratio", 0, 10, 1.0)
    flexible_share: Param = param("flexible workers' share of working members (φf)", "fraction", 0, 1, symbol="φf")
    flexible_age_relativity: Profile = profile("relative flexible share by age (multiplies flexible_share, capped at 1)", "ratio", 0, 10, 1.0)
    vesting_share_men: Param = param("share of new male retirees with the minimum contribution years (v)", "fraction", 0, 1, 1.0, symbol="v")
    vesting_share_women: Param = param("share of new female retirees with the minimum contribution years (v)", "fraction", 0, 1, 1.0, symbol="v")
    buyback_share: Param = param("share of the unvested who buy back the missing years in a lump sum (b)", "fraction", 0, 1, 0.0, symbol="b")
    buyback_missing_years: Param = param("average missing contribution years bought back (mby)", "years", 0, 40, 0.0, symbol="mby")
    retiree_profile: Profile = profile("shape of base-year retiree coverage by age and sex (times the past-retirement share; scaled to the reported count)", "relative", 0, None, 1.0)
    participation: Profile = profile("overall participation rate τ on the scenario's population base", "fraction", 0, 1, symbol="τ")
    resident_enrolment_elasticity: Param = param("elasticity εe of resident enrolment to the premium burden Pi/Y", "elasticity", 0, 10, 0.0, symbol="εe")


class Driver(Section):
    mean: Param = param("mean μ of the driver by year, written as an ordinary growth rate (0.05 is 5% a year); the AR(1) "
                        "runs on log(1 + x) around log(1 + μ), so every growth factor stays positive", "fraction per year",
                        -0.5, 0.5, symbol="μ")
    persistence: Param = param("AR(1) coefficient φ of log(1 + x) (specification section 5)", "fraction", -0.99, 0.99, 0.0,
                               schedule=False, symbol="φ")
    sd: Param = param("standard deviation σ of the yearly innovation of log(1 + x) (close to the sd of the rate itself for "
                      "small rates)", "fraction per year", 0, 0.5, 0.0, schedule=False, symbol="σ")


class Drivers(Section):
    wage_growth: Driver
    excess_cost_growth: Driver
    interest_rate: Driver
    resident_income_growth: Driver


class Correlation(Section):
    drivers: list[str] = Field(list(DRIVERS), description="driver names in the order of the matrix rows",
                               json_schema_extra={"unit": "names"})
    matrix: list[list[float]] = Field(description="correlation matrix of the drivers' innovations (symmetric, unit diagonal, positive semi-definite)",
                                      json_schema_extra={"unit": "correlation"})
    source: Optional[str] = Field(None, description="where the correlations come from", json_schema_extra={"unit": "text"})

    @field_validator("drivers")
    @classmethod
    def _drivers(cls, names):
        unknown = [n for n in names if n not in DRIVERS]
        if unknown:
            raise ValueError(f"unknown driver(s) {', '.join(excerpt(n) for n in unknown[:5])}; valid: {', '.join(DRIVERS)}")
        if sorted(names) != sorted(DRIVERS):
            raise ValueError(f"drivers must list each of {', '.join(DRIVERS)} once")
        return names

    @field_validator("matrix")
    @classmethod
    def _matrix(cls, matrix):
        n = len(DRIVERS)
        # the shape is checked row by row before NumPy sees it (a ragged list is not an array)
        if len(matrix) != n:
            raise ValueError(f"matrix must be {n}x{n} (one row per driver), it has {len(matrix)} rows")
        for i, row in enumerate(matrix):
            if len(row) != n:
                raise ValueError(f"matrix must be {n}x{n}: row {i + 1} has {len(row)} entries, not {n}")
        m = np.array(matrix, dtype=float)
        if not np.isfinite(m).all():
            raise ValueError("matrix has non-finite entries")
        if not np.allclose(m, m.T, atol=1e-12):
            raise ValueError("matrix is not symmetric")
        if not np.allclose(np.diag(m), 1.0):
            raise ValueError("matrix diagonal must be 1")
        if np.abs(m).max() > 1:
            raise ValueError("correlations must lie in [-1, 1]")
        ev = np.linalg.eigvalsh(m)
        if ev.min() < -1e-10:
            raise ValueError(f"matrix is not positive semi-definite (smallest eigenvalue {ev.min():.4g})")
        return matrix

    def ordered(self) -> np.ndarray:
        """The matrix in the engine's fixed driver order (specification section 5)."""
        m = np.array(self.matrix, dtype=float)
        idx = [list(self.drivers).index(d) for d in DRIVERS]
        return m[np.ix_(idx, idx)]


def _identity():
    return Correlation(matrix=np.eye(len(DRIVERS)).tolist())


class ExcessCostHistory(Section):
    excess_growth: Param = param("historical growth of health spending over wage growth in the period (contains ageing and disease change)",
                                 "fraction per year", -0.5, 0.5, schedule=False, uncertain=False)
    start_year: int = year_field("first year of the period")
    end_year: int = year_field("last year of the period")
    start_population: Profile = profile("population of the first year by age and sex", "persons", 0, None)
    end_population: Profile = profile("population of the last year by age and sex", "persons", 0, None)

    @model_validator(mode="after")
    def _years(self):
        if self.end_year <= self.start_year:
            raise ValueError("end_year must be after start_year")
        return self


class Economy(Section):
    base_wage: Param = reported("average annual wage of the base year W[0] (urban non-private units)", "yuan per year", 0)
    previous_wage: Param = reported("average annual wage of the year before the base year (maternity allowance of the base year)", "yuan per year", 0)
    base_resident_income: Param = reported("per-capita disposable income of residents in the base year Y[0]", "yuan per year", 0)
    wage_age_relativity: Profile = profile("wage by age and sex relative to the average (wp)", "ratio", 0, None, 1.0, symbol="wp")
    drivers: Drivers
    correlation: Correlation = Field(default_factory=_identity, description="correlation of the drivers' innovations")
    excess_cost_history: Optional[ExcessCostHistory] = Field(None, description="historical excess of health spending over wages, decomposed at calibration into ageing (the populations weighted by the cost curves), disease trends and the residual that the mean of excess_cost_growth should be (specification section 5)")
    cost_share_ceiling: Optional[Param] = param("ceiling Smax of the cost-to-wage share for the long-run bend of excess cost growth (off when absent)", "fraction", 0, 10, None, schedule=False, symbol="Smax")


class Epidemic(Section):
    probability: Param = param("probability of an epidemic in a year", "fraction per year", 0, 1, 0.0, symbol="pe")
    cost_add: Param = param("extra fund-paid medical expenditure in an epidemic year", "fraction", 0, 10, 0.0, symbol="ce")
    contribution_relief: Param = param("fall in employer, employee and flexible contributions in an epidemic year", "fraction", 0, 1, 0.0, symbol="ke")


class EmployeeIncome(Section):
    employer_rate: Param = param("employer contribution rate on the contribution base", "fraction", 0, 1, symbol="cer")
    employee_rate: Param = param("employee contribution rate on the contribution base", "fraction", 0, 1, symbol="cee")
    base_ratio: Optional[Param] = param("declared contribution base over the wage series β (fitted at calibration when absent)", "ratio", 0, 10, None, symbol="β")
    compliance: Param = param("contribution compliance γc", "fraction", 0, 1, 1.0, symbol="γc")
    flexible_rate: Param = param("total contribution rate of flexible workers", "fraction", 0, 1, symbol="cfl")
    flexible_base_ratio: Param = param("flexible workers' base over the wage series βf", "ratio", 0, 10, symbol="βf")
    flexible_compliance: Param = param("flexible workers' compliance γf", "fraction", 0, 1, 1.0, symbol="γf")
    retiree_rate: Param = param("retirees' contribution rate on the average pension (a reform lever)", "fraction", 0, 1, 0.0, symbol="cre")
    pension_wage_ratio: Param = param("average pension over the average wage πr", "ratio", 0, 5, 0.5, symbol="πr")


class Accounts(Section):
    employee_rate_cap: Param = param("employee contribution credited to the account, at most this rate of the base", "fraction", 0, 1, 0.02, symbol="cee_ia")
    employer_share: Param = param("legacy share of the employer contribution credited to employees' accounts αe", "fraction", 0, 1, 0.0, symbol="αe")
    retiree_quota: Param = param("monthly credit to each retiree's account, paid by the pooled fund qr (fixed nominal after the 2021 reform unless indexed)", "yuan per month", 0, None, 0.0, symbol="qr", indexable=True)
    pool_only_share: Param = param("share of members in pool-only schemes without accounts πpo", "fraction", 0, 1, 0.0, symbol="πpo")
    spend_share_credits: Param = param("share of this year's credits spent in the year ξf", "fraction", 0, 1, symbol="ξf")
    spend_share_balance: Optional[Param] = param("share of the opening balance spent in the year ξb (fitted at calibration when absent)", "fraction", 0, 1, None, symbol="ξb")
    family_premium_share: Param = param("share of account outflow paying relatives' resident premiums φres (part of Pi, not extra income)", "fraction", 0, 1, 0.0, symbol="φres")


class ResidentIncome(Section):
    premium: Param = param("individual premium per resident Pi (ignored when premium_income_share is set); may be indexed, the rate trigger's offset adds on top", "yuan per person per year", 0, None, symbol="Pi", indexable=True)
    premium_income_share: Optional[Param] = param("premium as a share of per-capita income πy (定比筹资); when set, Pi = πy·Y", "fraction", 0, 1, None, symbol="πy")
    subsidy: Param = param("fiscal subsidy per resident Ps (may be indexed)", "yuan per person per year", 0, None, symbol="Ps", indexable=True)
    subsidy_cap_ratio: Optional[Param] = param("cap λs on the subsidy relative to the premium (Ps <= λs·Pi; the 2:1 guideline)", "ratio", 0, 100, None, symbol="λs")
    other_income_factor: Optional[Param] = param("factor ϑ for local top-ups and other income (fitted at calibration when absent)", "ratio", 0, 10, None, symbol="ϑ")


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


class FundFigures(Section):
    income: Param = reported("reported income (contributions + interest + other)", "yuan per year", 0)
    expenditure: Param = reported("reported expenditure", "yuan per year", 0)
    balance: Optional[Param] = reported("reported accumulated balance at year end", "yuan", None, None)


class ReportedMembers(Section):
    active: Param = reported("year-end employee-scheme active members (employees + flexible workers)", "persons", 0)
    retirees: Param = reported("year-end employee-scheme retirees", "persons", 0)
    residents: Param = reported("year-end resident-scheme members", "persons", 0)


class ReportedYear(Section):
    employee_pooled: FundFigures
    employee_accounts: FundFigures
    resident: FundFigures
    members: ReportedMembers
    maternity: Optional[Param] = reported("maternity expenditure of the employee pooled fund", "yuan per year", 0, None)


class HistoryFigures(Section):
    income: Optional[Param] = reported("reported income of the year (contributions + interest + other)", "yuan per year", 0, None)
    expenditure: Optional[Param] = reported("reported expenditure of the year", "yuan per year", 0, None)
    balance: Optional[Param] = reported("reported accumulated balance at year end", "yuan", None, None)


class HistoryMembers(Section):
    active: Optional[Param] = reported("year-end employee-scheme active members (employees + flexible workers)", "persons", 0, None)
    retirees: Optional[Param] = reported("year-end employee-scheme retirees", "persons", 0, None)
    residents: Optional[Param] = reported("year-end resident-scheme members", "persons", 0, None)


class HistoryYear(Section):
    employee_pooled: Optional[HistoryFigures] = Field(None, description="the employee pooled fund (统筹基金, incl. maternity)")
    employee_accounts: Optional[HistoryFigures] = Field(None, description="the individual accounts (个人账户)")
    employee_scheme: Optional[HistoryFigures] = Field(None, description="the employee scheme's totals (pooled fund + accounts), for years whose bulletin gives no split")
    resident: Optional[HistoryFigures] = Field(None, description="the resident fund (居民医保基金)")
    pooled_funds: Optional[HistoryFigures] = Field(None, description="both pooled funds together (employee pooled + resident), as the bulletins report the accumulated balance")
    members: Optional[HistoryMembers] = Field(None, description="year-end member counts")
    maternity: Optional[Param] = reported("maternity expenditure of the employee pooled fund (or the maternity fund before the 2019 merger)", "yuan per year", 0, None)


class Reported(Section):
    base_year: ReportedYear = Field(description="reported totals of the base year: the calibration targets")
    previous_year: ReportedYear = Field(description="reported totals of the year before the base year (mid-year members, budgeted income growth, recoveries)")
    history: dict[int, HistoryYear] = Field(default_factory=dict, description="reported figures by calendar year for the back-test (fundsim backtest), every key optional: "
                                            "each year from which the model can start needs all three funds' income, expenditure and balance (the employee "
                                            "scheme's totals may stand in for the pool/account split), the members and maternity, and the year before it "
                                            "the members; a figure whose source or note says 'recall' is shown but never used as reported truth")
    fitted: dict[str, str] = Field(default_factory=dict, description="reported history the scenario's own parameters were fitted to, "
                                   "'<fund>.<measure>' (members.active, employee_pooled.expenditure, maternity, ...), or '<fund>.<measure>@<year>' for the rows of one year, -> what was fitted to it: "
                                   "the back-test shows those rows as fitted, never as checks (a fitted quantity is no check)",
                                   json_schema_extra={"unit": "text"})

    @field_validator("fitted")
    @classmethod
    def _fitted_keys(cls, v):
        funds = FUNDS + ("employee_scheme", "pooled_funds")
        for k in v:
            series, at, year = str(k).partition("@")
            if at and not (year.isdigit() and len(year) == 4):
                raise ValueError(f"fitted: {excerpt(k, 40)}: after '@' write the four-digit year whose rows were fitted")
            head, _, m = series.partition(".")
            ok = (series == "maternity" or (head in funds and m in ("income", "expenditure", "balance"))
                  or (head == "members" and m in ("active", "retirees", "residents")))
            if not ok:
                raise ValueError(f"fitted: unknown key {excerpt(k, 40)}; write '<fund>.<income|expenditure|balance>' "
                                 f"({', '.join(funds)}), 'members.<active|retirees|residents>' or 'maternity', "
                                 "optionally '@<year>' for one year's rows")
        return v

    @field_validator("history", mode="before")
    @classmethod
    def _history_years(cls, v):
        if not isinstance(v, dict):
            return v
        out = {}
        for k, val in v.items():
            y = int(k) if isinstance(k, str) and k.strip().isdigit() else k
            if isinstance(y, bool) or not isinstance(y, int) or not MIN_YEAR <= y <= MAX_YEAR:
                raise ValueError(f"history is keyed by calendar year ({MIN_YEAR}-{MAX_YEAR}), got {excerpt(k, 24)}")
            out[y] = val
        return out

    @model_validator(mode="after")
    def _need(self):
        b = self.base_year
        for f in FUNDS:
            if getattr(b, f).balance is None:
                raise ValueError(f"base_year.{f}.balance is required (the opening balance of the projection)")
        if b.maternity is None:
            raise ValueError("base_year.maternity is required (maternity is calibrated to it)")
        return self


class Calibration(Section):
    fit_coverage: bool = Field(True, description="scale working_coverage and participation so that base-year members match the reported mid-year counts (fitted, so no longer a check)",
                               json_schema_extra={"unit": "flag"})
    member_tolerance: float = Field(0.02, ge=0, le=1, description="relative tolerance of the member-count check; a warning beyond it",
                                    json_schema_extra={"unit": "fraction"})
    allow_implausible: bool = Field(False, description="run even when an input or a fitted calibration factor is outside its plausible range "
                                    "(the check that catches unit mistakes such as members in 万人, money in 亿元 or a 70% rate); "
                                    "the run then warns instead of stopping. The ranges and their reasons: simulator/compile.py, PLAUSIBLE",
                                    json_schema_extra={"unit": "flag"})


class Scenario(Section):
    name: str = Field(description="short name of the scenario", json_schema_extra={"unit": "text"})
    description: str = Field("", description="what the scenario is", json_schema_extra={"unit": "text"})
    extends: Optional[str] = Field(None, description="built-in scenario name or path this scenario is a diff over", json_schema_extra={"unit": "text"})
    region: str = Field("", description="the pooling region described", json_schema_extra={"unit": "text"})
    population_basis: str = Field("", description="which population base the counts use (e.g. UN WPP 2024, about 14 million above the official count)",
                                  json_schema_extra={"unit": "text"})
    base_year: int = Field(ge=1990, le=2200, description="base year t = 0 (observed state)", json_schema_extra={"unit": "year"})
    horizon: int = Field(40, ge=1, le=200, description="projection years after the base year", json_schema_extra={"unit": "years"})
    simulation: Simulation = Simulation()
    population: Population
    membership: Membership
    economy: Economy
    epidemic: Epidemic = Epidemic()
    employee: EmployeeIncome
    accounts: Accounts
    resident: ResidentIncome
    expenditure: Expenditure
    maternity: Maternity
    critical_illness: CriticalIllness = CriticalIllness()
    long_term_care: LongTermCare = LongTermCare()
    reform: Reform = Reform()
    policy: Policy = Policy()
    reported: Reported
    calibration: Calibration = Calibration()

    @model_validator(mode="after")
    def _cross(self):
        if self.reform.drg_dip.start_year > self.base_year + self.horizon + 1000:
            raise ValueError("reform.drg_dip.start_year is implausible")
        return self

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.base_year, self.base_year + self.horizon + 1)
