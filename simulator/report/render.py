"""The whole report: :data:`SECTIONS` in order, :func:`render_report` (an HTML string) and
:func:`write_report` (the file, atomically)."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from ..labels import check_lang, labeler
from ..plots import PlotInputError
from ..summary import summarize
from .assumptions import _scenario_data
from .markup import _CSS, _e, _num
from .sections import (_section_assumptions, _section_calibration, _section_figures, _section_provenance,
                       _section_run, _summary_tables)

#: sections of the report, in order: (id, English heading; :mod:`simulator.labels` has ``sec.<id>``)
SECTIONS = (
    ("run", "The run"),
    ("summary", "Summary"),
    ("figures", "Figures"),
    ("assumptions", "Key assumptions"),
    ("calibration", "Calibration"),
    ("provenance", "Provenance"),
)


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
