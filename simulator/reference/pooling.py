"""Pooling of several regions (specification section 17), NumPy mirror of
:mod:`simulator.kernels.pooling`: vectorised over paths, looping over years and regions."""

import numpy as np

from ..kernels.pooling import MODE_ADJUSTMENT
from .rules import backstop_transfer


def region_interest(i_rate, opening, net_flow):
    """``J = i·Bal[t−1] + (i/2)·(flows in − flows out)`` (section 9), yuan per year."""
    return i_rate * opening + (i_rate / 2) * net_flow


def pool_funds(mode, inc, exp, i_rate, bal0, share, min_months, join_t, backstop, backstop_months,
               J, bal, transfer, levy, top_up, fund_bal, fund_J, fund_transfer):
    """The province's ledger of one pooled fund on every path (arrays as in the kernel), in place."""
    R, P, T = inc.shape
    bal[:, :, 0] = bal0
    fund_bal[:, 0] = 0.0
    fund_J[:, 0] = 0.0
    fund_transfer[:, 0] = 0.0
    for t in range(1, T):
        if mode == MODE_ADJUSTMENT:
            levy[:, :, t] = share[:, None] * inc[:, :, t]
            mean_rate = np.zeros(P)
            for r in range(R):
                mean_rate += i_rate[r, :, t] / R
            J[:, :, t] = region_interest(i_rate[:, :, t], bal[:, :, t - 1], inc[:, :, t] - levy[:, :, t] - exp[:, :, t])
            bal[:, :, t] = bal[:, :, t - 1] + inc[:, :, t] - levy[:, :, t] + J[:, :, t] - exp[:, :, t]
            need = np.maximum(min_months[:, None] * exp[:, :, t] / 12.0 - bal[:, :, t], 0.0)  # (R, P)
            total_levy = np.zeros(P)
            for r in range(R):
                total_levy += levy[r, :, t]
            fund_J[:, t] = region_interest(mean_rate, fund_bal[:, t - 1], total_levy)
            available = fund_bal[:, t - 1] + total_levy + fund_J[:, t]
            # the largest need first; a stable sort keeps the region order among equal needs
            order = np.argsort(-need, axis=0, kind="stable")
            paid = np.zeros(P)
            cols = np.arange(P)
            for a in range(R):
                r = order[a]
                give = np.minimum(need[r, cols], np.maximum(available, 0.0))
                top_up[r, cols, t] = give
                available = available - give
                paid = paid + give
                bal[r, cols, t] += give
            fund_bal[:, t] = available
            fund_transfer[:, t] = paid
            transfer[:, :, t] = 0.0
            for r in range(R):
                if backstop[r]:
                    gap = backstop_transfer(backstop_months[r, :, t], exp[r, :, t], bal[r, :, t])
                    transfer[r, :, t] = gap
                    bal[r, :, t] += gap
        else:
            opening = fund_bal[:, t - 1].copy()
            inflow, outflow, rate = np.zeros(P), np.zeros(P), np.zeros(P)
            members = 0
            pool_months = None
            levy[:, :, t] = 0.0
            top_up[:, :, t] = 0.0
            transfer[:, :, t] = 0.0
            for r in range(R):
                if t >= join_t[r]:
                    if t == join_t[r]:
                        opening = opening + bal[r, :, t - 1]
                    inflow = inflow + inc[r, :, t]
                    outflow = outflow + exp[r, :, t]
                    rate = rate + i_rate[r, :, t]
                    members += 1
                    if backstop[r]:
                        pool_months = backstop_months[r, :, t]
                    J[r, :, t] = 0.0
                    bal[r, :, t] = np.nan
                else:
                    J[r, :, t] = region_interest(i_rate[r, :, t], bal[r, :, t - 1], inc[r, :, t] - exp[r, :, t])
                    bal[r, :, t] = bal[r, :, t - 1] + inc[r, :, t] + J[r, :, t] - exp[r, :, t]
                    if backstop[r]:
                        gap = backstop_transfer(backstop_months[r, :, t], exp[r, :, t], bal[r, :, t])
                        transfer[r, :, t] = gap
                        bal[r, :, t] += gap
            fund_transfer[:, t] = 0.0
            if members:
                rate = rate / members
                fund_J[:, t] = region_interest(rate, opening, inflow - outflow)
                fund_bal[:, t] = opening + inflow + fund_J[:, t] - outflow
                if pool_months is not None:
                    gap = backstop_transfer(pool_months, outflow, fund_bal[:, t])
                    fund_transfer[:, t] = gap
                    fund_bal[:, t] += gap
            else:
                fund_J[:, t] = 0.0
                fund_bal[:, t] = 0.0
