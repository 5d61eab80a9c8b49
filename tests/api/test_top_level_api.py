"""The top-level API the README shows: simulator.breakeven, sweep, sensitivity, backtest, compare and
attribute are functions, and breakeven, sweep, backtest and compare stay the modules of the same
name whichever way, and in whichever order, they are imported."""

import inspect
import pickle
import subprocess
import sys
import textwrap

import pytest

import simulator

FUNCTIONS = {  # top-level name -> (module, function)
    "breakeven": ("simulator.breakeven", "breakeven"),
    "sweep": ("simulator.sweep", "sweep"),
    "sensitivity": ("simulator.sweep", "sensitivity"),
    "backtest": ("simulator.backtest", "backtest"),
    "compare": ("simulator.compare", "compare"),
    "attribute": ("simulator.attribution", "attribute"),
}


def _fresh(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter (this one has imported every module already)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_name_calls_its_function(name, monkeypatch):
    import importlib

    module_name, func_name = FUNCTIONS[name]
    module = importlib.import_module(module_name)
    target = getattr(module, func_name)
    top = getattr(simulator, name)
    assert callable(top)
    assert inspect.signature(top) == inspect.signature(target)
    calls = []
    monkeypatch.setattr(module, func_name, lambda *a, **k: calls.append((a, k)) or "called")
    if top is target:  # a plain function (sensitivity, attribute): exposed as it is
        assert name in ("sensitivity", "attribute")
        return
    assert top(1, x=2) == "called" and calls == [((1,), {"x": 2})]


@pytest.mark.parametrize("name", ["breakeven", "sweep", "backtest", "compare"])
def test_the_callable_names_are_still_their_modules(name):
    import importlib

    mod = getattr(simulator, name)
    assert mod is importlib.import_module(f"simulator.{name}") is sys.modules[f"simulator.{name}"]
    assert inspect.ismodule(mod)
    assert pickle.loads(pickle.dumps(mod)) is mod      # dask pickles by name


def test_readme_names_in_a_fresh_interpreter_in_either_import_order():
    # submodule first: the import system binds the module to the package before any lookup
    first = _fresh("""
        import simulator.breakeven
        from simulator.breakeven import actuarial_balance
        import simulator
        assert callable(simulator.breakeven) and simulator.breakeven.actuarial_balance is actuarial_balance
        from simulator import sweep as sw
        assert callable(sw) and sw.open_sweep and sw is simulator.sweep
        import simulator.backtest as bt
        assert bt is simulator.backtest and callable(bt) and bt.format_backtest
        print("ok")
    """)
    assert first.returncode == 0 and first.stdout.strip() == "ok", first.stderr
    # top-level name first, then the submodule imports: the same object
    second = _fresh("""
        import simulator
        f = simulator.compare
        import simulator.compare
        from simulator.compare import compare, format_comparison
        import simulator.compare as c
        assert c is f is simulator.compare and callable(c) and c.compare is compare
        assert simulator.attribute.__module__ == "simulator.attribution" and callable(simulator.sensitivity)
        assert simulator.breakeven.actuarial_balance.__name__ == "actuarial_balance"
        print("ok")
    """)
    assert second.returncode == 0 and second.stdout.strip() == "ok", second.stderr


def test_import_simulator_stays_light():
    # `fundsim --help` and an early Ctrl-C stay quick: nothing heavy is imported with the package
    r = _fresh("""
        import sys, simulator
        dir(simulator)
        heavy = [m for m in ("numpy", "xarray", "numba", "dask", "simulator.sweep", "simulator.breakeven") if m in sys.modules]
        print(heavy)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        simulator.no_such_thing  # noqa: B018
    assert set(FUNCTIONS) <= set(dir(simulator))
