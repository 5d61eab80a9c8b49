"""Membership (specification section 4), NumPy mirror of :mod:`simulator.kernels.membership`:
stocks (P, A, S) in persons (mid-year)."""

import numpy as np

from .. import layout as L


def retired_share(track, ti, women50):
    """Pi[a, s] for year index ti of the track table (P, A, S) given per-path women50 (P,)."""
    P = women50.shape[0]
    out = np.empty((P, L.N_AGES, L.N_SEXES))
    out[:, :, L.MALE] = track[ti, 0][None, :]
    out[:, :, L.FEMALE] = women50[:, None] * track[ti, 1][None, :] + (1 - women50[:, None]) * track[ti, 2][None, :]
    return out


def age_retirees(Rt, S, h_prev):
    """Retirees survive as their cohort does (section 3's mid-year survival ``S``), not at
    (1 - q[t-1, a-1]) as section 4 writes it, which would let them outlive their cohort; 100+ keeps
    ``exp(−m[100]) = h[100]²`` (``h = exp(−m/2)`` of last year)."""
    newRt = np.zeros_like(Rt)
    newRt[:, 1:, :] = Rt[:, :-1, :] * S[:, 1:, :]
    newRt[:, 100, :] += Rt[:, 100, :] * (h_prev[:, 100, :] * h_prev[:, 100, :])
    return newRt


def working_members(N, Pi_ret, Pi_prev, rho, flex_rel, cov_trend, flex_share, vest_m, vest_f, bb, t, Rt):
    """Employees A, flexible F and the retiree stock Rt with this year's vested retirees (section 4).

    Returns (A, F, Rt, Σ A, Σ F, Σ Rt, buy-back persons); rates per path (P,).
    """
    dPi = np.zeros_like(Pi_ret)
    dPi[:, 1:, :] = np.maximum(0.0, Pi_ret[:, 1:, :] - Pi_prev[:, :-1, :])
    cov = np.minimum(1.0, rho[None] * cov_trend[:, None, None])
    phif = np.minimum(1.0, flex_rel[None] * flex_share[:, None, None])
    work = N * (1 - Pi_ret) * cov
    A = work * (1 - phif)
    F = work * phif
    vest = np.stack([vest_m, vest_f], axis=1)[:, None, :]
    bb = bb[:, None, None]
    retiring = N * dPi * cov
    if t > 0:
        Rt = Rt + retiring * (vest + (1 - vest) * bb)
    buyback_persons = (retiring * (1 - vest) * bb).sum(axis=(1, 2))
    return A, F, Rt, A.sum(axis=(1, 2)), F.sum(axis=(1, 2)), Rt.sum(axis=(1, 2)), buyback_persons


def enrolment_factor(premium, Y, psi0, elasticity):
    """``e = (max(ψ/ψ0, 0.05))^(−εe)``, ``ψ = Pi/Y`` (section 4; floor :data:`simulator.layout.ENROL_BURDEN_FLOOR`)."""
    psi = premium / Y
    return np.maximum(psi / psi0, L.ENROL_BURDEN_FLOOR) ** (-elasticity)


def residents(N, tau, A, F, Rt, enrol):
    """(Rs, Σ Rs): ``Rs = max(N·τ − A − F − Rt, 0)·e`` (section 4), persons."""
    Rs = np.maximum(N * tau[None] - A - F - Rt, 0.0) * enrol[:, None, None]
    return Rs, Rs.sum(axis=(1, 2))
