"""``fundsim run PROVINCE.yaml``: a province's regions projected together with their pooling
(specification section 17); called by :mod:`simulator.cli.run` when its argument is a province file."""

from __future__ import annotations

import time
import warnings

import click

from ._common import check_out_suffix, parse_variables, progress_printer


def run_province_command(scenario, *, paths, seed, horizon, overrides, out, variables, threads, step, quiet, as_json,
                         command, t0, named_sets_note=True):
    """Run the province and print (or write) its results, as ``fundsim run`` does for a scenario."""
    from ..api import check_result_path, check_threads, variable_names, write_netcdf
    from ..province import format_province, prepare_province, run_prepared, summarize_province
    from ..results import to_cf

    threads = check_threads(threads, "--threads")
    variables = parse_variables(variables)
    variable_names(variables)  # an unknown name stops here; what the summary needs is always kept
    if out is not None:
        from ..io import check_output_path
        check_output_path(out, option="--out")
        check_out_suffix(out)
        check_result_path(out, option="--out")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prep = prepare_province(scenario, paths=paths, seed=seed, horizon=horizon, overrides=overrides,
                                variables=variables)
    if not quiet:
        seen = set()
        for w in caught:
            if str(w.message) not in seen:
                seen.add(str(w.message))
                click.echo(f"warning: {w.message}", err=True)
    n = prep.compiled[0].inputs.path_ids.shape[0]
    show = not quiet and n * len(prep.compiled) >= 20000
    ds = run_prepared(prep, threads=threads, progress=progress_printer(show), variables=variables)
    if out is not None:
        write_netcdf(to_cf(ds, command=command), out, option="--out")
    if as_json:
        import json
        click.echo(json.dumps(province_summary_dict(ds, summarize_province(ds)), indent=2, ensure_ascii=False,
                              allow_nan=False))
        return
    if not quiet:
        click.echo(format_province(ds, step=step))
        if named_sets_note:
            click.echo("\n(the named deterministic sets are run for a scenario, not a province: run a region's scenario "
                       "for its low-cost, central and high-cost projections)")
        elapsed = time.perf_counter() - t0
        click.echo(f"\n{len(prep.compiled)} regions x {n} paths x {ds.sizes['year'] - 1} years in {elapsed:.2f} s "
                   f"(kernel and pooling {ds.attrs['kernel_seconds']:.2f} s)" + (f"; results written to {out}" if out else ""))


def _finite(x):
    import math
    x = float(x)
    return x if math.isfinite(x) else None


def province_summary_dict(ds, s) -> dict:
    """The province's summary as one JSON-ready dict: per region (and ``province``) and pooled fund,
    by year, the reserve months' median, P(exhausted by year), P(deficit by year); per pooled fund
    P(any region exhausted by year); the provincial fund's median balance (yuan)."""
    from ..results.variables import POOLED_FUNDS
    years = [int(y) for y in ds["year"].values]
    out = {"province": ds.attrs.get("scenario_name"), "pooling_mode": ds.attrs.get("pooling_mode"),
           "paths": int(ds.sizes["path"]), "seed": int(ds.attrs["seed"]), "years": years,
           "units": {"reserve_months": "months", "probability": "fraction of paths", "balance": "yuan"},
           "regions": {}, "any_region_exhausted_probability_by_year": {}, "provincial_fund_balance_median": {}}
    med = s["reserve_months_quantile"].sel(quantile=0.5)
    for r in (str(v) for v in ds["region"].values):
        out["regions"][r] = {}
        for f in POOLED_FUNDS:
            out["regions"][r][f] = {
                "reserve_months_median": [_finite(v) for v in med.sel(region=r, fund=f).values],
                "exhaustion_probability_by_year": [_finite(v) for v in s["exhaustion_probability_by_year"].sel(region=r, fund=f).values],
                "deficit_probability_by_year": [_finite(v) for v in s["deficit_probability_by_year"].sel(region=r, fund=f).values],
            }
    for f in POOLED_FUNDS:
        out["any_region_exhausted_probability_by_year"][f] = [
            _finite(v) for v in s["any_region_exhausted_probability_by_year"].sel(fund=f).values]
        out["provincial_fund_balance_median"][f] = [_finite(v) for v in ds["provincial_fund_balance"].sel(fund=f).median("path").values]
    return out
