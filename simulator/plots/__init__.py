"""Figures of a run, a sweep or a sensitivity analysis (matplotlib).

Every function takes an ``xarray.Dataset`` and returns a :class:`matplotlib.figure.Figure`. No
function touches pyplot's state: figures are built as ``Figure`` objects (no window, any
backend), so they work in scripts, servers and notebooks alike (a notebook shows a returned
figure; ``fig.savefig("x.png")`` writes it).

=============================  ==================================================================
function                       shows
=============================  ==================================================================
:func:`fan_chart`              reserve months per pooled fund: median, 50% and 90% bands, over
                               the warning bands (below 0, 0-3, 3-6, 6-9, 9-15, above 15 months)
:func:`flows`                  income and expenditure per fund, median and 90% band
:func:`band_probabilities`     probability of each warning band by year, and of exhaustion and
                               of a first current deficit by each year
:func:`breakeven`              pay-as-you-go break-even employer rate and resident premium
:func:`pyramid`                population pyramid for two years, and the employee scheme's
                               old-age dependency (retirees per active member) from the run
:func:`heatmap`                one summary metric over two swept keys (a sweep Dataset)
:func:`tornado`                one-at-a-time sensitivity (a low/high/base Dataset)
:func:`stack_runs`             (not a figure) runs stacked along ``scenario``, named by their
                               ``scenario_name``, for a comparison
=============================  ==================================================================

Quantiles and probabilities come from :func:`simulator.summarize`. Titles name the scenario,
the seed and the path count (``ds.attrs``: ``scenario_name``, ``seed``, ``paths``).

A Dataset with a ``scenario`` dimension (several runs on the same seed stacked with
:func:`stack_runs`, which names each by its ``scenario_name``, or a sweep) is compared scenario by
scenario in :func:`fan_chart` (which also takes a list of runs); the other run figures take
``scenario=`` to pick one.

**Your own axes.** Every function takes ``ax=``: an ``Axes`` (or, for the figures with several
panels, a sequence of one ``Axes`` per panel) to draw into instead of a new figure. Then the
figure's house style (font sizes, spines) is not applied: the user's rcParams and style sheet
decide, no figure-level title or legend is added (the legend goes on the first axes), and the
function returns the figure of the axes. No function changes matplotlib's global rcParams.

**Chinese labels.** ``lang="zh"`` draws every title, axis label and legend entry in Chinese
(:mod:`simulator.labels`; money in 亿元). It needs a CJK font known to matplotlib (looked up by
:func:`find_cjk_font` among :data:`CJK_FAMILIES`); when there is none, the figure is drawn with
English labels and a :class:`CJKFontWarning` says how to install one.

Bad input raises :class:`PlotInputError`, a ``ValueError`` that the command line reports as bad
input (exit code 2).

The package, by what each module draws (every name is importable from :mod:`simulator.plots`):

======================================  ============================================================
module                                  holds
======================================  ============================================================
:mod:`simulator.plots.style`            :class:`PlotInputError`, fund labels, band colours, the house
                                        style, canvas, legend, title and year axis, input checks
:mod:`simulator.plots.fonts`            the CJK font lookup and a figure's language
:mod:`simulator.plots.run`              fan chart, flows, band probabilities, break-even,
                                        :func:`stack_runs`
:mod:`simulator.plots.population`       the population pyramid
:mod:`simulator.plots.sweep`            heatmap and tornado
:mod:`simulator.plots.history`          the back-test's history figure (``history_figure``)
:mod:`simulator.plots.waterfall`        the reasons-for-change waterfall (``waterfall``)
:mod:`simulator.plots.attribution`      the attribution-of-uncertainty bars (``attribution_chart``)
======================================  ============================================================
"""

from __future__ import annotations

# every name of the former module simulator/plots.py, private helpers included, so that a caller's
# import from simulator.plots keeps working (the package's own modules import from style and fonts)
from . import fonts, style
from .fonts import _CJK, CJK_FONT_HELP, CJKFontWarning, _language, _use_cjk_font, find_cjk_font  # noqa: F401
from .population import (  # noqa: F401
    _base_population_table, _old_age_ratio, _population_arrays, _scenario_dict, _shipped_population_years, pyramid)
from .province import regions_chart  # noqa: F401
from .run import (  # noqa: F401
    _fan_limits, _scenario_names, _shade_bands, band_probabilities, breakeven, fan_chart, flows, stack_runs)
from .style import (  # noqa: F401
    _BAND_LIMITS, _CYCLE, _EXPENDITURE, _FAN, _FEMALE, _INCOME, _INK, _MALE, _NAMED_STYLES, _RC, POOLED_VIEW,
    PlotInputError, _canvas, _check_funds, _figure, _fund_label, _legend, _nice_label, _quantiles, _quiet_nan, _require,
    _select_scenario, _style, _subtitle, _title, _user_axes, _with_scenario_attrs, _year_axis, _years)
from .sweep import (  # noqa: F401
    _DEFAULT_PICK, _colour_norm, _fmt_cell, _fmt_value, _metric_over_scenarios, _same, _tick_text, heatmap, swept_keys,
    tornado)

__all__ = ["fan_chart", "regions_chart", "flows", "band_probabilities", "breakeven", "pyramid", "heatmap", "tornado", "stack_runs",
           "find_cjk_font", "PlotInputError", "CJKFontWarning", "FUND_LABELS", "BAND_STYLE", "CJK_FAMILIES"]

# the public tables bound here by assignment (the same objects), so that the API reference, which
# reads the ``#:`` comments of this file, documents them as simulator.plots.NAME
#: fund coordinate -> English label (:mod:`simulator.labels` has both languages)
FUND_LABELS = style.FUND_LABELS
#: warning band (as in :data:`simulator.summary.BANDS`) -> (legend label, colour, pale colour for
#: a background)
BAND_STYLE = style.BAND_STYLE
#: CJK font families looked for, in order (the first matplotlib knows is used): Noto Sans CJK
#: (Debian/Ubuntu ``fonts-noto-cjk``, Fedora ``google-noto-sans-cjk-fonts``), Source Han Sans
#: (the same design, Adobe's name), the macOS and Windows system fonts, WenQuanYi
#: (``fonts-wqy-microhei``, ``fonts-wqy-zenhei``), and others often present
CJK_FAMILIES = fonts.CJK_FAMILIES

#: figure kind (as ``fundsim plot --kind``) -> function
KINDS = {"fan": fan_chart, "flows": flows, "bands": band_probabilities, "breakeven": breakeven,
         "pyramid": pyramid, "heatmap": heatmap, "tornado": tornado, "regions": regions_chart}
