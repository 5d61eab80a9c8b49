"""Economy (specification section 5), NumPy mirror of :mod:`simulator.kernels.economy`: arrays
over paths (P,) or (P, N_DRIVERS); rates as fractions per year, levels in yuan or as an index."""

import numpy as np

from .. import layout as L
from .. import rng


def drivers_at_mean(par_s):
    """(x, lx, lmu_prev) of the base year: each driver at its own (shifted) mean (section 15)."""
    x = np.stack([par_s[:, L.MU[k]] for k in range(L.N_DRIVERS)], axis=1)
    lx = np.log1p(x)
    return x, lx, lx.copy()


def cost_bend(S_prev, smax, S0):
    """``max(0, 1 − S[t−1]/Smax) / (1 − S0/Smax)`` (section 5), the bend of excess cost growth."""
    return np.maximum(0.0, 1.0 - S_prev / smax) / (1.0 - S0 / smax)


def cost_to_wage_share(S0, Cm, W0, W):
    """``S[t] = S0·Cm[t]·W[0]/W[t]`` (section 5)."""
    return S0 * Cm * W0 / W


def driver_shocks(seed, streams, paths, t, par):
    """Standard normals (P, 2·N_DRIVERS) of the drivers in year t, one stream each (section 13),
    then of the region's own deviations (section 17), 0 where its ``σr`` is 0."""
    shared = [rng.normal(seed, streams[L.S_DRIVER + k], paths, t) for k in range(L.N_DRIVERS)]
    own = [np.where(par[:, L.SIGMA_LOCAL[k]] != 0.0, rng.normal(seed, streams[L.S_LOCAL_DRIVER + k], paths, t), 0.0)
           for k in range(L.N_DRIVERS)]
    return np.stack(shared + own, axis=1)


def drivers_ar1(par, chol, z, bend, lx, lmu_prev):
    """``l[t] = μ[t] + φ·(l[t−1] − μ[t−1]) + σ·η[t] + σr·εr[t]`` on ``l = log(1 + x)`` (section 5),
    ``η = z·cholᵀ`` on the shared shocks, ``εr`` the region's own (section 17).
    Returns (x = expm1(l), l, μ) of the year (fractions per year)."""
    N = L.N_DRIVERS
    eta = z[:, :N] @ chol.T
    new_lx = np.empty_like(lx)
    new_lmu = np.empty_like(lx)
    for k in range(L.N_DRIVERS):
        # the AR(1) acts on log(1 + x) (section 5), so every growth factor exp(lx) is
        # positive; the bend scales the log mean: factor (1 + mu)^bend, positive for any
        # bend >= 0, where scaling mu itself could reach mu <= -1 as S approaches Smax
        lmu = np.log1p(par[:, L.MU[k]]) * (bend if k == L.D_EXCESS else 1.0)
        new_lx[:, k] = (lmu + par[:, L.PHI[k]] * (lx[:, k] - lmu_prev[:, k]) + par[:, L.SIGMA[k]] * eta[:, k]
                        + par[:, L.SIGMA_LOCAL[k]] * z[:, N + k])
        new_lmu[:, k] = lmu
    return np.expm1(new_lx), new_lx, new_lmu


def price_levels(W, Y, Cm, lx):
    """(W, Y, Cm) of year t (section 5): each grown by ``exp(l)`` of its drivers."""
    fw = np.exp(lx[:, L.D_WAGE])
    return W * fw, Y * np.exp(lx[:, L.D_RESINC]), Cm * fw * np.exp(lx[:, L.D_EXCESS])


def epidemic_draw(seed, stream, paths, t, probability):
    """1.0 in an epidemic year, else 0.0 (section 5), per path."""
    return (rng.uniform(seed, stream, paths, t) < probability).astype(float)
