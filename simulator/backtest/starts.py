"""The start scenarios: :class:`_Context` (what every start shares: the scenario, its history, the
national data), whether the model can start from a year, the reported blocks of a start's base and
previous year, and the pool/account split derived where the bulletins give only the totals."""

from __future__ import annotations

import copy
import functools
import warnings

from .history import FLOWS, FUNDS, _LABEL, BacktestError, Figure, History, _National, _derived, _yi, national_history
from .policy import LAST_BEFORE, REFORM_DONE, policy_history


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


#: the keys a variant must keep from the baseline to stay national
_NATIONAL_KEYS = ("population", "region", "population_basis", "base_year", "reported")


@functools.lru_cache(maxsize=1)
def _baseline_identity() -> tuple:
    """The baseline's file and its values of :data:`_NATIONAL_KEYS`, parsed once per process (the
    fits call the back-test many times); read-only."""
    from ..scenario import load_scenario

    base = load_scenario("baseline")
    return base.chain[0], tuple(base.data.get(k) for k in _NATIONAL_KEYS)


def _is_national(loaded) -> bool:
    """Whether ``loaded`` is the national baseline or a variant of it: built on the baseline's file
    and keeping its population, region and reported figures (a city that extends the baseline
    writes its own, so it is not national)."""
    if loaded.origin == "baseline":
        return True
    base_file, base_values = _baseline_identity()
    if base_file not in loaded.chain:
        return False
    return all(loaded.data.get(k) == v for k, v in zip(_NATIONAL_KEYS, base_values))


class _Context:
    """What every start shares: the scenario, its history, the national data."""

    def __init__(self, scenario, history: History | None, *, paths: int, seed: int, overrides=()):
        from ..scenario import load_scenario

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.loaded = load_scenario(scenario, list(overrides))
        scn = self.loaded.scenario
        #: the national baseline (with any --set overrides), or a variant of it (``extends: baseline``
        #: or a stack on it) that keeps its national population, region and reported base-year
        #: figures: national populations and history
        self.national = not scn.reported.history and _is_national(self.loaded)
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
