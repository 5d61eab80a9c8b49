"""Numerical building blocks of the kernels that are not model equations: an ``exp`` the compiler
can vectorise.  libm's ``exp`` is a scalar call, so a loop over the 202 age-sex cells that calls it
runs one cell at a time; :func:`exp_poly` is arithmetic only, and with AVX-512 a loop of it runs
eight cells per instruction.  Strict IEEE arithmetic (:mod:`simulator.kernels.jit`): the same bits
on every compile; ``tests/kernel/test_numerics.py`` holds it to libm's ``exp``.
"""

import math

from .jit import jit

#: |x| up to which :func:`exp_cell` takes exp(x) from :func:`exp_poly`, exp(x/4)^4 (a half-year
#: survival exp(−m/2) with a death rate m up to 4 a year); above it, libm's exp
EXP_POLY_MAX = 2.0
#: Taylor coefficients 1/k! of exp on [−0.5, 0.5], k = 0..15 (truncation error below 1e-18)
_EXP_TAYLOR = (1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
               1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800, 1.0 / 87178291200,
               1.0 / 1307674368000)


@jit()
def exp_poly(x):
    """``exp(x)`` for ``|x| <= EXP_POLY_MAX`` as ``exp(x/4)^4``, ``exp(x/4)`` its Taylor series of
    degree 15: arithmetic only, so a loop of it vectorises (libm's ``exp`` is a scalar call); within
    8 units in the last place of libm's (measured 6; ``tests/kernel/test_numerics.py``)."""
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15 = _EXP_TAYLOR
    y = 0.25 * x
    p = c15
    p = p * y + c14
    p = p * y + c13
    p = p * y + c12
    p = p * y + c11
    p = p * y + c10
    p = p * y + c9
    p = p * y + c8
    p = p * y + c7
    p = p * y + c6
    p = p * y + c5
    p = p * y + c4
    p = p * y + c3
    p = p * y + c2
    p = p * y + c1
    p = p * y + c0
    p = p * p
    return p * p


@jit()
def exp_cell(x):
    """``exp(x)`` as :func:`simulator.kernels.population.mortality_rates` takes it for one cell: :func:`exp_poly` within its
    range, libm's ``exp`` outside it (and for NaN)."""
    if abs(x) <= EXP_POLY_MAX:
        return exp_poly(x)
    return math.exp(x)
