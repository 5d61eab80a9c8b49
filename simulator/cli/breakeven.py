"""Command: ``fundsim breakeven [SCENARIO]``, level break-even values of the levers, the actuarial
balance of the pooled funds and the pay-as-you-go break-even rate and premium
(:mod:`simulator.breakeven`)."""

from __future__ import annotations

import click

from ._common import given_options, handle_errors


def register(group):
    """Add ``fundsim breakeven`` to the ``fundsim`` click group."""

    @group.command()
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
    @click.option("--by", "by_year", type=int, metavar="YEAR",
                  help="Province: the year by which no region may be exhausted (default: the last projected year).")
    @click.option("--fund", type=click.Choice(["employee_pooled", "resident", "pooled_combined"]), default="employee_pooled",
                  show_default=True, help="Province: the pooled fund whose exhaustion counts.")
    @click.option("--min-months", type=click.FloatRange(0, 120), help="Province: months a region is topped up to "
                  "(default: the file's pooling.min_months, else 3).")
    @click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
    @handle_errors
    def breakeven(scenario, levers, target_months, probability, start_year, horizon, throughout, relative, paths, seed,
                  overrides, by_year, fund, min_months, as_json):
        """Level break-even values: the constant lever value from the start year that meets the reserve target.

        Also prints the actuarial balance of both pooled funds and the pay-as-you-go break-even rate and
        premium at 5-year steps (medians over paths).

        For a province file: the smallest adjustment-fund share (of each region's pooled contribution
        income) with P(any region exhausted by --by) at most 1 - --probability.
        """
        import json

        from ..province import is_province
        if is_province(scenario):
            from ..limits import OptionError
            from ..province.solve import breakeven_share
            scenario_only = given_options("levers", "target_months", "start_year", "throughout", "relative")
            if scenario_only:
                raise OptionError(f"{', '.join(scenario_only)}: for a scenario's levers; a province file solves for "
                                  "the adjustment-fund share (--by, --fund, --min-months, --probability)")
            r = breakeven_share(scenario, target=1.0 - probability, by_year=by_year, fund=fund, min_months=min_months,
                                paths=paths, seed=seed, horizon=horizon, overrides=overrides)
            click.echo(json.dumps(r.as_dict(), indent=2) if as_json else r.format())
            return

        province_only = given_options("by_year", "fund", "min_months")
        if province_only:
            from ..limits import OptionError
            raise OptionError(f"{', '.join(province_only)}: for a province file's adjustment-fund share; a scenario "
                              "solves its levers (--lever, --target-months, --probability, --start-year, --throughout)")
        from ..api import run
        from ..breakeven import actuarial_balance
        from ..breakeven import breakeven as solve

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
