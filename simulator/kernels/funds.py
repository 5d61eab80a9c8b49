"""Funds (specification section 9): expenditure by fund, interest, balances and reserve months.
Money in yuan (balances at year end) and yuan per year (flows)."""

from .. import layout as L
from .jit import jit
from .rules import backstop_transfer


@jit()
def account_outflow(opening, credits, spend_credits, spend_balance):
    """``Out = min(Bal[t−1] + In, ξf·In + ξb·Bal[t−1])`` (section 9), yuan per year."""
    return min(opening + credits, spend_credits * credits + spend_balance * opening)


@jit()
def fund_expenditure(par, t, medical, maternity, cii, inc_c, credits, bal, base, exp):
    """``Exp`` by fund (sections 7 and 9): pooled medical + maternity + care carve-out, resident
    medical + critical-illness premiums + carve-out, the accounts' outflow.  Returns the carve-outs
    (employee pooled, resident) ``Tltc = share·Inc_c``."""
    ltc0 = par[L.LTC] * inc_c[L.F_POOL]
    ltc1 = par[L.LTC] * inc_c[L.F_RES]
    exp[L.F_POOL] = medical[0] + maternity + ltc0
    exp[L.F_RES] = medical[1] + cii + ltc1
    acc_open = bal[L.F_ACC] if t > 0 else base[L.B_BAL_PREV + 1]
    exp[L.F_ACC] = account_outflow(acc_open, credits, par[L.XI_F], par[L.XI_B])
    return ltc0, ltc1


@jit()
def balances(t, i_rate, bal, inc_c, exp, base, backstop, backstop_months, J, new_bal, transfer):
    """``J = i·Bal[t−1] + (i/2)·(Inc_c − Exp)``, ``Bal[t] = Bal[t−1] + Inc_c + J − Exp`` (section 9),
    then the fiscal backstop's transfer on the pooled funds (section 10); the base year takes the
    reported balance and interest (section 11)."""
    for f in range(3):
        if t == 0:
            J[f] = base[L.B_J0 + f]
            new_bal[f] = base[L.B_BAL0 + f]
        else:
            J[f] = i_rate * bal[f] + (i_rate / 2) * (inc_c[f] - exp[f])
            new_bal[f] = bal[f] + inc_c[f] + J[f] - exp[f]
        transfer[f] = 0.0
        if t > 0 and backstop and f != L.F_ACC:
            need = backstop_transfer(backstop_months, exp[f], new_bal[f])
            if need > 0.0:
                transfer[f] = need
                new_bal[f] += need


@jit()
def reserve_months(balance, expenditure):
    """``RM = Bal / (Exp / 12)`` (section 9), months."""
    return balance / (expenditure / 12.0)
