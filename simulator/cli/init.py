"""Command: ``fundsim init``, a city's scenario file to fill in (:mod:`simulator.city_template`)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import handle_errors


def register(group):
    """Add ``fundsim init`` to the ``fundsim`` click group."""

    @group.command()
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--region", help="The region's name as it should appear in results (e.g. 'Qingdao (青岛市)'; "
                  "default: from PATH).")
    @click.option("--population", required=True, type=float,
                  help="Mid-year population of the base year, persons (not 万人): the placeholders are the national figures scaled to it.")
    @click.option("--name", help="Scenario name, letters, digits and '_' (default: from --region, else from PATH).")
    @click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
    @handle_errors
    def init(path, region, population, name, force):
        """Write a commented city scenario to PATH that extends the national baseline.

        Every value to replace with the bureau's own figure says FILL IN in its source; until then
        it is the national figure scaled to --population, so the file runs as written and `fundsim
        run PATH` names each value still to fill in.
        """
        from ..city_template import TemplateError, city_scenario_text, slug
        from ..io import atomic_path

        if path.suffix.lower() not in (".yaml", ".yml"):
            raise TemplateError(f"PATH: {path} should end in .yaml (a scenario file)")
        if path.exists() and not force:
            raise TemplateError(f"PATH: {path} exists; give --force to overwrite it or choose another name")
        if region is not None and not region.strip():
            raise TemplateError("--region: give the region's name (or leave the option out: PATH names it)")
        region = region.strip() if region else path.stem
        if name is None:  # a name in Chinese characters alone has no letters for a scenario name
            name = slug(region) if slug(region) != "city" or region.lower() == "city" else slug(path.stem)
        text = city_scenario_text(population, region=region, name=name, file_name=str(path))
        with atomic_path(path, option="PATH") as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}: a scenario of {region} extending the baseline, with placeholders "
                   f"(the national figures scaled to {population:,.0f} persons) marked FILL IN.\n"
                   f"Next: replace them with the region's figures and sources, then `fundsim run {path}`.")
