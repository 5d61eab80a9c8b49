"""Reasons for change: why a headline differs between two scenarios (specification section 14).

:func:`compare` runs scenario ``a`` and scenario ``b`` with the same paths, seed and horizon
(common random numbers, so the difference is the inputs, not Monte Carlo noise), finds the groups
of inputs in which they differ, and splits the difference in each headline metric into a part per
group plus an interaction remainder:

* ``method="one_at_a_time"`` (default): each group of ``b``'s inputs is applied alone to ``a``; a
  group's part is ``f(a + group) - f(a)``; the remainder ``f(b) - f(a) - sum(parts)`` is the
  interaction of the groups (zero when their effects add up).
* ``method="sequential"``: the groups are applied cumulatively in the stated order, as the
  trustees' reports apply the reasons for change; a group's part is the change it brings on top
  of the groups before it, so the parts telescope to the total and the remainder is zero to
  rounding, but a part depends on the order.

In both, ``total = sum(parts) + remainder`` holds to rounding for every metric.

**Groups.** The two resolved scenarios (after ``extends`` and overrides) are compared key by key.
With ``depth=1`` a group is a top-level section (``population``, ``economy``, ``employee``,
``reform``, ``reported``, ...); with ``depth=2`` a key inside a section (``economy.drivers``,
``employee.employer_rate``). Text that does not enter the model (``name``, ``description``,
``source`` and ``note`` strings) is ignored; ``simulation`` (paths, seed) and ``horizon`` are
held equal for both runs and are never a group. Groups are listed, and applied, in the order of
the scenario language (the schema's order of sections and keys).

**Two versions of one file.** Save the old version and compare it with the new one, e.g.
``git show v0.1.0:simulator/scenarios/baseline.yaml > old.yaml && fundsim compare old.yaml
baseline``: the parts say which recalibrated sections moved the headline.

**Metrics** are those of :mod:`simulator.sweep` (``reserve_months:employee_pooled:2035:median``,
``exhaustion_probability:resident:end``, ``exhaustion_year:employee_pooled:median``, ...) plus
``actuarial_balance:FUND[:MONTHS]:STAT`` (section 12; default ending target 6 months) and
``breakeven:LEVER[:MONTHS[:PROBABILITY]]`` (the level break-even value, solved by runs of its own
for every scenario in the decomposition: slow). An event year that does not happen within the
horizon (``inf``) makes a difference undefined: such a part is reported as ``nan`` with a note.
"""


from __future__ import annotations

# The package, one module per step (each imports only from those above it):
#   groups     the groups of differing inputs (CompareError, scenario_groups)
#   metrics    the metric texts, their parsing, units and evaluation on a run
#   decompose  compare(): the runs and the parts (Comparison)
#   format     the text table and the JSON
# Every name is importable from ``simulator.compare`` itself, as before the split.  No module here
# may be named ``compare``: it would replace the function ``simulator.compare.compare``.

from .groups import CompareError, Group, scenario_groups
from .metrics import DEFAULT_COMPARE_METRICS
from .decompose import METHODS, Comparison, compare
from .format import comparison_json, format_comparison

# the modules' private helpers, importable from here as they were before the split
from .groups import (_HELD_EQUAL, _MISSING, _NOT_INPUTS, _TEXT_KEYS, _VALUE_FORM_KEYS, _is_section,  # noqa: F401
                     _strip_text, _with_groups)
from .metrics import _diff, _evaluate, _Metric, _num, _parse, _stat, _units  # noqa: F401
from .decompose import _label, _load  # noqa: F401
from .format import _fmt, _fmt_level  # noqa: F401

__all__ = ["CompareError", "Comparison", "DEFAULT_COMPARE_METRICS", "compare", "format_comparison",
           "scenario_groups"]
