"""Back-test: start the model from an earlier reported year and compare it with what happened.

:func:`backtest` builds a scenario programmatically by extending the built-in ``baseline``: the
base year becomes ``start_year`` (2021 by default), with that year's reported fund figures,
membership and WPP population, and the realised history of the following years is fed in as
schedules (NBS wage growth, the resident premium and subsidy standards, the policy-range inpatient
reimbursement ratios, WPP fertility and migration).  Everything the back-test does not feed (excess
medical cost growth, interest, disease trends, the DRG/DIP and procurement levers, the cost
curves) is the baseline's own assumption, so the errors measure the model and its baseline
assumptions, not a fit.  The model is projected to ``end_year`` (2024, the latest reported year)
and modelled income, expenditure and balance of each fund are set against the bulletins.

Why 2021 (see ``docs/backtest.md`` for the full list of assumptions):

* it is the first year whose fund figures are all on today's basis: maternity insurance was merged
  into the employee scheme in 2019, so 2018 and earlier are not comparable, and the 2019 fund
  flows by scheme are in the project's data only as recalled figures;
* 2020 was the year of the COVID contribution relief (employer contributions halved for months),
  so a 2020 base would calibrate the contribution base to a year of relief;
* 2021 is the year of the outpatient mutual-aid reform (State Council General Office 2021 No. 14),
  whose effect on the pool/account split the back-test then has to reproduce over 2022-2024.

2022 and 2023 also work as start years (shorter back-tests).  Before 2023 the bulletins in the
project's data give the employee scheme's income and expenditure only as totals; the split
between the pooled fund and the individual accounts is derived (see :func:`reported_year`).

>>> bt = backtest(2021, 2024)                      # doctest: +SKIP
>>> print(bt.format())                             # doctest: +SKIP
>>> bt.table.query("year == 2024")                 # doctest: +SKIP
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np

from .data import read_rows
from .data.national import figure, load_national
from .errors import EXIT_BAD_INPUT, SimulatorError


class BacktestError(SimulatorError):
    """A back-test that the shipped data cannot support (a start or end year without the figures)."""

    exit_code = EXIT_BAD_INPUT


#: start years the shipped data support (a WPP population table and a previous year after the
#: maternity merger whose fund totals are reported)
SUPPORTED_START_YEARS = (2021, 2022, 2023)
LATEST_REPORTED_YEAR = 2024

_SBX = ("国家医保局 医保数智库《2012年-2025年医保待遇享受相关数据》 生育保险基金支出 "
        "(https://www.nhsa.gov.cn/art/2026/7/13/art_257_21405.html; stored copy: github xujiann/health-indicators "
        "data/national-medical-insurance-benefits-additions.json)")
#: figures the back-test needs that china_fund_flows.csv does not hold: maternity benefits
#: (生育保险基金支出; the series matches the 2023 and 2024 bulletins, 1,177.2 and 1,403.0)
MATERNITY = {
    2020: (94070000000.0, _SBX + ": 940.7 (100 million yuan), 2020"),
    2021: (89910000000.0, _SBX + ": 899.1, 2021"),
    2022: (106130000000.0, _SBX + ": 1,061.3, 2022"),
}
#: NBS per-capita disposable income (not used by the back-test: the enrolment elasticity is 0
#: and the premium is not set as a share of income; required by the schema)
RESIDENT_INCOME = {
    2021: (35128.0, "NBS 2021 statistical communique: per-capita disposable income 35,128 yuan (recall, not in the project's verified data; unused: the enrolment elasticity is 0)"),
    2022: (36883.0, "NBS 2022 statistical communique: per-capita disposable income 36,883 yuan (recall, not in the project's verified data; unused: the enrolment elasticity is 0)"),
    2023: (39218.0, "NBS 2023 statistical communique: per-capita disposable income 39,218 yuan (recall, not in the project's verified data; unused: the enrolment elasticity is 0)"),
}

#: the outpatient mutual-aid reform as the back-test phases it in (an assumption, see
#: docs/backtest.md): the legacy employer share into active workers' accounts, and the pooled
#: fund's reimbursement of general outpatient care by member group
REFORM_YEARS = (2021, 2023)
EMPLOYER_SHARE = {2021: 0.3, 2023: 0.03}
OUTPATIENT_RR = {"employee": {2021: 0.2, 2023: 0.5}, "flexible": {2021: 0.2, 2023: 0.5},
                 "retired": {2021: 0.3, 2023: 0.6}}
#: cumulative procurement coverage of drug spending (the baseline holds 0.35 in 2024)
PROCUREMENT = {2021: 0.25, 2024: 0.35}
#: in-list share that turns the bulletins' policy-range ratio into the effective ratio (baseline)
IN_LIST_SHARE = 0.85

FUNDS = ("employee_pooled", "employee_accounts", "resident")


def _yi(x: float) -> str:
    """yuan -> '12,345.67' in 100 million yuan (亿元), as the bulletins print them."""
    return f"{x / 1e8:,.2f}"


class _Figures:
    """Reported figures with their sources, read from the national dataset."""

    def __init__(self):
        self.nat = load_national()

    def get(self, year, series, *, allow_recall=True, required=True):
        f = figure(self.nat, year, series, allow_recall=allow_recall)
        if f is None and required:
            raise BacktestError(f"the national data hold no figure for {series} in {year}")
        return f

    def text(self, year, series, what=None):
        v, basis, source = self.get(year, series)
        tag = {"bulletin": "", "bulletin_derived": "derived, ", "quick_report": "quick report, ",
               "official_rounded": "rounded, ", "recall": "RECALL, not verified, ", "derived": "derived, "}.get(basis, "")
        short = source.split(" https://")[0].split(" (")[0] if source else "?"
        return v, f"{what or series} {year}: {tag}{short}"

    def ia_balance(self, year):
        """Individual-account balance at year end: reported, or last reported plus reported current balances."""
        f = self.get(year, "uebmi_individual_account.cumulative_balance", required=False)
        if f is not None:
            return f[0], f"{year} account balance {_yi(f[0])} ({f[1]})"
        prev, _ = self.ia_balance(year - 1)
        cur = self.get(year, "uebmi_individual_account.current_balance")[0]
        return prev + cur, f"derived: {year - 1} account balance plus the {year} current balance {_yi(cur)} (bulletin)"

    def members(self, year):
        active = self.get(year, "uebmi.insured_active", required=False)
        if active is None or active[1] == "recall":
            est = self.get(year, "uebmi.insured_active_est", required=False)
            active = est or active
        retired = self.get(year, "uebmi.insured_retiree", required=False)
        if retired is None or retired[1] == "recall":
            est = self.get(year, "uebmi.insured_retiree_est", required=False)
            retired = est or retired
        residents = self.get(year, "urrbmi.insured")
        if active is None or retired is None:
            raise BacktestError(f"no employee-scheme member counts for {year}")
        return {"active": active, "retirees": retired, "residents": residents}


def _src(basis, source):
    short = source.split(" https://")[0] if source else "?"
    tag = {"bulletin_derived": "derived from ", "quick_report": "quick report: ", "official_rounded": "rounded: ",
           "recall": "RECALL (not verified): ", "derived": "derived: "}.get(basis, "")
    return tag + short


def reported_year(fig: _Figures, year: int, account_income: float | None = None,
                  split_from: dict | None = None) -> tuple[dict, list]:
    """The ``reported.<year>`` block of a scenario for ``year``, and the assumptions it needed.

    The employee pooled fund and the individual accounts are reported separately from 2023 on.
    Before, the bulletins give the employee scheme's totals and the accounts' year-end balance,
    so the accounts' current balance is the change of that balance, and the split of the totals
    is derived: the accounts' income is ``account_income`` (the model's own account credits at the
    calibrated contribution base, see :func:`backtest_scenario`), their expenditure that income
    minus the current balance, and the pooled fund has the rest.  For a previous year
    ``split_from`` (the base year's block) gives the accounts' shares of income and expenditure.
    """
    notes = []
    emp_inc, emp_inc_src = fig.text(year, "uebmi_incl_maternity.income", "employee scheme income")
    emp_exp, emp_exp_src = fig.text(year, "uebmi_incl_maternity.expenditure", "employee scheme expenditure")
    pool_inc = fig.get(year, "uebmi_pool_incl_maternity.income", required=False, allow_recall=False)
    pool_exp = fig.get(year, "uebmi_pool_incl_maternity.expenditure", required=False, allow_recall=False)
    ia_inc = fig.get(year, "uebmi_individual_account.income", required=False, allow_recall=False)
    ia_exp = fig.get(year, "uebmi_individual_account.expenditure", required=False, allow_recall=False)
    block = {}
    if all(x is not None for x in (pool_inc, pool_exp, ia_inc, ia_exp)):
        block["employee_pooled"] = {
            "income": {"value": pool_inc[0], "source": f"{year} employee pooled fund income {_yi(pool_inc[0])}: {_src(*pool_inc[1:])}"},
            "expenditure": {"value": pool_exp[0], "source": f"{year} employee pooled fund expenditure {_yi(pool_exp[0])}: {_src(*pool_exp[1:])}"}}
        block["employee_accounts"] = {
            "income": {"value": ia_inc[0], "source": f"{year} individual-account income {_yi(ia_inc[0])}: {_src(*ia_inc[1:])}"},
            "expenditure": {"value": ia_exp[0], "source": f"{year} individual-account expenditure {_yi(ia_exp[0])}: {_src(*ia_exp[1:])}"}}
    elif split_from is None:
        ia_bal, ia_bal_src = fig.ia_balance(year)
        ia_bal_prev, ia_prev_src = fig.ia_balance(year - 1)
        ia_cur = ia_bal - ia_bal_prev
        if account_income is None:
            account_income = 0.4 * emp_inc  # a first guess; backtest_scenario replaces it by the model's credits
        a_inc, a_exp = account_income, account_income - ia_cur
        block["employee_pooled"] = {
            "income": {"value": emp_inc - a_inc, "source": f"assumption (derived): {emp_inc_src} {_yi(emp_inc)} minus the derived account income"},
            "expenditure": {"value": emp_exp - a_exp, "source": f"assumption (derived): {emp_exp_src} {_yi(emp_exp)} minus the derived account expenditure"}}
        block["employee_accounts"] = {
            "income": {"value": a_inc, "source": "assumption (derived): the model's account credits in the base year at the fitted contribution base "
                                                 f"(the pool/account split of {year} is not in the project's data)"},
            "expenditure": {"value": a_exp, "source": f"assumption (derived): account income minus the change of the account balance {_yi(ia_cur)} "
                                                      f"({ia_bal_src}; {ia_prev_src})"}}
        notes.append(f"{year}: the employee scheme's totals ({_yi(emp_inc)} income, {_yi(emp_exp)} expenditure) are split between the "
                     f"pooled fund and the accounts with the model's account credits ({_yi(a_inc)}) and the reported change of the "
                     f"account balance ({_yi(ia_cur)}); the bulletins' split is not in the project's data before 2023")
    else:
        s_inc = split_from["employee_accounts"]["income"]["value"] / (split_from["employee_accounts"]["income"]["value"]
                                                                       + split_from["employee_pooled"]["income"]["value"])
        s_exp = split_from["employee_accounts"]["expenditure"]["value"] / (split_from["employee_accounts"]["expenditure"]["value"]
                                                                          + split_from["employee_pooled"]["expenditure"]["value"])
        block["employee_pooled"] = {
            "income": {"value": emp_inc * (1 - s_inc), "source": f"assumption (derived): {emp_inc_src} {_yi(emp_inc)} times the base year's pooled share {1 - s_inc:.3f}"},
            "expenditure": {"value": emp_exp * (1 - s_exp), "source": f"assumption (derived): {emp_exp_src} {_yi(emp_exp)} times the base year's pooled share {1 - s_exp:.3f}"}}
        block["employee_accounts"] = {
            "income": {"value": emp_inc * s_inc, "source": f"assumption (derived): {emp_inc_src} times the base year's account share {s_inc:.3f}"},
            "expenditure": {"value": emp_exp * s_exp, "source": f"assumption (derived): {emp_exp_src} times the base year's account share {s_exp:.3f}"}}
        notes.append(f"{year} (previous year): the employee scheme's totals are split with the base year's pooled/account shares")
    if split_from is None:  # base year: balances
        pool_bal = fig.get(year, "uebmi_pool_incl_maternity.cumulative_balance")
        ia_bal, ia_bal_src = fig.ia_balance(year)
        block["employee_pooled"]["balance"] = {"value": pool_bal[0], "source": f"{year} employee pooled fund balance {_yi(pool_bal[0])}: {_src(*pool_bal[1:])}"}
        block["employee_accounts"]["balance"] = {"value": ia_bal, "source": ia_bal_src}
    res = {}
    for m, key in (("income", "income"), ("expenditure", "expenditure")) + ((("balance", "cumulative_balance"),) if split_from is None else ()):
        v, basis, source = fig.get(year, f"urrbmi.{key}")
        res[m] = {"value": v, "source": f"{year} resident fund {m} {_yi(v)}: {_src(basis, source)}"}
    block["resident"] = res
    mem = fig.members(year)
    block["members"] = {k: {"value": v[0], "source": f"{year} year-end {k} {v[0] / 1e4:,.2f} (10,000 persons): {_src(v[1], v[2])}"}
                        for k, v in mem.items()}
    mat = fig.get(year, "maternity.expenditure", required=False)
    if mat is not None:
        block["maternity"] = {"value": mat[0], "source": f"{year} maternity benefits {_yi(mat[0])}: {_src(*mat[1:])}"}
    elif year in MATERNITY:
        block["maternity"] = {"value": MATERNITY[year][0], "source": MATERNITY[year][1]}
    else:
        raise BacktestError(f"no maternity figure for {year}")
    return block, notes


def _wpp_by_year(years):
    rows = {int(r["year"]): r for r in read_rows("china_projection_assumptions.csv")}
    out = {}
    for y in years:
        r = rows[y]
        out[y] = (float(r["tfr"]), float(r["srb_males_per_female"]), float(r["net_migration_thousands"]) * 1000, r["kind"])
    return out


def backtest_scenario(start_year: int = 2021, end_year: int = LATEST_REPORTED_YEAR, *, paths: int = 1,
                      seed: int = 20240101) -> tuple[dict, list]:
    """The back-test scenario as a dict (``extends: baseline``) and the list of assumptions it makes.

    The pool/account split of a base year before 2023 is found by a fixed point: the accounts'
    income is set to the model's own account credits in the base year (calibrated to the reported
    employee-scheme total), which do not depend on the split, so two compilations suffice.
    """
    start_year, end_year = int(start_year), int(end_year)
    if start_year not in SUPPORTED_START_YEARS:
        raise BacktestError(f"start year {start_year} is not supported; choose one of "
                            f"{', '.join(map(str, SUPPORTED_START_YEARS))} (earlier years: maternity was merged into the employee "
                            "scheme in 2019, 2019 fund flows are only recalled figures, and 2020 was the contribution-relief year)")
    if not start_year < end_year <= LATEST_REPORTED_YEAR:
        raise BacktestError(f"the end year must be after the start year and at most {LATEST_REPORTED_YEAR} "
                            f"(the latest reported year), got {end_year}")
    fig = _Figures()
    years = list(range(start_year, end_year + 1))
    notes = []

    # ---- realised history fed as schedules
    wages = {y: fig.get(y, "wages.avg_annual_wage_urban_nonprivate")[0] for y in range(start_year - 1, end_year + 1)}
    growth = {y: round(wages[y] / wages[y - 1] - 1, 10) for y in years[1:]}
    prem = {y: fig.get(y, "urrbmi.individual_premium_per_capita") for y in years}
    subs = {y: fig.get(y, "urrbmi.min_fiscal_subsidy_per_capita") for y in years}
    recalled = [f"premium {y}" for y, f in prem.items() if f[1] == "recall"] + [f"subsidy {y}" for y, f in subs.items() if f[1] == "recall"]
    rr = {}
    for scheme, series in (("employee", "uebmi"), ("resident", "urrbmi")):
        vals = {}
        for y in years:
            f = fig.get(y, f"{series}.policy_range_inpatient_fund_payment_ratio", required=False)
            if f is not None:
                vals[y] = f
        rr[scheme] = vals
        recalled += [f"{scheme} inpatient ratio {y}" for y, f in vals.items() if f[1] == "recall"]
    wpp = _wpp_by_year(years)

    def sched(d, digits=6):
        return {int(y): round(float(v), digits) for y, v in d.items()}

    data = {
        "extends": "baseline",
        "name": f"backtest_{start_year}_{end_year}",
        "description": (f"Back-test: the baseline started from the reported year {start_year} with the realised wages, resident financing, "
                        f"reimbursement ratios and WPP demography of {start_year + 1}-{end_year} (simulator.backtest)"),
        "base_year": start_year,
        "horizon": end_year - start_year,
        "simulation": {"paths": int(paths), "seed": int(seed)},
        "population": {
            "base": {"table": f"china_population_{start_year}",
                     "source": f"UN WPP 2024, China, population on 1 July {start_year} by single age and sex (simulator/data/SOURCES.md)"},
            "fertility": {
                "tfr": {"value": sched({y: v[0] for y, v in wpp.items()}, 4),
                        "source": "UN WPP 2024 TFR by year (estimates to 2023, medium projection 2024), china_projection_assumptions.csv"},
                "sex_ratio_at_birth": {"value": sched({y: v[1] for y, v in wpp.items()}, 4),
                                       "source": "UN WPP 2024 sex ratio at birth by year, china_projection_assumptions.csv"}},
            "migration": {"net_total": {"value": sched({y: v[2] for y, v in wpp.items()}, 0),
                                        "source": "UN WPP 2024 net migration by year, china_projection_assumptions.csv"}},
        },
        "economy": {
            "base_wage": {"value": wages[start_year], "source": f"NBS {start_year} average annual wage of urban non-private units"},
            "previous_wage": {"value": wages[start_year - 1], "source": f"NBS {start_year - 1} average annual wage of urban non-private units"},
            "base_resident_income": {"value": RESIDENT_INCOME[start_year][0], "source": RESIDENT_INCOME[start_year][1]},
            "drivers": {"wage_growth": {
                "mean": {"value": sched(growth, 10),
                         "source": f"realised growth of the NBS average wage of urban non-private units {start_year}-{end_year} "
                                   + ", ".join(f"{wages[y]:,.0f}" for y in range(start_year, end_year + 1))},
                "sd": {"value": 0.0, "source": "back-test: the realised wage path is known"}}},
        },
        "epidemic": {"probability": {"value": 0.0, "source": "back-test: no random epidemics; the COVID years 2021-2022 are in the reported base and history"}},
        "resident": {
            "premium": {"value": sched({y: v[0] for y, v in prem.items()}, 2),
                        "source": "national minimum individual premium by year (china_fund_flows.csv: "
                                  + ", ".join(f"{y} {v[0]:.0f} ({v[1]})" for y, v in prem.items()) + ")"},
            "subsidy": {"value": sched({y: v[0] for y, v in subs.items()}, 2),
                        "source": "national minimum fiscal subsidy by year (china_fund_flows.csv: "
                                  + ", ".join(f"{y} {v[0]:.0f} ({v[1]})" for y, v in subs.items()) + ")"},
        },
        "accounts": {"employer_share": {
            "value": dict(EMPLOYER_SHARE),
            "source": "assumption: the legacy employer share into active workers' accounts, about 0.3 before the 2021 outpatient mutual-aid "
                      "reform (specification section 6), phased out over 2022-2023 (the reform was implemented mostly during 2022-2023, data README) "
                      "to the baseline's 2024 remnant 0.03"}},
        "expenditure": {"reimbursement": {
            g: {"outpatient": {"value": dict(OUTPATIENT_RR[g]),
                               "source": f"assumption: general outpatient care paid by the pooled fund rises from {OUTPATIENT_RR[g][2021]} (pre-reform "
                                         f"outpatient pooling) to the baseline's {OUTPATIENT_RR[g][2023]} as the mutual-aid reform is implemented in 2022-2023"}}
            for g in ("employee", "flexible", "retired")}},
        "reform": {"procurement": {"coverage": {
            "value": dict(PROCUREMENT),
            "source": "assumption: procurement coverage of drug spending rising from 0.25 in 2021 (national batches 1-5) to the baseline's 0.35 in 2024"}}},
    }
    for scheme, vals in rr.items():
        if len(vals) >= 2:
            groups = ("employee", "flexible", "retired") if scheme == "employee" else ("resident",)
            for g in groups:
                extra = 0.06 if g == "retired" else 0.0  # the baseline's retiree premium (0.78 vs 0.72)
                data["expenditure"]["reimbursement"].setdefault(g, {})["inpatient"] = {
                    "value": {int(y): round(v[0] * IN_LIST_SHARE + extra, 6) for y, v in vals.items()},
                    "source": f"policy-range inpatient fund payment ratio by year times the baseline's in-list share {IN_LIST_SHARE}"
                              + (" plus the baseline's retiree premium 0.06" if extra else "") + " ("
                              + ", ".join(f"{y} {v[0]:.3f} ({v[1]})" for y, v in vals.items()) + ")"}

    # ---- reported figures of the base year and the year before
    base, n1 = reported_year(fig, start_year)
    data["reported"] = {"base_year": base}
    prev, n2 = reported_year(fig, start_year - 1, split_from=base)
    data["reported"]["previous_year"] = prev
    split_derived = bool(n1)
    if split_derived:
        from .api import prepare
        for _ in range(4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, comp = prepare(copy.deepcopy(data), paths=1)
            modelled = comp.calibration["checks"]["employee_accounts.income"]["modelled"]
            current = base["employee_accounts"]["income"]["value"]
            base, n1 = reported_year(fig, start_year, account_income=modelled)
            prev, n2 = reported_year(fig, start_year - 1, split_from=base)
            data["reported"] = {"base_year": base, "previous_year": prev}
            if abs(modelled / current - 1) < 1e-9:
                break
    notes += n1 + n2
    if recalled:
        notes.append("recalled (unverified) figures fed as history: " + ", ".join(recalled))
    notes += [
        f"wage growth: the realised NBS growth {', '.join(f'{y} {g:+.2%}' for y, g in growth.items())}, without noise",
        "not fed (the baseline's own assumptions): excess medical cost growth (mean -0.7 point a year), interest rates, disease "
        "trends, cost curves, coverage and flexible-worker shares, DRG/DIP coverage and the global budget, contribution rates "
        "(employer 7%, employee 2%: no national series)",
        "the outpatient mutual-aid reform: the employer share into accounts falls from 0.3 (2021) to 0.03 (2023) and the pooled "
        "fund's general outpatient reimbursement rises from 0.2 to 0.5 (retirees 0.3 to 0.6) over 2021-2023 (assumption)",
        "no epidemic shocks: the 2022 fall and the 2023 rebound of care use (COVID) are not modelled",
    ]
    return data, notes


@dataclass
class Backtest:
    """The result of :func:`backtest`: the comparison table, the run and its assumptions."""

    start_year: int
    end_year: int
    paths: int
    seed: int
    feed_members: bool
    table: object                 # pandas.DataFrame
    results: object               # xarray.Dataset of the run
    scenario: object              # LoadedScenario
    assumptions: list = field(default_factory=list)

    def errors(self, *, year=None, measures=("income", "expenditure", "balance"), funds=FUNDS):
        """Percentage errors (modelled / reported - 1, in %) of the selected rows."""
        t = self.table
        sel = t[t["measure"].isin(measures) & t["fund"].isin(funds)]
        if year is not None:
            sel = sel[sel["year"] == year]
        return sel["error_pct"].to_numpy(dtype=float)

    def max_abs_error(self, **kw) -> float:
        e = self.errors(**kw)
        return float(np.nanmax(np.abs(e))) if e.size else float("nan")

    def format(self) -> str:
        return format_backtest(self)

    def markdown(self) -> str:
        return markdown_table(self)


_LABEL = {"employee_pooled": "employee pooled fund", "employee_accounts": "individual accounts", "resident": "resident fund",
          "employee_scheme": "employee scheme (pool + accounts)", "pooled_combined": "both pooled funds", "members": "members (mid-year)"}


def _comparisons(fig: _Figures, start_year, end_year):
    """(year, fund, measure, reported value, basis, series) for every reported figure to compare."""
    out = []
    for y in range(start_year + 1, end_year + 1):
        cand = [("employee_pooled", "income", "uebmi_pool_incl_maternity.income"),
                ("employee_pooled", "expenditure", "uebmi_pool_incl_maternity.expenditure"),
                ("employee_pooled", "balance", "uebmi_pool_incl_maternity.cumulative_balance"),
                ("employee_accounts", "income", "uebmi_individual_account.income"),
                ("employee_accounts", "expenditure", "uebmi_individual_account.expenditure"),
                ("resident", "income", "urrbmi.income"),
                ("resident", "expenditure", "urrbmi.expenditure"),
                ("resident", "balance", "urrbmi.cumulative_balance"),
                ("employee_scheme", "income", "uebmi_incl_maternity.income"),
                ("employee_scheme", "expenditure", "uebmi_incl_maternity.expenditure"),
                ("pooled_combined", "balance", "pooled_funds_all.cumulative_balance")]
        for fund, measure, series in cand:
            f = fig.get(y, series, required=False, allow_recall=False)
            if f is not None and f[1] != "quick_report":
                out.append((y, fund, measure, f[0], f[1], series))
        try:
            v, txt = fig.ia_balance(y)
            out.append((y, "employee_accounts", "balance", v, "bulletin" if txt.startswith(str(y)) else "bulletin_derived",
                        "uebmi_individual_account.cumulative_balance"))
        except BacktestError:
            pass
        mem_now, mem_prev = fig.members(y), fig.members(y - 1)
        for k in ("active", "retirees", "residents"):
            if mem_now[k][1] != "recall" and mem_prev[k][1] != "recall":
                basis = mem_now[k][1] if mem_now[k][1] == mem_prev[k][1] else "mixed"
                out.append((y, "members", k, (mem_now[k][0] + mem_prev[k][0]) / 2, basis, "year-end average of t-1 and t"))
    return out


def _modelled(ds, fund, measure):
    """Modelled values (path, year) for a comparison row."""
    if fund in FUNDS:
        return ds[measure].sel(fund=fund)
    if fund == "employee_scheme":
        return ds[measure].sel(fund=["employee_pooled", "employee_accounts"]).sum("fund")
    if fund == "pooled_combined":
        return ds["combined_pooled_balance"]
    if fund == "members":
        return ds["employees"] + ds["flexible"] if measure == "active" else ds[measure]
    raise KeyError(fund)


def _feed_members(data: dict, fig: _Figures, start_year: int, end_year: int) -> str:
    """Set ``membership.working_coverage_trend`` so that modelled active members (mid-year) match the
    reported ones (average of the year-end counts) in every back-test year; returns the note."""
    from .api import run
    from .scenario import load_scenario

    target = {}
    for y in range(start_year + 1, end_year + 1):
        a, b = fig.members(y)["active"], fig.members(y - 1)["active"]
        target[y] = (a[0] + b[0]) / 2
    trend = {start_year: 1.0}
    for _ in range(4):
        data["membership"] = {"working_coverage_trend": {
            "value": {y: round(v, 8) for y, v in trend.items()},
            "source": "back-test diagnostic: fitted so that modelled active members match the reported year-end averages"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = run(load_scenario(copy.deepcopy(data)), paths=1, assumption_set="central")
        act = (ds["employees"] + ds["flexible"]).isel(path=0)
        worst = 0.0
        for y, t in target.items():
            got = float(act.sel(year=y))
            worst = max(worst, abs(got / t - 1))
            trend[y] = trend.get(y, 1.0) * t / got
        if worst < 1e-6:
            break
    return ("membership fed (diagnostic): working coverage multiplied by "
            + ", ".join(f"{y} {v:.4f}" for y, v in trend.items() if y > start_year)
            + " so that active members match the bulletins; residents follow from the participation rate")


def backtest(start_year: int = 2021, end_year: int = LATEST_REPORTED_YEAR, paths: int = 1, seed: int = 20240101,
             *, feed_members: bool = False, threads=None) -> Backtest:
    """Back-test the baseline from ``start_year`` to ``end_year`` (see the module docstring).

    With ``paths=1`` the run is deterministic (the ``central`` assumption set: every sigma zero,
    uncertain values at their means).  With more paths the history that is fed stays fixed and
    the rest (excess cost growth, interest, disease trends, the uncertain baseline values) varies:
    the table then shows the median and the 5-95% band of the modelled values, and whether the
    reported figure lies inside the band.

    ``feed_members=True`` is a diagnostic: it also feeds the reported number of active members (by
    a working-coverage trend fitted year by year), which separates the membership error from the
    error in cost and contribution per member.
    """
    import pandas as pd

    from .api import run
    from .scenario import load_scenario

    paths = int(paths)
    if paths < 1:
        raise BacktestError(f"paths must be at least 1, got {paths}")
    data, notes = backtest_scenario(start_year, end_year, paths=paths, seed=seed)
    fig = _Figures()
    if feed_members:
        notes.append(_feed_members(data, fig, int(start_year), int(end_year)))
        data["name"] += "_members_fed"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_scenario(data)
        ds = run(loaded, paths=paths, seed=seed, threads=threads,
                 assumption_set="central" if paths == 1 else None)
    rows = []
    for y, fund, measure, rep, basis, series in _comparisons(fig, start_year, end_year):
        m = _modelled(ds, fund, measure).sel(year=y).values.astype(float)
        med = float(np.median(m))
        lo, hi = (float(np.quantile(m, 0.05)), float(np.quantile(m, 0.95))) if paths > 1 else (med, med)
        rows.append({"year": y, "fund": fund, "measure": measure, "reported": rep, "modelled": med,
                     "error_pct": 100.0 * (med / rep - 1.0), "low": lo, "high": hi,
                     "inside_band": bool(lo <= rep <= hi) if paths > 1 else None,
                     "basis": basis, "series": series})
    table = pd.DataFrame(rows)
    order = {f: i for i, f in enumerate(("employee_pooled", "employee_accounts", "employee_scheme", "resident", "pooled_combined", "members"))}
    morder = {m: i for i, m in enumerate(("income", "expenditure", "balance", "active", "retirees", "residents"))}
    table = table.sort_values(["fund", "measure", "year"], key=lambda s: s.map(order) if s.name == "fund" else
                              (s.map(morder) if s.name == "measure" else s)).reset_index(drop=True)
    return Backtest(int(start_year), int(end_year), paths, int(seed), bool(feed_members), table, ds, loaded, notes)


def _fmt_value(fund, measure, v):
    return f"{v / 1e4:,.0f}" if fund == "members" else f"{v / 1e8:,.0f}"


def format_backtest(bt: Backtest) -> str:
    """The back-test as text: reported vs modelled by fund, measure and year, with errors."""
    band = bt.paths > 1
    head = (f"Back-test of the baseline: base year {bt.start_year} (reported), projected to {bt.end_year} with the realised wages, "
            f"resident financing and reimbursement ratios; "
            + ("deterministic (central assumption set)" if not band else f"{bt.paths} paths, seed {bt.seed}: median and 5-95% band"))
    lines = [head, "money in 100 million yuan (亿元), members in 10,000 persons; error = modelled / reported - 1", ""]
    hdr = f"{'fund':<36}{'measure':<13}{'year':>5}{'reported':>11}{'modelled':>11}{'error':>9}"
    if band:
        hdr += f"{'5%':>10}{'95%':>10}  in band"
    hdr += "  basis"
    lines.append(hdr)
    last = None
    for r in bt.table.itertuples():
        label = _LABEL.get(r.fund, r.fund) if r.fund != last else ""
        last = r.fund
        s = (f"{label:<36}{r.measure:<13}{r.year:>5}{_fmt_value(r.fund, r.measure, r.reported):>11}"
             f"{_fmt_value(r.fund, r.measure, r.modelled):>11}{r.error_pct:>+8.1f}%")
        if band:
            s += f"{_fmt_value(r.fund, r.measure, r.low):>10}{_fmt_value(r.fund, r.measure, r.high):>10}  {'yes' if r.inside_band else 'no ':<7}"
        s += f"  {r.basis.replace('_', ' ')}"
        lines.append(s)
    fin = bt.table[(bt.table["year"] == bt.end_year) & bt.table["fund"].isin(FUNDS)]
    lines += ["", f"largest error in {bt.end_year} over the three funds' income, expenditure and balance: "
              f"{np.abs(fin['error_pct']).max():.1f}%; over every year and row: {np.abs(bt.table['error_pct']).max():.1f}%",
              "", "Assumptions:"] + [f"- {n}" for n in bt.assumptions]
    return "\n".join(lines)


def markdown_table(bt: Backtest) -> str:
    """The comparison table as markdown (for the README and docs)."""
    band = bt.paths > 1
    out = ["| fund | measure | year | reported | modelled | error |" + (" 5-95% band | inside |" if band else "") + " basis |",
           "| --- | --- | ---: | ---: | ---: | ---: |" + (" ---: | --- |" if band else "") + " --- |"]
    for r in bt.table.itertuples():
        row = (f"| {_LABEL.get(r.fund, r.fund)} | {r.measure} | {r.year} | {_fmt_value(r.fund, r.measure, r.reported)} | "
               f"{_fmt_value(r.fund, r.measure, r.modelled)} | {r.error_pct:+.1f}% |")
        if band:
            row += f" {_fmt_value(r.fund, r.measure, r.low)} - {_fmt_value(r.fund, r.measure, r.high)} | {'yes' if r.inside_band else 'no'} |"
        out.append(row + f" {r.basis.replace('_', ' ')} |")
    return "\n".join(out)
