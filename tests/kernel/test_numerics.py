"""The kernels' vectorisable exp (simulator.kernels.numerics) against libm's."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from simulator.kernels import numerics as NU
from simulator.kernels import population as kPO
from simulator import layout as L


def _ulps(a, b):
    return abs(a - b) / math.ulp(b) if b != 0 else abs(a)


def test_exp_poly_is_within_a_few_ulps_of_libm_on_its_range():
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-NU.EXP_POLY_MAX, NU.EXP_POLY_MAX, 20000),
                         np.linspace(-NU.EXP_POLY_MAX, NU.EXP_POLY_MAX, 2001), [0.0, -0.0, 1e-300, -1e-300]])
    worst = max(_ulps(NU.exp_poly(float(x)), math.exp(x)) for x in xs)
    assert worst <= 8, worst  # the squarings of exp(x/4)^4 carry its rounding: measured 6


def test_exp_cell_falls_back_to_libm_outside_the_range():
    for x in (-NU.EXP_POLY_MAX - 1e-9, -7.5, -700.0, 3.0, -1000.0):
        assert NU.exp_cell(x) == math.exp(x)
    assert math.isnan(NU.exp_cell(float("nan")))
    assert NU.exp_cell(-1.0) == NU.exp_poly(-1.0)


@pytest.mark.parametrize("kappa", [0.0, 5.0, 40.0, -80.0, 250.0])
def test_mortality_rates_agree_with_libm_inside_and_outside_the_range(kappa):
    """kappa = -80 and 250 put the improvement factor and the rates outside the polynomial's range
    for some cells: the second pass takes libm's exp there."""
    rng = np.random.default_rng(int(abs(kappa)) + 1)
    m0 = rng.uniform(1e-5, 1.5, (L.N_AGES, L.N_SEXES))
    ri = np.repeat(rng.uniform(-0.01, 0.05, (L.N_AGES // 5 + 1, L.N_SEXES)), 5, axis=0)[:L.N_AGES].copy()
    h = np.empty((L.N_AGES, L.N_SEXES))
    kPO.mortality_rates(m0, ri, kappa, h)
    expected = np.exp(-0.5 * (m0 * np.exp(-ri * kappa)))
    np.testing.assert_allclose(h, expected, rtol=5e-15, atol=0)  # two exps of at most 8 ulps each, the first scaled by |x| <= 2


def test_the_exp_loop_is_vectorised():
    """The point of exp_poly: the compiled mortality_rates uses packed (SIMD) multiplies.

    numba shows no assembly for a function loaded from its cache, so the function is compiled
    afresh here, uncached, with the kernels' own options (simulator.kernels.jit)."""
    if not hasattr(kPO.mortality_rates, "inspect_asm"):
        pytest.skip("the kernels run without JIT")
    import numba

    from simulator.kernels.jit import FASTMATH

    fresh = numba.njit(error_model="numpy", fastmath=FASTMATH, nogil=True)(kPO.mortality_rates.py_func)
    m0 = np.full((L.N_AGES, L.N_SEXES), 0.01)
    fresh(m0, np.zeros_like(m0), 5.0, np.empty_like(m0))
    asm = "\n".join(fresh.inspect_asm().values())
    assert re.search(r"\bv?mulpd\b", asm) or re.search(r"\bvfmadd\d+pd\b", asm), "no packed double arithmetic"
