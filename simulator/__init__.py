"""fundsim: Monte Carlo actuarial projections of China's basic medical insurance funds.

The public API::

    import simulator
    ds = simulator.run("baseline", paths=1000, seed=1)   # xarray.Dataset (path, year, fund, ...)
    s = simulator.summarize(ds)                          # quantiles, band and event probabilities
    print(simulator.format_summary(ds, s))

``simulator.results.VARIABLES`` lists every output variable with its units. The names below are
imported on first use, so that ``fundsim --help`` and an early Ctrl-C stay quick and clean.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "run": "api", "run_compiled": "api", "prepare": "api", "write_netcdf": "api", "calibration_report": "api",
    "summarize": "summary", "format_summary": "summary", "event_years": "summary",
    "load_scenario": "scenario", "ScenarioError": "errors", "CalibrationError": "errors",
    "NonFiniteResultError": "errors", "SimulatorError": "errors",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__():
    return __all__
