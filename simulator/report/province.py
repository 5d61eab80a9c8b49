"""The HTML report of a province run (specification section 17): the run and its regions, per
pooled fund and region the reserve months and probability of exhaustion, the probability that
any region is exhausted, the money the pooling moves, the figures and the provenance (English)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from ..plots import PlotInputError
from .markup import _CSS, _e, _figure_html, _num, _table, _year

FUNDS = ("employee_pooled", "resident")
SECTIONS = (("run", "The run"), ("summary", "Reserve months and exhaustion by region"),
            ("any", "Any region exhausted"), ("pooling", "What the pooling moves"), ("figures", "Figures"),
            ("provenance", "Provenance"))


def _years_shown(years, step):
    shown = list(years[::step])
    if shown[-1] != years[-1]:
        shown.append(years[-1])
    return shown


def render_province_report(ds: xr.Dataset, *, step: int = 5) -> str:
    """The report of a province's results (:func:`simulator.province.run_province`) as HTML."""
    from ..plots.province import regions_chart
    from ..province import summarize_province
    if not isinstance(ds, xr.Dataset) or "region" not in ds.dims or "reserve_months" not in ds:
        raise PlotInputError("a province report needs the results of a province run (a 'region' dimension)")
    s = summarize_province(ds)
    years = [int(y) for y in ds["year"].values]
    shown = _years_shown(years, step)
    last = years[-1]
    regions = [str(r) for r in ds["region"].values]
    mode = ds.attrs.get("pooling_mode", "separate")
    scen = json.loads(ds.attrs.get("region_scenarios", "{}"))
    hashes = json.loads(ds.attrs.get("region_scenario_sha256", "{}"))
    pooling = json.loads(ds.attrs.get("pooling", "{}"))
    body = {}
    body["run"] = (
        f"<p>Province <b>{_e(ds.attrs.get('scenario_name'))}</b>: {len(regions) - 1} regions, pooling "
        f"<b>{_e(mode)}</b> ({_e(', '.join(f'{k} {v}' for k, v in pooling.items() if v not in (None, 0.0) and k != 'mode'))}); "
        f"{_num(ds.sizes['path'])} paths, seed {_e(ds.attrs.get('seed'))}, years {years[0]}-{last}. "
        "The regions share mortality, the economic drivers, epidemics, disease trends and uncertain values on a "
        "path; 'province' is the sum of every book (the regions', the adjustment fund or the unified pool).</p>"
        + _table(["region", "scenario"], [[r, scen.get(r, "")] for r in regions[:-1]]))
    med = s["reserve_months_quantile"].sel(quantile=0.5)
    ex = s["exhaustion_probability_by_year"]
    exy = s["exhaustion_year_quantile"].sel(quantile=0.5)
    parts = []
    for f in FUNDS:
        rows = []
        for r in regions:
            m = med.sel(region=r, fund=f)
            cells = [_num(round(float(m.sel(year=y)), 1)) if np.isfinite(float(m.sel(year=y))) else "pooled" for y in shown]
            rows.append([r] + cells + [_num(round(float(ex.sel(region=r, fund=f, year=last)), 3)),
                                       _year(float(exy.sel(region=r, fund=f)))])
        parts.append(f"<h3>{_e(f.replace('_', ' '))}: median reserve months (months)</h3>" + _table(
            ["region"] + [str(y) for y in shown] + [f"P(exhausted by {last})", "median exhaustion year"], rows,
            num_cols=range(1, len(shown) + 3)))
    body["summary"] = "".join(parts)
    pa = s["any_region_exhausted_probability_by_year"]
    body["any"] = ("<p>Share of paths in which some region's own pooled balance (or, in mode unified, the "
                   "pool's) is below zero in or before each year.</p>" + _table(
                       ["fund"] + [str(y) for y in shown],
                       [[f] + [_num(round(float(pa.sel(fund=f, year=y)), 3)) for y in shown] for f in FUNDS],
                       num_cols=range(1, len(shown) + 1)))
    if mode == "separate":
        body["pooling"] = "<p>Separate books: no money moves between the regions.</p>"
    else:
        y1 = years[1] if len(years) > 1 else years[0]
        y2 = min(last, y1 + 10)
        rows = []
        for r in regions[:-1]:
            lev = ds["adjustment_levy"].sel(region=r, year=slice(y1, y2)).sum("year").median("path") / 1e8
            top = ds["adjustment_top_up"].sel(region=r, year=slice(y1, y2)).sum("year").median("path") / 1e8
            rows.append([r] + [_num(round(float(lev.sel(fund=f)), 1)) for f in FUNDS]
                        + [_num(round(float(top.sel(fund=f)), 1)) for f in FUNDS])
        fb = ds["provincial_fund_balance"].median("path") / 1e8
        what = "adjustment fund" if mode == "adjustment_fund" else "unified pool"
        body["pooling"] = (
            f"<p>Paid into and received from the adjustment fund in {y1}-{y2} (medians over paths, 亿元 = 1e8 yuan); "
            "in mode unified the pool pays every region's bills and nothing is levied.</p>"
            + _table(["region", "levy: employee pool", "levy: resident", "top-up: employee pool", "top-up: resident"],
                     rows, num_cols=range(1, 5))
            + f"<h3>{what} balance at year end, median (亿元)</h3>"
            + _table(["fund"] + [str(y) for y in shown],
                     [[f] + [_num(round(float(fb.sel(fund=f, year=y)), 1)) for y in shown] for f in FUNDS],
                     num_cols=range(1, len(shown) + 1)))
    figs = []
    for f in FUNDS:
        figs.append(_figure_html(regions_chart(ds, f), f"{f.replace('_', ' ')}: median reserve months per region "
                                 "(band 25-75%) and P(any region exhausted by year)"))
    body["figures"] = "".join(figs)
    body["provenance"] = (
        _table(["region", "scenario", "sha256 of the resolved scenario"],
               [[r, scen.get(r, ""), hashes.get(r, "")] for r in regions[:-1]])
        + f"<p>software {_e(ds.attrs.get('software_version'))}, engine {_e(ds.attrs.get('engine'))}</p>"
        + f"<details><summary>province file</summary><pre>{_e(ds.attrs.get('province_yaml', ''))}</pre></details>")
    nav = "<nav><ol>" + "".join(f'<li><a href="#{sid}">{_e(h)}</a></li>' for sid, h in SECTIONS) + "</ol></nav>"
    title = f"fundsim report: province {ds.attrs.get('scenario_name')}"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>", f"<h1>{_e(title)}</h1>", nav]
    for sid, h in SECTIONS:
        out.append(f'<section id="{sid}"><h2>{_e(h)}</h2>{body[sid]}</section>')
    out.append("</main></body></html>")
    return "\n".join(out)


def write_province_report(ds: xr.Dataset, path, *, step: int = 5, option=None) -> Path:
    """Write the province report to ``path`` atomically (as :func:`simulator.report.write_report`)."""
    from ..io import atomic_path, check_output_path

    check_output_path(path, option=option)
    text = render_province_report(ds, step=step)
    path = Path(path)
    with atomic_path(path, option=option) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
