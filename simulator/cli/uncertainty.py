"""Command: fundsim uncertainty (the drivers' AR(1) fits, specification sections 5 and 13).

``fundsim uncertainty [SCENARIO]`` prints each driver's AR(1) fit to its own history (period,
n, excluded years, mean, phi and sigma with their standard errors), the scenario's values beside
the values the fits propose, the model's ageing effect, and the model's spread of 10-year growth
of the wage, the cost index and resident income next to history's (:mod:`simulator.uncertainty`).
``--json`` prints one JSON object instead; ``--yaml`` prints only the proposed
``economy.drivers`` block, with ``source:`` texts, ready to paste into a scenario.
"""

from __future__ import annotations

import click

from ._common import handle_errors


def register(group):
    """Add ``fundsim uncertainty`` to the ``fundsim`` click group."""

    @group.command("uncertainty")
    @click.argument("scenario", required=False)
    @click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE",
                  help="Override a scenario value (repeatable).")
    @click.option("--paths", "-n", type=click.IntRange(min=2), default=2000, show_default=True,
                  help="Monte Carlo paths of the 10-year comparison (each of the two runs).")
    @click.option("--seed", "-s", type=click.IntRange(0, 2**63 - 1),
                  help="Seed of the 10-year comparison (default: the scenario's simulation.seed).")
    @click.option("--years", type=click.IntRange(2, 40), default=10, show_default=True,
                  help="Length of the growth windows compared.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    @click.option("--yaml", "as_yaml", is_flag=True,
                  help="Print only the proposed economy.drivers YAML (with sources); no runs.")
    @handle_errors
    def uncertainty(scenario, overrides, paths, seed, years, as_json, as_yaml):
        """Fit each economic driver's AR(1) to its history and compare the model's spread of
        10-year growth with history's, for SCENARIO (a built-in name or a YAML file; default:
        baseline). The proposed driver values are printed, never written to a scenario."""
        import json

        from ..api import OptionError
        from ..uncertainty import format_report, proposed_yaml, report

        if as_json and as_yaml:
            raise OptionError("--json and --yaml: give one of them (--json contains the YAML as 'proposed_yaml')")
        if as_yaml:
            click.echo(proposed_yaml(scenario, overrides), nl=False)
            return
        rep = report(scenario, overrides, paths=paths, seed=seed, years=years)
        if as_json:
            click.echo(json.dumps(rep, indent=2, ensure_ascii=False, allow_nan=False))
        else:
            click.echo(format_report(rep))
