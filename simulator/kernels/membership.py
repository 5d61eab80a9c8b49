"""Membership (specification section 4): who is past retirement age, employees, flexible workers,
the retiree cohort stock and residents, by age and sex (persons, mid-year)."""

from .. import layout as L
from .jit import jit

NA = L.N_AGES
NS = L.N_SEXES


@jit()
def retired_share(track, ti, women50, out):
    """``Π[a, s] = Σ_k ωk·clip(a + 1 − R_k(yb), 0, 1)`` (section 4), share of the cell past retirement
    age: men on their track, women mixing the 50 and 55 tracks with the share ``women50`` (fraction)."""
    for a in range(NA):
        out[a, 0] = track[ti, 0, a]
        out[a, 1] = women50 * track[ti, 1, a] + (1.0 - women50) * track[ti, 2, a]


@jit()
def age_retirees(Rt, S, h_prev):
    """Retirees survive as their cohort does (sections 3-4), persons: ``Rt[a] = Rt[a−1]·S[a]`` with
    the population's survival factor ``S`` (:func:`simulator.kernels.population.survival_factors`),
    100+ keeps ``Rt[100]·exp(−m[100]) = Rt[100]·h[100]²`` (``h_prev``, ``h = exp(−m/2)``); age 0 empty."""
    for s in range(NS):
        h_top = h_prev[NA - 1, s]
        top = Rt[NA - 1, s] * (h_top * h_top)
        for a in range(NA - 1, 0, -1):
            Rt[a, s] = Rt[a - 1, s] * S[a, s]
        Rt[0, s] = 0.0
        Rt[NA - 1, s] += top


@jit()
def working_members(N, Pi_ret, Pi_prev, rho, flex_rel, cov_trend, flex_share, vest_m, vest_f, bb, t, A, F, Rt):
    """Employees ``A = N·(1 − Π)·ρ·(1 − φf)``, flexible ``F = N·(1 − Π)·ρ·φf`` and new retirees
    ``N·ΔΠ·ρ·(v + (1 − v)·b)`` added to ``Rt`` (section 4), persons; ``ρ`` and ``φf`` capped at 1.
    Returns (Σ A, Σ F, Σ Rt, buy-back persons ``Σ N·ΔΠ·ρ·(1 − v)·b``)."""
    buyback_persons = 0.0
    n_emp = 0.0
    n_flex = 0.0
    n_ret = 0.0
    for s in range(NS):
        vest = vest_m if s == 0 else vest_f
        for a in range(NA):
            cov = rho[a, s] * cov_trend
            if cov > 1.0:
                cov = 1.0
            phif = flex_rel[a, s] * flex_share
            if phif > 1.0:
                phif = 1.0
            work = N[a, s] * (1 - Pi_ret[a, s]) * cov
            A[a, s] = work * (1 - phif)
            F[a, s] = work * phif
            dpi = 0.0
            if a > 0:
                dpi = Pi_ret[a, s] - Pi_prev[a - 1, s]
                if dpi < 0.0:
                    dpi = 0.0
            ret_new = N[a, s] * dpi * cov
            if t > 0:
                Rt[a, s] += ret_new * (vest + (1 - vest) * bb)
            buyback_persons += ret_new * (1 - vest) * bb
            n_emp += A[a, s]
            n_flex += F[a, s]
            n_ret += Rt[a, s]
    return n_emp, n_flex, n_ret, buyback_persons


@jit()
def enrolment_factor(premium, Y, psi0, elasticity):
    """``e[t] = (max(ψ[t]/ψ[0], 0.05))^(−εe)``, ``ψ = Pi/Y`` the premium burden (section 4; ratio;
    the floor :data:`simulator.layout.ENROL_BURDEN_FLOOR` keeps a premium of 0 finite)."""
    ratio = premium / Y / psi0
    if ratio < L.ENROL_BURDEN_FLOOR:
        ratio = L.ENROL_BURDEN_FLOOR
    return ratio ** (-elasticity)


@jit()
def residents(N, tau, A, F, Rt, enrol, Rs):
    """``Rs = max(N·τ − A − F − Rt, 0)·e`` (section 4), persons; returns Σ Rs."""
    n_res = 0.0
    for a in range(NA):
        for s in range(NS):
            v = N[a, s] * tau[a, s] - A[a, s] - F[a, s] - Rt[a, s]
            Rs[a, s] = (v if v > 0.0 else 0.0) * enrol
            n_res += Rs[a, s]
    return n_res
