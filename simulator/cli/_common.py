"""What the ``fundsim`` command modules share: the error handler that maps errors to exit codes
(:func:`handle_errors`), the progress line of a long run, the command line as typed (the
``history`` of a results file), the ``--variables`` parser and the ``--out`` suffix check.

The command modules import from here, never from :mod:`simulator.cli` itself (which imports them
to register their commands).
"""

from __future__ import annotations

import functools
import sys
import time

import click

from ..errors import EXIT_FAILURE, EXIT_INTERRUPTED, SimulatorError


def handle_errors(fn):
    """Decorate a command: a :class:`~simulator.errors.SimulatorError` becomes one ``error:`` line
    and its exit code, Ctrl-C exit 130, running out of memory or any other exception one line and
    exit 1; ``fundsim --traceback`` shows the traceback instead."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        show_tb = (ctx.find_root().params or {}).get("traceback", False)
        try:
            return fn(*args, **kwargs)
        except SimulatorError as e:
            if show_tb:
                raise
            click.echo(f"error: {e}", err=True)
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: no output was written", err=True)
            # files being written have already been removed on the way up (simulator.io); leave
            # at once rather than wait for numba's worker threads at interpreter shutdown
            sys.stderr.flush()
            import os
            os._exit(EXIT_INTERRUPTED)
        except MemoryError:
            if show_tb:
                raise
            click.echo("error: out of memory; run fewer paths (--paths) or keep fewer variables (--variables core)",
                       err=True)
            sys.exit(EXIT_FAILURE)
        except BrokenPipeError:
            # the reader went away (`fundsim ... | head`): stop quietly, as Unix tools do
            import os
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:  # a bug: one line, with a pointer to --traceback
            if show_tb:
                raise
            click.echo(f"internal error: {type(e).__name__}: {e}\n(run again with --traceback for details, and please report it)", err=True)
            sys.exit(EXIT_FAILURE)
    return wrapper


def progress_printer(enabled):
    """A ``progress(done, total)`` callback that shows paths done, elapsed time and ETA on stderr,
    or None when ``enabled`` is false."""
    if not enabled:
        return None
    start = time.perf_counter()

    def show(done, total):
        el = time.perf_counter() - start
        eta = el / done * (total - done) if done else 0.0
        click.echo(f"\r  {done:,}/{total:,} paths  {el:5.1f} s elapsed, ETA {eta:5.1f} s", err=True, nl=done >= total)
    return show


#: what ``fundsim run --out`` writes
RUN_OUT_SUFFIXES = (".nc",)


def check_out_suffix(out) -> None:
    """Refuse a --out name that promises another format than the netCDF ``fundsim run`` writes
    (``r.csv`` used to receive netCDF bytes under a CSV name), pointing to ``fundsim export``."""
    from pathlib import Path

    from ..export import FORMAT_OF_SUFFIX
    from ..io import OutputPathError

    suffix = Path(str(out)).suffix
    if suffix.lower() in RUN_OUT_SUFFIXES:
        return
    got = f"'{suffix}'" if suffix else "no suffix"
    stem = str(Path(str(out)).with_suffix("")) or "results"
    fmt = FORMAT_OF_SUFFIX.get(suffix.lower())
    then = (f"'fundsim export {stem}.nc -o {out}'" if fmt else
            f"'fundsim export {stem}.nc -o {stem}.xlsx' (or .csv, .parquet)")
    raise OutputPathError(f"--out {out}: fundsim run writes netCDF results; the name must end in .nc (it has {got}). "
                          f"For a spreadsheet, write --out {stem}.nc, then run {then}")


def command_line(ctx: click.Context) -> str:
    """The command as the user typed it, rebuilt from what click parsed (the ``history`` line of a
    results file): the command's name and each option given on the command line or in the
    environment, in declaration order; defaults are left out."""
    import shlex

    from click.core import ParameterSource

    names = []
    c = ctx
    while c is not None:
        names.append(c.info_name if c.parent is not None else "fundsim")
        c = c.parent
    parts = list(reversed(names))
    for param in ctx.command.params:
        if ctx.get_parameter_source(param.name) not in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            continue
        value = ctx.params.get(param.name)
        values = list(value) if isinstance(value, (tuple, list)) else [value]
        if isinstance(param, click.Argument):
            parts.extend(str(v) for v in values if v is not None)
        elif getattr(param, "is_flag", False) and not getattr(param, "count", False):
            if param.secondary_opts and not value:
                parts.append(param.secondary_opts[0])
            elif value:
                parts.append(max(param.opts, key=len))
        else:
            for v in values:
                parts.extend([max(param.opts, key=len), str(v)])
    return shlex.join(parts)


def parse_variables(given):
    """``--variables`` values (repeatable, comma-separated) as the API's ``variables``."""
    names = [v.strip() for g in given for v in str(g).split(",") if v.strip()]
    if not given:
        return "all"
    from ..api import OptionError
    if not names:
        raise OptionError("--variables: give all, core or variable names")
    for word in ("all", "core"):
        if word in names:
            if len(names) > 1:
                raise OptionError(f"--variables: '{word}' cannot be combined with other names")
            return word
    from ..api import variable_names
    try:
        variable_names(names)
    except OptionError as e:
        raise OptionError("--" + str(e)) from None
    return names


def given_options(*names) -> list:
    """The flags (``--by``) of the options named ``names`` (parameter names) that the command line
    gave, not left at their defaults: for options that belong to one kind of input only."""
    from click.core import ParameterSource
    ctx = click.get_current_context()
    params = {p.name: p for p in ctx.command.params}
    return [next((o for o in params[n].opts if o.startswith("--")), params[n].opts[0]) for n in names
            if ctx.get_parameter_source(n) not in (ParameterSource.DEFAULT, None)]
