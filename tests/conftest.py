"""Shared fixtures: the baseline scenario and helpers to build variants of it."""

import copy
import signal
import warnings

import numpy as np
import pytest


@pytest.fixture(scope="session")
def baseline_loaded():
    from simulator.scenario import load_scenario
    return load_scenario("baseline")


@pytest.fixture()
def baseline_data(baseline_loaded):
    """A fresh deep copy of the resolved baseline as a plain dict, to modify in a test."""
    return copy.deepcopy(baseline_loaded.data)


def set_path(d, dotted, value):
    keys = dotted.split(".")
    for k in keys[:-1]:
        d = d[int(k)] if isinstance(d, list) else d[k]
    d[keys[-1]] = value


def rel_close(a, b, rtol=1e-9):
    """Elementwise agreement to rtol relative to the scale of each variable over the whole array.

    Values that pass through zero (balances crossing into deficit) are compared to the variable's
    largest magnitude, since a relative error at a zero crossing says nothing.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN variables (a budget that is off)
        scale = np.nanmax(np.abs(b), axis=tuple(range(b.ndim - 1)), keepdims=True) if b.ndim > 1 else np.nanmax(np.abs(b))
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    err = np.abs(a - b) / scale
    err[both_nan] = 0.0
    return np.nanmax(err) <= rtol and not np.any(np.isnan(a) ^ np.isnan(b)), float(np.nanmax(err))


# tests/acceptance/*.yaml: acceptance cases collected as tests (docs/howto/acceptance-cases.md)
from .acceptance_plugin import pytest_collect_file  # noqa: E402,F401


def default_sigint():
    """``preexec_fn`` for a child process that a test interrupts with SIGINT: a shell that starts a
    job in the background (``cmd &``, ``nohup``) leaves SIGINT ignored, the child inherits that,
    and Python then installs no KeyboardInterrupt handler, so the test would measure its
    launcher instead of the command."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
