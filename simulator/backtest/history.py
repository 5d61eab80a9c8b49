"""What was reported: :class:`Figure` and :class:`History`, the national history built from the
package data (:func:`national_history`, through :class:`_National`), and the back-test's names
(funds, flows, member groups, the epidemic years) and its error :class:`BacktestError`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import EXIT_BAD_INPUT, SimulatorError


class BacktestError(SimulatorError):
    """A back-test the scenario's reported history cannot support (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


FUNDS = ("employee_pooled", "employee_accounts", "resident")
AGGREGATES = ("employee_scheme", "pooled_funds")
FLOWS = ("income", "expenditure", "balance")
MEMBER_MEASURES = ("actives", "retirees", "residents")
MEASURES = FLOWS + MEMBER_MEASURES
_MEMBER_KEY = {"actives": "active", "retirees": "retirees", "residents": "residents"}
#: the COVID-19 years (specification section 11: starts before 2021 are shown with them marked)
EPIDEMIC_YEARS = (2020, 2021, 2022)
LATEST_REPORTED_YEAR = 2024
#: start years the national data support (2017 lacks every fund flow but recalled ones)
NATIONAL_START_YEARS = (2018, 2019, 2020, 2021, 2022, 2023)
BASES = ("bulletin", "official", "quick report", "derived", "reported", "recall")

_LABEL = {"employee_pooled": "employee pooled fund", "employee_accounts": "individual accounts",
          "resident": "resident fund", "employee_scheme": "employee scheme (pool + accounts)",
          "pooled_funds": "both pooled funds", None: "members (mid-year)"}


# ----------------------------------------------------------------------------- reported figures


@dataclass(frozen=True)
class Figure:
    """One reported figure: its value (yuan, persons), source text and basis."""

    value: float
    source: str = ""
    basis: str = "reported"

    @property
    def truth(self) -> bool:
        """Whether the figure may serve as reported truth (a start value or a check)."""
        return self.basis != "recall" and math.isfinite(self.value)


def figure_basis(source: str | None, note: str | None = None) -> str:
    """The basis of a figure from its note and source: ``recall`` when either says "recall"
    (``unverified (recall)``), else the note's leading word (``bulletin``, ``official``,
    ``quick report``, ``derived``), else ``derived`` for a text that says derived or assumption,
    ``quick report`` for 快报, ``bulletin`` for 公报, and ``reported`` otherwise."""
    note_l, src_l = (note or "").strip().lower(), (source or "").strip().lower()
    text = note_l + " " + src_l
    if "recall" in text:
        return "recall"
    for b in BASES:
        if note_l.startswith(b):
            return b
    if src_l.startswith(("derived", "assumption")) or "(derived)" in text:
        return "derived"
    if "quick report" in text or "快报" in text:
        return "quick report"
    if "bulletin" in text or "公报" in text:
        return "bulletin"
    return "reported"


_SECTIONS = ("employee_pooled", "employee_accounts", "employee_scheme", "resident", "pooled_funds")


class History:
    """Reported figures by year: ``get(year, "resident.income")``, ``get(year, "members.active")``,
    ``get(year, "maternity")``; recalled figures are kept (shown as omitted) but ``get`` returns
    only figures that may serve as truth."""

    def __init__(self, figures: dict):
        self.figures = {int(y): dict(v) for y, v in sorted(figures.items())}

    @classmethod
    def from_mapping(cls, mapping) -> "History":
        """From ``reported.history`` (a dict of plain values, ``{value, source, note}`` mappings or
        the schema's ``HistoryYear`` objects)."""
        out = {}
        for y, year in (mapping or {}).items():
            d = {}
            for sec in _SECTIONS + ("members",):
                block = _attr(year, sec)
                if block is None:
                    continue
                keys = ("active", "retirees", "residents") if sec == "members" else FLOWS
                for k in keys:
                    f = _figure(_attr(block, k))
                    if f is not None:
                        d[f"{sec}.{k}"] = f
            f = _figure(_attr(year, "maternity"))
            if f is not None:
                d["maternity"] = f
            out[int(y)] = d
        return cls(out)

    def years(self) -> list:
        return sorted(y for y, d in self.figures.items() if d)

    def get(self, year: int, key: str) -> Figure | None:
        f = self.figures.get(int(year), {}).get(key)
        return f if f is not None and f.truth else None

    def recalled(self) -> list:
        """``(year, key, figure)`` of every figure that is not truth."""
        return [(y, k, f) for y, d in self.figures.items() for k, f in d.items() if not f.truth]

    def to_mapping(self) -> dict:
        """The ``reported.history`` mapping (``{value, source, note}`` leaves)."""
        out = {}
        for y, d in self.figures.items():
            yd = {}
            for k, f in d.items():
                node = {"value": float(f.value), "source": f.source or "?", "note": f.basis}
                if "." in k:
                    sec, m = k.split(".")
                    yd.setdefault(sec, {})[m] = node
                else:
                    yd[k] = node
            out[y] = yd
        return out


def _attr(obj, name):
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _figure(raw) -> Figure | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return Figure(float(raw), "", "reported")
    if isinstance(raw, dict):
        v = raw.get("value")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        return Figure(float(v), str(raw.get("source") or ""), figure_basis(raw.get("source"), raw.get("note")))
    central = getattr(raw, "central", None)  # a schema Param
    if isinstance(central, (int, float)):
        src = getattr(raw, "source", None) or ""
        return Figure(float(central), src, figure_basis(src, getattr(raw, "note", None)))
    return None


# ----------------------------------------------------------------------------- national history


def _yi(x: float) -> str:
    """yuan -> '12,345.67' in 100 million yuan (亿元), as the bulletins print them."""
    return f"{x / 1e8:,.2f}"


def _wan(x: float) -> str:
    return f"{x / 1e4:,.1f}"


_BASIS_FROM_NATIONAL = {"bulletin": "bulletin", "bulletin_derived": "derived", "official": "official",
                        "official_rounded": "official", "quick_report": "quick report", "derived": "derived",
                        "recall": "recall"}


def _short(source: str) -> str:
    s = (source or "?").split(" https://")[0].split(" http://")[0]
    return s if len(s) <= 160 else s[:157] + "..."


class _National:
    """The national data (china_fund_flows.csv through simulator.data.national and
    china_history.csv through simulator.data.history), recalled rows left out."""

    def __init__(self):
        from ..data import history
        from ..data.national import load_national, row_basis

        self.nat = load_national(include_recall=False)
        self.hist = history
        self.row_basis = row_basis

    def n(self, year, series) -> Figure | None:
        from ..data.national import figure

        f = figure(self.nat, year, series, allow_recall=False)
        if f is None:
            return None
        return Figure(f[0], _short(f[2]), _BASIS_FROM_NATIONAL.get(f[1], "official"))

    def h(self, year, series) -> Figure | None:
        try:
            r = self.hist.primary_row(series, int(year))
        except KeyError:
            return None
        if r["verified"] == "unverified (recall)":
            return None
        basis = "derived" if r["verified"] == "derived" else _BASIS_FROM_NATIONAL.get(self.row_basis(r), "official")
        return Figure(float(r["value"]), _short(r["source"]) if basis != "derived" else f"derived: {r['note']}; {_short(r['source'])}", basis)

    def benefit(self, year, scheme, line, measure) -> Figure | None:
        v = self.hist.benefits(scheme, line, measure).get(int(year))
        if v is None:
            return None
        return Figure(float(v), "NHSA 医保数智库《2012年-2025年医保待遇享受相关数据》 (simulator/data/china_benefits_by_line.csv)", "official")


def _derived(value, text) -> Figure:
    return Figure(float(value), text, "derived")


def national_history(first: int = 2017, last: int = LATEST_REPORTED_YEAR) -> History:
    """The national reported history 2017-2024 from the package data, one :class:`Figure` per
    reported quantity with its source and basis; recalled rows are left out, and figures that the
    bulletins do not give are derived from the ones they do (basis ``derived``, the method in the
    source text).  See ``docs/validation.md`` for the table of what each year holds."""
    D = _National()
    out = {}
    for y in range(first, last + 1):
        d = {}

        def put(key, f):
            if f is not None and f.truth:
                d[key] = f

        # ---- employee scheme totals (incl. maternity from 2019)
        inc = D.n(y, "uebmi_incl_maternity.income") or D.h(y, "uebmi_fund_income")
        exp = D.n(y, "uebmi_incl_maternity.expenditure") or D.h(y, "uebmi_fund_expenditure")
        if y == 2018:  # before the maternity merger: the quick report's totals plus the maternity fund
            inc0, exp0 = D.h(y, "uebmi_fund_income_excl_maternity"), D.h(y, "uebmi_fund_expenditure_excl_maternity")
            mat = D.benefit(y, "total", "maternity", "fund_payment")
            if inc0 and exp0 and mat:
                inc = _derived(inc0.value + mat.value,
                               f"derived: 2018 quick report employee scheme income {_yi(inc0.value)} (before the 2019 merger) plus the maternity "
                               f"fund's income, taken equal to its expenditure {_yi(mat.value)} (医保数智库; the maternity fund's income is not in "
                               "the project's data: assumption)")
                exp = _derived(exp0.value + mat.value,
                               f"derived: 2018 quick report employee scheme expenditure {_yi(exp0.value)} plus maternity benefits {_yi(mat.value)} (医保数智库)")
        put("employee_scheme.income", inc)
        put("employee_scheme.expenditure", exp)
        # ---- pool / account split (bulletins from 2023)
        for fund, series in (("employee_pooled", "uebmi_pool_incl_maternity"), ("employee_accounts", "uebmi_individual_account")):
            for m in ("income", "expenditure"):
                put(f"{fund}.{m}", D.n(y, f"{series}.{m}"))
        # ---- resident fund
        r_inc, r_exp = D.n(y, "urrbmi.income"), D.n(y, "urrbmi.expenditure")
        if y == 2018:
            ni, ne = D.n(y, "nrcms.income"), D.n(y, "nrcms.expenditure")
            if r_inc and ni and r_exp and ne:  # URRBMI proper plus the residual NRCMS, as the members (long series)
                r_inc = _derived(r_inc.value + ni.value, f"derived: 2018 quick report URRBMI income {_yi(r_inc.value)} plus the residual NRCMS {_yi(ni.value)} "
                                                         "(the members of 2018 include the NRCMS, as from 2019)")
                r_exp = _derived(r_exp.value + ne.value, f"derived: 2018 quick report URRBMI expenditure {_yi(r_exp.value)} plus the residual NRCMS {_yi(ne.value)}")
        if y == 2019 and (r_inc is None or r_exp is None):
            ti, te = D.n(y, "total_bmi_incl_maternity.income"), D.n(y, "total_bmi_incl_maternity.expenditure")
            if ti and te and inc and exp:
                r_inc = _derived(ti.value - inc.value, f"derived: 2019 bulletin total fund income {_yi(ti.value)} minus the employee scheme's {_yi(inc.value)} (derived)")
                r_exp = _derived(te.value - exp.value, f"derived: 2019 bulletin total fund expenditure {_yi(te.value)} minus the employee scheme's {_yi(exp.value)} (derived)")
        put("resident.income", r_inc)
        put("resident.expenditure", r_exp)
        # ---- balances
        put("resident.balance", D.n(y, "urrbmi.cumulative_balance"))
        put("employee_accounts.balance", D.h(y, "uebmi_account_cumulative_balance") or D.n(y, "uebmi_individual_account.cumulative_balance"))
        put("employee_pooled.balance", D.n(y, "uebmi_pool_incl_maternity.cumulative_balance"))
        pooled = D.n(y, "pooled_funds_all.cumulative_balance")
        put("pooled_funds.balance", pooled)
        # ---- members (year end)
        put("members.active", D.h(y, "uebmi_insured_active"))
        put("members.retirees", D.h(y, "uebmi_insured_retiree"))
        res = D.h(y, "urrbmi_insured")
        if y == 2018:  # URRBMI proper excludes the residual NRCMS; the long series (as 2019 on) includes it
            res = D.n(y, "urrbmi.insured_longseries")
        if y >= 2018:  # 2017 and before exclude the un-integrated NRCMS: not comparable
            put("members.residents", res)
        put("maternity", D.benefit(y, "total", "maternity", "fund_payment"))
        out[y] = d
    # ---- balances the bulletins give only in sums or differences
    H = out
    for y in range(first, last + 1):
        d = H[y]
        prev = H.get(y - 1, {})
        if "employee_accounts.balance" not in d and "employee_accounts.balance" in prev and \
                "employee_accounts.income" in d and "employee_accounts.expenditure" in d:
            b0 = prev["employee_accounts.balance"].value
            cur = d["employee_accounts.income"].value - d["employee_accounts.expenditure"].value
            d["employee_accounts.balance"] = _derived(b0 + cur, f"derived: {y - 1} account balance {_yi(b0)} plus the {y} bulletin's income minus "
                                                                f"expenditure {_yi(cur)}")
    # the resident balance before 2020 from the 2020 quick report's balance and the flows
    for y in (2019, 2018):
        d, nxt = H.get(y), H.get(y + 1)
        if d is None or nxt is None or "resident.balance" in d:
            continue
        if all(k in nxt for k in ("resident.balance", "resident.income", "resident.expenditure")):
            b = nxt["resident.balance"].value - (nxt["resident.income"].value - nxt["resident.expenditure"].value)
            d["resident.balance"] = _derived(b, f"derived: the resident fund's {y + 1} balance {_yi(nxt['resident.balance'].value)} minus its {y + 1} income "
                                                f"minus expenditure ({nxt['resident.balance'].basis}, {nxt['resident.income'].basis})")
    for y in range(first, last + 1):
        d = H[y]
        tot = D.n(y, "total_bmi_incl_maternity.cumulative_balance") or D.n(y, "total_bmi.cumulative_balance")
        if "pooled_funds.balance" not in d and tot and "employee_accounts.balance" in d:
            a = d["employee_accounts.balance"]
            d["pooled_funds.balance"] = _derived(tot.value - a.value, f"derived: {y} total accumulated balance {_yi(tot.value)} ({tot.basis}) minus the "
                                                                      f"individual accounts' {_yi(a.value)}")
        if "employee_pooled.balance" not in d and "pooled_funds.balance" in d and "resident.balance" in d:
            p, r = d["pooled_funds.balance"], d["resident.balance"]
            d["employee_pooled.balance"] = _derived(p.value - r.value, f"derived: {y} balance of both pooled funds {_yi(p.value)} ({p.basis}) minus the "
                                                                        f"resident fund's {_yi(r.value)} ({r.basis})")
    # recalled figures (not found in stored material) are kept, flagged, where nothing else exists:
    # they are listed as omitted and never used as reported truth
    from ..data.national import figure, load_national
    nat_all = load_national(include_recall=True)
    for y in range(first, last + 1):
        for key, names in _RECALL_SERIES.items():
            for series in names:
                f = figure(nat_all, y, series)
                if key not in H[y] and f is not None and f[1] == "recall":
                    H[y][key] = Figure(f[0], f"{series}: {_short(f[2])}", "recall")
    return History(out)


#: where the national data's recalled rows would fill a gap: history key -> series of china_fund_flows.csv
_RECALL_SERIES = {
    "employee_scheme.income": ("uebmi_incl_maternity.income", "uebmi.income"),
    "employee_scheme.expenditure": ("uebmi_incl_maternity.expenditure", "uebmi.expenditure"),
    "employee_pooled.balance": ("uebmi_pool_incl_maternity.cumulative_balance",),
    "employee_accounts.balance": ("uebmi_individual_account.cumulative_balance",),
    "resident.income": ("urrbmi.income", "urbmi_or_integrated_urrbmi.income"),
    "resident.expenditure": ("urrbmi.expenditure", "urbmi_or_integrated_urrbmi.expenditure"),
    "resident.balance": ("urrbmi.cumulative_balance",),
    "members.active": ("uebmi.insured_active",), "members.retirees": ("uebmi.insured_retiree",),
}
