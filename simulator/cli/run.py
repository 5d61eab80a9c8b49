"""Command: ``fundsim run [SCENARIO]``, one Monte Carlo run of a scenario and its summary
(optionally written to a netCDF results file)."""

from __future__ import annotations

import time
import warnings

import click

from ._common import check_out_suffix, command_line, given_options, handle_errors, parse_variables, progress_printer


def register(group):
    """Add ``fundsim run`` to the ``fundsim`` click group."""

    @group.command()
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
    @click.option("--precision", type=click.Choice(["double", "single"]), default="double", show_default=True,
                  help="How the kept variables are stored: computed in double precision either way, 'single' keeps "
                       "float32 (about 7 significant digits), half the memory and file, for 100,000 paths and more.")
    @click.option("--step", type=click.IntRange(min=1), default=5, show_default=True, help="Years between rows of the summary table.")
    @click.option("--named-sets/--no-named-sets", default=True, show_default=True,
                  help="Also run the low-cost, central and high-cost deterministic sets and show them beside the "
                       "percentiles (and keep them in the results file).")
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
    @click.option("--json", "as_json", is_flag=True,
                  help="Print the summary as one JSON object (every year; units under 'units') and nothing else on "
                       "standard output.")
    @handle_errors
    def run(scenario, paths, seed, horizon, overrides, out, variables, threads, precision, step, named_sets, quiet, as_json):
        """Run SCENARIO (an installed name such as qingdao, a YAML file, or a stack such as baseline+a.yaml+b.yaml; default: baseline) and print its summary.

        A province file (top-level key province:, or a shipped one such as example_province) runs its
        regions together with their pooling and prints each region's summary."""
        from ..api import (SUMMARY_VARIABLES, OptionError, check_result_path, check_threads, double_only, prepare,
                          result_file_size,
                          run_compiled, variable_names, write_netcdf)
        from ..results import to_cf
        from ..summary import format_summary

        t0 = time.perf_counter()
        command = command_line(click.get_current_context())
        from ..province import is_province
        if is_province(scenario):
            from .province import run_province_command
            asked = bool(given_options("named_sets"))
            double_only(precision, "--precision")
            if asked and named_sets:
                raise OptionError("--named-sets: the named deterministic sets are run for a scenario, not a province "
                                  "(run a region's scenario for them)")
            return run_province_command(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                                        out=out, variables=variables, threads=threads, step=step, quiet=quiet,
                                        as_json=as_json, command=command, t0=t0, named_sets_note=not asked)
        # every option is checked before the (possibly long) run starts
        threads = check_threads(threads, "--threads")
        variables = parse_variables(variables)
        kept = set(variable_names(variables))
        missing = [v for v in SUMMARY_VARIABLES if v not in kept]
        if as_json and missing:
            raise OptionError(f"--json: the summary needs {', '.join(missing)} too; keep them (--variables core)")
        summary = (as_json or not quiet) and not missing
        if out is not None:
            from ..io import check_output_path
            check_output_path(out, option="--out")  # an empty name, a folder, a device: said as for any output
            check_out_suffix(out)
            check_result_path(out, option="--out")
        if not quiet and missing and out is None:
            raise OptionError(f"--variables: the summary needs {', '.join(missing)} too; keep them (--variables core), "
                              "or write the results with --out")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded, compiled = prepare(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                                       variables=variables, summary=summary, precision=precision)
        if not quiet:
            for w in caught:
                click.echo(f"warning: {w.message}", err=True)
        n = compiled.inputs.path_ids.shape[0]
        if out is not None:  # room on the disk for the file, before the run
            check_result_path(out, option="--out", size=result_file_size(n, compiled.inputs.sched.shape[1], variables,
                                                                          precision=precision))
        show = not quiet and n >= 20000
        ds = run_compiled(loaded, compiled, threads=threads, progress=progress_printer(show), variables=variables,
                          precision=precision)
        if named_sets and (summary or out is not None):
            from ..named_sets import attach, named_set_runs
            ds = attach(ds, named_set_runs(loaded, horizon=horizon, threads=threads))
        if out is not None:
            write_netcdf(to_cf(ds, command=command), out, option="--out")
        if as_json:
            import json

            from ..summary import summary_dict
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
