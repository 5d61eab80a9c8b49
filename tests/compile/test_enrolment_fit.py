"""The resident enrolment response, fitted once to the history (simulator.enrolment_fit; issue 15)."""

import pytest

from simulator.enrolment_fit import KEY, resident_rms
from simulator.scenario import load_scenario


def _shipped() -> float:
    return float(load_scenario("baseline").scenario.membership.resident_enrolment_elasticity.evaluate([2025])[0])


@pytest.mark.slow
def test_shipped_elasticity_is_the_least_squares_point():
    e = _shipped()
    assert 0 < e < 0.1
    at, n = resident_rms(e)
    assert n == 21  # every start 2018-2023 and horizon to 2024
    # the fit's tolerance is 0.005: the error is no smaller a step either side
    assert at <= resident_rms(max(e - 0.02, 0.0))[0] + 1e-12
    assert at <= resident_rms(e + 0.02)[0] + 1e-12


def test_residents_are_declared_fitted():
    rep = load_scenario("baseline").scenario.reported.fitted
    assert "members.residents" in rep and "enrolment" in rep["members.residents"]
    assert KEY.startswith("membership.")


@pytest.mark.slow
def test_the_response_lowers_enrolment_when_the_premium_burden_rises():
    low, high = resident_rms(0.0), resident_rms(0.5)
    assert high[0] != pytest.approx(low[0])
