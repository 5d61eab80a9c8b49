"""Schema sections of what was reported: the base-year and previous-year figures, the reported
history by year, and the calibration settings fitted to them."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, field_validator, model_validator

from ..errors import excerpt
from .fields import FUNDS, Section, reported
from .values import MAX_YEAR, MIN_YEAR, Param


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
                                    "the run then warns instead of stopping. The ranges and their reasons: simulator/plausibility.py, PLAUSIBLE",
                                    json_schema_extra={"unit": "flag"})
