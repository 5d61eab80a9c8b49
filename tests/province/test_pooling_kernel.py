"""The pooling ledger (specification section 17): the numba kernel against the NumPy reference on
randomised inputs, and the accounting identities it must keep."""

import numpy as np
import pytest

from simulator.kernels import pooling as K
from simulator.reference import pooling as REF


def _inputs(rng, R, P, T, mode):
    inc = rng.uniform(50, 150, (R, P, T))
    exp = inc * rng.uniform(0.8, 1.3, (R, P, T))
    i_rate = rng.uniform(0.0, 0.04, (R, P, T))
    bal0 = rng.uniform(-20, 200, (R, P))
    share = rng.uniform(0.0, 0.1, R) if mode == K.MODE_ADJUSTMENT else np.zeros(R)
    min_months = rng.uniform(0, 9, R) if mode == K.MODE_ADJUSTMENT else np.zeros(R)
    join_t = rng.integers(1, T + 1, R) if mode == K.MODE_UNIFIED else np.full(R, T)
    backstop = rng.integers(0, 2, R).astype(np.int64)
    if mode == K.MODE_UNIFIED:
        backstop[:] = backstop[0]
    months = rng.uniform(0, 3, (R, P, T))
    return inc, exp, i_rate, bal0, share, min_months, join_t.astype(np.int64), backstop, months


def _run(fn, mode, args, R, P, T):
    outs = [np.zeros((R, P, T)) for _ in range(5)] + [np.zeros((P, T)) for _ in range(3)]
    fn(mode, *args, *outs)
    return outs


@pytest.mark.parametrize("mode", [K.MODE_ADJUSTMENT, K.MODE_UNIFIED])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernel_equals_reference(mode, seed):
    rng = np.random.default_rng(seed)
    R, P, T = int(rng.integers(1, 7)), 23, 15
    args = _inputs(rng, R, P, T, mode)
    kern = _run(K.pool_funds, mode, args, R, P, T)
    ref = _run(REF.pool_funds, mode, args, R, P, T)
    for a, b in zip(kern, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True)


def test_adjustment_fund_conserves_money():
    """What the regions pay in is the fund's balance plus what it paid out, less its interest; a
    top-up never exceeds a region's need nor what the fund holds."""
    rng = np.random.default_rng(7)
    R, P, T = 5, 40, 20
    args = _inputs(rng, R, P, T, K.MODE_ADJUSTMENT)
    J, bal, transfer, levy, top_up, fb, fj, ft = _run(K.pool_funds, K.MODE_ADJUSTMENT, args, R, P, T)
    np.testing.assert_allclose(fb[:, -1], (levy.sum(axis=(0, 2)) + fj.sum(axis=1) - top_up.sum(axis=(0, 2))),
                               rtol=1e-10, atol=1e-8)
    assert (fb >= -1e-9).all()
    np.testing.assert_allclose(ft, top_up.sum(axis=0))
    assert top_up.sum() > 0  # the inputs make some regions fall short
    inc, exp, i_rate, bal0, share, min_months = args[:6]
    # a region topped up ends at most at its minimum months, backstop aside
    topped = (top_up > 0) & (transfer == 0)
    target = min_months[:, None, None] * exp / 12.0
    assert (bal[topped] <= target[topped] + 1e-9).all()


def test_no_levy_and_no_minimum_keep_each_region_books():
    """An adjustment fund that takes nothing and tops up nothing is separate pooling: the balances
    follow section 9's equation from the reported base-year balance."""
    rng = np.random.default_rng(3)
    R, P, T = 3, 10, 12
    inc, exp, i_rate, bal0, _, _, join_t, _, months = _inputs(rng, R, P, T, K.MODE_ADJUSTMENT)
    args = (inc, exp, i_rate, bal0, np.zeros(R), np.zeros(R), join_t, np.zeros(R, dtype=np.int64), months)
    J, bal, *_ = _run(K.pool_funds, K.MODE_ADJUSTMENT, args, R, P, T)
    expect = bal0.copy()
    for t in range(1, T):
        j = i_rate[:, :, t] * expect + i_rate[:, :, t] / 2 * (inc[:, :, t] - exp[:, :, t])
        expect = expect + inc[:, :, t] + j - exp[:, :, t]
        np.testing.assert_allclose(bal[:, :, t], expect, rtol=1e-13)


def test_unified_pool_merges_balances_in_the_join_year():
    rng = np.random.default_rng(5)
    R, P, T = 2, 4, 8
    inc, exp, i_rate, bal0, share, mm, _, _, months = _inputs(rng, R, P, T, K.MODE_UNIFIED)
    i_rate[:] = 0.0
    join_t = np.array([1, 4], dtype=np.int64)
    args = (inc, exp, i_rate, bal0, share, mm, join_t, np.zeros(R, dtype=np.int64), months)
    J, bal, transfer, levy, top_up, fb, fj, ft = _run(K.pool_funds, K.MODE_UNIFIED, args, R, P, T)
    assert np.isnan(bal[0, :, 1:]).all() and np.isfinite(bal[1, :, :4]).all() and np.isnan(bal[1, :, 4:]).all()
    # without interest, the pool at the end is both base balances plus every flow of both
    total = bal0.sum(axis=0) + (inc - exp)[:, :, 1:].sum(axis=(0, 2))
    np.testing.assert_allclose(fb[:, -1], total, rtol=1e-12)
