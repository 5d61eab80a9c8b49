"""Schema sections of the people and the economy: simulation settings, population (mortality,
fertility, migration), membership, the economic drivers and their correlation, epidemics, and the
incomes behind contributions (employees, individual accounts, residents)."""

from __future__ import annotations

from typing import Optional, Union

import numpy as np
from pydantic import Field, field_validator, model_validator

from ..errors import excerpt
from .fields import DRIVERS, Section, param, profile, reported, year_field
from .values import Param, Profile, parse_profile


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


_TOTAL_FORM = "{table: china_population_2024, total: N} (the national age-sex structure scaled to N persons)"


class Population(Section):
    base: Profile = profile("mid-year population of the base year by single age and sex", "persons", 0, None, symbol="N[0]")
    mortality: Mortality
    fertility: Fertility
    migration: Migration = Migration()

    @field_validator("base", mode="before")
    @classmethod
    def _not_one_number(cls, v):
        # a profile may be one number for every cell; for a population that is never what is meant
        body = v.get("value") if isinstance(v, dict) else v
        if isinstance(body, (int, float)) and not isinstance(body, bool):
            raise ValueError(f"one number ({body:g}) would be the count at every single age and sex (202 of them); "
                             f"for a total population give {_TOTAL_FORM}, or counts by age band")
        if isinstance(v, dict) and "total" in v and "value" not in v and "table" not in v:
            raise ValueError(f"'total' scales an age-sex structure to a sum: give the structure too, e.g. {_TOTAL_FORM}")
        return v


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
    local_sd: Param = param("standard deviation σr of this region's own yearly deviation from the shared innovation, on its "
                            "own stream (specification 2.3 section 17: in a province the shared part is every region's, the "
                            "deviation keyed by region; alone it adds independent noise); it persists with φ as the rest",
                            "fraction per year", 0, 0.5, 0.0, schedule=False, symbol="σr")


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
