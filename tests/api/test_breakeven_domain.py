"""The level break-even when the lever's lower end is outside the model's domain."""

import warnings

import numpy as np

from simulator.breakeven import breakeven


def test_premium_break_even_with_an_enrolment_response_is_finite():
    # a premium of 0 would make the enrolment response (psi / psi0)^-e infinite: the burden ratio is
    # floored (layout.ENROL_BURDEN_FLOOR), so the bracket from 0 is bisected as any other
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = breakeven("baseline", lever="resident.premium", paths=8, horizon=12,
                      overrides=["membership.resident_enrolment_elasticity=0.2"])
    assert np.isfinite(r.value) and r.value > 0
    assert r.bracket[0] >= 0
