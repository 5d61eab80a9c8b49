"""The base-year calibration runs on the kernel (issue 17 item 3); the NumPy reference is its oracle.

Each shipped scenario is compiled twice: as shipped (the fit's base-year projections on the kernel)
and with the fit's base year computed by the reference instead. The fitted factors, the calibrated
arrays and the checks must agree to rounding, so a kernel step that drifts from its reference in
the base year fails here, not only in the projection tests.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import simulator.calibrate as calibrate_module
from simulator.compile import compile_scenario
from simulator.scenario import load_scenario

SCENARIOS = ["baseline", "qingdao", "qingyuan", "drg_dip_full", "indexed_retiree_quota", "no_dip_budget"]


def _reference_base_year(inputs):
    from simulator.reference import project as ref_project
    return ref_project(inputs, horizon=0)[0, 0]


def _numbers(cal, prefix=""):
    """Every number of a calibration report, flattened to ``{key path: float}``."""
    out = {}
    for k, v in cal.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_numbers(v, key + "."))
        elif isinstance(v, (int, float, np.floating)) and not isinstance(v, bool):
            out[key] = float(v)
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_calibration_on_the_kernel_equals_the_reference(name, monkeypatch):
    scn = load_scenario(name).scenario
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_kernel = compile_scenario(scn, paths=3, seed=11)
        monkeypatch.setattr(calibrate_module, "_base_year", _reference_base_year)
        on_reference = compile_scenario(scn, paths=3, seed=11)
    a, b = _numbers(on_kernel.calibration), _numbers(on_reference.calibration)
    assert a.keys() == b.keys()
    assert len(a) > 5, "the calibration report holds the fitted factors"
    for key in a:
        assert a[key] == pytest.approx(b[key], rel=1e-11, abs=1e-12), key  # abs: relative errors of fitted rows are 0 to rounding
    for field in ("sched", "base", "c0h", "rho", "tau"):
        np.testing.assert_allclose(getattr(on_kernel.inputs, field), getattr(on_reference.inputs, field), rtol=1e-11, atol=0,
                                   err_msg=field)


def test_base_year_is_computed_by_the_kernel(monkeypatch):
    """The fit calls the kernel: with the kernel's entry point broken, compiling fails."""
    import simulator.kernels.project as kernel_project

    def broken(*args):
        raise RuntimeError("kernel called")

    monkeypatch.setattr(kernel_project, "project", broken)
    with pytest.raises(RuntimeError, match="kernel called"):
        compile_scenario(load_scenario("baseline").scenario, paths=2, seed=1)
