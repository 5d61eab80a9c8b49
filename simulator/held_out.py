"""The baseline against reported figures it has never seen (the held-out year 2025).

The NHSA's 2025 bulletin (全国医疗保障事业发展统计公报, published 2026-07-16) came out after the
baseline's parameters were set on the 2018-2024 history. Its figures live apart from the history
the back-test and the fits read (``simulator/data/china_held_out.csv``), so no fit or calibration
can see them, and this module compares the scenario's central projection from its base year with
them: an out-of-sample check of the kind the back-test's in-sample starts cannot give.

Members are compared as in the back-test (specification section 4): the modelled mid-year count
against the mean of the reported year-end counts of ``t - 1`` (the history) and ``t`` (held out).
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_FILE = Path(__file__).parent / "data" / "china_held_out.csv"

#: (fund or None, measure) of a back-test row -> the held-out file's (fund, measure)
SERIES = {
    ("employee_pooled", "income"): ("uebmi_pool_incl_maternity", "income"),
    ("employee_pooled", "expenditure"): ("uebmi_pool_incl_maternity", "expenditure"),
    ("employee_accounts", "income"): ("uebmi_individual_account", "income"),
    ("employee_accounts", "expenditure"): ("uebmi_individual_account", "expenditure"),
    ("resident", "income"): ("urrbmi", "income"),
    ("resident", "expenditure"): ("urrbmi", "expenditure"),
    ("employee_scheme", "income"): ("uebmi_incl_maternity", "income"),
    ("employee_scheme", "expenditure"): ("uebmi_incl_maternity", "expenditure"),
    ("employee_pooled", "maternity"): ("maternity", "expenditure"),
    (None, "actives"): ("uebmi", "insured_active"),
    (None, "retirees"): ("uebmi", "insured_retiree"),
    (None, "residents"): ("urrbmi", "insured"),
}
_HISTORY_KEY = {"actives": "members.active", "retirees": "members.retirees", "residents": "members.residents"}


@dataclass(frozen=True)
class HeldOut:
    """The comparison: one dict per (fund, measure) with reported, modelled and relative_error."""

    scenario: str
    base_year: int
    year: int
    rows: list

    def format(self) -> str:
        from .backtest import _LABEL

        lines = [f"Held out: '{self.scenario}' from its base year {self.base_year} against the {self.year} bulletin "
                 "(published after the baseline was fitted; never used in a fit); deterministic, central assumption set",
                 f"{'fund':34s} {'measure':12s} {'reported':>12s} {'modelled':>12s} {'error':>8s}"]
        for r in self.rows:
            unit = 1e4 if r["measure"] in _HISTORY_KEY else 1e8
            lines.append(f"{_LABEL.get(r['fund'], r['fund']):34s} {r['measure']:12s} {r['reported'] / unit:12,.2f} "
                         f"{r['modelled'] / unit:12,.2f} {r['relative_error']:+8.1%}")
        errs = [abs(r["relative_error"]) for r in self.rows]
        lines.append(f"money in 100 million yuan, members in 10,000 persons (mid-year against the mean of the year-ends); "
                     f"mean absolute error {sum(errs) / len(errs):.1%}, largest {max(errs):.1%}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"scenario": self.scenario, "base_year": self.base_year, "year": self.year, "rows": self.rows}


def held_out_figures(path: Path = HELD_OUT_FILE) -> dict:
    """``{(year, fund, measure): (value in yuan or persons, source)}`` of the held-out file."""
    out = {}
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out[(int(r["year"]), r["fund"], r["measure"])] = (float(r["value_converted"]), r["source"])
    return out


def held_out(scenario="baseline", year: int = 2025, *, overrides=()) -> HeldOut:
    """Project ``scenario`` (central assumption set) to ``year`` and compare with the held-out figures."""
    from .api import run
    from .backtest import _modelled, national_history
    from .scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_scenario(scenario, list(overrides))
    base = loaded.scenario.base_year
    if year <= base:
        raise ValueError(f"the held-out year {year} is not after the scenario's base year {base}")
    figures = held_out_figures()
    history = national_history()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = run(loaded, assumption_set="central", paths=1, horizon=year - base)
    rows = []
    for (fund, measure), key in SERIES.items():
        fig = figures.get((year,) + key)
        if fig is None:
            continue
        reported, source = fig
        if measure in _HISTORY_KEY:
            before = history.get(year - 1, _HISTORY_KEY[measure])
            if before is None:
                continue
            reported = (before.value + reported) / 2
        modelled = float(_modelled(ds, fund, measure).sel(year=year).values.ravel()[0])
        rows.append({"year": year, "fund": fund, "measure": measure, "reported": reported, "modelled": modelled,
                     "relative_error": modelled / reported - 1, "source": source})
    return HeldOut(str(scenario), int(base), int(year), rows)
