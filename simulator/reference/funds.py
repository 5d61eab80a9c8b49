"""Funds (specification section 9), NumPy mirror of :mod:`simulator.kernels.funds`: (P, 3) by fund."""

import numpy as np

from .. import layout as L
from .rules import backstop_transfer


def account_outflow(opening, credits, spend_credits, spend_balance):
    """``Out = min(Bal[t−1] + In, ξf·In + ξb·Bal[t−1])`` (section 9)."""
    return np.minimum(opening + credits, spend_credits * credits + spend_balance * opening)


def fund_expenditure(par, t, medical, maternity, cii, inc_c, credits, bal, base):
    """(carve-outs (P, 2), Exp (P, 3), opening balances (P, 3)) (sections 7 and 9)."""
    P = inc_c.shape[0]
    ltc = par[:, L.LTC][:, None] * inc_c[:, [L.F_POOL, L.F_RES]]
    exp = np.empty((P, 3))
    exp[:, L.F_POOL] = medical[:, 0] + maternity + ltc[:, 0]
    exp[:, L.F_RES] = medical[:, 1] + cii + ltc[:, 1]
    bal_open = bal if t > 0 else np.broadcast_to(base[L.B_BAL_PREV:L.B_BAL_PREV + 3][None, :], (P, 3))
    exp[:, L.F_ACC] = account_outflow(bal_open[:, L.F_ACC], credits, par[:, L.XI_F], par[:, L.XI_B])
    return ltc, exp, bal_open


def balances(t, i_rate, bal_open, inc_c, exp, base, backstop, backstop_months):
    """(J, Bal[t], transfer), each (P, 3): ``J = i·Bal[t−1] + (i/2)·(Inc_c − Exp)``,
    ``Bal[t] = Bal[t−1] + Inc_c + J − Exp`` (section 9) and the backstop (section 10)."""
    P = inc_c.shape[0]
    transfer = np.zeros((P, 3))
    if t == 0:
        J = np.broadcast_to(base[L.B_J0:L.B_J0 + 3][None, :], (P, 3)).copy()
        new_bal = np.broadcast_to(base[L.B_BAL0:L.B_BAL0 + 3][None, :], (P, 3)).copy()
    else:
        J = i_rate[:, None] * bal_open + (i_rate[:, None] / 2) * (inc_c - exp)
        new_bal = bal_open + inc_c + J - exp
        if backstop:
            for f in (L.F_POOL, L.F_RES):
                transfer[:, f] = backstop_transfer(backstop_months, exp[:, f], new_bal[:, f])
                new_bal[:, f] += transfer[:, f]
    return J, new_bal, transfer


def reserve_months(balance, expenditure):
    """``RM = Bal / (Exp / 12)`` (section 9), months."""
    return balance / (expenditure / 12.0)
