"""One self-contained HTML report of a run: ``write_report(ds, "report.html")``.

The file needs nothing else to be read (figures are embedded as base64 PNG, styles inline) and
holds, in this order:

* ``#run``: what was run (scenario, years, paths, seed, assumption set, engine, version);
* ``#summary``: the summary tables of :func:`simulator.format_summary` (reserve months: median and
  5-95%, the probability of each warning band, and the first-deficit, operating-deficit and
  exhaustion events) for each pooled fund and both together;
* ``#figures``: fan chart, warning-band probabilities, income and expenditure, break-even paths
  (when the results have them), population and old-age dependency;
* ``#assumptions``: the main policy levers and drivers of the scenario with their units and
  sources (parsed from ``ds.attrs["scenario_yaml"]``), and the whole resolved scenario;
* ``#calibration``: the base-year calibration report (``ds.attrs["calibration"]``): checks of
  modelled against reported figures, fitted factors, warnings;
* ``#provenance``: hashes of the scenario and of every shipped data file.

``lang="zh"`` (``fundsim report --lang zh``) writes the headings, tables, notes and figure labels
in Chinese (:mod:`simulator.labels`); the style sheet names CJK font families (Noto Sans CJK SC,
Source Han Sans SC, PingFang SC, Microsoft YaHei) so that a browser finds one on any system. The
figures need a CJK font on the machine that writes the report; without one they keep English
labels (:class:`simulator.plots.CJKFontWarning`, once).

The file is written atomically (a temporary file in the same folder, then a rename).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from .. import plots
from ..labels import check_lang, labeler
from ..plots import PlotInputError
from ..summary import BANDS, EVENTS, format_summary, summarize  # noqa: F401  (format_summary: same content)

#: sections of the report, in order: (id, English heading; :mod:`simulator.labels` has ``sec.<id>``)
SECTIONS = (
    ("run", "The run"),
    ("summary", "Summary"),
    ("figures", "Figures"),
    ("assumptions", "Key assumptions"),
    ("calibration", "Calibration"),
    ("provenance", "Provenance"),
)

#: the main policy levers and drivers shown in the assumptions table: (group, key paths); each
#: key's label is ``asm.<key path>`` in :mod:`simulator.labels`, in English and Chinese
KEY_ASSUMPTIONS = (
    ("Policy levers", (
        "employee.employer_rate",
        "employee.employee_rate",
        "employee.flexible_rate",
        "employee.retiree_rate",
        "accounts.employer_share",
        "resident.premium",
        "resident.subsidy",
        "resident.premium_income_share",
        "resident.subsidy_cap_ratio",
        "membership.retirement_override.men",
        "membership.retirement_override.women_50",
        "membership.retirement_override.women_55",
        "membership.women_track_50_share",
        "reform.drg_dip.coverage",
        "reform.drg_dip.coding_creep",
        "reform.drg_dip.creep_cap",
        "reform.drg_dip.efficiency_max",
        "reform.drg_dip.global_budget.enabled",
        "reform.drg_dip.global_budget.budget_growth",
        "reform.procurement.coverage",
        "reform.procurement.price_cut",
        "reform.fraud.leakage",
        "policy.rate_trigger.enabled",
        "policy.rate_trigger.lower_months",
        "policy.rate_trigger.upper_months",
        "policy.rate_trigger.employer_step",
        "policy.rate_trigger.premium_step",
        "policy.fiscal_backstop.enabled",
        "policy.fiscal_backstop.minimum_months",
        "long_term_care.carve_out_share",
    )),
    ("Economic and demographic drivers", (
        "economy.drivers.wage_growth.mean",
        "economy.drivers.wage_growth.sd",
        "economy.drivers.excess_cost_growth.mean",
        "economy.drivers.excess_cost_growth.sd",
        "economy.drivers.interest_rate.mean",
        "economy.drivers.resident_income_growth.mean",
        "economy.cost_share_ceiling",
        "economy.base_wage",
        "population.base",
        "population.fertility.tfr",
        "population.mortality.kappa_sd",
        "population.migration.net_total",
        "epidemic.probability",
        "epidemic.cost_add",
        "epidemic.contribution_relief",
    )),
)


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans CJK SC",
       "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei",
       sans-serif; color: #1f2d3d; margin: 0; background: #f6f7f9; line-height: 1.45; }
:lang(zh) body, body:lang(zh) { line-height: 1.6; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 2px solid #08306b; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
p.lead { color: #444; margin-top: 0.2em; }
nav ol { columns: 3; font-size: 0.95em; }
div.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.86em; }
table.wrap { table-layout: fixed; width: 100%; }
table.wrap td, table.wrap td.key, table.wrap td.num { white-space: normal; overflow-wrap: anywhere; }
table.wrap col.item { width: 45%; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; text-align: left; }
th { background: #eef2f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { color: #555; max-width: 460px; }
td.key { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.95em; white-space: nowrap; }
tr.hi td { background: #fff5f0; }
figure { margin: 1.2em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figcaption { font-size: 0.88em; color: #444; margin-top: 0.3em; }
pre { background: #f4f5f7; padding: 10px; overflow-x: auto; font-size: 0.8em; }
.note { color: #666; font-size: 0.88em; }
.warn { color: #8a3b12; }
details summary { cursor: pointer; color: #08306b; }
"""


# ----------------------------------------------------------------------------- small helpers


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _num(v, digits=4, L=None) -> str:
    """A number for a table: integers with thousands separators, others to ``digits`` figures."""
    L = L or labeler("en")
    if isinstance(v, bool):
        return L("yes") if v else L("no")
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not np.isfinite(f):
        return L("not_within_horizon") if f > 0 else "-"
    if f == int(f) and abs(f) >= 1000:
        return f"{int(f):,}"
    if abs(f) >= 1e5:
        return f"{f:,.0f}"
    return f"{f:.{digits}g}"


def _table(header, rows, num_cols=(), row_class=None, wrap=False) -> str:
    """An HTML table in a horizontally scrolling box (a wide table never pushes the page wider);
    ``wrap``: a table as wide as the page whose cells wrap (long keys and values stay on screen)."""
    num_cols = set(num_cols)
    out = ['<div class="table">', '<table class="wrap">' if wrap else "<table>"]
    if wrap:
        out.append('<colgroup><col class="item"><col></colgroup>' if len(header) == 2 else "")
    out.append("<thead><tr>")
    out += [f'<th{" class=num" if i in num_cols else ""}>{_e(h)}</th>' for i, h in enumerate(header)]
    out.append("</tr></thead><tbody>")
    for r, row in enumerate(rows):
        cls = row_class(r, row) if row_class else None
        out.append(f'<tr{f" class={cls}" if cls else ""}>')
        for i, cell in enumerate(row):
            klass = "num" if i in num_cols else None
            if isinstance(cell, tuple):  # (html, class)
                cell, klass = cell
            else:
                cell = _e(cell)
            out.append(f'<td{f" class={klass}" if klass else ""}>{cell}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _figure_html(fig, caption: str, dpi: int = 110) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def _scenario_data(ds) -> dict:
    text = ds.attrs.get("scenario_yaml") or ""
    if not text:
        return {}
    from ruamel.yaml import YAML
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except Exception as e:  # the report still shows the rest
        return {"__error__": f"the stored scenario text could not be parsed: {e}"}
    return data if isinstance(data, dict) else {}


def _get(data, dotted):
    node = data
    for k in dotted.split("."):
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


@lru_cache(maxsize=1)
def _schema_units() -> list:
    """(regex of a key path, unit) for every value key of the scenario schema."""
    try:
        from ..scenario.reference_doc import iter_fields
    except Exception:  # pragma: no cover - the report works without units
        return []
    out = []
    for path, _field, meta, section in iter_fields():
        if section or not meta.get("unit"):
            continue
        rx = re.escape(path).replace(r"\[i\]", r"\.\d+")
        rx = re.sub(r"\\\{([^}]*)\\\}", lambda m: "(?:" + m.group(1).replace("\\|", "|") + ")", rx)
        out.append((re.compile(rx + "$"), meta["unit"]))
    return out


@lru_cache(maxsize=1)
def _schema_defaults() -> dict:
    """Key path -> default of every value key whose default is a plain number or flag."""
    try:
        from ..scenario.reference_doc import iter_fields
    except Exception:  # pragma: no cover
        return {}
    return {path: field.default for path, field, _meta, section in iter_fields()
            if not section and isinstance(field.default, (bool, int, float))}


def _schema_default(dotted):
    return _schema_defaults().get(dotted)


def _unit(dotted) -> str:
    for rx, unit in _schema_units():
        if rx.match(dotted):
            return unit
    return ""


def _fmt_schedule(d) -> str:
    items = sorted(d.items(), key=lambda kv: str(kv[0]))
    return ", ".join(f"{k}: {_num(v)}" for k, v in items)


def _fmt_value(node) -> tuple[str, str]:
    """(value text, source) of a scenario value in any of its forms."""
    if not isinstance(node, dict):
        return (_num(node) if not isinstance(node, str) else node), ""
    source = str(node.get("source", ""))
    if "dist" in node:
        params = ", ".join(f"{k} {_num(node[k])}" for k in ("mean", "sd", "low", "mode", "high", "min", "max")
                           if k in node)
        text = f"{node['dist']}({params}) drawn once per path"
        if isinstance(node.get("schedule"), dict):
            text = f"schedule {_fmt_schedule(node['schedule'])}, shifted by a {text}"
        if node.get("cost_direction"):
            text += f"; {node['cost_direction'].replace('_', ' ')}"
        return text, source
    if "table" in node:
        col = f", column {node['column']}" if node.get("column") else ""
        return f"table {node['table']}{col}", source
    if "value" in node:
        v = node["value"]
        if isinstance(v, dict):
            if all(isinstance(x, dict) for x in v.values()):  # by sex, by line
                return "; ".join(f"{k}: {_fmt_schedule(x)}" for k, x in v.items()), source
            return _fmt_schedule(v), source
        return (_num(v) if not isinstance(v, str) else v), source
    body = {k: v for k, v in node.items() if k != "source"}
    return _fmt_schedule(body) if body else "", source


def key_assumptions(ds, lang: str = "en") -> list[tuple[str, list[tuple[str, str, str, str, str]]]]:
    """The main policy levers and drivers of the run's scenario:
    ``[(group, [(key path, label, value, unit, source), ...]), ...]``. A key the scenario does not
    set is shown at its schema default when that is a plain number or flag, and left out otherwise;
    the settings of a policy rule that is off are left out; the statutory retirement rule is named
    when no override is set. ``lang``: the language of the labels (the group names stay the
    English keys of :data:`KEY_ASSUMPTIONS`)."""
    L = labeler(check_lang(lang))
    data = _scenario_data(ds)
    groups = []
    for group, keys in KEY_ASSUMPTIONS:
        rows = []
        for dotted in keys:
            label = L(f"asm.{dotted}")
            node = _get(data, dotted)
            if node is None:
                default = _schema_default(dotted)
                if default is None:
                    continue
                node = {"value": default, "source": L("asm.default_source")}
            if dotted.startswith("policy.") and not dotted.endswith(".enabled"):
                section = dotted.rsplit(".", 1)[0]
                if not _get(data, section + ".enabled"):
                    continue  # a rule that is off: its settings do not matter
            value, source = _fmt_value(node)
            rows.append((dotted, label, value, _unit(dotted), source))
        if group == "Policy levers" and not any(r[0].startswith("membership.retirement_override") for r in rows):
            rows.insert(4, ("(membership.retirement_override absent)", L("asm.statutory_retirement"),
                            L("asm.npc_rule"), L("asm.years_of_age"), L("asm.builtin_rule")))
        groups.append((group, rows))
    return groups


def _flatten(d, prefix=""):
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flatten(v, key + ".")
        else:
            yield key, v


# ----------------------------------------------------------------------------- sections


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


def _pct(err) -> str:
    if err is None:
        return "-"
    v = 100 * float(err)
    return "0.00%" if abs(v) < 0.005 else f"{v:+.2f}%"


def _year(x, L=None) -> str:
    if np.isposinf(x):
        return (L or labeler("en"))("not_within_horizon")
    return "-" if not np.isfinite(x) else str(int(round(x)))


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


# ----------------------------------------------------------------------------- the report


def render_report(ds: xr.Dataset, *, summary: xr.Dataset | None = None, step: int = 5, lang: str = "en") -> str:
    """The report as an HTML string (see :func:`write_report`); ``lang``: ``"en"`` or ``"zh"``."""
    from ..labels import LanguageError

    try:
        L = labeler(check_lang(lang))
    except LanguageError as e:
        raise PlotInputError(f"report: {e}") from None
    if not isinstance(ds, xr.Dataset) or "reserve_months" not in ds:
        raise PlotInputError("a report needs the results of one run (an xarray.Dataset with reserve_months)")
    if "scenario" in ds.dims:
        raise PlotInputError("a report covers one run; this Dataset has a 'scenario' dimension "
                             "(select one with ds.isel(scenario=k))")
    s = summarize(ds) if summary is None else summary
    data = _scenario_data(ds)
    name = ds.attrs.get("scenario_name", "?")
    years = ds["year"].values
    body = {
        "run": _section_run(ds, data, L),
        "summary": _summary_tables(ds, s, step, L),
        "figures": _section_figures(ds, s, L),
        "assumptions": _section_assumptions(ds, data, L),
        "calibration": _section_calibration(ds, L),
        "provenance": _section_provenance(ds, L),
    }
    headings = {sid: L(f"sec.{sid}") for sid, _ in SECTIONS}
    nav = "<nav><ol>" + "".join(f'<li><a href="#{sid}">{_e(headings[sid])}</a></li>' for sid, _ in SECTIONS) + "</ol></nav>"
    html_lang = "zh-CN" if L.lang == "zh" else "en"
    lead = L("rep.lead", first=years[0], last=years[-1], paths=_num(ds.attrs.get("paths", ds.sizes["path"]), L=L),
             seed=ds.attrs.get("seed", "?"))
    parts = ["<!DOCTYPE html>", f'<html lang="{html_lang}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(L('rep.title', name=name))}</title><style>{_CSS}</style></head><body><main>",
             f"<h1>{_e(L('rep.h1', name=name))}</h1>",
             f'<p class="lead">{_e(lead)}</p>', nav]
    for sid, _ in SECTIONS:
        parts.append(f'<section id="{sid}"><h2>{_e(headings[sid])}</h2>{body[sid]}</section>')
    parts.append(f'<p class="note">{_e(L("rep.generated", version=ds.attrs.get("software_version", "?")))}</p>')
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(ds: xr.Dataset, path, *, summary: xr.Dataset | None = None, step: int = 5, option=None,
                 lang: str = "en") -> Path:
    """Write one self-contained HTML report of the run ``ds`` to ``path`` (atomically: a temporary
    file in the same folder, then a rename; only a regular file or a new name is written, see
    :func:`simulator.io.atomic_path`) and return the path. ``step`` is the number of years
    between rows of the summary tables; ``option`` names the path in error messages; ``lang``:
    ``"en"`` or ``"zh"`` (the module docstring)."""
    from ..io import atomic_path, check_output_path

    check_output_path(path, option=option)  # before the work of rendering
    text = render_report(ds, summary=summary, step=step, lang=lang)
    path = Path(path)
    with atomic_path(path, option=option) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
