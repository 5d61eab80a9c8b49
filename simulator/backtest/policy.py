"""The policy then in force (:func:`policy_history`): the overrides that put the wages, the
realised epidemic, the 2020 contribution relief, the account rules before and after the 2021
outpatient mutual-aid reform, the reimbursement ratios, resident financing, maternity leave and the
payment reform of each year into a start scenario, with the constants they rest on."""

from __future__ import annotations

import numpy as np

from .history import BacktestError, _National

#: the legacy share of the employer contribution credited to actives' accounts before the reform
#: (specification section 6: about 0.3), phased out to the scenario's 2023 value
EMPLOYER_SHARE_BEFORE = 0.3
#: retirees' monthly account credit before the reform as a share of the pension (Wuhan's Q&A and
#: Reuters 2023-02-16: "about 5%", 4.8-5.1%; china_policy_events.csv)
RETIREE_CREDIT_BEFORE = 0.05
#: the pooled fund's general outpatient reimbursement before the reform (outpatient pooling was
#: limited; an assumption), rising to the scenario's value by 2023
OUTPATIENT_RR_BEFORE = {"employee": 0.2, "flexible": 0.2, "retired": 0.3}
#: 医保发〔2020〕6号 (2020-02-21): employer contributions halved from February 2020 for at most five months
RELIEF_2020 = 0.5 * 5 / 12
#: maternity leave: the 2017 average of the provinces after the 2016 extensions (138-158 days,
#: China Daily 2017-07-10) and, after the 2021-2022 revisions (25 provinces by 2022-01-20),
#: 98 statutory days plus the typical 30-90 extra days (Xinhua 2022-01-20); china_history.csv
LEAVE_DAYS = {2017: 148.0, 2021: 148.0, 2022: 158.0}
#: cumulative procurement coverage of drug spending (national batches from 2019; an assumption
#: rising to the baseline's 2024 value)
PROCUREMENT = {2018: 0.0, 2019: 0.05, 2020: 0.15, 2021: 0.25}
#: in-list share that turns the bulletins' policy-range inpatient ratio into the effective ratio (baseline)
IN_LIST_SHARE = 0.85
#: the outpatient mutual-aid reform (国办发〔2021〕14号, April 2021) took effect in the regions at the start
#: of 2023: Beijing's pooled outpatient benefits without a cap from 2023-01-01 (京医保发〔2022〕28号), Wuhan's
#: new account credits from 2023-02-01 (china_policy_events.csv); the employees' general outpatient cost
#: grew 7% in 2022 and 44% in 2023 (医保数智库).  The old rules hold to 2022, the new ones from 2023.
LAST_BEFORE = 2022
REFORM_DONE = 2023


def _points(param) -> dict:
    """A parameter's central schedule points ``{year: value}`` (a constant: ``{}``)."""
    if param is None or not getattr(param, "is_schedule", False):
        return {}
    return {int(y): float(v) for y, v in param.central}


def _has_history(param, before: int) -> bool:
    """Whether the scenario's own schedule has points before ``before``: then the scenario says
    what the policy was, and the back-test feeds its own default only when it does not."""
    return any(y < before for y in _points(param))


def _at(param, year) -> float:
    return float(param.evaluate([year])[0])


def _splice(before: dict, param, from_year: int) -> dict:
    """The points ``before`` (years < from_year) followed by the parameter's own schedule from
    ``from_year`` on (its value at ``from_year`` first)."""
    out = {int(y): float(v) for y, v in before.items() if y < from_year}
    out[from_year] = _at(param, from_year)
    out.update({y: v for y, v in _points(param).items() if y > from_year})
    return dict(sorted(out.items()))


def _at_points(points: dict, year) -> float:
    xs = sorted(points)
    return float(np.interp(year, xs, [points[x] for x in xs]))


def _round(d, digits=8):
    return {int(y): round(float(v), digits) for y, v in sorted(d.items())}


def policy_history(scn, start: int, end: int, national: bool, D: _National | None = None) -> tuple[dict, list]:
    """The overrides that put the policy in force in ``start..end`` into the scenario ``scn``
    (a :class:`~simulator.scenario.schema.Scenario`), and the notes that say what was fed."""
    D = D or _National()
    hist = D.hist
    years = list(range(start, end + 1))
    B = scn.base_year
    notes = []
    over: dict = {}

    # ---- realised wages and resident incomes (NBS), without noise
    W = hist.series("avg_wage_urban_nonprivate", include_recall=False)
    Y = hist.series("disposable_income_per_capita", include_recall=False)
    for need in range(start - 1, end + 1):
        if need not in W:
            raise BacktestError(f"no NBS average wage for {need} in the package data (simulator/data/china_history.csv)")
    growth = {y: W[y] / W[y - 1] - 1 for y in years[1:]}
    ygrowth = {y: Y[y] / Y[y - 1] - 1 for y in years[1:] if y in Y and y - 1 in Y}
    w0, w_prev = W[start], W[start - 1]
    y0 = Y.get(start, _at(scn.economy.base_resident_income, B))
    if not national:
        kw = _at(scn.economy.base_wage, B) / W[B] if B in W else 1.0
        ky = _at(scn.economy.base_resident_income, B) / Y[B] if B in Y else 1.0
        w0, w_prev, y0 = w0 * kw, w_prev * kw, y0 * ky
        notes.append(f"wages and resident incomes: the scenario's {B} levels carried back with the national NBS series "
                     f"(ratio to the national average {kw:.3f} and {ky:.3f})")
    eco = {"base_wage": {"value": round(w0, 2), "source": f"NBS average annual wage of urban non-private units {start}: {W[start]:,.0f}"
                                                     + ("" if national else " (national, scaled to the scenario)")},
           "previous_wage": {"value": round(w_prev, 2), "source": f"NBS average annual wage {start - 1}: {W[start - 1]:,.0f}"},
           "base_resident_income": {"value": round(y0, 2), "source": f"NBS per-capita disposable income {start}: {Y.get(start, float('nan')):,.0f}"},
           "drivers": {"wage_growth": {"mean": {"value": _round(growth, 10) if growth else 0.0,
                                                "source": "realised growth of the NBS average wage "
                                                          + ", ".join(f"{y} {g:+.2%}" for y, g in growth.items())},
                                       "sd": {"value": 0.0, "source": "back-test: the realised wage path is known"}}}}
    if ygrowth:
        eco["drivers"]["resident_income_growth"] = {
            "mean": {"value": _round(ygrowth, 10), "source": "realised growth of NBS per-capita disposable income "
                     + ", ".join(f"{y} {g:+.2%}" for y, g in ygrowth.items())},
            "sd": {"value": 0.0, "source": "back-test: the realised income path is known"}}
    over["economy"] = eco
    notes.append("wages: the realised NBS growth " + (", ".join(f"{y} {g:+.2%}" for y, g in growth.items()) or "(none)") + ", without noise")

    # ---- the realised epidemic: care use held down in 2020-2022 and back in 2023 (simulator.care_use)
    from ..care_use import care_use_levels, realised_excess_growth

    levels = care_use_levels()
    ecg = scn.economy.drivers.excess_cost_growth
    if years[1:] and any(abs(levels.level(y) / levels.level(y - 1) - 1) > 1e-12 for y in years[1:]):
        central = {y: _at(ecg.mean, y) for y in years}
        fed = realised_excess_growth(lambda y: central[y], levels, years[1:])
        eco["drivers"]["excess_cost_growth"] = {
            "mean": {"value": _round(fed, 10),
                     "source": "the scenario's central excess cost growth times the change of the realised care-use level ("
                               + levels.describe() + ")"},
            "sd": {"value": 0.0, "source": "back-test: the realised epidemic is known"}}
        notes.append("realised epidemic: care use " + ", ".join(f"{y} {levels.level(y):.3f}" for y in years if abs(levels.level(y) - 1) > 1e-12)
                     + f" of normal (NHSA gross inpatient cost per enrollee against the {levels.normal_years[0]}-{levels.normal_years[1]} path), fed as excess "
                     "cost growth " + ", ".join(f"{y} {g:+.2%}" for y, g in fed.items()) + "; the base year's level is in its calibrated cost")

    # ---- contribution rates: the 2020 halving of employer contributions
    rate = scn.employee.employer_rate
    if start <= 2020 <= end and not _has_history(rate, 2021):
        r = {y: _at(rate, y) for y in range(start, end + 1)}
        r[2020] = r[2020] * (1 - RELIEF_2020)
        over["employee"] = {"employer_rate": {
            "value": _round(r, 8),
            "source": "the scenario's employer rate, halved for five of the twelve months of 2020 (医保发〔2020〕6号, 2020-02-21: employer "
                      "contributions halved from February 2020 for at most five months where the pooled fund covers six months; at its "
                      "maximum, since the national take-up is not reported)"}}
        notes.append(f"2020 contribution relief: the employer rate of 2020 is {r[2020]:.4f} (halved for five months, 医保发〔2020〕6号)")

    # ---- individual accounts before and after the 2021 outpatient mutual-aid reform
    acc = scn.accounts
    rules = [("accounts.employer_share", acc.employer_share), ("accounts.retiree_quota", acc.retiree_quota)]
    rules += [(f"expenditure.reimbursement.{g}.outpatient", getattr(scn.expenditure.reimbursement, g).outpatient) for g in OUTPATIENT_RR_BEFORE]
    own = [k for k, p in rules if _has_history(p, REFORM_DONE)]
    if own:
        notes.append("the reform's rules: the scenario's own schedules before 2023 are used (" + ", ".join(own) + ")")
    if start < REFORM_DONE:
        # each rule the scenario does not date itself gets the back-test's pre-reform value
        accounts = {}
        if "accounts.employer_share" not in own:
            share = _splice({y: EMPLOYER_SHARE_BEFORE for y in range(min(start, LAST_BEFORE), LAST_BEFORE + 1)}, acc.employer_share, REFORM_DONE)
            accounts["employer_share"] = {
                "value": _round(share, 6),
                "source": f"the legacy employer share into actives' accounts, {EMPLOYER_SHARE_BEFORE} before the 2021 outpatient mutual-aid "
                          "reform (specification section 6), to 2022; from 2023 the scenario's value, as the regions implemented 国办发〔2021〕14号 "
                          "(employer contributions all to the pool) at the start of 2023 (Beijing 2023-01-01, Wuhan 2023-02-01)"}
        else:
            share = {y: _at(acc.employer_share, y) for y in years}
        if "accounts.retiree_quota" not in own:
            pi_r = scn.employee.pension_wage_ratio
            quota_before = {y: RETIREE_CREDIT_BEFORE * _at(pi_r, y) * W[y] / 12 * (w0 / W[start]) for y in range(min(start, LAST_BEFORE), LAST_BEFORE + 1)}
            quota = _splice(quota_before, acc.retiree_quota, REFORM_DONE)
            accounts["retiree_quota"] = {
                "value": _round(quota, 2),
                "source": f"retirees' monthly account credit: {RETIREE_CREDIT_BEFORE:.0%} of the average pension (pension_wage_ratio x wage / 12) "
                          "before the reform (Wuhan's Q&A and Reuters 2023-02-16: about 5%, 4.8-5.1%; china_policy_events.csv), "
                          "the scenario's quota (about 2% of the reform-year pension, frozen: 国办发〔2021〕14号) from 2023"}
        else:
            quota = {y: _at(acc.retiree_quota, y) for y in years}
        if accounts:
            over["accounts"] = accounts
        notes.append("account rules: employer share " + ", ".join(f"{y} {_at_points(share, y):.3f}" for y in years if y <= REFORM_DONE)
                     + "; retirees' monthly credit " + ", ".join(f"{y} {_at_points(quota, y):.0f}" for y in years if y <= REFORM_DONE) + " yuan"
                     + (" (the scenario's own: " + ", ".join(k for k in own if k.startswith("accounts.")) + ")" if any(k.startswith("accounts.") for k in own) else ""))
        rr = scn.expenditure.reimbursement
        reim = {}
        for g, before in OUTPATIENT_RR_BEFORE.items():
            if f"expenditure.reimbursement.{g}.outpatient" in own:
                continue
            reim[g] = {"outpatient": {"value": _round(_splice({y: before for y in range(min(start, LAST_BEFORE), LAST_BEFORE + 1)}, getattr(rr, g).outpatient, REFORM_DONE), 6),
                                      "source": f"the pooled fund's general outpatient reimbursement, {before} before the reform (limited outpatient "
                                                "pooling: an assumption) to 2022, the scenario's value from 2023 (the reform in the regions from the start of 2023)"}}
        if reim:
            over.setdefault("expenditure", {})["reimbursement"] = reim
            notes.append("outpatient reimbursement by the pooled fund: " + ", ".join(f"{g} {b} to {LAST_BEFORE}" for g, b in OUTPATIENT_RR_BEFORE.items()
                                                                                    if g in reim)
                         + f", the scenario's value from {REFORM_DONE} (assumption)")

    # ---- inpatient policy-range ratios where verified (bulletins), times the in-list share
    for scheme, series, groups in (("employee", "uebmi.policy_range_inpatient_fund_payment_ratio", ("employee", "flexible", "retired")),
                                   ("resident", "urrbmi.policy_range_inpatient_fund_payment_ratio", ("resident",))):
        vals = {y: D.n(y, series) for y in range(min(start, 2019), max(end, 2024) + 1)}
        vals = {y: f for y, f in vals.items() if f is not None}
        if len([y for y in vals if start <= y <= end]) < 2 or not national:
            continue
        base_ratio = vals[min(vals, key=lambda y: abs(y - start))].value
        for g in groups:
            cur = getattr(scn.expenditure.reimbursement, g).inpatient
            sc = _at(cur, B) / (vals[B].value if B in vals else base_ratio)
            over.setdefault("expenditure", {}).setdefault("reimbursement", {}).setdefault(g, {})["inpatient"] = {
                "value": _round({y: f.value * sc for y, f in vals.items()}, 6),
                "source": f"the bulletins' policy-range inpatient fund payment ratio by year ({', '.join(f'{y} {f.value:.3f}' for y, f in vals.items())}; "
                          f"verified years only) times the scenario's effective/policy-range ratio {sc:.3f}"}
        notes.append(f"{scheme} inpatient ratio: the bulletins' policy-range ratios of " + ", ".join(str(y) for y in vals) + " (verified years only)")

    # ---- resident financing: the national standards of each year
    prem = hist.series("urrbmi_individual_premium_per_capita", include_recall=False)
    subs = hist.series("urrbmi_min_fiscal_subsidy_per_capita", include_recall=False)
    res = {}
    for key, s, name in (("premium", prem, "individual premium"), ("subsidy", subs, "fiscal subsidy")):
        have = {y: s[y] for y in years if y in s}
        if not have:
            continue
        k = 1.0
        if not national and B in s:
            k = _at(getattr(scn.resident, key), B) / s[B]
        res[key] = {"value": _round({y: v * k for y, v in have.items()}, 2),
                    "source": f"national minimum {name} by year of notice ({', '.join(f'{y} {v:.0f}' for y, v in have.items())}; "
                              "simulator/data/china_history.csv)" + ("" if national else f" times the scenario's ratio to it {k:.3f}")}
    if res:
        over["resident"] = res
        if scn.resident.subsidy_cap_ratio is not None:
            notes.append("resident subsidy: the realised standards are fed, so the scenario's cap on the subsidy relative to the premium "
                         f"(subsidy_cap_ratio {_at(scn.resident.subsidy_cap_ratio, B):g}) is off (2018: 490 against 220, 2.2:1)")
        notes.append("resident financing: the national premium and subsidy of each year" + ("" if national else ", scaled to the scenario's level"))

    # ---- maternity leave days
    leave = {y: v for y, v in LEAVE_DAYS.items()}
    if not _has_history(scn.maternity.paid_leave_days, B):
        over["maternity"] = {"paid_leave_days": {
            "value": _round(leave, 2),
            "source": "maternity leave days: 148 (the middle of the provinces' 2017 average 138-158 days, China Daily 2017-07-10) to 2021, 158 "
                      "from 2022 (98 statutory days plus the typical 30-90 extra days of the 2021-2022 revisions, 25 provinces by 2022-01-20, "
                      "Xinhua); simulator/data/china_history.csv; only the change matters (the allowance share is fitted to the base year)"}}
    if start < 2022 <= end and "maternity" in over:
        notes.append("maternity leave: 148 days to 2021, 158 from 2022 (the 2021-2022 provincial revisions)")

    # ---- payment reform: DRG/DIP payment from 2021, procurement batches from 2019
    reform = {}
    if start < scn.reform.drg_dip.start_year and not _has_history(scn.reform.drg_dip.coverage, scn.reform.drg_dip.start_year):
        cov = scn.reform.drg_dip.coverage
        reform["drg_dip"] = {"coverage": {"value": _round(_splice({scn.reform.drg_dip.start_year - 1: 0.0}, cov, scn.reform.drg_dip.start_year), 6),
                                          "source": "no DRG/DIP payment before the scheme's start year (pilot cities paid by DRG/DIP from 2021), "
                                                    "the scenario's coverage from then on"}}
        notes.append(f"DRG/DIP: no payment by points before {scn.reform.drg_dip.start_year}")
    pc = scn.reform.procurement.coverage
    if start < 2024 and _at(pc, 2024) > 0 and not _has_history(pc, 2024):
        reform["procurement"] = {"coverage": {"value": _round(_splice({y: v for y, v in PROCUREMENT.items() if y >= start}, pc, 2024), 6),
                                              "source": "procurement coverage of drug spending rising with the national batches (4+7 pilot 2019, batches 2-5 "
                                                        "in 2020-2021: an assumption) to the scenario's 2024 value"}}
    if reform:
        over["reform"] = reform
    over["epidemic"] = {"probability": {"value": 0.0, "source": "back-test: no random epidemics; the COVID years are in the reported history"}}
    return over, notes
