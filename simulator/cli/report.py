"""Commands: fundsim plot and fundsim report.

``fundsim plot RESULTS --kind fan -o fan.png`` draws one figure of :mod:`simulator.plots` from a
results file (``fundsim run --out``; a sweep or sensitivity file for ``heatmap`` and ``tornado``;
several results files for ``fan`` compare their runs, each named by its scenario)
and ``fundsim report RESULTS -o report.html`` writes the self-contained report of
:mod:`simulator.report`. Both write their output atomically. Bad input (a missing or unreadable
file, an unknown kind, a fund not in the file, a wrong extension) exits with code 2 and one line.
``--lang zh`` writes the labels in Chinese (:mod:`simulator.labels`); a figure needs a CJK font for
that, and without one keeps English labels and says so on stderr (one ``note:`` line).
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import click

from ..errors import EXIT_BAD_INPUT, SimulatorError
from ._common import handle_errors

#: figure kinds of ``fundsim plot`` -> (function name in simulator.plots, what it needs)
PLOT_KINDS = {
    "fan": "fan chart of reserve months per pooled fund over the warning bands",
    "flows": "income and expenditure per fund",
    "bands": "probability of each warning band, of exhaustion and of a first deficit by year",
    "breakeven": "pay-as-you-go break-even employer rate and resident premium",
    "pyramid": "population pyramid (shipped estimates, or the scenario's projection on its central path for other years and for a city) and retirees per active member",
    "heatmap": "a summary metric over two swept keys (a sweep results file)",
    "tornado": "one-at-a-time sensitivity (a file with low, high, base over 'parameter')",
    "regions": "a province's regions: median reserve months per region and P(any region exhausted) (a province results file)",
}
FIGURE_FORMATS = (".png", ".svg", ".pdf")
#: options of ``fundsim plot`` and the kinds they apply to
_OPTION_KINDS = {
    "fund": ("fan", "flows", "bands", "heatmap", "regions"),
    "scenario": ("fan", "flows", "bands", "breakeven", "pyramid"),
    "year": ("pyramid", "heatmap"),
    "metric": ("heatmap",),
    "x": ("heatmap",),
    "y": ("heatmap",),
}


class InputFileError(SimulatorError):
    """A results file that is missing or cannot be read, or an output path that cannot be used."""

    exit_code = EXIT_BAD_INPUT


class OptionError(SimulatorError):
    """A command-line option that does not fit (an unknown kind, an option the kind does not take)."""

    exit_code = EXIT_BAD_INPUT


def load_results(path):
    """Open a results file (netCDF) fully into memory; :class:`InputFileError` if it cannot be."""
    import xarray as xr

    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{path}: results file not found")
    if p.is_dir():
        from ..sweep import SweepError, open_sweep
        try:
            return open_sweep(p)  # a sweep store: lazy, only what the figure reads is loaded
        except SweepError:
            raise InputFileError(f"{path}: is a directory, not a results file or a sweep store") from None
    try:
        with xr.open_dataset(p, engine="netcdf4") as f:
            return f.load()
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise InputFileError(f"{path}: cannot be read as a results file (netCDF written by fundsim run --out): "
                             f"{type(e).__name__}: {e}") from e


REPORT_FORMATS = (".html", ".htm")


def check_figure_path(out, option="-o/--out") -> Path:
    """Check before any work that ``out`` can take a figure (.png, .svg or .pdf; a new name or a
    regular file, or a symbolic link to one): :mod:`simulator.io` errors (exit 2, or 1 for a
    read-only folder) otherwise."""
    from ..io import check_output_path
    return check_output_path(out, suffixes=FIGURE_FORMATS, option=option)


def check_report_path(out, option="-o/--out") -> Path:
    """As :func:`check_figure_path` for the HTML report (.html or .htm)."""
    from ..io import check_output_path
    return check_output_path(out, suffixes=REPORT_FORMATS, option=option)


def save_figure(fig, out, dpi: int = 150, *, option="-o/--out") -> Path:
    """Save ``fig`` to ``out`` (.png, .svg or .pdf) atomically: a temporary file, then a rename
    (:func:`simulator.io.atomic_path`: only a regular file or a new name is written)."""
    check_figure_path(out, option)
    out = Path(out)
    from ..io import atomic_path

    with atomic_path(out, suffix=out.suffix, option=option) as tmp:
        fig.savefig(tmp, format=out.suffix.lower()[1:], dpi=dpi, bbox_inches="tight", facecolor="white")
    return out


@contextlib.contextmanager
def font_notes():
    """Say a missing CJK font once on stderr as a ``note:`` line (not a Python warning with its
    file and line number): the output is still written, with English labels."""
    import logging

    from ..plots import CJKFontWarning

    # many CJK fonts come in one weight: matplotlib then logs, for every bold title, that it draws
    # it in the regular weight; that is expected, and a line per title on stderr helps nobody
    def not_a_missing_weight(record):
        return "Failed to find font weight" not in record.getMessage()

    font_log = logging.getLogger("matplotlib.font_manager")
    font_log.addFilter(not_a_missing_weight)
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CJKFontWarning)
            yield
    finally:
        font_log.removeFilter(not_a_missing_weight)
        # outside the recording context: a warning passed on here must not be recorded again into
        # the list being read (that looped for ever on the first non-font warning of a figure)
        said = set()
        for w in list(caught):
            if issubclass(w.category, CJKFontWarning):
                text = str(w.message).split(": ", 1)[-1]
                if text not in said:
                    click.echo(f"note: {text}", err=True)
                    said.add(text)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def make_figure(ds, kind, *, funds=(), scenario=None, years=(), metric=None, x=None, y=None, lang="en"):
    """The figure ``kind`` of ``ds`` with the command-line options applied (used by ``fundsim plot``)."""
    from .. import plots

    kind = str(kind).lower()
    if kind not in PLOT_KINDS:
        raise OptionError(f"--kind: unknown kind '{kind}'; choose one of {', '.join(PLOT_KINDS)}")
    given = {"fund": bool(funds), "scenario": scenario is not None, "year": bool(years), "metric": metric is not None,
             "x": x is not None, "y": y is not None}
    for opt, on in given.items():
        if on and kind not in _OPTION_KINDS[opt]:
            raise OptionError(f"--{opt} does not apply to --kind {kind} "
                              f"(it applies to {', '.join(_OPTION_KINDS[opt])})")
    funds = list(funds) or None
    if "region" in ds.dims and kind != "regions":
        raise OptionError(f"--kind {kind}: this is a province's results file (a 'region' dimension); "
                          "use --kind regions")
    if kind == "regions":
        if "region" not in ds.dims:
            raise OptionError("--kind regions needs a province's results (fundsim run PROVINCE.yaml --out FILE.nc)")
        if funds and (len(funds) > 1 or funds[0] not in ("employee_pooled", "resident")):
            raise OptionError("--fund: --kind regions shows one pooled fund: employee_pooled or resident")
        return plots.regions_chart(ds, funds[0] if funds else "employee_pooled")
    if kind in ("fan", "flows", "bands", "breakeven", "pyramid") and "reserve_months" not in ds:
        raise InputFileError(f"--kind {kind} needs the results of a run (fundsim run --out); this file has no "
                             "reserve_months (sweep and sensitivity files take --kind heatmap or tornado)")
    if "fund" in ds.coords and funds and kind in ("fan", "bands", "flows"):
        allowed = list(plots.POOLED_VIEW) if kind != "flows" else [str(f) for f in ds["fund"].values] + ["pooled_combined"]
        for f in funds:
            if f not in allowed:
                raise OptionError(f"--fund: '{f}' is not a fund --kind {kind} can show; "
                                  f"choose from {', '.join(allowed)}")
    if kind == "fan":
        return plots.fan_chart(ds, funds, scenario=scenario, lang=lang)
    if kind == "flows":
        return plots.flows(ds, funds, scenario=scenario, lang=lang)
    if kind == "bands":
        return plots.band_probabilities(ds, funds, scenario=scenario, lang=lang)
    if kind == "breakeven":
        return plots.breakeven(ds, scenario=scenario, lang=lang)
    if kind == "pyramid":
        if len(years) > 2:
            raise OptionError("--year: a pyramid shows one or two years")
        return plots.pyramid(ds, years=list(years) or None, scenario=scenario, lang=lang)
    if kind == "heatmap":
        if funds and len(funds) > 1:
            raise OptionError("--fund: a heatmap shows one fund")
        if len(years) > 1:
            raise OptionError("--year: a heatmap shows one year")
        pick = {}
        if funds:
            pick["fund"] = funds[0]
        if years:
            pick["year"] = years[0]
        if ds.attrs.get("kind") == "province_sweep":  # metric_value(scenario, metric): one column of it
            names = [str(m) for m in ds["metric"].values]
            chosen = metric or names[0]
            if chosen not in names:
                raise OptionError(f"--metric: this province sweep kept {', '.join(names)}; choose one of them")
            ds = ds["metric_value"].sel(metric=chosen, drop=True).to_dataset(name=chosen)
            return plots.heatmap(ds, chosen, x, y, lang=lang)
        return plots.heatmap(ds, metric or "exhaustion_probability_by_year", x, y, lang=lang, **pick)
    return plots.tornado(ds, lang=lang)


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
    from ..labels import LANGUAGES

    kinds_help = "; ".join(f"{k}: {v}" for k, v in PLOT_KINDS.items())
    lang_option = click.option("--lang", type=click.Choice(LANGUAGES, case_sensitive=False), default="en",
                               show_default=True,
                               help="Language of the labels: en or zh (Chinese; a figure needs a CJK font, e.g. "
                                    "Debian's fonts-noto-cjk, and keeps English labels without one).")

    @group.command()
    @click.argument("results", metavar="RESULTS...", nargs=-1, required=True)
    @click.option("--kind", "-k", default="fan", show_default=True, metavar="|".join(PLOT_KINDS),
                  help=f"Which figure. {kinds_help}.")
    @click.option("--fund", "-f", "funds", multiple=True, metavar="FUND",
                  help="Fund(s) to show (repeatable): employee_pooled, resident, pooled_combined; flows also "
                       "employee_accounts. Default: the pooled funds (and their combination).")
    @click.option("--scenario", help="One scenario of a file with a 'scenario' dimension (fan: default compares all).")
    @click.option("--year", "years", type=int, multiple=True,
                  help="pyramid: one or two years (shipped estimates 2017, 2021-2024, or any year of the run: its central-path projection); heatmap: the year of the metric.")
    @click.option("--metric", help="heatmap: the summary variable to show (default exhaustion_probability_by_year).")
    @click.option("--x", "x_key", metavar="KEY", help="heatmap: swept key on the horizontal axis.")
    @click.option("--y", "y_key", metavar="KEY", help="heatmap: swept key on the vertical axis.")
    @click.option("--dpi", type=click.IntRange(50, 600), default=150, show_default=True, help="Resolution of a PNG.")
    @click.option("--out", "-o", required=True, help="Output file: .png, .svg or .pdf (written atomically).")
    @lang_option
    @handle_errors
    def plot(results, kind, funds, scenario, years, metric, x_key, y_key, dpi, out, lang):
        """Draw one figure of RESULTS (a file written by fundsim run --out; for --kind fan, several
        such files are compared, each named in the legend by its scenario)."""
        kind = str(kind).lower()
        if kind not in PLOT_KINDS:
            raise OptionError(f"--kind: unknown kind '{kind}'; choose one of {', '.join(PLOT_KINDS)}")
        if len(results) > 1 and kind != "fan":
            raise OptionError(f"--kind {kind} draws one results file; several files are compared by --kind fan")
        check_figure_path(out)
        if len(results) > 1:
            from ..plots import stack_runs
            runs = [load_results(r) for r in results]
            for r, d in zip(results, runs):
                if "reserve_months" not in d or "scenario" in d.dims:
                    raise InputFileError(f"{r}: not the results of one run (fundsim run --out); --kind fan compares "
                                         "runs")
            ds = stack_runs(runs)
        else:
            ds = load_results(results[0])
        with font_notes():
            fig = make_figure(ds, kind, funds=funds, scenario=scenario, years=years, metric=metric, x=x_key,
                              y=y_key, lang=lang.lower())
            path = save_figure(fig, out, dpi=dpi)
        click.echo(f"wrote {path}")

    @group.command()
    @click.argument("results", metavar="RESULTS")
    @click.option("--out", "-o", required=True, help="Output HTML file (self-contained; written atomically).")
    @click.option("--step", type=click.IntRange(min=1), default=5, show_default=True,
                  help="Years between rows of the summary tables.")
    @lang_option
    @handle_errors
    def report(results, out, step, lang):
        """Write one self-contained HTML report of RESULTS: assumptions, summary tables, calibration, figures.

        A province's results file gets the province's report: each region's reserve months and exhaustion,
        P(any region exhausted), what the pooling moves, the figures and the provenance."""
        from ..report import write_report

        check_report_path(out)
        ds = load_results(results)
        if "reserve_months" not in ds:
            raise InputFileError(f"{results}: not the results of a run (no reserve_months); a report covers one run")
        if "region" in ds.dims:
            if lang.lower() != "en":
                raise OptionError("--lang: a province's report is in English only so far")
            from ..report.province import write_province_report
            with font_notes():
                path = write_province_report(ds, out, step=step, option="-o/--out")
            click.echo(f"wrote {path}")
            return
        with font_notes():
            path = write_report(ds, out, step=step, option="-o/--out", lang=lang.lower())
        click.echo(f"wrote {path}")
