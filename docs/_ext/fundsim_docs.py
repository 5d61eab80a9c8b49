"""Pages generated from the code while the site builds, so that they cannot drift from it.

A page asks for generated content with a MyST comment line of the form ``% fundsim: WHAT ARGS``;
the ``source-read`` hook below replaces the line with Markdown before the page is parsed:

``% fundsim: scenario-reference``
    the whole scenario reference, :func:`simulator.scenario.reference_doc.render` (every key of
    the validation schema with its form, unit, range, default and meaning);
``% fundsim: assumptions``
    every number of the built-in baseline scenario with its ``source:`` text, marking the ones
    whose source starts with "assumption";
``% fundsim: calibration``
    the base-year calibration factors and checks of a compiled baseline
    (``simulator.prepare("baseline", paths=2)`` then ``compiled.calibration``);
``% fundsim: variables NAME ...``
    a table of output variables from :data:`simulator.results.VARIABLES` (all of them when no
    name is given), each linked to the function that computes it (``computed_in``);
``% fundsim: more-pages``
    a table of contents of the other top-level pages in ``docs/`` (pages colleagues add there,
    such as the sweep, scenario-library and back-test pages), so that none is left out;
``% fundsim: page-link DOCNAME TEXT``
    a link to ``DOCNAME`` when that page exists, else ``TEXT`` alone.

The build fails (a warning, and the build runs with ``-W``) when a marker is unknown, when an
output variable is listed on no model page, or when a generated table comes out empty.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

MARKER = re.compile(r"^% fundsim:[ \t]*([\w-]+)[ \t]*(.*)$", re.MULTILINE)
DOCS = Path(__file__).resolve().parents[1]
#: pages whose output-variable tables together must cover every declared variable
MODEL_DIR = "model"


# --------------------------------------------------------------------------- Markdown helpers


def md_escape(text) -> str:
    """Plain text safe inside a Markdown table cell (no emphasis, links, HTML or cell breaks)."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def code(text) -> str:
    """An inline code span safe inside a table cell (pipes escaped, backticks fenced)."""
    text = " ".join(str(text).split()).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape_pipes_in_code_spans(line: str) -> str:
    """In a Markdown table row, escape the pipes that stand inside code spans (GFM would end the
    cell there)."""
    out, inside = [], False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "`":
            inside = not inside
        elif ch == "|" and inside and (i == 0 or line[i - 1] != "\\"):
            out.append("\\")
        out.append(ch)
        i += 1
    return "".join(out)


def table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fnum(x, digits=4) -> str:
    """A number for a table: thousands separators for large values, significant digits else."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10000 else str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}"
    return str(x)


def _pct(x) -> str:
    if not math.isfinite(x):
        return str(x)
    return "0.00%" if abs(x) < 5e-5 else f"{x:+.2%}"


# --------------------------------------------------------------------------- scenario reference


def scenario_reference() -> str:
    """The scenario reference page: ``render()`` of the schema, with table rows made safe for
    GFM tables (a key such as ``line_shares{employee|resident}`` holds a pipe)."""
    from simulator.scenario.reference_doc import render

    lines = render().splitlines()
    out = [escape_pipes_in_code_spans(ln) if ln.startswith("| ") else ln for ln in lines]
    text = "\n".join(out) + "\n"
    # the page's own heading is the generated one; the rest of the site links to it by this label
    return "(scenario-reference)=\n" + text


# --------------------------------------------------------------------------- default assumptions


def _schema_units():
    """(regex over data key paths, unit, symbol) for every schema key."""
    from simulator.scenario.reference_doc import iter_fields

    pats = []
    for path, _field, meta, section in iter_fields():
        if section:
            continue
        rx = re.escape(path)
        rx = rx.replace(re.escape("[i]"), r"\[[^\]]+\]")
        rx = re.sub(r"\\\{[^}]*\\\}", r"\\.[^.]+", rx)
        pats.append((re.compile("^" + rx + "$"), meta.get("unit", ""), meta.get("symbol") or ""))
    return pats


def _fmt_mapping(d) -> str:
    return "{" + ", ".join(f"{k}: {_fmt_plain(v)}" for k, v in d.items()) + "}"


def _fmt_plain(v) -> str:
    if isinstance(v, dict):
        return _fmt_mapping(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_plain(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _fmt_value(entry: dict) -> str:
    """The value part of a ``{..., source: ...}`` mapping of the scenario file, in words."""
    v = {k: x for k, x in entry.items() if k not in ("source", "note")}
    if "dist" in v:
        params = ", ".join(f"{k} {_fmt_plain(x)}" for k, x in v.items()
                           if k not in ("dist", "schedule", "cost_direction"))
        text = f"{v['dist']}({params})"
        if "schedule" in v:
            text = f"{_fmt_plain(v['schedule'])} shifted by {text}"
        if "cost_direction" in v:
            text += f", {v['cost_direction']}"
        return code(text)
    if "table" in v:
        text = f"table {v['table']}" + (f", column {v['column']}" if "column" in v else "")
        return code(text)
    if set(v) == {"value"}:
        return code(_fmt_plain(v["value"]))
    return code(_fmt_plain(v))


def _walk_sources(data, prefix=""):
    """(key path, mapping with source) and (key path, scalar without source), depth first."""
    if isinstance(data, dict):
        if "source" in data and prefix:
            yield prefix, data, True
            return
        for k, v in data.items():
            yield from _walk_sources(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, x in enumerate(data):
            label = x.get("name", i) if isinstance(x, dict) else i
            yield from _walk_sources(x, f"{prefix}[{label}]")
    else:
        yield prefix, data, False


def source_kind(source: str) -> str:
    s = source.strip().lower()
    if s.startswith("assumption"):
        return "**assumption**"
    if s.startswith("derived"):
        return "derived"
    if "assumption" in s:
        return "published, part assumption"
    return "published"


TEXT_KEYS = {"name", "description", "region", "population_basis"}


def assumptions() -> str:
    from simulator.scenario import load_scenario

    loaded = load_scenario("baseline")
    units = _schema_units()

    def unit_of(path):
        for rx, unit, sym in units:
            if rx.match(path):
                return unit, sym
        return "", ""

    sourced, unsourced = [], []
    for path, v, has_source in _walk_sources(loaded.data):
        if has_source:
            sourced.append((path, v))
        elif path.split(".")[-1].split("[")[0] not in TEXT_KEYS and not path.startswith("description"):
            unsourced.append((path, v))
    if not sourced:
        logger.warning("fundsim_docs: the baseline scenario yielded no sourced values")
    counts = {}
    sections = {}
    for path, v in sourced:
        kind = source_kind(v["source"])
        counts[kind] = counts.get(kind, 0) + 1
        sections.setdefault(path.split(".")[0].split("[")[0], []).append((path, v, kind))
    out = [
        f"The built-in scenario `{loaded.scenario.name}` (base year {loaded.scenario.base_year}, horizon "
        f"{loaded.scenario.horizon} years) writes {len(sourced)} sourced values: "
        + "; ".join(f"{n} {k.strip('*')}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])) + ".",
        "",
        "*Kind* reads the source text: **assumption** when it starts with \"assumption\" (the number is "
        "the project's own, with its reason), *derived* when it starts with \"derived\", *published, part "
        "assumption* when a published figure is combined with an assumption, *published* otherwise. "
        "Schedules are `{year: value}` (linear between years, flat outside); `normal(mean 0, sd 0.15)` "
        "and the like are drawn once per path; a schedule \"shifted by\" a distribution moves the "
        "whole schedule by one draw minus the distribution's mean. Units are those of the "
        "{ref}`scenario reference <scenario-reference>`.",
        "",
    ]
    for sec, rows in sections.items():
        out += [f"## `{sec}`", ""]
        out.append(table(
            ["key", "value", "unit", "kind", "source"],
            [(code(p), val_, md_escape(unit_of(p)[0]), kind, md_escape(v["source"]))
             for p, v, kind in rows for val_ in [_fmt_value(v)]]))
        out.append("")
    out += [
        "## Settings without a source",
        "",
        "Structural settings of the scenario (the projection's frame, switches, table names and the "
        "calibration options) carry no `source:`; they are choices of the scenario, not estimates.",
        "",
        table(["key", "value"], [(code(p), code(_fmt_plain(v))) for p, v in unsourced]),
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- calibration

FACTOR_TEXT = {
    "employee.base_ratio": ("β", "contribution base over the wage series", "ratio"),
    "resident.other_income_factor": ("ϑ", "resident other-income factor (local top-ups and other income)", "ratio"),
    "accounts.spend_share_balance": ("ξb", "share of the opening account balance spent in the year", "fraction"),
    "working_coverage_scale": ("", "scale on the working-coverage profile ρ (active members match)", "ratio"),
    "participation_scale": ("", "scale on the participation profile τ (residents match)", "ratio"),
    "retiree_stock_scale": ("", "scale on the base-year retiree profile (retirees match)", "ratio"),
    "cost_scale_employee": ("c0", "gross cost per member of the employee scheme at Cm = 1, all lines (employee pooled expenditure matches)", "yuan per member"),
    "cost_scale_resident": ("c0", "gross cost per member of the resident scheme at Cm = 1, all lines (resident expenditure matches)", "yuan per member"),
    "maternity_scale": ("", "factor on the birth cost and the allowance share (maternity matches)", "ratio"),
    "maternity.birth_cost": ("cb0", "fitted birth-related medical cost per birth", "yuan per birth"),
    "maternity.allowance_share": ("χal", "fitted eligible share of employees' births for the allowance", "fraction"),
    "cost_to_wage_share_S0": ("S0", "base-year cost-to-wage share (long-run bend of excess cost growth)", "ratio"),
    "members_above_participation": ("", "employee-scheme members above participation x population", "persons"),
    "retiree_to_employee_cost_ratio": ("", "retiree / employee fund-paid cost per member (a check: published anchor about 4x)", "ratio"),
}


@lru_cache(maxsize=1)
def _compiled_baseline():
    import warnings

    import simulator

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded, compiled = simulator.prepare("baseline", paths=2)
    return loaded, compiled, [str(w.message) for w in caught]


def calibration() -> str:
    loaded, compiled, caught = _compiled_baseline()
    cal = compiled.calibration
    scn = compiled.scenario
    out = [
        f"Produced while this page was built, by `simulator.prepare(\"baseline\", paths=2)` "
        f"(scenario `{scn.name}`, base year {scn.base_year}); the same dictionary is "
        "`simulator.calibration_report(ds)` of any baseline result and is stored in the result's "
        "`calibration` attribute.",
        "",
        "### Fitted factors",
        "",
    ]
    rows = []
    done = set()
    for key, (sym, what, unit) in FACTOR_TEXT.items():
        if key in cal and not isinstance(cal[key], (dict, list)):
            rows.append((code(key), sym, md_escape(what), unit, fnum(cal[key])))
            done.add(key)
    for key, v in cal.items():  # anything the code reports that this page has no words for
        if key not in done and isinstance(v, (int, float)) and not isinstance(v, bool):
            rows.append((code(key), "", "", "", fnum(v)))
            done.add(key)
    out.append(table(["factor", "symbol", "meaning", "unit", "value"], rows))
    out += ["", "Fitted at this calibration: " + ", ".join(code(x) for x in cal.get("fitted", [])) + ".", ""]
    done.add("fitted")

    out += ["### Base-year cost per member (gross, before reimbursement)", ""]
    rows = []
    for key, scheme in (("c0_employee_yuan_per_member", "employee"), ("c0_resident_yuan_per_member", "resident")):
        if key in cal:
            rows.append((scheme,) + tuple(fnum(cal[key][ln]) for ln in ("inpatient", "outpatient", "chronic_outpatient")))
            done.add(key)
    out += [table(["scheme", "inpatient (yuan)", "outpatient (yuan)", "chronic outpatient (yuan)"], rows), ""]

    if "interest_taken_out" in cal:
        out += ["### Interest taken out of reported income", "",
                "Base-year interest by the funds' interest formula, `J0 = i0·(Bal[-1] + (Inc - Exp)/2) / (1 + i0/2)`, "
                "with `Bal[-1] = Bal[0] - (Inc - Exp)`:", "",
                table(["fund", "interest (yuan)"], [(code(f), fnum(v)) for f, v in cal["interest_taken_out"].items()]), ""]
        done.add("interest_taken_out")

    checks = cal.get("checks", {})
    if not checks:
        logger.warning("fundsim_docs: the calibration report has no checks")
    out += ["### Modelled against reported figures", "",
            "Members are mid-year (the average of the reported year-ends of the base year and the year "
            "before); money is the base year's flows in yuan. *Fitted* means the quantity was matched by a "
            "factor above, so it is no check; the others are.", "",
            table(["quantity", "modelled", "reported", "relative error", "fitted"],
                  [(code(name), fnum(c["modelled"]), fnum(c["reported"]), _pct(c["relative_error"]),
                    "fitted" if c["fitted"] else "**check**") for name, c in checks.items()]), ""]
    done.add("checks")

    dec = cal.get("excess_cost_decomposition")
    if dec:
        a, b = dec["period"]
        out += [f"### Excess cost growth {a}-{b}", "",
                "The historical excess of health spending over wages, split into what the model produces itself "
                "(ageing, from the cost curves on the populations of the period's first and last years; the disease "
                "trends) and the residual the mean of `excess_cost_growth` must add: "
                "`(1 + excess) / ((1 + ageing)(1 + disease)) - 1`.", "",
                table(["part", "per year"], [
                    ("historical excess over wages", f"{dec['historical_excess']:+.2%}"),
                    ("ageing effect", f"{dec['ageing_effect']:+.2%}"),
                    ("disease effect", f"{dec['disease_effect']:+.2%}"),
                    ("implied mean of excess cost growth", f"{dec['implied_mean']:+.2%}")]), ""]
        done.add("excess_cost_decomposition")
    rest = [k for k in cal if k not in done]
    if rest:
        out += ["### Other entries", "", table(["entry", "value"], [(code(k), code(_fmt_plain(cal[k]))) for k in rest]), ""]
    warn = list(compiled.warnings) or caught
    out += ["### Calibration warnings", "",
            "\n".join(f"- {md_escape(w)}" for w in warn) if warn else "None for the baseline.", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- output variables


def _func_ref(target: str) -> str:
    short = target[len("simulator."):] if target.startswith("simulator.") else target
    return f"{{py:func}}`{short} <{target}>`"


def variables(names=None) -> str:
    from simulator.results import VARIABLES

    names = list(VARIABLES) if not names else names
    unknown = [n for n in names if n not in VARIABLES]
    if unknown:
        logger.warning(f"fundsim_docs: unknown output variable(s) {', '.join(unknown)}")
    rows = []
    for n in names:
        if n not in VARIABLES:
            continue
        v = VARIABLES[n]
        rows.append((f"`{n}`", ", ".join(v.dims), md_escape(v.units), md_escape(v.long_name), _func_ref(v.computed_in)))
    return table(["variable", "dimensions", "units", "meaning", "computed in"], rows)


def _listed_on_model_pages() -> set:
    listed = set()
    for page in sorted((DOCS / MODEL_DIR).glob("*.md")):
        for m in MARKER.finditer(page.read_text(encoding="utf-8")):
            if m.group(1) == "variables":
                listed.update(m.group(2).split())
    return listed


# --------------------------------------------------------------------------- other pages


def more_pages(app) -> str:
    """A toctree of top-level Markdown pages not otherwise part of the site's structure."""
    skip = {app.config.root_doc}
    pages = []
    for p in sorted(DOCS.glob("*.md")):
        name = p.stem
        if name in skip or any(p.match(pat) for pat in app.config.exclude_patterns):
            continue
        if any(Path(pat).name == p.name for pat in app.config.exclude_patterns):
            continue
        pages.append(name)
    if not pages:
        return ""
    return "```{toctree}\n:caption: More\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```\n"


def page_link(args: str) -> str:
    parts = args.split(None, 1)
    if not parts:
        logger.warning("fundsim_docs: page-link needs a page name")
        return ""
    doc, text = parts[0], (parts[1] if len(parts) > 1 else "")
    if (DOCS / f"{doc}.md").exists():
        return f"{{doc}}`/{doc}`"
    return text


# --------------------------------------------------------------------------- CLI help text

_RST_INLINE = re.compile(r"([\\*`|_])")


def _plain_rst(text: str) -> str:
    """Click help is plain text: escape what reStructuredText would read as inline markup
    (``*.yaml`` would open an emphasis)."""
    return _RST_INLINE.sub(r"\\\1", text)


def _escape_help_line(line: str, indent: str = "") -> str:
    if not line.startswith(indent):
        return line
    body = line[len(indent):]
    bar = "| " if body.startswith("| ") else ""
    return indent + bar + _plain_rst(body[len(bar):])


def on_click_description(app, ctx, lines):
    lines[:] = [_escape_help_line(ln) for ln in lines]


def on_click_options(app, ctx, lines):
    lines[:] = [ln if ln.startswith(".. option::") or not ln.strip() else _escape_help_line(ln, "    ")
                for ln in lines]


# --------------------------------------------------------------------------- Sphinx hooks


def _expand(app, docname, text):
    def repl(m):
        what, args = m.group(1), m.group(2).strip()
        if what == "scenario-reference":
            return scenario_reference()
        if what == "assumptions":
            return assumptions()
        if what == "calibration":
            return calibration()
        if what == "variables":
            return variables(args.split())
        if what == "more-pages":
            return more_pages(app)
        if what == "page-link":
            return page_link(args)
        logger.warning(f"fundsim_docs: unknown marker '% fundsim: {what}'", location=docname)
        return ""

    return MARKER.sub(repl, text)


def on_source_read(app, docname, source):
    if "% fundsim:" in source[0]:
        source[0] = _expand(app, docname, source[0])


def on_outdated(app, env, added, changed, removed):
    """Pages with generated content (and the CLI reference, generated by sphinx-click) are read
    again on every build: the code they come from may have changed since the last build."""
    again = []
    for doc in env.found_docs:
        path = Path(env.doc2path(doc))
        if doc not in added and doc not in changed and path.suffix == ".md" and path.exists():
            text = path.read_text(encoding="utf-8")
            if "% fundsim:" in text or ".. click::" in text:
                again.append(doc)
    return again


def check_coverage(app):
    from simulator.results import VARIABLES

    missing = [n for n in VARIABLES if n not in _listed_on_model_pages()]
    if missing:
        logger.warning("fundsim_docs: output variables listed on no model page (add them to a "
                       f"'% fundsim: variables' line under docs/{MODEL_DIR}/): {', '.join(missing)}")


def setup(app):
    app.connect("builder-inited", check_coverage)
    app.connect("source-read", on_source_read)
    app.connect("env-get-outdated", on_outdated)
    if "sphinx_click" in app.extensions:  # click help is plain text, not reStructuredText
        app.connect("sphinx-click-process-description", on_click_description)
        app.connect("sphinx-click-process-options", on_click_options)
        app.connect("sphinx-click-process-epilog", on_click_description)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
