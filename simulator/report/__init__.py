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

The package, one module per task (each imports only from those above it):

* ``markup``: the style sheet and the HTML pieces: escaped text, cell numbers and years, tables,
  embedded figures;
* ``assumptions``: :data:`KEY_ASSUMPTIONS` and :func:`key_assumptions`, from the stored scenario;
* ``sections``: one function per section: run, summary tables, figures, assumptions, calibration,
  provenance;
* ``render``: :data:`SECTIONS`, :func:`render_report` and :func:`write_report`.

Every name is importable from ``simulator.report`` itself, as before the split.
"""

from .. import plots  # noqa: F401
from ..labels import check_lang, labeler  # noqa: F401
from ..plots import PlotInputError  # noqa: F401
from ..summary import BANDS, EVENTS, format_summary, summarize  # noqa: F401  (format_summary: same content)
from .assumptions import KEY_ASSUMPTIONS, key_assumptions
from .render import SECTIONS, render_report, write_report

# the modules' private helpers, importable from here as they were before the split
from .markup import _CSS, _e, _figure_html, _num, _pct, _table, _year  # noqa: F401
from .assumptions import (_fmt_schedule, _fmt_value, _get, _scenario_data, _schema_default,  # noqa: F401
                          _schema_defaults, _schema_units, _unit)
from .sections import (_SUMMARY_FUNDS, _flatten, _section_assumptions, _section_calibration,  # noqa: F401
                       _section_figures, _section_provenance, _section_run, _summary_tables)

__all__ = ["KEY_ASSUMPTIONS", "SECTIONS", "key_assumptions", "render_report", "write_report"]
