"""fundsim: Monte Carlo actuarial projections of China's basic medical insurance funds.

The public API::

    import simulator
    ds = simulator.run("baseline", paths=1000, seed=1)   # xarray.Dataset (path, year, fund, ...)
    s = simulator.summarize(ds)                          # quantiles, band and event probabilities
    print(simulator.format_summary(ds, s))
    simulator.breakeven("baseline", paths=500)           # level break-even of a lever
    simulator.sweep(grid={"employee.employer_rate": [0.07, 0.08]}, paths=200)
    simulator.sensitivity(metric="reserve_months:employee_pooled:2035:median", vary={...})
    simulator.backtest()                                 # against the NHSA bulletins
    simulator.compare("baseline", "slow_growth")         # reasons for change
    simulator.attribute("baseline")                      # Sobol shares of the variance

``simulator.results.VARIABLES`` lists every output variable with its units. The names below are
imported on first use, so that ``fundsim --help`` and an early Ctrl-C stay quick and clean.

``breakeven``, ``sweep``, ``backtest`` and ``compare`` are both a module and that module's main
function: ``simulator.sweep`` is the module :mod:`simulator.sweep` (so ``import simulator.sweep``,
``from simulator import sweep as sw`` and ``simulator.breakeven.actuarial_balance(ds)`` keep
working), and calling it calls the function of the same name (``simulator.sweep(...)`` is
``simulator.sweep.sweep(...)``).  Python sets a package's attribute to a submodule whenever the
submodule is first imported, so a plain function of the same name would be replaced by the
module depending on import order; a callable module is the same object whichever way it was
reached.
"""

import importlib
import importlib.util
import inspect
import sys
import types

__version__ = "0.1.0"

_LAZY = {
    "run": "api", "run_compiled": "api", "prepare": "api", "write_netcdf": "api", "calibration_report": "api",
    "scenario_of": "api", "scenario_data_of": "api",
    "summarize": "summary", "format_summary": "summary", "event_years": "summary",
    "load_scenario": "scenario", "ScenarioError": "errors", "CalibrationError": "errors",
    "NonFiniteResultError": "errors", "SimulatorError": "errors",
    "sensitivity": "sweep", "attribute": "attribution",
    "run_province": "province", "load_province": "province", "summarize_province": "province",
}

#: submodules that are also callable as their main function of the same name
_CALLABLE_MODULES = ("breakeven", "sweep", "backtest", "compare")

__all__ = sorted(list(_LAZY) + list(_CALLABLE_MODULES)) + ["__version__"]


class _CallableModule(types.ModuleType):
    """A feature module that is also its main function: ``simulator.sweep(...)`` calls
    ``simulator.sweep.sweep(...)``; every other attribute is the module's."""

    def _main(self):
        return getattr(self, self.__name__.rpartition(".")[2])

    def __call__(self, *args, **kwargs):
        return self._main()(*args, **kwargs)

    @property
    def __signature__(self):  # shown by help() and Jupyter's `simulator.sweep?`
        return inspect.signature(self._main())

    def __reduce__(self):  # pickled by name, as pickle and cloudpickle treat a plain module
        return importlib.import_module, (self.__name__,)


class _Package(types.ModuleType):
    """The ``simulator`` package: a submodule named in :data:`_CALLABLE_MODULES` becomes callable
    when the import system binds it here, however it was imported."""

    def __setattr__(self, name, value):
        if name in _CALLABLE_MODULES and type(value) is types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
for _name in _CALLABLE_MODULES:  # bound before this package finished loading (not expected)
    if f"{__name__}.{_name}" in sys.modules:
        setattr(sys.modules[__name__], _name, sys.modules[f"{__name__}.{_name}"])


def __getattr__(name):
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f".{name}", __name__)   # bound (and made callable) by the import
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # any other submodule on first use: simulator.plots.fan_chart(ds), simulator.attribution
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__():
    return __all__
