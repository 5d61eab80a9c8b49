"""Command: fundsim attribute SCENARIO, each random group's share of a headline's variance
(:mod:`simulator.attribution`)."""

from __future__ import annotations

import click

from ._common import handle_errors


def register(group):
    """Add ``fundsim attribute`` to the ``fundsim`` click group."""

    @group.command("attribute")
    @click.argument("scenario", required=False)
    @click.option("--metric", "-m", default="reserve_months:employee_pooled:end", show_default=True,
                  help="A per-path headline: VARIABLE[:FUND]:YEAR, or exhaustion|deficit|operating_deficit:FUND:YEAR "
                       "(whether it happened by YEAR).")
    @click.option("--paths", "-n", type=click.IntRange(min=2), help="Paths per run (default: the scenario's).")
    @click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), help="Seed (default: the scenario's).")
    @click.option("--horizon", type=click.IntRange(1, 200), help="Years after the base year.")
    @click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario value.")
    @click.option("--by-parameter", is_flag=True, help="One group per uncertain parameter instead of one for all.")
    @click.option("--threads", type=click.IntRange(min=1), help="Numba threads (results do not depend on it).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
    @click.option("--plot", "plot_out", type=click.Path(dir_okay=False), help="Also draw the bar chart (.png, .svg, .pdf).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
    @handle_errors
    def attribute_cmd(scenario, metric, paths, seed, horizon, overrides, by_parameter, threads, as_json, plot_out,
                      quiet):
        """Each group of random components' share of the variance of a headline (Sobol indices).

        Groups: mortality, each economic driver, disease trends, epidemics, uncertain parameters.
        """
        from ..attribution import attribute, attribution_json, format_attribution

        if plot_out is not None:   # checked before the runs
            from .report import check_figure_path
            check_figure_path(plot_out, "--plot")

        def progress(done, total):
            if not quiet:
                click.echo(f"\r  {done}/{total} runs", err=True, nl=done >= total)

        a = attribute(scenario or "baseline", metric=metric, paths=paths, seed=seed, horizon=horizon,
                      overrides=list(overrides), by_parameter=by_parameter, threads=threads, progress=progress)
        if plot_out is not None:
            from .report import save_figure
            from ..plots.attribution import attribution_chart
            save_figure(attribution_chart(a), plot_out, option="--plot")
        click.echo(attribution_json(a) if as_json else format_attribution(a))
