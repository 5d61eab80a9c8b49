"""The back-test as text (:func:`format_backtest`), as markdown tables (:func:`markdown_tables`)
and as strict JSON (:func:`json_safe`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .history import AGGREGATES, EPIDEMIC_YEARS, FLOWS, FUNDS, _LABEL, MEMBER_MEASURES

if TYPE_CHECKING:
    from .run import Backtest


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
