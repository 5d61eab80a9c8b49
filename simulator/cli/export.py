"""Commands: ``fundsim export`` (a results file as CSV, Excel or Parquet tables) and ``fundsim
summary`` (the summary of a results file, as text or JSON).

* ``fundsim export RESULTS [--to csv|xlsx|parquet] -o FILE [--all-paths [--variables NAME,...]]``
  writes the tables of :mod:`simulator.export`;
* ``fundsim summary RESULTS [--step N] [--json]`` prints what ``fundsim run`` printed when it made
  the file.
"""

from __future__ import annotations

import click

from ._common import handle_errors


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
    from ..export import FORMATS

    @group.command("export")
    @click.argument("results", metavar="RESULTS.nc")
    @click.option("--to", "to", type=click.Choice(list(FORMATS)), help="Format (default: from the suffix of -o).")
    @click.option("--out", "-o", "out", required=True, metavar="FILE",
                  help="Output: FILE.xlsx (one sheet per table), or FILE.csv / FILE.parquet (one file per table: "
                       "FILE_summary, FILE_events, FILE_about and, with --all-paths, FILE_paths).")
    @click.option("--all-paths", "all_paths", is_flag=True,
                  help="Also write every path of every variable (the paths table; large: paths x years x variables rows).")
    @click.option("--variables", "variables", multiple=True, metavar="NAME[,NAME...]",
                  help="With --all-paths: only these variables (repeatable, comma-separated).")
    @handle_errors
    def export_cmd(results, to, out, all_paths, variables):
        """Write the tables of a results file (fundsim run --out) for spreadsheets and scripts.

        Long format, one number per row with its units: the summary per fund and year
        (reserve-month quantiles, warning-band, deficit and exhaustion probabilities, income,
        expenditure and balance), the distribution of the event years, and with --all-paths every
        path.

        \b
        fundsim export r.nc -o r.xlsx
        fundsim export r.nc --to csv -o tables/r.csv      # r_summary.csv, r_events.csv, r_about.csv
        fundsim export r.nc -o r.parquet --all-paths --variables reserve_months,balance
        """
        from ..export import check_export, export, open_results

        names = [v.strip() for g in variables for v in g.split(",") if v.strip()]
        if names and not all_paths:
            from ..export import ExportError
            raise ExportError("--variables: chooses the variables of the paths table; give --all-paths too")
        check_export(out, to, all_paths=all_paths)  # before reading a large file
        ds = open_results(results)
        written = export(ds, out, to, all_paths=all_paths, variables=names or None, source=results)
        for f in written:
            click.echo(f"wrote {f}")

    @group.command("summary")
    @click.argument("results", metavar="RESULTS.nc")
    @click.option("--step", type=click.IntRange(min=1), default=5, show_default=True,
                  help="Years between rows of the table.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object (every year; units under 'units').")
    @handle_errors
    def summary_cmd(results, step, as_json):
        """Print the summary of a results file (fundsim run --out): the table fundsim run printed."""
        from ..export import open_results
        from ..summary import format_summary, summarize, summary_dict

        ds = open_results(results)
        if "region" in ds.dims:  # a province's results file: what fundsim run printed for it
            from ..province import format_province, summarize_province
            if as_json:
                import json

                from .province import province_summary_dict
                click.echo(json.dumps(province_summary_dict(ds, summarize_province(ds)), indent=2, ensure_ascii=False,
                                      allow_nan=False))
            else:
                click.echo(format_province(ds, step=step))
            return
        s = summarize(ds)
        if as_json:
            import json
            click.echo(json.dumps(summary_dict(ds, s), indent=2, ensure_ascii=False, allow_nan=False))
        else:
            click.echo(format_summary(ds, s, step=step))
