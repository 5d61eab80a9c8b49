"""The report's HTML pieces: the style sheet, escaped text, numbers and years for a cell, a table and
an embedded figure."""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from ..labels import labeler


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


def _pct(err) -> str:
    if err is None:
        return "-"
    v = 100 * float(err)
    return "0.00%" if abs(v) < 0.005 else f"{v:+.2f}%"


def _year(x, L=None) -> str:
    if np.isposinf(x):
        return (L or labeler("en"))("not_within_horizon")
    return "-" if not np.isfinite(x) else str(int(round(x)))
