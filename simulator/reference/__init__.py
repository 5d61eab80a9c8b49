"""The model in plain NumPy: the reference the numba kernel is tested against.

Vectorised over paths and ages, looping in Python over years only.  It takes the same arrays as
:func:`simulator.kernels.project.project` (see :class:`simulator.compile.ModelInputs`) and
returns the same ``out[path, year, variable]`` array (variables in :mod:`simulator.layout`).
Its modules mirror :mod:`simulator.kernels` one for one, with the same step names: each step
takes and returns arrays over paths where the kernel's takes one path's scalars and scratch arrays.

The year step (:func:`simulator.reference.project.project`), in the order specification section 8
prescribes (t = 0 is the calibrated base year, shifts of uncertain parameters act from t = 1):

1. parameters of the year (:mod:`.parameters`, section 2); economic drivers (AR(1), correlated by
   Cholesky), disease indices (log random walks), mortality index kappa (random walk with drift
   1), epidemic draw (:mod:`.economy`, section 5).  Each driver's AR(1) acts on
   ``l = log(1 + x)`` with mean ``log(1 + mu)``, the rate reported is ``x = expm1(l)`` and the
   levels grow by ``exp(l)``: wage ``W``, resident income ``Y`` and the cost index ``Cm`` stay
   positive on every path.  The interest rate follows the same rule, so ``i > -1``: a balance
   can shrink by interest but never change sign through it;
2. population N[t] from N[t-1] (cohort component, :mod:`.population`, section 3), net migration
   limited by the stocks (:func:`.population.migrate`); mortality m[t].  Indexed schedules
   (premium, subsidy, retiree quota, critical-illness premium: section 2) then grow with the
   path's own W, Y or Cm after their last year (:func:`.parameters.indexed_parameters`);
3. membership (:mod:`.membership`, section 4): past-retirement share Pi, employees A, flexible F,
   retiree stock Rt, residents Rs;
4. expenditure (:mod:`.expenditure`, section 7; :mod:`.reform`, section 8): gross cost with the
   disease multiplier, the demand response to cost sharing, reimbursement, procurement,
   capitation, per-diem, DRG/DIP points and payment (the global budget with its point-value
   floor, :func:`.reform.budget_payment`), leakage, epidemic, maternity, critical-illness premium;
5. income (:mod:`.income`, section 6): contributions, buy-backs, account credits, resident
   premiums and subsidies, recoveries; long-term-care carve-out;
6. funds (:mod:`.funds`, section 9): interest on the opening balance and half the year's net
   flow, balances; the rules (:mod:`.rules`, section 10) and break-even rates (:mod:`.breakeven`,
   section 12);
7. births of the year (the age-0 stock of the next year).
"""

from __future__ import annotations

from .breakeven import N_BRACKET_DOUBLINGS, N_ROOT_STEPS, breakeven_premium, resident_gap
from .expenditure import demand_response
from .parameters import indexed_parameters
from .population import migrate
from .project import project
from .reform import budget_payment

#: the names of earlier versions of this module
apply_indices = indexed_parameters
_migrate = migrate
_breakeven_premium = breakeven_premium

__all__ = ["project", "resident_gap", "breakeven_premium", "demand_response", "budget_payment",
           "indexed_parameters", "migrate", "N_ROOT_STEPS", "N_BRACKET_DOUBLINGS"]
