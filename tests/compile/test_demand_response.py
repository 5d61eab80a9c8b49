"""Demand response to cost sharing (specification 2.3, section 7).

Gross use of line j by group g is multiplied by ``Ud = ((1 - rr[t]) / (1 - rr[0]))^(-εd[j])``
(``1 - rr`` floored at 0.05), after the gross cost and the disease multiplier and before
reimbursement.  The runs here are deterministic (the central assumption set: every sigma zero) and
without the DIP budget, so that a line's fund-paid spending moves with its use alone.
"""

import numpy as np
import pytest

import simulator
from simulator import layout as L
from simulator.compile import compile_scenario
from simulator.reference import demand_response
from simulator.scenario import load_scenario
from simulator.scenario.assumption_sets import assumption_set

from ..conftest import set_path

HORIZON = 8


def _run(data, elasticity=None):
    """``elasticity``: {line: value}; the lines not given (all, by default) have no response."""
    data = dict(data)
    set_path(data, "reform.drg_dip.global_budget.enabled", False)
    eps = {line: {"value": 0.0, "source": "test"} for line in L.LINE_NAMES}
    eps.update(elasticity or {})
    data["expenditure"] = dict(data["expenditure"], demand_elasticity=eps)
    loaded = load_scenario(data)
    compiled = compile_scenario(assumption_set(loaded.scenario, "central"), paths=2, seed=3, horizon=HORIZON)
    return simulator.run_compiled(loaded, compiled), compiled


def _raise_outpatient_reimbursement(data):
    """Employee-scheme outpatient reimbursement up from 2027, so that every group's own price share
    falls to 0.6 of its base-year value: employees and flexible workers 0.5 -> 0.7, retirees 0.6 -> 0.76."""
    for group, before, after in (("employee", 0.5, 0.7), ("flexible", 0.5, 0.7), ("retired", 0.6, 0.76)):
        set_path(data, f"expenditure.reimbursement.{group}.outpatient",
                 {"value": {2024: before, 2026: before, 2027: after}, "source": "test"})
    return data


def _line(ds, scheme, line):
    return ds["medical_expenditure"].sel(scheme=scheme, line=line).isel(path=0).values


def test_raising_a_lines_reimbursement_raises_its_use_by_exactly_the_formula(baseline_data):
    eps = 0.3
    data = _raise_outpatient_reimbursement(baseline_data)
    without, _ = _run(data)
    with_response, _ = _run(data, {"outpatient": {"value": eps, "source": "test"}})
    years = with_response["year"].values
    ratio = _line(with_response, "employee", "outpatient") / _line(without, "employee", "outpatient")
    expected = np.where(years >= 2027, 0.6 ** (-eps), 1.0)
    np.testing.assert_allclose(ratio, expected, rtol=1e-12)
    assert ratio[years == 2027][0] == pytest.approx(1.1656, abs=1e-4)  # 0.6^-0.3: 17% more outpatient use
    # the other lines, and the resident scheme whose ratios did not move, are untouched
    for scheme, line in (("employee", "inpatient"), ("employee", "chronic_outpatient"), ("resident", "outpatient")):
        np.testing.assert_array_equal(_line(with_response, scheme, line), _line(without, scheme, line))
    # and the fund pays for the extra use
    extra = (with_response["expenditure"] - without["expenditure"]).sel(fund="employee_pooled").isel(path=0)
    assert float(extra.sel(year=2027)) > 0 and float(extra.sel(year=2026)) == 0


def test_a_line_paid_in_full_keeps_a_finite_use_multiplier(baseline_data):
    """1 - rr is floored at 0.05: full reimbursement from 2027 multiplies use by (0.05 / 0.5)^-eps."""
    set_path(baseline_data, "expenditure.reimbursement.resident.outpatient",
             {"value": {2024: 0.5, 2026: 0.5, 2027: 1.0}, "source": "test"})
    without, _ = _run(baseline_data)
    eps = 0.2
    with_response, _ = _run(baseline_data, {"outpatient": {"value": eps, "source": "test"}})
    ratio = _line(with_response, "resident", "outpatient") / _line(without, "resident", "outpatient")
    years = with_response["year"].values
    np.testing.assert_allclose(ratio[years >= 2027], (L.DEMAND_SHARE_FLOOR / 0.5) ** (-eps), rtol=1e-12)
    assert np.isfinite(with_response["reserve_months"].values).all()


def test_unchanged_reimbursement_leaves_every_result_and_the_calibration_as_they_were(baseline_data):
    """Ud = 1 in the base year and whenever rr stays at its base-year value, whatever the elasticity:
    the calibration is untouched and the results are the same bits as with no response."""
    off, c_off = _run(baseline_data)
    on, c_on = _run(baseline_data, {line: {"value": 0.4, "source": "test"} for line in L.LINE_NAMES})
    for name in ("balance", "expenditure", "medical_expenditure", "dip_payment", "breakeven_premium"):
        np.testing.assert_array_equal(on[name].values, off[name].values)
    np.testing.assert_array_equal(c_on.inputs.c0h, c_off.inputs.c0h)
    assert c_on.calibration["employee.base_ratio"] == c_off.calibration["employee.base_ratio"]


def test_the_default_elasticity_is_zero_and_documented(baseline_data):
    del baseline_data["expenditure"]["demand_elasticity"]
    eps = load_scenario(baseline_data).scenario.expenditure.demand_elasticity
    assert [getattr(eps, line).central for line in L.LINE_NAMES] == [0.0, 0.0, 0.0]
    from simulator.scenario.reference_doc import render
    assert "expenditure.demand_elasticity.outpatient" in render()


def test_demand_response_function():
    rr = np.array([0.5, 0.7, 1.0, 0.3, 0.5])
    rr0 = np.full(5, 0.5)
    eps = np.array([0.3, 0.3, 0.3, 0.3, 0.0])
    np.testing.assert_allclose(demand_response(rr, rr0, eps),
                               [1.0, 0.6 ** -0.3, 0.1 ** -0.3, 1.4 ** -0.3, 1.0], rtol=1e-15)
    # lower reimbursement, less use; and exactly 1 at elasticity 0 even where rr changed
    assert demand_response(np.array([0.3]), np.array([0.5]), np.array([0.0]))[0] == 1.0


@pytest.mark.parametrize("value", [-0.1, 2.5])
def test_an_elasticity_outside_its_range_is_refused(baseline_data, value, tmp_path):
    from simulator.errors import ScenarioError
    set_path(baseline_data, "expenditure.demand_elasticity", {"inpatient": value})
    with pytest.raises(ScenarioError, match="expenditure.demand_elasticity.inpatient"):
        load_scenario(baseline_data)
