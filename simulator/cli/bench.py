"""Command: ``fundsim bench``, path-years per second of the numba kernel and the NumPy reference
(:mod:`simulator.bench`)."""

from __future__ import annotations

import click

from ._common import handle_errors


def register(group):
    """Add ``fundsim bench`` to the ``fundsim`` click group."""

    @group.command()
    @click.option("--paths", "-n", type=click.IntRange(min=1), default=5000, show_default=True, help="Paths for the kernel.")
    @click.option("--years", type=click.IntRange(1, 200), default=40, show_default=True, help="Projection years.")
    @click.option("--threads", type=click.IntRange(min=1), help="Numba threads (default: all cores).")
    @click.option("--reference-paths", type=click.IntRange(min=1), help="Paths for the slow NumPy reference (default: --paths).")
    @click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, help="Kernel timings (the best is kept).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    @handle_errors
    def bench(paths, years, threads, reference_paths, repeat, as_json):
        """Path-years per second of the numba kernel and the NumPy reference, measured in one run."""
        import json

        from ..bench import bench as run_bench
        from ..bench import format_bench

        from ..api import check_threads

        threads = check_threads(threads, "--threads")
        r = run_bench(paths=paths, years=years, threads=threads, reference_paths=reference_paths, repeat=repeat)
        click.echo(json.dumps(r, indent=2) if as_json else format_bench(r))
