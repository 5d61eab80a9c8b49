"""The scenario language: one model per the model specification section, every key with a unit and a range.

Each field's metadata (``json_schema_extra``) holds its ``unit``, ``min``/``max`` and whether it
may be a schedule or uncertain; validation reads the same metadata, so the documented range is
the checked range.  Unknown keys are rejected (the loader adds a "did you mean").

Types are strict: a boolean is never a number (``horizon: true`` is an error, not 1), a number
is never a boolean or text, and a whole number (``horizon``, ``seed``, years) has no fraction
(``40`` or ``40.0``, not ``40.5``).

The sections stand in four modules of ``simulator/scenario/``, each importing only from those
above it; this module holds :class:`Scenario`, the whole file, and re-exports every name of them,
as they were importable from it before the split:

``fields``              the field helpers, the label tuples and :class:`Section`
``sections_population`` simulation, population, membership, economy, epidemic, incomes, accounts
``sections_spending``   expenditure, maternity, critical illness, long-term care, reform, policy
``sections_reported``   reported figures and history, calibration
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from pydantic import Field, model_validator

from .fields import (DRIVERS, FUNDS, GROUPS, LINES, REQUIRED, SCHEMES, Section, _check_range, param,  # noqa: F401
                     profile, reported, year_field)
from .sections_population import (Accounts, Correlation, Driver, Drivers, Economy, EmployeeIncome,  # noqa: F401
                                  Epidemic, ExcessCostHistory, Fertility, Membership, Migration, Mortality,
                                  Population, ResidentIncome, RetirementOverride, Simulation, _identity)
from .sections_spending import (Capitation, CriticalIllness, DiseaseGroup, DiseaseShares, DrgDip,  # noqa: F401
                                Expenditure, FiscalBackstop, Fraud, GlobalBudget, GroupLines, LineElasticities,
                                LineProfiles, LineShares, LineValues, LongTermCare, Maternity, PerDiem, Policy,
                                Procurement, RateTrigger, Reform)
from .sections_reported import (Calibration, FundFigures, HistoryFigures, HistoryMembers, HistoryYear,  # noqa: F401
                                Reported, ReportedMembers, ReportedYear)


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
