"""Back-test: the same engine started from every reported year, set against what happened.

Specification section 11 (back-test paragraph): the model is started from each earlier reported
year ``S`` with that year's reported members, flows and balances and the policy then in force,
projected to every later reported year, and the fit is reported per fund, flow, member group and
horizon (error, mean absolute error and bias across start years).

>>> bt = backtest()                                  # doctest: +SKIP
>>> print(bt.format())                               # doctest: +SKIP
>>> bt.to_json()["summary"]                          # doctest: +SKIP

What is reported
    ``reported.history`` of a scenario (``{YEAR: {employee_pooled: {income, expenditure,
    balance}, employee_accounts, employee_scheme, resident, pooled_funds, members: {active,
    retirees, residents}, maternity}}``, every key optional).  For the built-in ``baseline`` the
    history comes from the national data (:func:`national_history`: the NHSA bulletins and quick
    reports, the 医保数智库 series, each figure with its source and basis).  A figure whose source
    or note says "recall" (``unverified (recall)`` in the data) is never used as reported truth:
    it is neither a start value nor a check.

What each start ``S`` is given
    the base year ``S`` with ``reported.base_year`` = the history of ``S`` and
    ``reported.previous_year`` = the history of ``S - 1`` (the calibration fits the base year's
    flows and members, so horizon-0 rows are shown but are not checks); the base population of
    ``S`` (national: UN WPP 2024 on 1 July of ``S``); the realised wages (NBS, without noise) and
    resident incomes; and the policy then in force (:func:`policy_history`): the resident premium
    and subsidy of each year, the 2020 halving of employer contributions (医保发〔2020〕6号), the
    individual-account rules before the 2021 outpatient mutual-aid reform (legacy employer share
    about 0.3, retirees' credit about 5% of the pension; to 2022) and after it (from 2023, when the
    regions implemented it: no employer share, retirees' quota about 2% of the pension, frozen), the
    pooled fund's outpatient reimbursement rising with the reform in 2023, maternity leave days,
    DRG/DIP payment from 2021 and the procurement batches.  Everything else is the scenario's own assumption set: nothing is
    refitted per start year.

Deterministic
    With ``paths=1`` (the default) each start runs the scenario's ``central`` assumption set
    (every sigma zero, uncertain values at their means, no random epidemics; the realised wage
    path is fed with sd 0): the central estimate an actuary would set against the bulletins.  With
    more paths the modelled value is the median and the 5-95% band is kept.

Where a figure is missing
    Before 2023 the bulletins give the employee scheme's totals, not the pool/account split: the
    rows of the pooled fund and the accounts are then omitted (the totals are compared as
    ``employee_scheme``), and a start year's split is derived (the accounts' income = the model's
    own account credits under the rules of that year; their expenditure = income minus the
    reported change of the account balance, or, without the previous balance, the scenario's
    fitted spend share), flagged in the start's assumptions.

Rows (:attr:`Backtest.rows`, ``fundsim backtest --json``)
    ``{"start", "year", "horizon", "fund", "measure", "reported", "modelled", "relative_error",
    "basis", "fitted", "epidemic_year", "source"}``; ``fund`` is ``employee_pooled``,
    ``employee_accounts``, ``resident``, the aggregates ``employee_scheme`` (pool + accounts) and
    ``pooled_funds`` (both pooled funds), or ``None`` for member rows (``actives``, ``retirees``,
    ``residents``: the modelled mid-year count against the average of the reported year-end
    counts of ``t - 1`` and ``t``, specification section 4); ``measure`` ``maternity`` is the
    pooled fund's maternity spending.  ``relative_error`` = modelled / reported - 1.

The package, one module per task (each imports only from those above it):

``history``   what was reported: :class:`Figure`, :class:`History`, :func:`national_history`
              (the package data through ``_National``), the funds, flows and member groups
``policy``    the policy then in force (:func:`policy_history`) and its constants
``starts``    the start scenarios (``_Context``): the reported blocks, the derived pool/account split
``format``    :func:`format_backtest`, :func:`markdown_tables`, :func:`json_safe`
``run``       :func:`backtest`, :class:`Backtest` (checks, summary, criteria), :func:`comparisons`
``diagnosis`` :func:`diagnose` and :func:`format_diagnosis`: where the errors come from

Every name is importable from ``simulator.backtest`` itself, as before the split.
"""

from .history import (AGGREGATES, BASES, EPIDEMIC_YEARS, FLOWS, FUNDS, LATEST_REPORTED_YEAR, MEASURES, MEMBER_MEASURES,
                      NATIONAL_START_YEARS, BacktestError, Figure, History, figure_basis, national_history)
from .policy import (EMPLOYER_SHARE_BEFORE, IN_LIST_SHARE, LAST_BEFORE, LEAVE_DAYS, OUTPATIENT_RR_BEFORE, PROCUREMENT,
                     REFORM_DONE, RELIEF_2020, RETIREE_CREDIT_BEFORE, policy_history)
from .format import format_backtest, json_safe, markdown_tables
from .run import CRITERIA, CRITERIA_LEFT_OUT, Backtest, StartRun, backtest, comparisons
from .diagnosis import diagnose, format_diagnosis

# the modules' private helpers, importable from here as they were before the split
from .history import (_BASIS_FROM_NATIONAL, _LABEL, _MEMBER_KEY, _RECALL_SERIES, _SECTIONS, _attr,  # noqa: F401
                      _derived, _figure, _National, _short, _wan, _yi)
from .policy import _at, _at_points, _has_history, _points, _round, _splice  # noqa: F401
from .starts import _Context, _fig_node, _merge  # noqa: F401
from .format import _groups, _pct  # noqa: F401
from .run import _combine_basis, _feed_members, _modelled, _run_start  # noqa: F401
from .diagnosis import _gross_employee  # noqa: F401

__all__ = [
    "AGGREGATES", "BASES", "EPIDEMIC_YEARS", "FLOWS", "FUNDS", "LATEST_REPORTED_YEAR", "MEASURES", "MEMBER_MEASURES",
    "NATIONAL_START_YEARS", "BacktestError", "Figure", "History", "figure_basis", "national_history",
    "EMPLOYER_SHARE_BEFORE", "IN_LIST_SHARE", "LAST_BEFORE", "LEAVE_DAYS", "OUTPATIENT_RR_BEFORE", "PROCUREMENT",
    "REFORM_DONE", "RELIEF_2020", "RETIREE_CREDIT_BEFORE", "policy_history",
    "format_backtest", "json_safe", "markdown_tables",
    "CRITERIA", "CRITERIA_LEFT_OUT", "Backtest", "StartRun", "backtest", "comparisons",
    "diagnose", "format_diagnosis",
]
