"""``fundsim``: the command line.  Thin: parses options, calls the API, prints, maps errors to
exit codes (0 ok, 1 failure, 2 bad input, 130 interrupted).  Tracebacks only with --traceback.

This module holds the click group; each command lives in a module of this package that adds it
to the group with ``register(group)``: :mod:`~simulator.cli.run`, :mod:`~simulator.cli.breakeven`,
:mod:`~simulator.cli.bench`, :mod:`~simulator.cli.attribute`, :mod:`~simulator.cli.compare`,
:mod:`~simulator.cli.export` (``export``, ``summary``), :mod:`~simulator.cli.library`
(``scenarios``, ``show``, ``backtest``), :mod:`~simulator.cli.report` (``plot``, ``report``),
:mod:`~simulator.cli.sweep` (``sweep``, ``sensitivity``), :mod:`~simulator.cli.uncertainty` and
:mod:`~simulator.cli.init` (a city's scenario to fill in).
What they share (the error handler, the progress line, ...) is in :mod:`simulator.cli._common`;
they import nothing from here. Heavy imports (numpy, xarray, the API) happen inside the command
functions, so ``fundsim --help`` stays fast.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import EXIT_BAD_INPUT
from . import attribute, bench, breakeven, compare, export, init, library, report, run, sweep, uncertainty


class _Group(click.Group):
    def main(self, *args, **kwargs):
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.UsageError as e:  # pragma: no cover - click exits itself
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fundsim")
@click.option("--traceback", is_flag=True, help="Show Python tracebacks for errors (for debugging).")
def cli(traceback):
    """Monte Carlo projections of China's basic medical insurance funds.

    Scenarios are installed names (fundsim scenarios), YAML files or stacks a+b.yaml (default:
    baseline). Exit codes: 0 ok, 1 failure, 2 bad input (scenario, options), 130 interrupted.
    """
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        # a warning is a message to the user, not a Python location (as `fundsim run` prints it)
        click.echo(f"warning: {message}", err=True)

    warnings.showwarning = show


# every command module adds its commands to the group
for _module in (run, breakeven, bench, report, library, sweep, compare, attribute, uncertainty, export, init):
    _module.register(cli)
del _module


def main():
    try:
        cli(prog_name="fundsim")
    finally:
        # the command is done (click leaves by SystemExit): what is left is the interpreter's
        # shutdown, whose garbage collections walk every object numba, xarray and the run made
        # (0.3-0.4 s of a 1,000-path `fundsim run`). Frozen, they are freed as Python frees the
        # modules, without the walks. Only for the real command: tests that invoke `cli` in
        # their own process are not touched.
        import gc

        gc.freeze()
