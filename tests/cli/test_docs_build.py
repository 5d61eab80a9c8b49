"""The documentation site builds without a warning, and its generated pages match the code.

The site is built once (``python -m sphinx -W -q -b html docs <tmp>``, the README's command with
another output folder, with ``FUNDSIM_DOCS_OFFLINE=1``: intersphinx downloads no inventory); the
tests then read the HTML.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds the Sphinx site

ROOT = Path(__file__).resolve().parents[2]
MODEL_PAGES = ("population", "membership", "economy", "income", "expenditure", "payment-reform", "funds",
               "policy-rules", "breakeven", "monte-carlo")
PAGES = (["index.html", "model/index.html", "model/calibration.html", "model/departures.html",
          "reference/scenario.html", "reference/assumptions.html", "reference/variables.html",
          "reference/api.html", "reference/cli.html",
          "howto/index.html", "howto/run-scenario.html", "howto/policy-variant.html", "howto/city.html", "howto/read-results.html",
          "howto/sweeps.html", "howto/reproduce.html", "howto/acceptance-cases.html", "notebooks/index.html"]
         + [f"notebooks/{p.stem}.html" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
         + [f"model/{p}.html" for p in MODEL_PAGES])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs_html")
    env = dict(os.environ, FUNDSIM_DOCS_OFFLINE="1")  # tests never download (intersphinx inventories)
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, f"the docs build failed (warnings are errors):\n{proc.stderr[-6000:]}"
    return out


def _text(page: Path) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


class _Rows(HTMLParser):
    """Table rows of an HTML page as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(page: Path) -> list[list[str]]:
    p = _Rows()
    p.feed(page.read_text(encoding="utf-8"))
    return p.rows


def test_pages_exist(site):
    missing = [p for p in PAGES if not (site / p).is_file()]
    assert missing == []


def test_entry_page_links_every_model_page(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for p in MODEL_PAGES + ("index", "calibration", "departures"):
        assert f'href="model/{p}.html"' in index, f"index.html does not link model/{p}.html"
    for p in ("scenario", "assumptions", "variables", "api", "cli"):
        assert f'href="reference/{p}.html"' in index
    assert 'href="howto/index.html"' in index


def test_scenario_reference_lists_every_schema_key(site):
    from simulator.scenario.reference_doc import iter_fields

    # the key table has six columns; other tables on the page (the plausibility checks) have fewer
    rows = {r[0]: r for r in _rows(site / "reference" / "scenario.html") if len(r) >= 6}
    missing, wrong = [], []
    for path, field, meta, section in iter_fields():
        row = rows.get(path)
        if row is None:
            missing.append(path)
            continue
        if section:
            continue
        key, _form, unit, _range, _default, meaning = row[:6]
        if unit != meta.get("unit") or " ".join(field.description.split())[:40].replace("|", "/") not in meaning:
            wrong.append(path)
    assert missing == [], f"schema keys missing from the built scenario reference: {missing}"
    assert wrong == [], f"schema keys whose unit or meaning is not in their row: {wrong}"


def test_default_assumptions_table_has_every_sourced_value(site):
    from simulator.scenario import load_scenario

    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        from fundsim_docs import _walk_sources
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    sourced = [(p, v) for p, v, has in _walk_sources(load_scenario("baseline").data) if has]
    assert len(sourced) > 100
    rows = {r[0]: r for r in _rows(site / "reference" / "assumptions.html") if len(r) == 5}
    for path, v in sourced:
        assert path in rows, f"{path} missing from the default-assumptions table"
        kind, source = rows[path][3], rows[path][4]
        assert source == " ".join(v["source"].split())
        assert (kind == "assumption") == v["source"].strip().lower().startswith("assumption"), path


def test_calibration_page_shows_the_run(site):
    import simulator

    _, compiled = simulator.prepare("baseline", paths=2)
    cal = compiled.calibration
    text = _text(site / "model" / "calibration.html")
    assert f"{cal['employee.base_ratio']:.4g}" in text
    assert f"{cal['resident.other_income_factor']:.4g}" in text
    for name in cal["checks"]:
        assert name in text


def test_every_output_variable_is_documented_with_its_function(site):
    from simulator.results import VARIABLES

    rows = {r[0]: r for r in _rows(site / "reference" / "variables.html") if len(r) == 5}
    for name, var in VARIABLES.items():
        assert name in rows, name
        assert rows[name][4] == var.computed_in.removeprefix("simulator."), name
    # the links resolve to the API page's entries
    page = (site / "model" / "funds.html").read_text(encoding="utf-8")
    assert "api.html#simulator.kernels.project.project_path" in page
    assert "api.html#simulator.results.derive" in page
    api = (site / "reference" / "api.html").read_text(encoding="utf-8")
    for target in {v.computed_in for v in VARIABLES.values()}:
        assert f'id="{target}"' in api, target


def test_api_and_cli_reference(site):
    from simulator.cli import cli

    api = (site / "reference" / "api.html").read_text(encoding="utf-8")
    for name in ("simulator.run", "simulator.summarize", "simulator.format_summary", "simulator.prepare",
                 "simulator.run_compiled", "simulator.calibration_report", "simulator.write_netcdf",
                 "simulator.breakeven.breakeven", "simulator.breakeven.actuarial_balance",
                 "simulator.plots.fan_chart", "simulator.report.write_report", "simulator.results.VARIABLES"):
        assert f'id="{name}"' in api, name
    cli_page = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    for command in cli.commands:
        assert f'id="fundsim-{command}"' in cli_page, f"fundsim {command} is missing from the CLI reference"


def test_docs_refer_to_nothing_outside_the_repository(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, page


# ----------------------------------------------------------------------------- theme, notebooks, intersphinx


def test_the_site_uses_furo(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "styles/furo.css" in index
    # furo puts every table in a box that scrolls sideways: the wide scenario reference stays readable
    reference = (site / "reference" / "scenario.html").read_text(encoding="utf-8")
    assert reference.count('class="table-wrapper') >= 1


def _cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]], nb


def test_the_rendered_notebooks_are_the_notebooks_with_outputs():
    """docs/notebooks/ holds executed copies (docs/_ext/render_notebooks.py): the same cells as
    notebooks/, so a changed notebook without a new copy fails here."""
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(sources) >= 4
    for src in sources:
        copy = ROOT / "docs" / "notebooks" / src.name
        assert copy.is_file(), f"{copy} is missing: run python docs/_ext/render_notebooks.py {src.name}"
        want, _ = _cells(src)
        got, nb = _cells(copy)
        assert got == want, f"{copy.name} differs from notebooks/{src.name}: run docs/_ext/render_notebooks.py"
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] is not None for c in code), copy.name
        assert sum("image/png" in o.get("data", {}) for c in code for o in c["outputs"]) >= 2, copy.name
        assert not any(o.get("name") == "stderr" for c in code for o in c["outputs"]), copy.name


def test_notebook_pages_show_their_stored_figures(site):
    for src in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = (site / "notebooks" / f"{src.stem}.html").read_text(encoding="utf-8")
        assert page.count("<img") >= 2, f"{src.stem}: its figures are not on the page"
    page = _text(site / "notebooks" / "04_sweep_dask.html")
    assert "LocalCluster(n_workers=2, threads_per_worker=1" in page
    assert "employee.employer_rate" in page  # the sweep's table, an output


def _conf_mapping(**env):
    code = ("import runpy, json; c = runpy.run_path('docs/conf.py'); "
            "print(json.dumps(sorted(c['intersphinx_mapping'])))")
    clean = {k: v for k, v in os.environ.items() if k not in ("FUNDSIM_DOCS_OFFLINE", "CI")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_intersphinx_downloads_nothing_offline_or_in_ci():
    assert _conf_mapping(FUNDSIM_DOCS_OFFLINE="1") == []
    assert _conf_mapping(CI="true") == []
    online = _conf_mapping()
    assert {"numpy", "xarray", "dask"} <= set(online)
