"""Commands: fundsim sweep and fundsim sensitivity (thin: options -> :mod:`simulator.sweep`)."""

from __future__ import annotations

import sys
import time

import click

from ..errors import EXIT_INTERRUPTED
from ._common import handle_errors

_WHERE_HELP = ("Where it runs: 'local' (default: a local dask cluster, or the cluster in DASK_SCHEDULER_ADDRESS), "
               "'threads' (dask in this process), 'sync' (no dask, for debugging) or the ADDRESS of a running dask "
               "scheduler (tcp://host:8786).")


def _executor_options(fn):
    fn = click.option("--scheduler", metavar="ADDRESS|local|threads|sync", help=_WHERE_HELP)(fn)
    fn = click.option("--threads-per-worker", type=click.IntRange(min=1),
                      help="Numba threads in each worker (default: cores / workers; results do not depend on it).")(fn)
    fn = click.option("--workers", type=click.IntRange(min=1),
                      help="Worker processes of the local cluster (default: one per core).")(fn)
    return fn


def _scenario_options(fn):
    fn = click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
                      help="Override a scenario value in every run (repeatable).")(fn)
    fn = click.option("--horizon", type=click.IntRange(1, 200), help="Years after the base year (default: the scenario's).")(fn)
    fn = click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1),
                      help="Seed shared by every run (default: the scenario's).")(fn)
    fn = click.option("--paths", "-n", type=click.IntRange(min=1), help="Monte Carlo paths per run (default: the scenario's).")(fn)
    return fn


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""

    @group.command()
    @click.argument("scenarios", nargs=-1, metavar="[SCENARIO...|SWEEP.yaml]")
    @click.option("--grid", "grids", multiple=True, metavar="KEY.PATH=V1,V2,...|START:STOP:STEP",
                  help="Values of a key (repeatable: the Cartesian product of all grids).")
    @click.option("--sample", type=click.IntRange(min=1), help="Latin hypercube points over the --uniform keys.")
    @click.option("--uniform", "uniforms", multiple=True, metavar="KEY.PATH=LOW:HIGH",
                  help="A key sampled uniformly by --sample (repeatable).")
    @_scenario_options
    @click.option("--out", "-o", type=click.Path(), help="The zarr store (a folder). Rerun with the same "
                  "--out to resume an interrupted sweep. For a province: a netCDF file of the variants' metrics "
                  "(optional; replaced when the sweep is run again).")
    @click.option("--variables", metavar="all|core|none|NAME,...",
                  help="Run variables kept per variant (default all; summaries over paths are always kept).")
    @click.option("--precision", type=click.Choice(["double", "single"]),
                  help="How the kept run variables are stored (default double; single: float32, half the store, as "
                       "fundsim run --precision single; the summaries over paths stay double).")
    @_executor_options
    @click.option("--variants-per-task", type=click.IntRange(min=1), help="Variants per dask task and zarr chunk "
                  "(default: about 16 MB of results).")
    @click.option("--overwrite", is_flag=True, help="Replace a store at --out that holds a different sweep.")
    @click.option("--metric", "metrics", multiple=True, metavar="METRIC",
                  help="A column of the printed table (repeatable; the metric language of fundsim sensitivity).")
    @click.option("--verify", "verify_store", type=click.Path(), metavar="STORE",
                  help="Check a sweep store and run nothing: every block marked completed must match the "
                       "checksums recorded with it. Exit 0 if nothing is damaged, 1 if damaged, 2 if not a sweep store.")
    @click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON object (variants, their swept values "
                  "and metrics with units) and nothing else.")
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
    @handle_errors
    def sweep(scenarios, grids, sample, uniforms, paths, seed, horizon, overrides, out, variables, precision, workers,
              threads_per_worker, scheduler, variants_per_task, overwrite, metrics, verify_store, as_json, quiet):
        """Run variants of SCENARIO (default baseline) with the same seed, on dask, into a zarr store.

        A province file (province:) is swept alone: each variant is its province run, the table shows
        the --metric columns (METRIC@REGION, any_exhaustion_probability:FUND:YEAR) and --out, if
        given, is a netCDF file of those metrics, replaced when the sweep is run again.

        Variants are the product of the scenario files given, the --grid values and the --sample
        points; a single YAML file with a top-level 'sweep:' block holds the same settings. Each
        variant equals 'fundsim run' with its overrides, bit for bit. Results stream to --out (a
        zarr folder, written so that an interruption never leaves it corrupt); rerunning the same
        command skips the variants already there. Prints a table of the variants.

        \b
        fundsim sweep --grid employee.employer_rate=0.06:0.09:0.01 --grid reform.drg_dip.coverage=0.6,0.8,1.0 -o s.zarr
        fundsim sweep --sample 50 --uniform economy.drivers.wage_growth.mean=0.03:0.06 -n 500 -o lhs.zarr
        fundsim sweep drg_dip_full retiree_contributions -o files.zarr
        fundsim sweep my_sweep.yaml
        fundsim sweep --verify s.zarr
        """
        from .. import sweep as sw

        if verify_store is not None:
            given = [name for name, v in (("SCENARIO", scenarios), ("--grid", grids), ("--sample", sample),
                                          ("--uniform", uniforms), ("--paths", paths), ("--seed", seed),
                                          ("--horizon", horizon), ("--set", overrides), ("--out", out),
                                          ("--variables", variables), ("--precision", precision), ("--workers", workers),
                                          ("--threads-per-worker", threads_per_worker), ("--scheduler", scheduler),
                                          ("--variants-per-task", variants_per_task), ("--overwrite", overwrite),
                                          ("--metric", metrics)) if v not in (None, (), False)]
            if given:
                raise sw.SweepError(f"--verify STORE checks a store and runs nothing: give it alone (not with "
                                    f"{', '.join(given)})")
            check = sw.check_store(verify_store)
            if not check.is_store:
                raise sw.SweepError(sw.format_store_check(check))
            if not quiet:
                click.echo(sw.format_store_check(check))
            sys.exit(check.exit_code)

        spec = {}
        refs = list(scenarios)
        if len(refs) == 1 and sw.is_sweep_file(refs[0]):
            spec = sw.load_sweep_file(refs[0])
        elif any(sw.is_sweep_file(r) for r in refs):
            raise sw.SweepError("a sweep file is given alone, without scenario files")
        else:
            spec["scenario"] = refs or ["baseline"]
        if grids:
            spec["grid"] = {**spec.get("grid", {}), **sw._parse_assignments(grids, "--grid")}
        if uniforms:
            spec["uniform"] = {**spec.get("uniform", {}), **sw._parse_assignments(uniforms, "--uniform")}
        if overrides:
            spec["overrides"] = list(spec.get("overrides", [])) + list(overrides)
        for k, v in (("sample", sample), ("paths", paths), ("seed", seed), ("horizon", horizon), ("out", out),
                     ("variables", variables), ("precision", precision), ("workers", workers),
                     ("threads_per_worker", threads_per_worker),
                     ("scheduler", scheduler), ("variants_per_task", variants_per_task)):
            if v is not None:
                spec[k] = v
        from ..province import is_province
        scen = spec.get("scenario") or spec.get("scenarios") or []
        scen = [scen] if isinstance(scen, str) else list(scen)
        province = any(is_province(x) for x in scen)  # (plan_sweep refuses a province with other scenarios)
        table_metrics = (list(metrics) or spec.pop("metrics", None)
                         or list(sw.PROVINCE_DEFAULT_METRICS if province else sw.DEFAULT_METRICS))
        spec.pop("metrics", None)
        for m in table_metrics:
            sw.parse_metric(m)
        if province:
            if overwrite:
                raise sw.SweepError("--overwrite is for a zarr store: a province sweep has no store to resume, and "
                                    "its --out file is replaced whenever the sweep runs again")
            if spec.get("out"):
                from ..api import RESULT_SUFFIXES
                from ..io import check_output_path
                # a province sweep's metrics: netCDF, read back with xarray (not a results file to export)
                spec["out"] = str(check_output_path(spec["out"], suffixes=RESULT_SUFFIXES, option="--out",
                                                    suffix_hint="; a province sweep writes its metrics as netCDF "
                                                    "(FILE.nc, read with xarray.open_dataset)"))
        elif not spec.get("out"):
            raise sw.SweepError("give --out FOLDER.zarr: the store the sweep writes (and resumes from)")
        else:
            from pathlib import Path
            store = Path(str(spec["out"])).expanduser()
            if store.exists() and not store.is_dir():
                raise sw.SweepError(f"--out: {spec['out']} is a file; a sweep's store is a folder (give a new name "
                                    "such as sweep.zarr, or the folder of an earlier sweep to resume it)")
        t0 = time.perf_counter()
        try:
            ds = sw.sweep(**spec, overwrite=overwrite, progress_stream=False if (quiet or as_json) else sys.stderr,
                          metrics=table_metrics)
        except KeyboardInterrupt:
            state = (_store_state(spec["out"]) if not province
                     else "nothing was written (a province sweep writes its file once every variant has run)")
            click.echo(f"\ninterrupted: {state}", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if quiet:
            return
        st = sw.LAST_STATS
        if as_json:
            import json

            click.echo(json.dumps(sw.sweep_json(ds, table_metrics, st), ensure_ascii=False, allow_nan=False))
            return
        try:
            table = sw.format_sweep(ds, table_metrics)
        except sw.MetricError as e:
            table = f"(no table: {e})"
        click.echo(table)
        n = ds.sizes["scenario"]
        el = time.perf_counter() - t0
        what = f"{n} variants x {ds.attrs['paths']} paths x {ds.sizes['year'] - 1} years"
        if st.ran:
            rate = f"{st.ran} run in {st.seconds:.1f} s ({st.variants_per_second:.2f} variants/s) on {st.executor}"
            if st.skipped:
                rate += f"; {st.skipped} were already in the store"
        else:
            rate = "all already in the store"
        where = f"results in {spec['out']}" if spec.get("out") else "metrics not written (give --out FILE.nc)"
        click.echo(f"\n{what}: {rate}; {el:.1f} s in all; {where}")

    @group.command()
    @click.argument("scenario", required=False)
    @click.option("--metric", "-m", required=True, metavar="METRIC",
                  help="What to measure, e.g. reserve_months:employee_pooled:2035:median, "
                       "exhaustion_probability:employee_pooled:2040, breakeven:employee.employer_rate.")
    @click.option("--vary", "varies", multiple=True, required=True, metavar="KEY.PATH=LOW:HIGH",
                  help="A parameter and its low and high values (repeatable; LOW,HIGH for non-numeric values).")
    @_scenario_options
    @click.option("--out", "-o", type=click.Path(dir_okay=False), help="Write the low/high/base Dataset to this "
                  "netCDF file (atomically); 'fundsim plot FILE --kind tornado' draws it.")
    @click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
    @_executor_options
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
    @handle_errors
    def sensitivity(scenario, metric, varies, paths, seed, horizon, overrides, out, as_json, workers,
                    threads_per_worker, scheduler, quiet):
        """One-at-a-time sensitivity (a tornado) of METRIC to each --vary parameter.

        Runs the scenario, then each parameter at its low and at its high value with the others as
        in the scenario, every run with the same seed, on dask. Metrics (module simulator.sweep):

        \b
          VARIABLE[:FUND|SCHEME|LINE...]:YEAR:STAT  e.g. reserve_months:employee_pooled:2035:median
          exhaustion_probability:FUND:YEAR         share of paths exhausted by YEAR (also
                                                   deficit_probability, operating_deficit_probability)
          exhaustion_year:FUND:STAT                event year over paths (+inf: not within the horizon)
          band_probability:FUND:YEAR:BAND          e.g. band_probability:resident:2040:below_0
          breakeven:LEVER[:MONTHS[:PROBABILITY]]   level break-even value (default 6 months, 0.9)
        \b
        YEAR: a calendar year or 'end'. STAT: median, mean, sd, min, max, pNN (p5, p95), prob<X, prob>=X.
        FUND: employee_pooled, resident, pooled_combined (employee_accounts for plain variables).
        """
        import json

        from .. import sweep as sw
        from ..api import write_netcdf

        vary = sw._parse_assignments(varies, "--vary")
        try:
            ds = sw.sensitivity(scenario, metric=metric, vary=vary, overrides=overrides, paths=paths, seed=seed,
                                horizon=horizon, workers=workers, threads_per_worker=threads_per_worker,
                                scheduler=scheduler, progress_stream=False if (quiet or as_json) else sys.stderr)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: no output was written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        if out:
            write_netcdf(ds, out)
        if as_json:
            click.echo(json.dumps({"metric": ds.attrs["metric_spec"], "description": ds.attrs["metric"],
                                   "units": ds.attrs["units"], "base": float(ds["base"].values[0]),
                                   "parameters": [{"parameter": str(p), "low_value": _plain(lv), "high_value": _plain(hv),
                                                   "low": float(lo), "high": float(hi)}
                                                  for p, lv, hv, lo, hi in zip(ds["parameter"].values, ds["low_value"].values,
                                                                               ds["high_value"].values, ds["low"].values,
                                                                               ds["high"].values)]},
                                  indent=2))
            return
        if not quiet:
            click.echo(sw.format_sensitivity(ds) + (f"\n\nresults written to {out}" if out else ""))


def _plain(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _store_state(out) -> str:
    """After Ctrl-C: what the store holds (it is valid: a block counts once it is marked completed)."""
    from pathlib import Path

    from .. import sweep as sw

    p = Path(out).expanduser()
    attrs = sw._read_store_attrs(p) if p.is_dir() else None
    if not attrs:
        return f"nothing was written to {out}"
    try:
        import numpy as np
        import zarr
        done = int(np.count_nonzero(zarr.open_group(str(p), mode="r")["completed"][:]))
    except Exception:  # best effort: the count is information, the store is valid either way
        done = None
    held = f" with {done:,} of {int(attrs.get('variants', 0)):,} variants" if done is not None else ""
    return f"{out} is a valid sweep store{held}; run the same command again to resume"
