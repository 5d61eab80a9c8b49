"""fundsim: Monte Carlo actuarial projections of China's basic medical insurance funds.

The public API::

    import simulator
    ds = simulator.run("baseline", paths=1000, seed=1)   # xarray.Dataset (path, year, fund, ...)
    s = simulator.summarize(ds)                          # quantiles, band and event probabilities
    print(simulator.format_summary(ds, s))

See ``MODEL`` documentation in the README for the equations and ``simulator.results.VARIABLES``
for every output variable with its units.
"""

__version__ = "0.1.0"

from .api import calibration_report, prepare, run, run_compiled, write_netcdf  # noqa: E402
from .errors import CalibrationError, NonFiniteResultError, ScenarioError, SimulatorError  # noqa: E402
from .scenario import load_scenario  # noqa: E402
from .summary import event_years, format_summary, summarize  # noqa: E402

__all__ = ["run", "run_compiled", "prepare", "summarize", "format_summary", "event_years", "load_scenario",
           "write_netcdf", "calibration_report", "ScenarioError", "CalibrationError", "NonFiniteResultError",
           "SimulatorError", "__version__"]
