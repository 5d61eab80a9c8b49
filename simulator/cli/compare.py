"""Command: fundsim compare A B, the reasons for change between two scenarios (:mod:`simulator.compare`)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import handle_errors


def register(group):
    """Add ``fundsim compare`` to the ``fundsim`` click group."""

    @group.command("compare")
    @click.argument("scenario_a")
    @click.argument("scenario_b")
    @click.option("--metric", "-m", "metrics", multiple=True, metavar="METRIC",
                  help="A headline to decompose (repeatable; the first is the JSON headline). Default: reserve "
                       "months, exhaustion and first-deficit probabilities and years, actuarial balance of both "
                       "pooled funds. Forms as in fundsim sensitivity, plus actuarial_balance:FUND[:MONTHS]:STAT.")
    @click.option("--paths", "-n", type=click.IntRange(min=1), help="Paths for every run (default: A's simulation.paths).")
    @click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), help="Seed for every run (default: A's).")
    @click.option("--horizon", type=click.IntRange(1, 200), help="Years after the base year (default: A's).")
    @click.option("--depth", type=click.IntRange(1, 2), default=1, show_default=True,
                  help="Groups of inputs: 1 = top-level sections, 2 = keys inside sections.")
    @click.option("--method", type=click.Choice(["one_at_a_time", "sequential"]), default="one_at_a_time",
                  show_default=True, help="Each group applied alone to A (remainder = interactions), or cumulatively in order.")
    @click.option("--set-a", "overrides_a", multiple=True, metavar="KEY.PATH=VALUE", help="Override a value of A.")
    @click.option("--set-b", "overrides_b", multiple=True, metavar="KEY.PATH=VALUE", help="Override a value of B.")
    @click.option("--threads", type=click.IntRange(min=1), help="Numba threads (results do not depend on it).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
    @click.option("--out", "-o", type=click.Path(dir_okay=False), help="Also write the JSON to this file (atomically).")
    @click.option("--plot", "plot_out", type=click.Path(dir_okay=False),
                  help="Also draw the headline's waterfall chart to this .png, .svg or .pdf file.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
    @handle_errors
    def compare_cmd(scenario_a, scenario_b, metrics, paths, seed, horizon, depth, method, overrides_a, overrides_b,
                    threads, as_json, out, plot_out, quiet):
        """Split the difference between SCENARIO_A and SCENARIO_B in each headline by group of inputs.

        Both run with the same paths and seed (common random numbers). Each part is the change due
        to one group of differing inputs; the parts and the interaction remainder add up to the total.
        """
        from ..compare import DEFAULT_COMPARE_METRICS, comparison_json, compare, format_comparison

        # output paths are checked before the runs (a regular file or a new name, the right suffix)
        if plot_out is not None:
            from .report import check_figure_path
            check_figure_path(plot_out, "--plot")
        if out is not None:
            from ..io import check_output_path
            check_output_path(out, suffixes=(".json",), option="--out", suffix_hint="; the comparison is written as JSON")

        def progress(done, total):
            if not quiet:
                click.echo(f"\r  {done}/{total} runs", err=True, nl=done >= total)

        c = compare(scenario_a, scenario_b, metrics=list(metrics) or list(DEFAULT_COMPARE_METRICS), paths=paths,
                    seed=seed, horizon=horizon, depth=depth, method=method, overrides_a=overrides_a,
                    overrides_b=overrides_b, threads=threads, progress=progress)
        text = comparison_json(c)
        if out is not None:
            from ..io import atomic_path
            with atomic_path(out) as tmp:
                Path(tmp).write_text(text + "\n", encoding="utf-8")
        if plot_out is not None:
            from .report import save_figure
            from ..plots.waterfall import waterfall
            save_figure(waterfall(c), plot_out, option="--plot")
        click.echo(text if as_json else format_comparison(c))
