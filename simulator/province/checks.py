"""A province sweep's overrides checked before any run (:mod:`simulator.sweep`): against the
province file and each region's scenario, compiling nothing."""

from __future__ import annotations

from ..errors import ScenarioError
from .spec import Province, check_region_names, load_province


def check_province_overrides(source, overrides=()) -> tuple[Province, list]:
    """``overrides`` checked against a province file and each region's scenario, compiling nothing
    (a sweep's values are checked before any run): (the Province, each region's LoadedScenario)."""
    from ..scenario import load_scenario
    from .spec import split_overrides
    own, common, by_region = split_overrides(tuple(overrides or ()))
    prov = load_province(source, own)
    check_region_names(prov, by_region)
    loaded = []
    for i, region in enumerate(prov.body.regions):
        try:
            loaded.append(load_scenario(prov.scenario_source(region), tuple(common) + tuple(by_region.get(region.name, ()))))
        except ScenarioError as e:
            raise prov.region_error(i, e) from None
    return prov, loaded
