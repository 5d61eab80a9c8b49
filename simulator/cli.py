"""``fundsim``: the command line.  Thin: parses options, calls the API, prints, maps errors to
exit codes (0 ok, 1 failure, 2 bad input, 130 interrupted).  Tracebacks only with --traceback.
"""

from __future__ import annotations

import functools
import sys
import time
import warnings

import click

from . import __version__
from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_INTERRUPTED, SimulatorError


def _handle_errors(fn):
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


def _progress_printer(enabled):
    if not enabled:
        return None
    start = time.perf_counter()

    def show(done, total):
        el = time.perf_counter() - start
        eta = el / done * (total - done) if done else 0.0
        click.echo(f"\r  {done:,}/{total:,} paths  {el:5.1f} s elapsed, ETA {eta:5.1f} s", err=True, nl=done >= total)
    return show


@cli.command()
@click.argument("scenario", required=False)
@click.option("--paths", "-n", type=click.IntRange(min=1), help="Monte Carlo paths (default: the scenario's simulation.paths).")
@click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), help="Seed (default: the scenario's simulation.seed).")
@click.option("--horizon", type=click.IntRange(1, 200), help="Years after the base year (default: the scenario's horizon).")
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario value (repeatable).")
@click.option("--out", "-o", metavar="FILE.nc",
              help="Write results to this netCDF file (atomically; a new name or a regular file, or a symbolic link "
                   "to one, which is written through).")
@click.option("--variables", "variables", multiple=True, metavar="all|core|NAME[,NAME...]",
              help="Output variables to keep (repeatable): all (default), core (what the summary and break-even "
                   "analysis need, about a third of the memory) or names from simulator.results.VARIABLES. "
                   "Memory grows with paths x years x kept variables.")
@click.option("--threads", type=click.IntRange(min=1), help="Numba threads (results do not depend on it; at most "
              "NUMBA_NUM_THREADS, the cores by default).")
@click.option("--step", type=click.IntRange(min=1), default=5, show_default=True, help="Years between rows of the summary table.")
@click.option("--named-sets/--no-named-sets", default=True, show_default=True,
              help="Also run the low-cost, central and high-cost deterministic sets and show them beside the "
                   "percentiles (and keep them in the results file).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as one JSON object (every year; units under 'units') and nothing else on "
                   "standard output.")
@_handle_errors
def run(scenario, paths, seed, horizon, overrides, out, variables, threads, step, named_sets, quiet, as_json):
    """Run SCENARIO (an installed name such as qingdao, a YAML file, or a stack such as baseline+a.yaml+b.yaml; default: baseline) and print its summary."""
    from .api import (SUMMARY_VARIABLES, OptionError, check_result_path, check_threads, prepare, result_file_size,
                      run_compiled, variable_names, write_netcdf)
    from .results import to_cf
    from .summary import format_summary

    t0 = time.perf_counter()
    command = command_line(click.get_current_context())
    # every option is checked before the (possibly long) run starts
    threads = check_threads(threads, "--threads")
    variables = _parse_variables(variables)
    kept = set(variable_names(variables))
    missing = [v for v in SUMMARY_VARIABLES if v not in kept]
    if as_json and missing:
        raise OptionError(f"--json: the summary needs {', '.join(missing)} too; keep them (--variables core)")
    summary = (as_json or not quiet) and not missing
    if out is not None:
        from .io import check_output_path
        check_output_path(out, option="--out")  # an empty name, a folder, a device: said as for any output
        _check_out_suffix(out)
        check_result_path(out, option="--out")
    if not quiet and missing and out is None:
        raise OptionError(f"--variables: the summary needs {', '.join(missing)} too; keep them (--variables core), "
                          "or write the results with --out")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                                   variables=variables, summary=summary)
    if not quiet:
        for w in caught:
            click.echo(f"warning: {w.message}", err=True)
    n = compiled.inputs.path_ids.shape[0]
    if out is not None:  # room on the disk for the file, before the run
        check_result_path(out, option="--out", size=result_file_size(n, compiled.inputs.sched.shape[1], variables))
    show = not quiet and n >= 20000
    ds = run_compiled(loaded, compiled, threads=threads, progress=_progress_printer(show), variables=variables)
    if named_sets and (summary or out is not None):
        from .named_sets import attach, named_set_runs
        ds = attach(ds, named_set_runs(loaded, horizon=horizon, threads=threads))
    if out is not None:
        write_netcdf(to_cf(ds, command=command), out, option="--out")
    if as_json:
        import json

        from .summary import summary_dict
        click.echo(json.dumps(summary_dict(ds), indent=2, ensure_ascii=False, allow_nan=False))
        return
    if not quiet:
        if summary:
            click.echo(format_summary(ds, step=step))
        else:
            click.echo(f"no summary printed: it needs {', '.join(missing)}, which --variables left out")
        elapsed = time.perf_counter() - t0
        click.echo(f"\n{n} paths x {ds.sizes['year'] - 1} years in {elapsed:.2f} s "
                   f"(kernel {ds.attrs['kernel_seconds']:.2f} s)" + (f"; results written to {out}" if out else ""))


#: what ``fundsim run --out`` writes
RUN_OUT_SUFFIXES = (".nc",)


def _check_out_suffix(out) -> None:
    """Refuse a --out name that promises another format than the netCDF ``fundsim run`` writes
    (``r.csv`` used to receive netCDF bytes under a CSV name), pointing to ``fundsim export``."""
    from pathlib import Path

    from .export import FORMAT_OF_SUFFIX
    from .io import OutputPathError

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


def _parse_variables(given):
    """``--variables`` values (repeatable, comma-separated) as the API's ``variables``."""
    names = [v.strip() for g in given for v in str(g).split(",") if v.strip()]
    if not given:
        return "all"
    from .api import OptionError
    if not names:
        raise OptionError("--variables: give all, core or variable names")
    for word in ("all", "core"):
        if word in names:
            if len(names) > 1:
                raise OptionError(f"--variables: '{word}' cannot be combined with other names")
            return word
    from .api import variable_names
    try:
        variable_names(names)
    except OptionError as e:
        raise OptionError("--" + str(e)) from None
    return names


@cli.command()
@click.argument("scenario", required=False)
@click.option("--lever", "levers", multiple=True, metavar="KEY.PATH",
              help="Scenario key to solve for (repeatable). Default: employee.employer_rate and resident.premium.")
@click.option("--target-months", type=click.FloatRange(min=0), default=6.0, show_default=True, help="Reserve months to reach.")
@click.option("--probability", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.9, show_default=True,
              help="Share of paths that must reach the target.")
@click.option("--start-year", type=int, help="Year the level applies from (default: the first projection year).")
@click.option("--horizon", type=click.IntRange(1, 200), help="Years after the base year (default: the scenario's horizon).")
@click.option("--throughout", is_flag=True, help="Require the target in every year from the start year, not only at the horizon.")
@click.option("--relative", is_flag=True, help="Solve for a factor on the lever's schedule instead of a constant level.")
@click.option("--paths", "-n", type=click.IntRange(min=1), default=1000, show_default=True, help="Monte Carlo paths per evaluation.")
@click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1), help="Seed (default: the scenario's).")
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario value (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_handle_errors
def breakeven(scenario, levers, target_months, probability, start_year, horizon, throughout, relative, paths, seed,
              overrides, as_json):
    """Level break-even values: the constant lever value from the start year that meets the reserve target.

    Also prints the actuarial balance of both pooled funds and the pay-as-you-go break-even rate and
    premium at 5-year steps (medians over paths).
    """
    import json

    from .api import run
    from .breakeven import actuarial_balance
    from .breakeven import breakeven as solve

    levers = levers or ("employee.employer_rate", "resident.premium")
    results = []
    for lever in levers:
        r = solve(scenario, lever=lever, target_months=target_months, probability=probability, start_year=start_year,
                  horizon=horizon, throughout=throughout, paths=paths, seed=seed, overrides=overrides, relative=relative)
        results.append(r)
    ds = run(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides)
    ab = actuarial_balance(ds, target_months=target_months, start_year=start_year)["actuarial_balance"]
    if as_json:
        click.echo(json.dumps({"breakeven": [r.as_dict() for r in results],
                               "actuarial_balance_median": {f: float(ab.sel(fund=f).median()) for f in ab["fund"].values}},
                              indent=2, default=str))
        return
    click.echo(f"Level break-even ({paths} paths, seed {results[0].seed}, rate trigger and backstop off):")
    for r in results:
        click.echo("  " + r.format())
    years = ds["year"].values
    click.echo(f"\nActuarial balance {results[0].start_year}-{years[-1]} with a {target_months:g}-month ending target "
               "(median [5%, 95%] over paths):")
    for f, what in (("employee_pooled", "of the contribution base"), ("resident", "of resident financing")):
        q = ab.sel(fund=f).quantile([0.05, 0.5, 0.95], "path").values
        click.echo(f"  {f:16s} {q[1]:+.2%} {what} [{q[0]:+.2%}, {q[2]:+.2%}]")
    click.echo("\nPay-as-you-go break-even (median over paths):")
    click.echo(f"  {'year':>4}  {'employer rate':>13} {'in force':>9}  {'resident premium':>16} {'in force':>9}")
    for y in [y for y in years if (y - years[0]) % 5 == 0]:
        d = ds.sel(year=y)
        click.echo(f"  {y:>4}  {float(d['breakeven_rate'].median()):>13.4f} {float(d['employer_rate'].median()):>9.4f}  "
                   f"{float(d['breakeven_premium'].median()):>16.0f} {float(d['resident_premium'].median()):>9.0f}")


@cli.command()
@click.option("--paths", "-n", type=click.IntRange(min=1), default=5000, show_default=True, help="Paths for the kernel.")
@click.option("--years", type=click.IntRange(1, 200), default=40, show_default=True, help="Projection years.")
@click.option("--threads", type=click.IntRange(min=1), help="Numba threads (default: all cores).")
@click.option("--reference-paths", type=click.IntRange(min=1), help="Paths for the slow NumPy reference (default: --paths).")
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, help="Kernel timings (the best is kept).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_handle_errors
def bench(paths, years, threads, reference_paths, repeat, as_json):
    """Path-years per second of the numba kernel and the NumPy reference, measured in one run."""
    import json

    from .bench import bench as run_bench
    from .bench import format_bench

    from .api import check_threads

    threads = check_threads(threads, "--threads")
    r = run_bench(paths=paths, years=years, threads=threads, reference_paths=reference_paths, repeat=repeat)
    click.echo(json.dumps(r, indent=2) if as_json else format_bench(r))


# commands defined in their own modules register themselves on the group
from . import cli_attribute, cli_compare, cli_export, cli_library, cli_report, cli_sweep, cli_uncertainty  # noqa: E402

cli_report.register(cli)
cli_library.register(cli)
cli_sweep.register(cli)
cli_compare.register(cli)
cli_attribute.register(cli)
cli_uncertainty.register(cli)
cli_export.register(cli)


def main():
    cli(prog_name="fundsim")


if __name__ == "__main__":  # pragma: no cover
    main()
