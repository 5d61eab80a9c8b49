"""What the uncertainty modules share: the constants, the scenario load and JSON-safe values."""

from __future__ import annotations

import math

import numpy as np

#: epidemic years: left to the epidemic component (specification section 5), out of the cost fits
EPIDEMIC_YEARS = (2020, 2021, 2022)
#: fewer regression pairs than this: the fit warns that its estimates are imprecise
MIN_PAIRS = 8
#: quantiles of the 10-year comparison
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: the drivers in the kernel's order (simulator.layout)
DRIVERS = ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth")
#: model output variables of the 10-year comparison, and the derived excess index
INDICES = ("average_wage", "medical_cost_index", "resident_income", "excess_index")
INDEX_LABELS = {
    "average_wage": "average wage W",
    "medical_cost_index": "medical cost index Cm",
    "resident_income": "resident income Y",
    "excess_index": "excess index Cm/W",
}


def _load_scenario(scenario=None, overrides=()):
    from ..scenario import LoadedScenario, load_scenario
    if isinstance(scenario, LoadedScenario) and not overrides:
        return scenario
    src = scenario.data if isinstance(scenario, LoadedScenario) else scenario
    return load_scenario(src, list(overrides))


def _jsonable(obj):
    """Plain Python types, non-finite floats as None (JSON has no NaN or infinity)."""
    if isinstance(obj, dict):
        return {(int(k) if isinstance(k, np.integer) else k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj
