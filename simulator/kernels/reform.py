"""Payment reform and purchasing levers (specification section 8): procurement, capitation,
per-diem, DRG/DIP points and payment with the regional global budget and its point-value floor,
leakage and the epidemic's cost.  Money in yuan per year; points in base-year yuan."""

import math

import numpy as np

from .. import layout as L
from .jit import jit


@jit()
def procurement_multiplier(drug_share, coverage, price_cut, rebound):
    """Volume-based procurement (section 8): ``1 − δ[j]·vp·πc·(1 − ρv)`` on the line's cost (ratio)."""
    return 1 - drug_share * coverage * price_cut * (1 - rebound)


@jit()
def grow_payment_indices(par, Cpd, cp):
    """Per-diem index ``Cpd[t] = Cpd[t−1]·(1 + gd)`` (returned) and capitation amounts per member
    ``cp[t] = cp[t−1]·(1 + gc)`` by scheme (in place, yuan per member per year), section 8."""
    for mi in range(2):
        cp[mi] = cp[mi] * (1 + par[L.CAP_GROWTH])
    return Cpd * (1 + par[L.PERDIEM_GROWTH])


@jit()
def capitation(par, t, med, cp, chr_members):
    """Capitation of a share ``ψc`` of chronic outpatient spending (section 8): that part is paid at
    ``cp`` per member; ``cp`` starts at the base year's cost per member.  Updates ``med[:, CHR]``."""
    if t == 0:
        for mi in range(2):
            cp[mi] = med[mi, L.CHR] / chr_members[mi] if chr_members[mi] > 0 else 0.0
    cap = par[L.CAP_SHARE]
    for mi in range(2):
        med[mi, L.CHR] = (1 - cap) * med[mi, L.CHR] + cap * cp[mi] * chr_members[mi]


@jit()
def efficiency_gain(year, start, semax, tau):
    """Hospitals' efficiency gain ``se = semax·(1 − exp(−τd/τs))`` (section 8, fraction), 0 before the start."""
    tau_d = year - start
    if tau_d > 0:
        return semax * (1.0 - math.exp(-tau_d / tau))
    return 0.0


@jit()
def dip_points(par, year, dip_start, Cm, inp_np, V, pts, demand):
    """DRG/DIP volume ``V = θ·E_inp/Cm``, points ``Pts = V·(1 + min(u·τd, umax))`` and demand
    ``Dd = Pts·pv_ref`` by scheme (section 8), with ``pv_ref = Cm·(1 − mean se of the last three
    years)`` (yuan per point).  Returns (θ, pv_ref, se of this year)."""
    theta = par[L.THETA]
    tau_d = year - dip_start
    if tau_d < 0:
        tau_d = 0
    creep = min(par[L.CREEP] * tau_d, par[L.CREEP_CAP])
    semax = par[L.SE_MAX]
    se_tau = par[L.SE_TAU]
    se_now = efficiency_gain(year, dip_start, semax, se_tau)
    se_ref = (efficiency_gain(year - 1, dip_start, semax, se_tau) + efficiency_gain(year - 2, dip_start, semax, se_tau)
              + efficiency_gain(year - 3, dip_start, semax, se_tau)) / 3
    pv_ref = Cm * (1 - se_ref)
    for mi in range(2):
        V[mi] = theta * inp_np[mi] / Cm
        pts[mi] = V[mi] * (1 + creep)
        demand[mi] = pts[mi] * pv_ref
    return theta, pv_ref, se_now


@jit()
def budget_payment(demand, budget, overrun_share, savings_share, floor_share):
    """(payment, floor overrun) of DRG/DIP care under the global budget (specification section 8),
    yuan per year: overrun sharing above the budget, retained savings below it, and at least
    ``floor_share * demand`` (the point-value floor); the overrun is what the floor adds."""
    if demand > budget:
        rule = budget + overrun_share * (demand - budget)
    else:
        rule = demand + savings_share * (budget - demand)
    floor = floor_share * demand
    if rule < floor:
        return floor, floor - rule
    return rule, 0.0


@jit()
def global_budget(par, flags, t, base, theta, theta_prev, demand, pay_prev, inc_prev, inc_prev2, eo_prev,
                  budget, pay, floor_overrun, floor_binding, cap_binding):
    """Regional global budget with point values (section 8), by scheme, yuan per year:
    ``Bg = min(Pay[t−1]·(θ/θ[t−1])·(1 + gb), (Inc_c[t−1] − Eo[t−1])·(1 + gi)·(1 − ms))`` and the
    fund's payment by :func:`budget_payment`; without the budget (or in the base year) ``Pay = Dd``
    and ``budget`` is NaN.  Flags (0/1) where the floor or the income cap binds."""
    for mi in range(2):
        budget[mi] = np.nan
        pay[mi] = demand[mi]
        floor_overrun[mi] = 0.0
        floor_binding[mi] = 0.0
        cap_binding[mi] = 0.0
    if flags[L.FLAG_BUDGET] != 0 and t > 0:
        for mi in range(2):
            f = 0 if mi == 0 else 2
            if flags[L.FLAG_GI_SET] != 0:
                gi = par[L.GI]
            elif t == 1:
                gi = base[L.B_INC_GROWTH0 + f]
            else:
                gi = inc_prev[f] / inc_prev2[f] - 1
            if theta_prev > 0:
                by_payment = pay_prev[mi] * (theta / theta_prev) * (1 + par[L.GB])
            else:
                by_payment = demand[mi]
            by_income = (inc_prev[f] - eo_prev[mi]) * (1 + gi) * (1 - par[L.MS])
            # no floor at zero on the budget: the point-value floor keeps the payment up
            # (specification 2.3 section 8; see simulator.reference)
            if by_income < by_payment:
                bg = by_income
                cap_binding[mi] = 1.0
            else:
                bg = by_payment
            budget[mi] = bg
            pay[mi], floor_overrun[mi] = budget_payment(demand[mi], bg, par[L.ETA_O], par[L.ETA_S], par[L.PV_FLOOR])
            if floor_overrun[mi] > 0.0:
                floor_binding[mi] = 1.0


@jit()
def out_of_region_split(base, out_price, p, t, inp_np, away):
    """Out-of-region care (section 17), by scheme: the share ``w = base[B_OUT_SHARE]`` of the
    non-per-diem inpatient cost ``inp_np`` is incurred in other regions and leaves the region's own
    DRG/DIP (``inp_np`` becomes the care at home, in place); ``away = w·E_inp·m`` is what the fund pays
    for it, yuan per year, with ``m = out_price[p, t]`` the host regions' price per yuan of care
    (:func:`inpatient_price_ratio`, set by the province run; 1 when ``out_price`` is empty).
    With ``w = 0`` both are exact no-ops (``x·1`` and ``+ 0``), so a run without it keeps its bits."""
    for mi in range(2):
        w = base[L.B_OUT_SHARE + mi]
        m = out_price[p, t, mi] if out_price.shape[0] > 0 else 1.0
        away[mi] = w * inp_np[mi] * m
        inp_np[mi] = (1 - w) * inp_np[mi]


@jit()
def inpatient_price_ratio(theta, inp_np, pay, mi):
    """``((1 − θ)·E_inp + Pay) / E_inp`` (ratio): what the fund pays per yuan of its own
    non-per-diem inpatient care after DRG/DIP pricing; 1 without that care (section 17)."""
    if inp_np[mi] > 0:
        return ((1 - theta) * inp_np[mi] + pay[mi]) / inp_np[mi]
    return 1.0


@jit()
def leakage_and_epidemic(par, epi, theta, inp_np, inp_pd, pay, away, med, leak, medical):
    """Inpatient fund expenditure ``(1 − θ)·E_inp + per-diem + Pay + out-of-region care`` (sections 8,
    17), leakage ``ℓ·E`` and the epidemic's addition ``ce`` (section 5): ``medical = (E + ℓ·E)·(1 +
    ce·epi)`` by scheme, yuan per year.  Returns the epidemic multiplier."""
    epi_mult = 1 + par[L.EPI_COST] * epi
    for mi in range(2):
        med[mi, L.INP] = (1 - theta) * inp_np[mi] + inp_pd[mi] + pay[mi] + away[mi]
        tot = med[mi, 0] + med[mi, 1] + med[mi, 2]
        leak[mi] = par[L.LEAK] * tot
        medical[mi] = (tot + leak[mi]) * epi_mult
    return epi_mult


@jit()
def hospital_margin(pay, V, Cm, se_now):
    """Hospitals' margin on covered care ``Pay − V·AC``, ``AC = Cm·(1 − se)`` (section 8), yuan per year."""
    return pay - V * (Cm * (1 - se_now))
