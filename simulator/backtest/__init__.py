"""Back-test: the same engine started from every reported year, set against what happened.

Specification section 11 (back-test paragraph): the model is started from each earlier reported
year ``S`` with that year's reported members, flows and balances and the policy then in force,
projected to every later reported year, and the fit is reported per fund, flow, member group and
horizon (error, mean absolute error and bias across start years).

>>> bt = backtest()                                  # doctest: +SKIP
>>> print(bt.format())                               # doctest: +SKIP
>>> bt.to_json()["summary"]                          # doctest: +SKIP

What is reported
    ``reported.history`` of a scenario (``{YEAR: {employee_pooled: {income, expenditure,
    balance}, employee_accounts, employee_scheme, resident, pooled_funds, members: {active,
    retirees, residents}, maternity}}``, every key optional).  For the built-in ``baseline`` the
    history comes from the national data (:func:`national_history`: the NHSA bulletins and quick
    reports, the 医保数智库 series, each figure with its source and basis).  A figure whose source
    or note says "recall" (``unverified (recall)`` in the data) is never used as reported truth:
    it is neither a start value nor a check.

What each start ``S`` is given
    the base year ``S`` with ``reported.base_year`` = the history of ``S`` and
    ``reported.previous_year`` = the history of ``S - 1`` (the calibration fits the base year's
    flows and members, so horizon-0 rows are shown but are not checks); the base population of
    ``S`` (national: UN WPP 2024 on 1 July of ``S``); the realised wages (NBS, without noise) and
    resident incomes; and the policy then in force (:func:`policy_history`): the resident premium
    and subsidy of each year, the 2020 halving of employer contributions (医保发〔2020〕6号), the
    individual-account rules before the 2021 outpatient mutual-aid reform (legacy employer share
    about 0.3, retirees' credit about 5% of the pension; to 2022) and after it (from 2023, when the
    regions implemented it: no employer share, retirees' quota about 2% of the pension, frozen), the
    pooled fund's outpatient reimbursement rising with the reform in 2023, maternity leave days,
    DRG/DIP payment from 2021 and the procurement batches.  Everything else is the scenario's own assumption set: nothing is
    refitted per start year.

Deterministic
    With ``paths=1`` (the default) each start runs the scenario's ``central`` assumption set
    (every sigma zero, uncertain values at their means, no random epidemics; the realised wage
    path is fed with sd 0): the central estimate an actuary would set against the bulletins.  With
    more paths the modelled value is the median and the 5-95% band is kept.

Where a figure is missing
    Before 2023 the bulletins give the employee scheme's totals, not the pool/account split: the
    rows of the pooled fund and the accounts are then omitted (the totals are compared as
    ``employee_scheme``), and a start year's split is derived (the accounts' income = the model's
    own account credits under the rules of that year; their expenditure = income minus the
    reported change of the account balance, or, without the previous balance, the scenario's
    fitted spend share), flagged in the start's assumptions.

Rows (:attr:`Backtest.rows`, ``fundsim backtest --json``)
    ``{"start", "year", "horizon", "fund", "measure", "reported", "modelled", "relative_error",
    "basis", "fitted", "epidemic_year", "source"}``; ``fund`` is ``employee_pooled``,
    ``employee_accounts``, ``resident``, the aggregates ``employee_scheme`` (pool + accounts) and
    ``pooled_funds`` (both pooled funds), or ``None`` for member rows (``actives``, ``retirees``,
    ``residents``: the modelled mid-year count against the average of the reported year-end
    counts of ``t - 1`` and ``t``, specification section 4); ``measure`` ``maternity`` is the
    pooled fund's maternity spending.  ``relative_error`` = modelled / reported - 1.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import EXIT_BAD_INPUT, SimulatorError
from .history import (BacktestError, FUNDS, AGGREGATES, FLOWS, MEMBER_MEASURES, MEASURES, _MEMBER_KEY,
                      EPIDEMIC_YEARS, LATEST_REPORTED_YEAR, NATIONAL_START_YEARS, BASES, _LABEL, Figure,
                      figure_basis, _SECTIONS, History, _attr, _figure, _yi, _wan, _BASIS_FROM_NATIONAL, _short,
                      _National, _derived, national_history, _RECALL_SERIES)  # noqa: F401
from .policy import (EMPLOYER_SHARE_BEFORE, RETIREE_CREDIT_BEFORE, OUTPATIENT_RR_BEFORE, RELIEF_2020, LEAVE_DAYS,
                     PROCUREMENT, IN_LIST_SHARE, LAST_BEFORE, REFORM_DONE, _points, _has_history, _at, _splice,
                     _at_points, _round, policy_history)  # noqa: F401


#: the issue's acceptance set: starts 2021-2023, every flow of the three funds and every member count
CRITERIA = {"starts": (2021, 2022, 2023), "max_abs_error": 0.05, "mean_abs_error": 0.025}
#: the issue's set counts income and expenditure of the three funds and the balances of the two pooled
#: funds: the accounts' balance is the members' money, shown and summarised but not in the acceptance set
CRITERIA_LEFT_OUT = {("employee_accounts", "balance")}
# ----------------------------------------------------------------------------- the start scenarios


def _fig_node(f: Figure, what: str) -> dict:
    return {"value": float(f.value), "source": f"{what}: {f.source}" if f.source else what,
            "note": f.basis}


def _merge(dst: dict, src: dict) -> dict:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict) and not ({"value", "dist", "table"} & set(v)):
            _merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


class _Context:
    """What every start shares: the scenario, its history, the national data."""

    def __init__(self, scenario, history: History | None, *, paths: int, seed: int, overrides=()):
        from ..scenario import load_scenario

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.loaded = load_scenario(scenario, list(overrides))
        scn = self.loaded.scenario
        #: the national baseline (with any --set overrides): national populations and history
        self.national = not scn.reported.history and self.loaded.origin == "baseline"
        if history is not None:
            self.history = history
        elif scn.reported.history:
            self.history = History.from_mapping(scn.reported.history)
        elif self.national:
            self.history = national_history()
        else:
            raise BacktestError(f"scenario '{scn.name}' carries no reported history: add reported.history "
                                "({YEAR: {employee_pooled: {income, expenditure, balance}, employee_accounts: {...}, resident: {...}, "
                                "members: {active, retirees, residents}, maternity}}) with the reported figures of earlier years "
                                "(docs/validation.md); the national baseline takes its history from the package data")
        self.paths, self.seed = int(paths), int(seed)
        self.D = _National()
        self._xi_b = None

    @property
    def scn(self):
        return self.loaded.scenario

    def xi_b(self) -> float:
        """The scenario's own fitted account spend share of the opening balance."""
        if self._xi_b is None:
            from ..api import prepare
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, comp = prepare(self.loaded, paths=1, horizon=1)
            self._xi_b = float(comp.calibration["accounts.spend_share_balance"])
        return self._xi_b

    def latest_year(self) -> int:
        ys = [y for y in self.history.years() if any(f.truth for f in self.history.figures[y].values())]
        if not ys:
            raise BacktestError("the reported history holds no figure that may serve as reported truth (recalled figures are not used)")
        return max(ys)

    # ---- can the model start from S?
    def missing_for_start(self, S: int) -> list:
        H = self.history
        miss = []
        for fund in ("resident",):
            for m in FLOWS:
                if not self._fund_value(S, fund, m):
                    miss.append(f"{fund}.{m}")
        split = all(H.get(S, f"{f}.{m}") for f in ("employee_pooled", "employee_accounts") for m in ("income", "expenditure"))
        totals = H.get(S, "employee_scheme.income") and H.get(S, "employee_scheme.expenditure")
        if not split and not totals:
            miss.append("employee_pooled/employee_accounts income and expenditure (or employee_scheme totals)")
        if not self._fund_value(S, "employee_pooled", "balance"):
            miss.append("employee_pooled.balance (or pooled_funds.balance with resident.balance)")
        if not self._fund_value(S, "employee_accounts", "balance"):
            miss.append("employee_accounts.balance")
        for k in ("active", "retirees", "residents"):
            if not H.get(S, f"members.{k}"):
                miss.append(f"members.{k}")
        if not H.get(S, "maternity"):
            miss.append("maternity")
        if self.national:
            from ..data import TABLES
            if f"china_population_{S}" not in TABLES:
                miss.append(f"a WPP population table of {S}")
        recalled = {k for k, f in H.figures.get(int(S), {}).items() if not f.truth}
        return [m + (" (only a recalled figure, not used as reported truth)" if m in recalled else "") for m in miss]

    def _fund_value(self, S, fund, m) -> Figure | None:
        H = self.history
        f = H.get(S, f"{fund}.{m}")
        if f is not None or m != "balance":
            return f
        p, r, e = H.get(S, "pooled_funds.balance"), H.get(S, "resident.balance"), H.get(S, "employee_pooled.balance")
        if fund == "employee_pooled" and p and r:
            return _derived(p.value - r.value, f"derived: both pooled funds' balance {_yi(p.value)} minus the resident fund's {_yi(r.value)}")
        if fund == "resident" and p and e:
            return _derived(p.value - e.value, f"derived: both pooled funds' balance {_yi(p.value)} minus the employee pooled fund's {_yi(e.value)}")
        return None

    def startable(self, end: int) -> list:
        return [S for S in self.history.years() if S < end and not self.missing_for_start(S)]

    # ---- the reported blocks of a start
    def _year_block(self, S: int, split: dict | None, members_fallback: dict | None, notes: list, *, base: bool) -> dict:
        H = self.history
        blk = {}
        for fund in FUNDS:
            blk[fund] = {}
        # employee scheme
        have_split = all(H.get(S, f"{f}.{m}") for f in ("employee_pooled", "employee_accounts") for m in ("income", "expenditure"))
        if have_split:
            for f in ("employee_pooled", "employee_accounts"):
                for m in ("income", "expenditure"):
                    blk[f][m] = _fig_node(H.get(S, f"{f}.{m}"), f"{S} {_LABEL[f]} {m}")
        else:
            ti, te = H.get(S, "employee_scheme.income"), H.get(S, "employee_scheme.expenditure")
            if ti is None or te is None:
                if base:
                    raise BacktestError(f"start year {S}: no employee-scheme income and expenditure")
                ref = split["totals"]
                ti, te = Figure(ref[0], "", "derived"), Figure(ref[1], "", "derived")
                rec = " (only recalled figures, not used)" if "employee_scheme.income" in H.figures.get(S, {}) else ""
                notes.append(f"{S} (previous year): the employee scheme's flows are not reported{rec}; the base year's are used "
                             "(they set only the first year's budgeted income growth and the base year's recoveries)")
            a_inc, a_exp = split["accounts"] if base else (ti.value * split["share"][0], te.value * split["share"][1])
            blk["employee_accounts"]["income"] = {"value": float(a_inc), "source": f"assumption (derived): the {S} account income, see the notes", "note": "derived"}
            blk["employee_accounts"]["expenditure"] = {"value": float(a_exp), "source": f"assumption (derived): the {S} account expenditure, see the notes", "note": "derived"}
            blk["employee_pooled"]["income"] = {"value": float(ti.value - a_inc), "source": f"assumption (derived): {S} employee scheme income {_yi(ti.value)} "
                                                f"({ti.basis}) minus the derived account income", "note": "derived"}
            blk["employee_pooled"]["expenditure"] = {"value": float(te.value - a_exp), "source": f"assumption (derived): {S} employee scheme expenditure "
                                                     f"{_yi(te.value)} ({te.basis}) minus the derived account expenditure", "note": "derived"}
        # resident
        for m in ("income", "expenditure"):
            f = H.get(S, f"resident.{m}")
            if f is None:
                if base:
                    raise BacktestError(f"start year {S}: no resident {m}")
                f = Figure(split["resident"][m], "", "derived")
                rec = " (only a recalled figure, not used)" if f"resident.{m}" in H.figures.get(S, {}) else ""
                notes.append(f"{S} (previous year): resident {m} not reported{rec}; the base year's is used")
            blk["resident"][m] = _fig_node(f, f"{S} resident fund {m}")
        if base:
            for fund in FUNDS:
                f = self._fund_value(S, fund, "balance")
                blk[fund]["balance"] = _fig_node(f, f"{S} {_LABEL[fund]} balance")
        mem = {}
        for k in ("active", "retirees", "residents"):
            f = H.get(S, f"members.{k}")
            if f is None:
                if base:
                    raise BacktestError(f"start year {S}: no reported {k} count")
                f = Figure(members_fallback[k], "", "derived")
                notes.append(f"{S} year-end {k} not reported (or not comparable); the base year's year-end count stands in, so the mid-year "
                             f"target of {S + 1} is the year-end count")
            mem[k] = _fig_node(f, f"{S} year-end {k}")
        blk["members"] = mem
        mat = H.get(S, "maternity")
        if mat is not None:
            blk["maternity"] = _fig_node(mat, f"{S} maternity benefits")
        elif base:
            raise BacktestError(f"start year {S}: no maternity figure")
        return blk

    def start_data(self, S: int, end: int) -> tuple[dict, list]:
        """The resolved scenario dict of the start ``S`` (projected to ``end``) and its notes."""
        miss = self.missing_for_start(S)
        if miss:
            raise BacktestError(f"the model cannot start from {S}: the reported history lacks {', '.join(miss)}"
                                + (" (recalled figures are not used)" if self.history.recalled() else ""))
        data = copy.deepcopy(self.loaded.data)
        data.pop("extends", None)
        data["name"] = f"{self.scn.name}_backtest_{S}"
        data["base_year"] = int(S)
        data["horizon"] = int(end - S)
        data.setdefault("simulation", {})
        data["simulation"]["paths"] = self.paths
        data["simulation"]["seed"] = self.seed
        notes = []
        if self.national:
            from ..data import read_rows
            wpp = {int(r["year"]): r for r in read_rows("china_projection_assumptions.csv")}
            ys = range(S, end + 1)
            data["population"]["base"] = {"table": f"china_population_{S}",
                                          "source": f"UN WPP 2024, China, population on 1 July {S} by single age and sex (simulator/data/SOURCES.md)"}
            data["population"]["fertility"]["tfr"] = {"value": {y: round(float(wpp[y]["tfr"]), 4) for y in ys},
                                                      "source": "UN WPP 2024 TFR by year (china_projection_assumptions.csv)"}
            data["population"]["fertility"]["sex_ratio_at_birth"] = {"value": {y: round(float(wpp[y]["srb_males_per_female"]), 4) for y in ys},
                                                                     "source": "UN WPP 2024 sex ratio at birth by year"}
            data["population"].setdefault("migration", {})["net_total"] = {
                "value": {y: round(float(wpp[y]["net_migration_thousands"]) * 1000) for y in ys},
                "source": "UN WPP 2024 net migration by year (china_projection_assumptions.csv)"}
        elif S != self.scn.base_year:
            notes.append(f"population: the scenario's {self.scn.base_year} base population stands in for {S} (no population of {S} in the "
                         "scenario); working coverage and participation are fitted to the members of the start year")
        over, pnotes = policy_history(self.scn, S, end, self.national, self.D)
        _merge(data, over)
        if "subsidy" in over.get("resident", {}):
            data["resident"].pop("subsidy_cap_ratio", None)
        notes += pnotes
        data.pop("reported", None)
        rep = self._reported(S, data, notes)
        data["reported"] = rep
        return data, notes

    def _reported(self, S: int, data: dict, notes: list) -> dict:
        H = self.history
        have_split = all(H.get(S, f"{f}.{m}") for f in ("employee_pooled", "employee_accounts") for m in ("income", "expenditure"))
        prev_fallback_members = {k: H.get(S, f"members.{k}").value for k in ("active", "retirees", "residents")}
        res_base = {m: H.get(S, f"resident.{m}").value for m in ("income", "expenditure")}
        ti, te = H.get(S, "employee_scheme.income"), H.get(S, "employee_scheme.expenditure")
        if have_split:
            pi, pe = H.get(S, "employee_pooled.income").value, H.get(S, "employee_pooled.expenditure").value
            ai, ae = H.get(S, "employee_accounts.income").value, H.get(S, "employee_accounts.expenditure").value
            split = {"accounts": (ai, ae), "share": (ai / (ai + pi), ae / (ae + pe)), "totals": (ai + pi, ae + pe), "resident": res_base}
            base = self._year_block(S, split, None, notes, base=True)
            prev = self._year_block(S - 1, split, prev_fallback_members, notes, base=False)
            return {"base_year": base, "previous_year": prev}
        # the split is derived: account income = the model's own credits (+ interest) under the rules of S;
        # account expenditure = income minus the reported change of the account balance, or the model's outflow
        from ..api import prepare

        bal_prev = H.get(S - 1, "employee_accounts.balance")
        bal = self._fund_value(S, "employee_accounts", "balance")
        fixed = {"value": round(self.xi_b(), 8),
                 "source": f"the scenario's own fitted account spend share of the opening balance ({self.scn.base_year}); the {S - 1} account "
                           "balance is not reported, so the base year's account expenditure is the model's outflow"}
        # the fixed point runs with the spend share fixed (the credits do not depend on it), so that
        # no trial split is refused by the calibration
        trial_data = copy.deepcopy(data)
        trial_data.setdefault("accounts", {})["spend_share_balance"] = fixed
        a_inc = 0.4 * ti.value
        a_exp = a_inc - ((bal.value - bal_prev.value) if bal_prev else 0.0)
        for _ in range(10):
            split = {"accounts": (a_inc, a_exp), "share": (a_inc / ti.value, a_exp / te.value), "totals": (ti.value, te.value), "resident": res_base}
            tmp = []
            rep = {"base_year": self._year_block(S, split, None, tmp, base=True),
                   "previous_year": self._year_block(S - 1, split, prev_fallback_members, tmp, base=False)}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, comp = prepare(dict(copy.deepcopy(trial_data), reported=rep), paths=1)
            chk = comp.calibration["checks"]
            new_inc = chk["employee_accounts.income"]["modelled"]
            new_exp = (new_inc - (bal.value - bal_prev.value)) if bal_prev else chk["employee_accounts.expenditure"]["modelled"]
            done = abs(new_inc / a_inc - 1) < 1e-10 and abs(new_exp / a_exp - 1) < 1e-10
            a_inc, a_exp = new_inc, new_exp
            if done:
                break
        split = {"accounts": (a_inc, a_exp), "share": (a_inc / ti.value, a_exp / te.value), "totals": (ti.value, te.value), "resident": res_base}
        tmp = []
        rep = {"base_year": self._year_block(S, split, None, tmp, base=True),
               "previous_year": self._year_block(S - 1, split, prev_fallback_members, tmp, base=False)}
        if bal_prev is None:
            data.setdefault("accounts", {})["spend_share_balance"] = fixed
        elif S < REFORM_DONE and self.scn.accounts.spend_share_balance is None:
            # the reform changed what accounts pay for (relatives' care and premiums, pooled outpatient care
            # instead): the start year's spending behaviour is calibrated to it, and from the reform on the
            # accounts spend as the scenario's own calibration says (one set of assumptions after the reform)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, comp = prepare(dict(copy.deepcopy(data), reported=rep), paths=1)
            xi_start = float(comp.calibration["accounts.spend_share_balance"])
            data.setdefault("accounts", {})["spend_share_balance"] = {
                "value": {S: round(xi_start, 8), LAST_BEFORE: round(xi_start, 8), REFORM_DONE: round(self.xi_b(), 8)},
                "source": f"the share of the opening balance the accounts spend: {xi_start:.4f} before the reform (calibrated to the start "
                          f"year {S}), {self.xi_b():.4f} from {REFORM_DONE} (the scenario's own, calibrated to its base year "
                          f"{self.scn.base_year}): the reform changed what accounts pay for"}
            notes.append(f"account spending: {xi_start:.4f} of the opening balance to {LAST_BEFORE} (calibrated to {S}), "
                         f"the scenario's {self.xi_b():.4f} from {REFORM_DONE} (the reform changed what accounts pay for)")
        notes += tmp
        how_exp = (f"income minus the reported change of the account balance {_yi(bal.value - bal_prev.value)} ({S - 1}: {_yi(bal_prev.value)}, "
                   f"{S}: {_yi(bal.value)})") if bal_prev else \
            f"the model's outflow with the scenario's fitted spend share of the opening balance ({self.xi_b():.4f}; the {S - 1} balance is not reported)"
        notes.append(f"{S}: the pool/account split is not reported; the employee scheme's totals ({_yi(ti.value)} income, {_yi(te.value)} "
                     f"expenditure) are split with the accounts' income = the model's own credits under the rules of {S} plus interest "
                     f"({_yi(a_inc)}) and their expenditure = {how_exp} ({_yi(a_exp)}); the previous year is split with the same shares")
        return rep


# ----------------------------------------------------------------------------- running and comparing


def _modelled(ds, fund, measure):
    """Modelled values (path, year) of a row."""
    if measure == "maternity":
        return ds["maternity"]
    if fund in FUNDS:
        return ds[measure].sel(fund=fund)
    if fund == "employee_scheme":
        return ds[measure].sel(fund=["employee_pooled", "employee_accounts"]).sum("fund")
    if fund == "pooled_funds":
        if measure == "balance":
            return ds["combined_pooled_balance"]
        return ds[measure].sel(fund=["employee_pooled", "resident"]).sum("fund")
    if measure == "actives":
        return ds["employees"] + ds["flexible"]
    return ds[measure]


def _combine_basis(a: str, b: str) -> str:
    if a == b:
        return a
    order = ("derived", "quick report", "reported", "official", "bulletin")
    for o in order:
        if o in (a, b):
            return o
    return a


def comparisons(history: History, start: int, end: int) -> list:
    """``(year, fund, measure, reported, basis, source)`` of every reported figure of
    ``start..end`` that can serve as truth (members: the mean of the year-end counts of t-1, t)."""
    out = []
    for y in range(start, end + 1):
        for fund in FUNDS + AGGREGATES:
            for m in FLOWS:
                f = history.get(y, f"{fund}.{m}")
                if f is not None:
                    out.append((y, fund, m, f.value, f.basis, f.source))
        for m in MEMBER_MEASURES:
            a, b = history.get(y, f"members.{_MEMBER_KEY[m]}"), history.get(y - 1, f"members.{_MEMBER_KEY[m]}")
            if a is not None and b is not None:
                out.append((y, None, m, (a.value + b.value) / 2, _combine_basis(a.basis, b.basis),
                            f"mean of the year-end counts {y - 1} ({_wan(b.value)}, {b.basis}) and {y} ({_wan(a.value)}, {a.basis}), 10,000 persons"))
        mat = history.get(y, "maternity")
        if mat is not None:
            out.append((y, "employee_pooled", "maternity", mat.value, mat.basis, mat.source))
    return out


@dataclass
class StartRun:
    """One start year's run: its scenario, results and assumptions."""

    start: int
    scenario: object              # LoadedScenario
    results: object               # xarray.Dataset
    notes: list = field(default_factory=list)


@dataclass
class Backtest:
    """The multi-start back-test: rows, fit statistics, the runs and their assumptions."""

    scenario: str
    starts: list
    end: int
    paths: int
    seed: int
    rows: list
    runs: dict
    history: History
    national: bool = False
    common_notes: list = field(default_factory=list)
    omitted: list = field(default_factory=list)
    feed_members: bool = False

    # ---- statistics
    def checks(self, *, funds=None, measures=None, starts=None, horizons=None) -> list:
        """The rows that count as checks (horizon >= 1), filtered."""
        out = []
        for r in self.rows:
            if r["fitted"] or r["horizon"] < 1:
                continue
            if funds is not None and r["fund"] not in funds:
                continue
            if measures is not None and r["measure"] not in measures:
                continue
            if starts is not None and r["start"] not in starts:
                continue
            if horizons is not None and r["horizon"] not in horizons:
                continue
            out.append(r)
        return out

    def summary(self) -> list:
        """Mean absolute error and bias per (fund, measure, horizon) across start years, with
        ``horizon = "all"`` over every horizon >= 1; horizon-0 rows are never counted."""
        groups = {}
        for r in self.checks():
            for h in (r["horizon"], "all"):
                groups.setdefault((r["fund"], r["measure"], h), []).append(r)
        forder = {f: i for i, f in enumerate(FUNDS + AGGREGATES + (None,))}
        morder = {m: i for i, m in enumerate(MEASURES + ("maternity",))}
        out = []
        for (fund, measure, h), rows in sorted(groups.items(), key=lambda kv: (forder[kv[0][0]], morder[kv[0][1]],
                                                                                 99 if kv[0][2] == "all" else kv[0][2])):
            e = np.array([r["relative_error"] for r in rows], dtype=float)
            out.append({"fund": fund, "measure": measure, "horizon": h, "n": int(e.size),
                        "mean_abs_error": float(np.mean(np.abs(e))), "bias": float(np.mean(e)),
                        "max_abs_error": float(np.max(np.abs(e))), "starts": sorted({r["start"] for r in rows})})
        return out

    def criteria(self) -> dict:
        """The issue's acceptance test: from each start 2021-2023, every flow of the three funds
        and every member count within 5% in every year, mean absolute error at most 2.5%."""
        starts = [s for s in CRITERIA["starts"] if s in self.starts]
        rows = [r for r in self.checks(starts=starts) if r["fund"] in FUNDS + (None,) and r["measure"] in MEASURES
                and (r["fund"], r["measure"]) not in CRITERIA_LEFT_OUT]
        e = np.array([r["relative_error"] for r in rows], dtype=float)
        worst = max(rows, key=lambda r: abs(r["relative_error"])) if rows else None
        mae = float(np.mean(np.abs(e))) if e.size else float("nan")
        mx = float(np.max(np.abs(e))) if e.size else float("nan")
        return {"starts": starts, "n": int(e.size), "mean_abs_error": mae, "max_abs_error": mx,
                "limit_max_abs_error": CRITERIA["max_abs_error"], "limit_mean_abs_error": CRITERIA["mean_abs_error"],
                "met": bool(e.size and mx <= CRITERIA["max_abs_error"] and mae <= CRITERIA["mean_abs_error"]),
                "worst": None if worst is None else {k: worst[k] for k in ("start", "year", "fund", "measure", "relative_error")}}

    def to_json(self) -> dict:
        return {"scenario": self.scenario, "starts": list(self.starts), "end": self.end, "paths": self.paths,
                "seed": self.seed, "deterministic": self.paths == 1,
                "assumption_set": "central" if self.paths == 1 else None, "national_history": self.national,
                "epidemic_years": list(EPIDEMIC_YEARS), "feed_members": self.feed_members,
                "rows": self.rows, "summary": self.summary(), "criteria": self.criteria(),
                "omitted": self.omitted,
                "assumptions": {"common": self.common_notes, **{str(s): self.runs[s].notes for s in self.starts}}}

    def format(self) -> str:
        return format_backtest(self)

    def markdown(self) -> str:
        return markdown_tables(self)


def _run_start(ctx: _Context, S: int, end: int, *, feed_members: bool, threads=None) -> StartRun:
    from ..api import prepare, run_compiled

    data, notes = ctx.start_data(S, end)
    if feed_members:
        notes.append(_feed_members(ctx, data, S, end))
    aset = "central" if ctx.paths == 1 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, comp = prepare(data, assumption_set=aset)
        ds = run_compiled(loaded, comp, threads=threads)
    return StartRun(S, loaded, ds, notes)


def _feed_members(ctx: _Context, data: dict, S: int, end: int) -> str:
    """Diagnostic: ``membership.working_coverage_trend`` fitted so that modelled active members
    (mid-year) match the reported ones in every year after ``S``; returns the note."""
    from ..api import run

    H = ctx.history
    target = {}
    for y in range(S + 1, end + 1):
        a, b = H.get(y, "members.active"), H.get(y - 1, "members.active")
        if a and b:
            target[y] = (a.value + b.value) / 2
    trend = {S: 1.0}
    for _ in range(5):
        data.setdefault("membership", {})["working_coverage_trend"] = {
            "value": _round(trend, 8), "source": "back-test diagnostic: fitted so that modelled active members match the reported year-end averages"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = run(copy.deepcopy(data), paths=1, assumption_set="central")
        act = (ds["employees"] + ds["flexible"]).isel(path=0)
        worst = 0.0
        for y, t in target.items():
            got = float(act.sel(year=y))
            worst = max(worst, abs(got / t - 1))
            trend[y] = trend.get(y, 1.0) * t / got
        if worst < 1e-6:
            break
    return ("membership fed (diagnostic): working coverage multiplied by "
            + ", ".join(f"{y} {v:.4f}" for y, v in sorted(trend.items()) if y > S) + " so that active members match the reported ones")


def backtest(scenario=None, starts=None, end: int | None = None, *, paths: int = 1, seed: int = 20240101,
             feed_members: bool = False, history: History | None = None, overrides=(), threads=None) -> Backtest:
    """Back-test ``scenario`` (default the built-in ``baseline``, with the national history) from
    every start year in ``starts`` (default: every reported year the history can start from)
    to ``end`` (default: the latest reported year); see the module docstring.

    ``feed_members=True`` is a diagnostic: it also feeds the reported active members (a
    working-coverage trend fitted year by year), which separates the membership error from the
    error per member.  ``history`` replaces the scenario's reported history; ``overrides``
    (``"key.path=value"``, as ``--set``) change the scenario for every start (a sensitivity: the
    built-in baseline with overrides keeps the national history).
    """
    paths = int(paths)
    if paths < 1:
        raise BacktestError(f"paths must be at least 1, got {paths}")
    ctx = _Context("baseline" if scenario is None else scenario, history, paths=paths, seed=seed, overrides=overrides)
    latest = ctx.latest_year()
    end = latest if end is None else int(end)
    if end > latest:
        raise BacktestError(f"the end year {end} is after the latest reported year {latest}")
    ok = ctx.startable(end)
    if starts is None or len(starts) == 0:
        starts = ok
        if not starts:
            why = {S: ctx.missing_for_start(S) for S in ctx.history.years() if S < end}
            raise BacktestError("no reported year before " f"{end} has what a start needs: "
                                + "; ".join(f"{S}: lacks {', '.join(m)}" for S, m in why.items()) if why else
                                f"the reported history has no year before {end} to start from")
    starts = sorted({int(s) for s in starts})
    for S in starts:
        if S >= end:
            raise BacktestError(f"start year {S} must be before the end year {end}")
        miss = ctx.missing_for_start(S)
        if miss:
            raise BacktestError(f"the model cannot start from {S}: the reported history lacks {', '.join(miss)}"
                                + (" (recalled figures are not used as reported truth)" if ctx.history.recalled() else "")
                                + (f"; start years the history supports: {', '.join(map(str, ok))}" if ok else ""))
    runs = {S: _run_start(ctx, S, end, feed_members=feed_members, threads=threads) for S in starts}
    rows = []
    fitted_to = dict(ctx.scn.reported.fitted)
    for S in starts:
        ds = runs[S].results
        for y, fund, measure, rep, basis, source in comparisons(ctx.history, S, end):
            key = ("maternity" if measure == "maternity" else f"members.{_MEMBER_KEY[measure]}" if fund is None
                   else f"{fund}.{measure}")
            fitted_by = "the base-year calibration" if y == S else fitted_to.get(key, fitted_to.get(f"{key}@{y}"))
            vals = _modelled(ds, fund, measure).sel(year=y).values.astype(float)
            med = float(np.median(vals))
            row = {"start": S, "year": y, "horizon": y - S, "fund": fund, "measure": measure, "reported": float(rep),
                   "modelled": med, "relative_error": float(med / rep - 1) if rep else float("nan"), "basis": basis,
                   "fitted": fitted_by is not None, "fitted_by": fitted_by, "epidemic_year": y in EPIDEMIC_YEARS,
                   "source": source}
            if paths > 1:
                lo, hi = float(np.quantile(vals, 0.05)), float(np.quantile(vals, 0.95))
                row.update(low=lo, high=hi, inside_band=bool(lo <= rep <= hi))
            rows.append(row)
    omitted = [{"year": y, "key": k, "value": f.value, "source": f.source, "basis": f.basis} for y, k, f in ctx.history.recalled()
               if min(starts) - 1 <= y <= end]
    common = [
        f"{'deterministic: the central assumption set' if paths == 1 else f'{paths} paths, seed {seed}: the median and the 5-95% band'}; "
        "no random epidemics; nothing is refitted per start year (the scenario's own parameters)",
        "the base year's flows and members are fitted (calibration), so horizon-0 rows are shown but are not checks",
        *([("fitted to the reported history by the scenario itself (reported.fitted), shown as fitted, not checks: "
            + "; ".join(f"{k} ({v})" for k, v in fitted_to.items()))] if fitted_to else []),
        "members: the modelled mid-year count against the mean of the reported year-end counts of t-1 and t",
        f"epidemic years {', '.join(map(str, EPIDEMIC_YEARS))} are marked (*): their care use (NHSA gross inpatient cost per enrollee "
        "against the 2019-2023 path, simulator.care_use) is fed as realised excess cost growth; the rest of the epidemic (relief "
        "beyond 2020's, deferred enrolment) is not modelled",
        "not fed (the scenario's own assumptions): excess medical cost growth, interest, disease trends, cost curves, coverage and "
        "flexible-worker shares, contribution rates (but for the 2020 relief), the DRG/DIP budget parameters",
    ]
    if ctx.national:
        common.insert(0, "history: the national data (simulator.backtest.national_history; NHSA bulletins, quick reports and 医保数智库 series, "
                         "recalled figures left out, derivations flagged in each row's basis)")
    return Backtest(ctx.scn.name, starts, end, paths, int(seed), rows, runs, ctx.history, ctx.national, common, omitted, feed_members)


# ----------------------------------------------------------------------------- text output


def json_safe(obj):
    """``obj`` with every non-finite float replaced by None (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str) else k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _pct(x) -> str:
    return "" if x is None or not math.isfinite(x) else f"{100 * x:+.1f}%"


def _groups(bt: Backtest) -> list:
    have = {(r["fund"], r["measure"]) for r in bt.rows}
    out = []
    for fund in FUNDS + AGGREGATES:
        for m in FLOWS + ("maternity",):
            if (fund, m) in have:
                out.append((fund, m))
    for m in MEMBER_MEASURES:
        if (None, m) in have:
            out.append((None, m))
    return out


def format_backtest(bt: Backtest) -> str:
    """The back-test as text: per fund, flow and member group the error at each year from each
    start, then the mean absolute error and bias by horizon."""
    years = list(range(min(bt.starts), bt.end + 1))
    head = (f"Back-test of '{bt.scenario}': started from each reported year {', '.join(map(str, bt.starts))} and projected to {bt.end}; "
            + ("deterministic (central assumption set)" if bt.paths == 1 else f"{bt.paths} paths, seed {bt.seed}: the median"))
    lines = [head, "error = modelled / reported - 1; 'fit' = the base year (calibrated, not a check); * = epidemic year; "
             "d = derived or quick-report figure; f = fitted to it by the scenario (reported.fitted), not a check; blank = not reported", ""]
    ycols = "".join(f"{str(y) + ('*' if y in EPIDEMIC_YEARS else ''):>9}" for y in years)
    hmax = bt.end - min(bt.starts)
    summ = {(s["fund"], s["measure"], s["horizon"]): s for s in bt.summary()}
    for fund, m in _groups(bt):
        label = f"{_LABEL[fund]}: {m}" if fund is not None else f"members (mid-year): {m}"
        lines.append(label)
        lines.append(f"{'start':<8}{ycols}")
        for S in bt.starts:
            cells = []
            rowd = {r["year"]: r for r in bt.rows if r["start"] == S and r["fund"] == fund and r["measure"] == m}
            for y in years:
                r = rowd.get(y)
                if r is None:
                    cells.append(f"{'':>9}")
                elif r["fitted"] and r["horizon"] == 0:
                    cells.append(f"{'fit':>9}")
                else:
                    flag = ("d" if r["basis"] in ("derived", "quick report") else "") + ("f" if r["fitted"] else "")
                    cells.append(f"{_pct(r['relative_error']) + flag:>9}")
            lines.append(f"{S:<8}" + "".join(cells))
        parts_mae, parts_bias = [], []
        for h in range(1, hmax + 1):
            s = summ.get((fund, m, h))
            if s:
                parts_mae.append(f"h{h} {100 * s['mean_abs_error']:.1f}% (n={s['n']})")
                parts_bias.append(f"h{h} {100 * s['bias']:+.1f}%")
        s = summ.get((fund, m, "all"))
        if s:
            lines.append(f"  MAE  {'  '.join(parts_mae)}   all {100 * s['mean_abs_error']:.1f}% (n={s['n']})")
            lines.append(f"  bias {'  '.join(parts_bias)}   all {100 * s['bias']:+.1f}%")
        lines.append("")
    c = bt.criteria()
    if c["n"]:
        w = c["worst"]
        lines.append(f"Acceptance (starts {', '.join(map(str, c['starts']))}; the three funds' flows and balances and the member counts, "
                     f"{c['n']} rows): mean absolute error {100 * c['mean_abs_error']:.1f}% (limit {100 * c['limit_mean_abs_error']:.1f}%), "
                     f"largest {100 * c['max_abs_error']:.1f}% (limit {100 * c['limit_max_abs_error']:.0f}%: {_LABEL[w['fund']]} {w['measure']} "
                     f"{w['year']} from {w['start']}): {'met' if c['met'] else 'NOT met'}")
        lines.append("")
    if bt.omitted:
        lines.append("Not used as reported truth (recalled figures): "
                     + "; ".join(f"{o['year']} {o['key']}" for o in bt.omitted))
        lines.append("")
    lines.append("Assumptions:")
    lines += [f"- {n}" for n in bt.common_notes]
    for S in bt.starts:
        lines.append(f"- start {S}:")
        lines += [f"  - {n}" for n in bt.runs[S].notes]
    return "\n".join(lines)


def markdown_tables(bt: Backtest, *, groups=None) -> str:
    """The error matrices (start x year) and the MAE/bias by horizon as markdown (docs)."""
    years = list(range(min(bt.starts), bt.end + 1))
    hmax = bt.end - min(bt.starts)
    summ = {(s["fund"], s["measure"], s["horizon"]): s for s in bt.summary()}
    out = []
    for fund, m in (groups or _groups(bt)):
        label = f"{_LABEL[fund]}: {m}" if fund is not None else f"members (mid-year): {m}"
        out.append(f"**{label}**")
        out.append("")
        star = "\\*"  # an epidemic year (escaped for Markdown)
        out.append("| start | " + " | ".join(f"{y}{star if y in EPIDEMIC_YEARS else ''}" for y in years) + " |")
        out.append("| ---: | " + " | ".join("---:" for _ in years) + " |")
        for S in bt.starts:
            rowd = {r["year"]: r for r in bt.rows if r["start"] == S and r["fund"] == fund and r["measure"] == m}
            cells = []
            for y in years:
                r = rowd.get(y)
                cells.append("" if r is None else "fit" if r["fitted"] and r["horizon"] == 0 else
                             _pct(r["relative_error"]) + (" d" if r["basis"] in ("derived", "quick report") else "")
                             + (" f" if r["fitted"] else ""))
            out.append(f"| {S} | " + " | ".join(cells) + " |")
        mae = [f"h{h}: {100 * summ[(fund, m, h)]['mean_abs_error']:.1f}% / {100 * summ[(fund, m, h)]['bias']:+.1f}%"
               for h in range(1, hmax + 1) if (fund, m, h) in summ]
        if (fund, m, "all") in summ:
            s = summ[(fund, m, "all")]
            out.append("")
            out.append(f"MAE / bias by horizon: {'; '.join(mae)}; all horizons {100 * s['mean_abs_error']:.1f}% / {100 * s['bias']:+.1f}% (n = {s['n']})")
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- where the errors come from


def _gross_employee(ds, loaded, year) -> float:
    """The model's gross cost of the employee scheme in ``year``: fund-paid medical expenditure by
    line divided by the effective reimbursement ratio (see :mod:`simulator.plot_history`)."""
    from ..plot_history import _effective_rr

    i = list(ds["year"].values).index(year)
    tot = 0.0
    for line in ("inpatient", "outpatient", "chronic_outpatient"):
        med = float(ds["medical_expenditure"].sel(scheme="employee", line=line, year=year).median())
        tot += med / _effective_rr(loaded, ds, "employee", line)[i]
    return tot


def diagnose(scenario=None, start: int = 2021, end: int | None = None, *, overrides=()) -> dict:
    """Where the employee pooled fund's expenditure error at ``end`` from ``start`` comes from,
    in points of the reported expenditure (the causes of issue 15), measured on the back-test's
    rows and on diagnostic runs; national history only (the gross cost by line is national):

    ``membership``   the change of the error when the reported active members are fed;
    ``maternity``    the modelled minus the reported maternity spending;
    ``accounts``     minus the accounts' expenditure error (pool = scheme - accounts);
    ``lines``        per service line, the model's growth of gross cost per member against the
                     NHSA 医保数智库 series, times the line's fund-paid spending;
    ``split_level``  the start year's gross-cost level against the scenario's own base year (where
                     the split is reported): what a derived start-year split leaves out of the pool;
    ``residual``     the rest (interactions, leakage, the DIP budget).
    """
    from ..api import run
    from ..data import history
    from ..plot_history import _cost_per_member_modelled, _cost_per_member_reported

    base = backtest(scenario, [start], end, overrides=overrides)
    if not base.national:
        raise BacktestError("diagnose needs the national history (the gross cost by line is national)")
    fed = backtest(scenario, [start], end, overrides=overrides, feed_members=True)
    E = base.end

    def row(bt, fund, measure, year=E):
        for r in bt.rows:
            if r["start"] == start and r["year"] == year and r["fund"] == fund and r["measure"] == measure:
                return r
        return None

    pool = row(base, "employee_pooled", "expenditure")
    if pool is None:
        raise BacktestError(f"the employee pooled fund's expenditure of {E} is not reported")
    rep = pool["reported"]
    out = {"start": start, "end": E, "error": pool["relative_error"], "parts": {}}
    parts = out["parts"]
    f = row(fed, "employee_pooled", "expenditure")
    parts["membership"] = pool["relative_error"] - f["relative_error"]
    mat = row(base, "employee_pooled", "maternity")
    if mat is not None:
        parts["maternity"] = (mat["modelled"] - mat["reported"]) / rep
    acc = row(base, "employee_accounts", "expenditure")
    if acc is not None:
        parts["accounts"] = -(acc["modelled"] - acc["reported"]) / rep
    run0 = base.runs[start]
    ds = run0.results
    lines = {}
    for line, bline in (("inpatient", "inpatient"), ("outpatient", "general_outpatient"),
                        ("chronic_outpatient", "chronic_special_outpatient")):
        r = _cost_per_member_reported("employee", bline)
        ys, vs = _cost_per_member_modelled(run0, "employee", line)
        if start not in r or E not in r:
            continue
        g_rep, g_mod = r[E][0] / r[start][0] - 1, vs[-1] / vs[0] - 1
        M = float(ds["medical_expenditure"].sel(scheme="employee", line=line, year=E).median())
        lines[line] = {"reported_growth": g_rep, "modelled_growth": g_mod,
                       "points": M / rep * (1 - (1 + g_rep) / (1 + g_mod))}
    out["lines"] = lines
    parts["lines"] = sum(v["points"] for v in lines.values())
    # the gross-cost level of the start year against the scenario's own base year
    gross_rep = history.benefits("employee", "all", "total_cost")
    own = _Context("baseline" if scenario is None else scenario, None, paths=1, seed=base.seed, overrides=overrides).loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds_b = run(own, paths=1, horizon=1, assumption_set="central")
    B = int(ds_b.attrs["base_year"])
    gap_s = _gross_employee(ds, run0.scenario, start) / gross_rep[start] - 1
    gap_b = _gross_employee(ds_b, own, B) / gross_rep[B] - 1
    medical_end = pool["modelled"] - (mat["modelled"] if mat else 0.0)
    out["gross_level"] = {"start_gap": gap_s, "base_gap": gap_b, "base_year": B}
    parts["split_level"] = -medical_end / rep * ((1 + gap_b) / (1 + gap_s) - 1) if start < 2023 else 0.0
    parts["residual"] = out["error"] - sum(parts.values())
    inc, inc_fed = row(base, "employee_scheme", "income"), row(fed, "employee_scheme", "income")
    out["employee_scheme_income"] = {"error": inc["relative_error"], "with_members_fed": inc_fed["relative_error"]}
    return out


def format_diagnosis(d: dict) -> str:
    """:func:`diagnose` as text."""
    names = {"split_level": "the start year's pool/account split (level)", "accounts": "the accounts' expenditure",
             "lines": "service lines (gross cost per member)", "membership": "membership (actives fed)",
             "maternity": "maternity", "residual": "the rest (DIP budget, leakage, interactions)"}
    g = d["gross_level"]
    lines = [f"Where the employee pooled fund's expenditure error in {d['end']} from {d['start']} comes from "
             f"(points of the reported expenditure): {100 * d['error']:+.1f}"]
    for k in ("split_level", "accounts", "lines", "membership", "maternity", "residual"):
        if k in d["parts"]:
            lines.append(f"  {names[k]:<48}{100 * d['parts'][k]:+7.1f}")
    lines.append(f"  model gross cost per employee-scheme member against the NHSA series: {100 * g['start_gap']:+.1f}% in {d['start']}, "
                 f"{100 * g['base_gap']:+.1f}% in the scenario's base year {g['base_year']}")
    for line, v in d["lines"].items():
        lines.append(f"  {line}: gross cost per member {100 * v['modelled_growth']:+.1f}% modelled, {100 * v['reported_growth']:+.1f}% reported")
    inc = d["employee_scheme_income"]
    lines.append(f"  employee scheme income {100 * inc['error']:+.1f}%, with the reported actives fed {100 * inc['with_members_fed']:+.1f}%")
    return "\n".join(lines)
