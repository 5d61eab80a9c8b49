"""The sections of the report, one function each: the run, the summary tables, the figures, the
key assumptions, the calibration and the provenance."""

from __future__ import annotations

import json
import warnings

import numpy as np

from .. import plots
from ..labels import labeler
from ..plots import PlotInputError
from ..summary import BANDS
from .assumptions import key_assumptions
from .markup import _e, _figure_html, _num, _pct, _table, _year


def _flatten(d, prefix=""):
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def _section_run(ds, data, L) -> str:
    a = ds.attrs
    years = ds["year"].values
    rows = [
        (L("run.scenario"), a.get("scenario_name", "?")),
        (L("run.description"), str(data.get("description", "")).strip()),
        (L("run.region"), data.get("region", "")),
        (L("run.population_basis"), data.get("population_basis", "")),
        (L("run.years"), L("run.years_value", first=years[0], last=years[-1], h=len(years) - 1)),
        (L("run.paths"), _num(a.get("paths", ds.sizes.get("path")), L=L)),
        (L("run.seed"), a.get("seed", "?")),
        (L("run.assumption_set"), a.get("assumption_set", "stochastic")),
        (L("run.engine"), a.get("engine", "")),
        (L("run.precision"), a.get("precision", "double")),
        (L("run.version"), f"fundsim {a.get('software_version', '?')}"),
        (L("run.scenario_file"), a.get("scenario_origin", "")),
        (L("run.conventions"), a.get("conventions", "")),
    ]
    return _table(("", ""), [r for r in rows if str(r[1]) != ""])


def _summary_tables(ds, s, step, L=None) -> str:
    L = L or labeler("en")
    years = ds["year"].values
    show = [y for y in years if (y - years[0]) % step == 0]
    if years[-1] not in show:
        show.append(years[-1])
    band_names = [b[0] for b in BANDS]
    from ..named_sets import SET_ORDER, has_named_sets, named_exhaustion_year, named_reserve_months

    has_named = has_named_sets(ds)
    set_heads = [L(f"set.{k}") for k in SET_ORDER]
    out = [f'<p class="note">{_e(L("sum.note"))}</p>']
    if has_named:
        q = f"{float(ds.attrs.get('named_set_quantile', 0.9)):.0%}"
        out.append(f'<p class="note">{_e(L("sum.named_note", q=q))}</p>')
    for fund in s["fund"].values:
        fund = str(fund)
        out.append(f"<h3>{_e(L(f'sum.fund.{fund}') if f'sum.fund.{fund}' in _SUMMARY_FUNDS else fund)}</h3>")
        rows = []
        named = named_reserve_months(ds, fund) if has_named else None
        for y in show:
            qv = s["reserve_months_quantile"].sel(fund=fund, year=y)
            bp = s["band_probability"].sel(fund=fund, year=y)
            rows.append([int(y), f"{float(qv.sel(quantile=0.5)):.1f}",
                         f"[{float(qv.sel(quantile=0.05)):.1f}, {float(qv.sel(quantile=0.95)):.1f}]"]
                        + ([f"{float(named.sel(assumption_set=k, year=y)):.1f}" for k in SET_ORDER] if has_named else [])
                        + [f"{float(bp.sel(band=b)):.3f}" for b in band_names])
        head = ([L("sum.year"), L("sum.rm_median"), L("sum.interval")]
                + (set_heads if has_named else [])
                + [L(f"band_short.{b}") for b in band_names])
        below0 = head.index(L("band_short.below_0"))
        out.append(_table(head, rows, num_cols=range(len(head)),
                          row_class=lambda r, row: "hi" if float(row[below0]) >= 0.05 else None))
        ev_rows = []
        for name in ("first_deficit_year", "first_operating_deficit_year", "exhaustion_year"):
            p = float(s[f"{name}_within_horizon"].sel(fund=fund))
            qv = s[f"{name}_quantile"].sel(fund=fund)
            ev_rows.append([L(f"event.{name}"), f"{p:.3f}"] + [_year(float(qv.sel(quantile=k)), L)
                                                               for k in (0.05, 0.5, 0.95)])
        ev_head = [L("sum.event"), L("sum.prob_by", year=years[-1]), L("sum.year_5"), L("sum.median"), L("sum.p95")]
        if has_named:
            ex = named_exhaustion_year(ds, fund)
            ev_rows = [r + (["", "", ""] if i < 2 else [_year(float(ex[k]) if ex[k] is not None else np.inf, L)
                                                      for k in SET_ORDER]) for i, r in enumerate(ev_rows)]
            ev_head += set_heads
        out.append(_table(ev_head, ev_rows, num_cols=range(1, len(ev_head))))
    out.append(f'<p class="note">{_e(L("sum.shaded"))}</p>')
    return "".join(out)


_SUMMARY_FUNDS = ("sum.fund.employee_pooled", "sum.fund.resident", "sum.fund.pooled_combined")


def _section_figures(ds, s, L=None) -> str:
    L = L or labeler("en")
    out = []
    specs = [
        (plots.fan_chart, {"summary": s}, "cap.fan"),
        (plots.band_probabilities, {"summary": s}, "cap.bands"),
        (plots.flows, {"summary": s}, "cap.flows"),
        (plots.breakeven, {}, "cap.breakeven"),
        (plots.pyramid, {}, "cap.pyramid"),
    ]
    font_warning = None
    for fn, kw, caption in specs:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", plots.CJKFontWarning)
            try:
                fig = fn(ds, lang=L.lang, **kw)
            except PlotInputError as e:
                out.append(f'<p class="note">{_e(L("fig.not_drawn", name=fn.__name__, why=e))}</p>')
                continue
            finally:
                for w in caught:  # one font warning for the report, not one per figure
                    if issubclass(w.category, plots.CJKFontWarning):
                        font_warning = font_warning or w
                    else:
                        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        out.append(_figure_html(fig, L(caption)))
    if font_warning is not None:
        warnings.warn(str(font_warning.message).replace("fan chart: ", "report figures: "), plots.CJKFontWarning,
                      stacklevel=4)
    return "".join(out)


def _section_assumptions(ds, data, L=None) -> str:
    L = L or labeler("en")
    out = [f'<p class="note">{L("asm.note")}</p>']  # the note holds markup (<code>) of its own
    if "__error__" in data:
        out.append(f'<p class="warn">{_e(data["__error__"])}</p>')
    for group, rows in key_assumptions(ds, L.lang):
        out.append(f"<h3>{_e(L('asm.group.' + group))}</h3>")
        out.append(_table([L("asm.key"), L("asm.meaning"), L("asm.value"), L("asm.unit"), L("asm.source")],
                          [[(_e(r[0]), "key"), r[1], r[2], r[3], (_e(r[4]), "src")] for r in rows]))
    text = ds.attrs.get("scenario_yaml", "")
    out.append(f"<details><summary>{_e(L('asm.whole', sha=ds.attrs.get('scenario_sha256', '?')))}</summary>"
               f"<pre>{_e(text)}</pre></details>")
    return "".join(out)


def _section_calibration(ds, L=None) -> str:
    L = L or labeler("en")
    raw = ds.attrs.get("calibration")
    if not raw:
        return f'<p class="note">{_e(L("cal.none"))}</p>'
    try:
        cal = json.loads(raw)
    except ValueError as e:
        return f'<p class="warn">{_e(L("cal.unreadable", why=e))}</p>'
    out = [f'<p class="note">{_e(L("cal.note"))}</p>']
    checks = cal.get("checks", {})
    if checks:
        rows = []
        for name, c in checks.items():
            err = c.get("relative_error")
            rows.append([name, _num(c.get("reported"), L=L), _num(c.get("modelled"), L=L),
                         _pct(err), L("cal.fitted") if c.get("fitted") else L("cal.check")])
        out.append(f"<h3>{_e(L('cal.checks'))}</h3>")
        out.append(_table([L("cal.quantity"), L("cal.reported"), L("cal.modelled"), L("cal.difference"),
                           L("cal.kind")], rows, num_cols=(1, 2, 3)))
    rest = {k: v for k, v in cal.items() if k not in ("checks",)}
    # a list's items joined with a space after each comma, so that a long list wraps in its cell
    # a long key path breaks after a dot (<wbr>), not in the middle of a name
    rows = [[(_e(k).replace(".", ".<wbr>"), "key"), (", ".join(map(str, v)) if isinstance(v, list) else _num(v, L=L))]
            for k, v in _flatten(rest)]
    out.append(f"<h3>{_e(L('cal.factors'))}</h3>")
    out.append(_table([L("cal.item"), L("asm.value")], rows, num_cols=(1,), wrap=True))
    warnings_text = ds.attrs.get("calibration_warnings", "")
    if warnings_text:
        out.append(f"<h3>{_e(L('cal.warnings'))}</h3><ul>" + "".join(
            f'<li class="warn">{_e(w)}</li>' for w in str(warnings_text).splitlines() if w.strip()) + "</ul>")
    return "".join(out)


def _section_provenance(ds, L=None) -> str:
    L = L or labeler("en")
    a = ds.attrs
    rows = [[L("prov.scenario_sha"), a.get("scenario_sha256", "?")], [L("prov.version"), a.get("software_version", "?")],
            [L("prov.seed"), a.get("seed", "?")], [L("prov.paths"), a.get("paths", "?")]]
    try:
        versions = json.loads(a.get("data_versions", "{}"))
    except ValueError:
        versions = {}
    rows += [[L("prov.data_file", name=k), v] for k, v in sorted(versions.items())]
    return f'<p class="note">{_e(L("prov.note"))}</p>' + _table([L("prov.item"), L("prov.value")], rows, wrap=True)
