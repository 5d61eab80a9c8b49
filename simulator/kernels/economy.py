"""Economy (specification section 5): correlated AR(1) drivers on ``log(1 + x)``, the price levels
they drive, the long-run bend of excess cost growth, and the epidemic draw.

Drivers in :data:`simulator.layout.DRIVER_NAMES` order (wage growth, excess cost growth, interest
rate, resident income growth), as fractions per year; levels in yuan (W, Y) or as an index (Cm).
"""

import math

from .. import layout as L
from .jit import jit
from .rng import normal_at, uniform_at


@jit()
def drivers_at_mean(par_s, x, lx, lmu_prev):
    """Base year (section 15): each driver starts at its own (shifted) mean, ``x[0] = μ_x[0]``;
    ``lx = log(1 + x)`` is the AR(1) state and ``lmu_prev`` its mean (fractions per year)."""
    for k in range(L.N_DRIVERS):
        x[k] = par_s[L.MU[k]]
        lx[k] = math.log1p(x[k])
        lmu_prev[k] = lx[k]


@jit()
def cost_bend(S_prev, smax, S0):
    """Long-run bend (section 5, after Getzen): the factor ``max(0, 1 − S[t−1]/Smax) / (1 − S0/Smax)``
    on the log mean of excess cost growth; ``S`` the cost-to-wage share (ratio)."""
    return max(0.0, 1.0 - S_prev / smax) / (1.0 - S0 / smax)


@jit()
def cost_to_wage_share(S0, Cm, W0, W):
    """``S[t] = S0·Cm[t]·W[0]/W[t]`` (section 5), the ratio the bend reads next year."""
    return S0 * Cm * W0 / W


@jit()
def driver_shocks(keys, t, par, z):
    """Independent standard normals of the drivers in year t, one stream each (section 13), in
    ``z[:N_DRIVERS]``; in ``z[N_DRIVERS:]`` those of the region's own deviations (section 17),
    drawn only where its ``σr`` is not 0 (else 0); ``keys`` the path's stream keys
    (:func:`simulator.kernels.rng.path_keys`)."""
    for k in range(L.N_DRIVERS):
        z[k] = normal_at(keys[L.S_DRIVER + k], t)
        z[L.N_DRIVERS + k] = normal_at(keys[L.S_LOCAL_DRIVER + k], t) if par[L.SIGMA_LOCAL[k]] != 0.0 else 0.0


@jit()
def drivers_ar1(par, chol, z, bend, x, lx, lmu_prev):
    """``l[t] = μ[t] + φ·(l[t−1] − μ[t−1]) + σ·η[t] + σr·εr[t]`` on ``l = log(1 + x)`` (section 5),
    ``η = chol·z`` correlated, ``εr = z[N_DRIVERS + k]`` the region's own deviation (section 17; 0
    with ``σr = 0``, an exact no-op); the bend scales the log mean of excess growth.  Updates ``lx``, ``lmu_prev`` and
    the rates ``x = expm1(l)`` (fractions per year, always > −1)."""
    for k in range(L.N_DRIVERS):
        eta = 0.0
        for q in range(L.N_DRIVERS):
            eta += z[q] * chol[k, q]
        # the AR(1) acts on log(1 + x), so every growth factor exp(lx) is positive; the
        # bend scales the log mean: factor (1 + mu)^bend, positive for any bend >= 0
        lmu = math.log1p(par[L.MU[k]]) * (bend if k == L.D_EXCESS else 1.0)
        lx[k] = (lmu + par[L.PHI[k]] * (lx[k] - lmu_prev[k]) + par[L.SIGMA[k]] * eta
                 + par[L.SIGMA_LOCAL[k]] * z[L.N_DRIVERS + k])
        lmu_prev[k] = lmu
        x[k] = math.expm1(lx[k])


@jit()
def price_levels(W, Y, Cm, lx):
    """(W, Y, Cm) of year t (section 5): ``W[t] = W[t−1]·(1 + gw)``, ``Y[t] = Y[t−1]·(1 + gy)``,
    ``Cm[t] = Cm[t−1]·(1 + gw)·(1 + ge)``, each factor ``exp(l)``; W and Y in yuan per year."""
    fw = math.exp(lx[L.D_WAGE])
    return W * fw, Y * math.exp(lx[L.D_RESINC]), Cm * fw * math.exp(lx[L.D_EXCESS])


@jit()
def epidemic_draw(key, t, probability):
    """1.0 in an epidemic year (section 5: probability ``pe`` a year, its own stream, ``key`` the
    path's key of it), else 0.0."""
    if uniform_at(key, t) < probability:
        return 1.0
    return 0.0
