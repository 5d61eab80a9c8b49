"""Population (specification section 3), NumPy mirror of :mod:`simulator.kernels.population`:
stocks (P, A, S) in persons (mid-year), ``m`` central death rates per year."""

import numpy as np

from .. import layout as L
from .. import rng


def mortality_index(kappa, kappa_sd, seed, stream, paths, t):
    """``κ[t] = κ[t−1] + 1 + σκ·ε[t]`` (section 3), years of improvement."""
    return kappa + 1.0 + kappa_sd * rng.normal(seed, stream, paths, t)


def mortality_rates(m0, ri, kappa):
    """Half-year survival ``h = exp(−m/2)`` of ``m = m0·exp(−ri·κ)`` (section 3, ``m`` per year), (P, A, S)."""
    return np.exp(-0.5 * (m0[None] * np.exp(-ri[None] * kappa[:, None, None])))


def survival_factors(h_prev):
    """``S[a] = exp(−(m[a−1] + m[a])/2) = h[a−1]·h[a]`` for ages 1..100 and ``S[0] = exp(−m[0]/2) = h[0]``
    (section 3, ``h = exp(−m/2)`` of last year), (P, A, S)."""
    S = np.empty_like(h_prev)
    S[:, 1:, :] = h_prev[:, :-1, :] * h_prev[:, 1:, :]
    S[:, 0, :] = h_prev[:, 0, :]
    return S


def survive(N, births_prev, S, h_prev):
    """Survivors before migration (section 3): ``N[a+1] = N[a]·S[a+1]``, 100+ keeps ``exp(−m[100]) = h[100]²``,
    age 0 holds last year's births (P, S) times ``S[0] = exp(−m[0]/2)``."""
    newN = np.zeros_like(N)
    newN[:, 1:, :] = N[:, :-1, :] * S[:, 1:, :]
    newN[:, 100, :] += N[:, 100, :] * (h_prev[:, 100, :] * h_prev[:, 100, :])
    newN[:, 0, :] = births_prev * S[:, 0, :]
    return newN


def migrate(survivors, total, profile):
    """Add net migration to the survivors (specification section 3); returns (N, realised net).

    ``survivors`` (P, A, S) persons before migration, ``total`` (P,) the requested net migration
    in persons per year, ``profile`` (A, S) its age-sex shape summing to 1.  The profile may mix
    signs (the national one has young emigrants and returning middle-aged migrants), so the
    request ``total * profile`` has outflow cells and inflow cells.  An outflow cell loses at most
    its survivors.  When stocks cap the outflows, the inflow cells shrink in the same proportion
    (the share ``supplied`` of the requested outflows that the stocks could supply): the
    realised net migration is ``supplied * total``, of the sign requested and never larger.
    Without that, a large emigration emptied the young cells while the middle-aged inflows
    went on in full, and the population grew.  Returns N >= 0 exactly (no floor needed) and the
    realised net migration in persons per year.
    """
    mig = total[:, None, None] * profile[None]
    outflow = mig < 0.0
    capped = np.where(outflow, np.maximum(mig, -survivors), 0.0)
    req_out = np.where(outflow, mig, 0.0).sum(axis=(1, 2))
    real_out = capped.sum(axis=(1, 2))
    supplied = np.where(req_out < 0.0, real_out / np.where(req_out < 0.0, req_out, 1.0), 1.0)
    realised = np.where(outflow, capped, supplied[:, None, None] * mig)
    return survivors + realised, realised.sum(axis=(1, 2))


def births_by_group(tfr, fx_t, A, F, N):
    """Births (sections 3 and 7), persons per year, (P,) each: to employees, flexible workers, all."""
    fert = tfr[:, None] * fx_t[None, :]
    births_emp = (fert * A[:, :, L.FEMALE]).sum(axis=1)
    births_flex = (fert * F[:, :, L.FEMALE]).sum(axis=1)
    births_all = tfr * (fx_t[None, :] * N[:, :, L.FEMALE]).sum(axis=1)
    return births_emp, births_flex, births_all


def births_by_sex(births, srb):
    """(P, 2): male ``B·srb/(1 + srb)`` and female ``B/(1 + srb)`` births (section 3)."""
    return np.stack([births * srb / (1 + srb), births / (1 + srb)], axis=1)


def population_and_deaths(N, h):
    """(Σ N, Σ N·(1 − exp(−m))) per path: population (persons) and deaths (persons per year), ``exp(−m) = h²``."""
    return N.sum(axis=(1, 2)), (N * (1 - h * h)).sum(axis=(1, 2))
