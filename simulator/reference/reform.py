"""Payment reform (specification section 8), NumPy mirror of :mod:`simulator.kernels.reform`:
yuan per year by path and scheme (P, 2); points in base-year yuan."""

import numpy as np

from .. import layout as L


def procurement_multiplier(drug_share, coverage, price_cut, rebound):
    """``1 − δ[j]·vp·πc·(1 − ρv)`` (section 8)."""
    return 1 - drug_share * coverage * price_cut * (1 - rebound)


def grow_payment_indices(par, Cpd, cp):
    """(Cpd, cp) of the year: per-diem index and capitation amounts grown (section 8)."""
    return Cpd * (1 + par[:, L.PERDIEM_GROWTH]), cp * (1 + par[:, L.CAP_GROWTH])[:, None]


def capitation(par, t, med, cp, chr_members):
    """Capitation of chronic outpatient care (section 8): updates ``med[:, :, CHR]``; returns cp
    (set in the base year from its cost per member)."""
    if t == 0:
        cp = np.where(chr_members > 0, med[:, :, L.CHR] / np.where(chr_members > 0, chr_members, 1.0), 0.0)
    cap = par[:, L.CAP_SHARE][:, None]
    med[:, :, L.CHR] = (1 - cap) * med[:, :, L.CHR] + cap * cp * chr_members
    return cp


def efficiency_gain(year, start, semax, tau):
    """``se = semax·(1 − exp(−τd/τs))``, 0 before the start (section 8)."""
    tau_d = year - start
    return np.where(tau_d > 0, semax * (1.0 - np.exp(-np.maximum(tau_d, 0) / tau)), 0.0)


def dip_points(par, year, dip_start, Cm, inp_np):
    """(θ, pv_ref, se, V, Pts, Dd): DRG/DIP volume, points and demand by scheme (section 8)."""
    theta = par[:, L.THETA]
    tau_d = np.maximum(0, year - dip_start)
    creep = np.minimum(par[:, L.CREEP] * tau_d, par[:, L.CREEP_CAP])
    se_args = (dip_start, par[:, L.SE_MAX], par[:, L.SE_TAU])
    se_now = efficiency_gain(year, *se_args)
    se_ref = (efficiency_gain(year - 1, *se_args) + efficiency_gain(year - 2, *se_args)
              + efficiency_gain(year - 3, *se_args)) / 3
    pv_ref = Cm * (1 - se_ref)
    V = theta[:, None] * inp_np / Cm[:, None]
    pts = V * (1 + creep)[:, None]
    demand = pts * pv_ref[:, None]
    return theta, pv_ref, se_now, V, pts, demand


def budget_payment(demand, budget, overrun_share, savings_share, floor_share):
    """DRG/DIP payment under the regional global budget (specification 2.3 section 8), yuan per year.

    Above the budget the fund pays the budget and a share ``overrun_share`` of the overrun
    (合理超支分担), below it the demand and a share ``savings_share`` of the savings (结余留用);
    and never less than ``floor_share * demand`` (``κpv·Dd``, the point-value floor: the realised
    point value ``Pay / Pts`` stays at or above ``κpv · pv_ref``).  Returns ``(payment,
    floor_overrun)``, the overrun being what the floor adds to the sharing rule's payment (0 where
    the floor does not bind).  The income cap alone would let the point value fall without limit
    when spending outside the budget grows faster than income; the floor replaces the zero floor
    on the budget of earlier versions (a budget may now be negative, the payment never is).
    """
    rule = np.where(demand > budget, budget + overrun_share * (demand - budget),
                    demand + savings_share * (budget - demand))
    floor = floor_share * demand
    return np.where(rule < floor, floor, rule), np.where(rule < floor, floor - rule, 0.0)


def global_budget(par, flags, t, base, theta, theta_prev, demand, pay_prev, inc_prev, inc_prev2, eo_prev):
    """(budget, pay, floor_overrun, floor_binding, cap_binding), each (P, 2): the regional global
    budget and the fund's DRG/DIP payment (section 8); without the budget Pay = Dd, budget NaN."""
    P = demand.shape[0]
    budget = np.full((P, 2), np.nan)
    if flags[L.FLAG_BUDGET] and t > 0:
        if flags[L.FLAG_GI_SET]:
            gi = np.broadcast_to(par[:, L.GI][:, None], (P, 2))
        elif t == 1:
            gi = np.broadcast_to(base[[L.B_INC_GROWTH0 + 0, L.B_INC_GROWTH0 + 2]][None, :], (P, 2))
        else:
            gi = inc_prev[:, [0, 2]] / inc_prev2[:, [0, 2]] - 1
        ratio = np.where(theta_prev > 0, theta / np.where(theta_prev > 0, theta_prev, 1.0), 1.0)
        by_payment = np.where(theta_prev[:, None] > 0, pay_prev * ratio[:, None] * (1 + par[:, L.GB])[:, None], demand)
        by_income = (inc_prev[:, [0, 2]] - eo_prev) * (1 + gi) * (1 - par[:, L.MS])[:, None]
        # the income cap binds where income allows less than the grown payment; the budget is
        # not floored at zero (it may be negative: income minus spending outside the budget
        # allows nothing), the point-value floor keeps the payment up (specification 2.3 section 8)
        cap_binding = (by_income < by_payment).astype(float)
        budget = np.where(by_income < by_payment, by_income, by_payment)
        pay, floor_overrun = budget_payment(demand, budget, par[:, L.ETA_O][:, None], par[:, L.ETA_S][:, None],
                                            par[:, L.PV_FLOOR][:, None])
        floor_binding = (floor_overrun > 0.0).astype(float)
        return budget, pay, floor_overrun, floor_binding, cap_binding
    return budget, demand, np.zeros((P, 2)), np.zeros((P, 2)), np.zeros((P, 2))


def out_of_region_split(base, out_price, t, inp_np):
    """(care at home (P, 2), what the fund pays for care away (P, 2)): the share ``base[B_OUT_SHARE]``
    of the non-per-diem inpatient cost is incurred in other regions, priced at ``out_price[:, t]``
    (1 when empty), section 17."""
    w = base[L.B_OUT_SHARE:L.B_OUT_SHARE + 2][None, :]
    m = out_price[:, t, :] if out_price.shape[0] > 0 else 1.0
    return (1 - w) * inp_np, w * inp_np * m


def inpatient_price_ratio(theta, inp_np, pay):
    """``((1 − θ)·E_inp + Pay) / E_inp`` (P, 2), 1 where there is no such care (section 17)."""
    safe = np.where(inp_np > 0, inp_np, 1.0)
    return np.where(inp_np > 0, ((1 - theta)[:, None] * inp_np + pay) / safe, 1.0)


def leakage_and_epidemic(par, epi, theta, inp_np, inp_pd, pay, away, med):
    """(epidemic multiplier (P,), leakage (P, 2), medical (P, 2)): inpatient expenditure with the
    DRG/DIP payment and out-of-region care (``med`` updated), leakage and the epidemic's addition
    (sections 5, 8, 17)."""
    epi_mult = 1 + par[:, L.EPI_COST] * epi
    med[:, :, L.INP] = (1 - theta)[:, None] * inp_np + inp_pd + pay + away
    med_total = med.sum(axis=2)
    leak = par[:, L.LEAK][:, None] * med_total
    medical = (med_total + leak) * epi_mult[:, None]
    return epi_mult, leak, medical


def hospital_margin(pay, V, Cm, se_now):
    """``Pay − V·Cm·(1 − se)`` (section 8), (P, 2)."""
    return pay - V * (Cm * (1 - se_now))[:, None]
