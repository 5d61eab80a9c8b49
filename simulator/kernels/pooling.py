"""Pooling of several regions' pooled funds (specification section 17): the province's ledger.

The regions are projected one by one (their flows do not depend on their balances unless a rate
trigger reads the reserve months, which a pooled province refuses; see
:mod:`simulator.province.run`), so the pooling can be applied afterwards, exactly, to their
kernel outputs: this function recomputes, for one pooled fund, every region's interest, balance
and fiscal transfer year by year with the adjustment fund's levies and top-ups, or the unified
pool.  Money in yuan (balances at year end) and yuan per year (flows); rates as fractions per
year; reserve months in months.

Arrays, for one pooled fund:

* ``inc``, ``exp``, ``i_rate``: (R, P, T) contribution income ``Inc_c``, expenditure ``Exp`` and
  the interest rate of each region (from its kernel output);
* ``bal0``: (R, P) each region's balance at the end of the base year (reported);
* ``share``: (R,) adjustment-fund levy ``αr``, a fraction of ``Inc_c``; ``min_months``: (R,)
  ``Bmin_r``, months; ``join_t``: (R,) first year index in the unified pool (``T`` = never);
* ``backstop_on``: (R,) 1 if the region's fiscal backstop is on; ``backstop_months``: (R, P, T);
* outputs (written): ``J``, ``bal``, ``transfer``, ``levy``, ``top_up`` (R, P, T) per region
  (``bal`` NaN while the region is in the unified pool: it has no balance of its own) and
  ``fund_bal``, ``fund_J``, ``fund_transfer`` (P, T): the adjustment fund or the unified pool.
"""

import numpy as np

from .jit import jit
from .rules import backstop_transfer

MODE_SEPARATE = 0
MODE_ADJUSTMENT = 1
MODE_UNIFIED = 2


@jit()
def region_interest(i_rate, opening, net_flow):
    """``J = i·Bal[t−1] + (i/2)·(flows in − flows out)`` (section 9), yuan per year."""
    return i_rate * opening + (i_rate / 2) * net_flow


@jit()
def backstop(on, minimum_months, expenditure, balance):
    """The fiscal backstop's transfer (section 10) if ``on``, else 0; yuan."""
    if on == 0:
        return 0.0
    return max(backstop_transfer(minimum_months, expenditure, balance), 0.0)


@jit()
def pool_path(mode, p, inc, exp, i_rate, bal0, share, min_months, join_t, backstop_on, backstop_months,
              J, bal, transfer, levy, top_up, fund_bal, fund_J, fund_transfer, need, order):
    """The ledger of one path ``p`` (section 17), year by year from the base year's balances."""
    R, _, T = inc.shape
    for r in range(R):
        bal[r, p, 0] = bal0[r, p]
    fund_bal[p, 0] = 0.0
    fund_J[p, 0] = 0.0
    fund_transfer[p, 0] = 0.0
    for t in range(1, T):
        if mode == MODE_ADJUSTMENT:
            total_levy = 0.0
            mean_rate = 0.0
            for r in range(R):
                levy[r, p, t] = share[r] * inc[r, p, t]
                total_levy += levy[r, p, t]
                mean_rate += i_rate[r, p, t] / R
                J[r, p, t] = region_interest(i_rate[r, p, t], bal[r, p, t - 1], inc[r, p, t] - levy[r, p, t] - exp[r, p, t])
                bal[r, p, t] = bal[r, p, t - 1] + inc[r, p, t] - levy[r, p, t] + J[r, p, t] - exp[r, p, t]
                need[r] = max(min_months[r] * exp[r, p, t] / 12.0 - bal[r, p, t], 0.0)
            fund_J[p, t] = region_interest(mean_rate, fund_bal[p, t - 1], total_levy)
            available = fund_bal[p, t - 1] + total_levy + fund_J[p, t]
            # top-ups in order of need, the largest first, while the fund has money (ties: region order)
            for r in range(R):
                order[r] = r
            for a in range(1, R):
                k = order[a]
                b = a - 1
                while b >= 0 and need[order[b]] < need[k]:
                    order[b + 1] = order[b]
                    b -= 1
                order[b + 1] = k
            paid = 0.0
            for a in range(R):
                r = order[a]
                give = min(need[r], max(available, 0.0))
                top_up[r, p, t] = give
                available -= give
                paid += give
                bal[r, p, t] += give
            fund_bal[p, t] = available
            fund_transfer[p, t] = paid
            for r in range(R):
                transfer[r, p, t] = backstop(backstop_on[r], backstop_months[r, p, t], exp[r, p, t], bal[r, p, t])
                bal[r, p, t] += transfer[r, p, t]
        else:  # MODE_UNIFIED: regions from their join year keep no books; the pool keeps one
            opening = fund_bal[p, t - 1]
            inflow = 0.0
            outflow = 0.0
            rate = 0.0
            members = 0
            pool_backstop = 0
            pool_months = 0.0
            for r in range(R):
                levy[r, p, t] = 0.0
                top_up[r, p, t] = 0.0
                if t >= join_t[r]:
                    if t == join_t[r]:  # the region's balance merges into the pool at the start of its join year
                        opening += bal[r, p, t - 1]
                    inflow += inc[r, p, t]
                    outflow += exp[r, p, t]
                    rate += i_rate[r, p, t]
                    members += 1
                    if backstop_on[r] != 0:
                        pool_backstop = 1
                        pool_months = backstop_months[r, p, t]
                    J[r, p, t] = 0.0
                    bal[r, p, t] = np.nan
                    transfer[r, p, t] = 0.0
                else:
                    J[r, p, t] = region_interest(i_rate[r, p, t], bal[r, p, t - 1], inc[r, p, t] - exp[r, p, t])
                    bal[r, p, t] = bal[r, p, t - 1] + inc[r, p, t] + J[r, p, t] - exp[r, p, t]
                    transfer[r, p, t] = backstop(backstop_on[r], backstop_months[r, p, t], exp[r, p, t], bal[r, p, t])
                    bal[r, p, t] += transfer[r, p, t]
            fund_transfer[p, t] = 0.0
            if members > 0:
                rate /= members
                fund_J[p, t] = region_interest(rate, opening, inflow - outflow)
                fund_bal[p, t] = opening + inflow + fund_J[p, t] - outflow
                fund_transfer[p, t] = backstop(pool_backstop, pool_months, outflow, fund_bal[p, t])
                fund_bal[p, t] += fund_transfer[p, t]
            else:
                fund_J[p, t] = 0.0
                fund_bal[p, t] = 0.0


@jit()
def pool_funds(mode, inc, exp, i_rate, bal0, share, min_months, join_t, backstop_on, backstop_months,
               J, bal, transfer, levy, top_up, fund_bal, fund_J, fund_transfer):
    """The province's ledger of one pooled fund on every path (see the module docstring)."""
    R, P, _ = inc.shape
    need = np.empty(R)
    order = np.empty(R, dtype=np.int64)
    for p in range(P):
        pool_path(mode, p, inc, exp, i_rate, bal0, share, min_months, join_t, backstop_on, backstop_months,
                  J, bal, transfer, levy, top_up, fund_bal, fund_J, fund_transfer, need, order)
