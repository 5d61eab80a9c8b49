"""Population (specification section 3): cohort-component projection of one path.

Stocks ``N[a, s]`` are mid-year persons by age 0..100 (100+) and sex; ``m`` central death rates
per year; ``h = exp(−m/2)`` the half-year survival of a cell, from which every survival factor
and the deaths follow (``exp(−m) = h²``).
"""

from .. import layout as L
from .jit import jit
from .numerics import EXP_POLY_MAX, exp_cell, exp_poly
from .rng import normal_at

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def mortality_index(kappa, kappa_sd, key, t):
    """Lee-Carter index (section 3), in years of improvement: ``κ[t] = κ[t−1] + 1 + σκ·ε[t]``
    (``key`` the path's key of the mortality stream)."""
    return kappa + 1.0 + kappa_sd * normal_at(key, t)


@jit()
def mortality_rates(m0, ri, kappa, h):
    """Half-year survival ``h[a, s] = exp(−m/2)`` of the central death rates
    ``m = m0·exp(−ri·κ)`` (section 3, ``m`` per year): one ``exp`` of ``m`` per cell, from which
    the survival between mid-year stocks (``h[a−1]·h[a]``), the births' half year (``h[0]``),
    the 100+ cell's own survival and the deaths (``h²``) follow with no ``exp`` or ``sqrt``.

    Both exponentials are :func:`~simulator.kernels.numerics.exp_cell`: loops of
    :func:`~simulator.kernels.numerics.exp_poly` the compiler vectorises over
    the 202 cells, and libm's ``exp`` in a second pass only where an exponent is outside
    ``[−EXP_POLY_MAX, EXP_POLY_MAX]`` (none in the shipped tables over the horizon).  Strict IEEE
    arithmetic, so the same bits on every compile."""
    n = NA * NS
    hf = h.reshape(n)
    m0f = m0.reshape(n)
    rif = ri.reshape(n)
    outside = False
    for c in range(n):
        x = -rif[c] * kappa
        outside |= not (abs(x) <= EXP_POLY_MAX)
        hf[c] = -0.5 * (m0f[c] * exp_poly(x))
    if outside:
        for c in range(n):
            hf[c] = -0.5 * (m0f[c] * exp_cell(-rif[c] * kappa))
    outside = False
    for c in range(n):
        x = hf[c]
        outside |= not (abs(x) <= EXP_POLY_MAX)
        hf[c] = exp_poly(x)
    if outside:
        for c in range(n):
            hf[c] = exp_cell(-0.5 * (m0f[c] * exp_cell(-rif[c] * kappa)))


@jit()
def survival_factors(h_prev, S):
    """Survival between mid-year stocks (section 3), ratio: ``S[a] = exp(−(m[a−1] + m[a])/2)
    = h[a−1]·h[a]`` of last year's rates for ages 1..100 and ``S[0] = exp(−m[0]/2) = h[0]``, the
    births' half year (``h = exp(−m/2)``, :func:`mortality_rates`); the population and the
    retirees (section 4) share it."""
    for s in range(NS):
        S[0, s] = h_prev[0, s]
        for a in range(1, NA):
            S[a, s] = h_prev[a - 1, s] * h_prev[a, s]


@jit()
def survive(N, births_prev, S, h_prev, newN):
    """Survivors before migration (section 3), persons: ``newN[a+1] = N[a]·S[a+1]``
    (:func:`survival_factors`), age 100+ keeps ``N[100]·exp(−m[100]) = N[100]·h[100]²``
    (``h_prev``), age 0 holds last year's births times ``S[0] = exp(−m[0]/2)``."""
    for s in range(NS):
        newN[0, s] = births_prev[s] * S[0, s]
        for a in range(1, NA):
            newN[a, s] = N[a - 1, s] * S[a, s]
        h_top = h_prev[NA - 1, s]
        newN[NA - 1, s] += N[NA - 1, s] * (h_top * h_top)


@jit()
def migrate(newN, mig_total, mig_prof, N):
    """``N = newN + realised migration`` (section 3); returns the realised net migration (persons
    per year).  An outflow cell loses at most its survivors; the profile's inflow cells shrink by
    the share of the outflows the stocks could supply (see :func:`simulator.reference.population.migrate`)."""
    req_out = 0.0
    real_out = 0.0
    for s in range(NS):
        for a in range(NA):
            mc = mig_total * mig_prof[a, s]
            if mc < 0.0:
                req_out += mc
                real_out += mc if mc > -newN[a, s] else -newN[a, s]
    supplied = real_out / req_out if req_out < 0.0 else 1.0
    net_mig = 0.0
    for s in range(NS):
        for a in range(NA):
            mc = mig_total * mig_prof[a, s]
            if mc < 0.0:
                v = mc if mc > -newN[a, s] else -newN[a, s]
            else:
                v = supplied * mc
            N[a, s] = newN[a, s] + v
            net_mig += v
    return net_mig


@jit()
def births_by_group(tfr, fx_t, A, F, N):
    """Births of the year (sections 3 and 7), persons per year: ``TFR·Σ_a fx[a]·X[a, female]`` for
    employees A, flexible workers F and the whole population N."""
    births_emp = 0.0
    births_flex = 0.0
    births_all = 0.0
    for a in range(NA):
        fr = tfr * fx_t[a]
        births_emp += fr * A[a, L.FEMALE]
        births_flex += fr * F[a, L.FEMALE]
        births_all += fr * N[a, L.FEMALE]
    return births_emp, births_flex, births_all


@jit()
def births_by_sex(births, srb, out):
    """Split births by the sex ratio at birth (section 3): male ``B·srb/(1 + srb)``, female ``B/(1 + srb)``."""
    out[0] = births * srb / (1 + srb)
    out[1] = births / (1 + srb)


@jit()
def population_and_deaths(N, h):
    """(Σ N, Σ N·(1 − exp(−m))): mid-year population (persons) and deaths (persons per year,
    section 3), ``exp(−m) = h²`` with ``h = exp(−m/2)`` (:func:`mortality_rates`)."""
    pop_sum = 0.0
    deaths = 0.0
    for a in range(NA):
        for s in range(NS):
            pop_sum += N[a, s]
            deaths += N[a, s] * (1 - h[a, s] * h[a, s])
    return pop_sum, deaths
