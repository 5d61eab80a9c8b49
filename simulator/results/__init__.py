"""Output variables, declared once, and the kernel's array turned into a labelled Dataset.

Each declared variable names its dimensions, units, long name, where it is computed (the
kernel function :func:`simulator.kernels.project.project_path`, the year loop, or a derivation
of :func:`derive`) and the step function that computes it (``step``: a function of
:mod:`simulator.kernels`, one module per model section, whose docstring cites the section and
equation; the NumPy reference's function of the same name is in :mod:`simulator.reference`).
:func:`assemble` checks that every variable leaving the API carries ``units`` and ``long_name``.

The package has three parts, each importing only from those before it:

``variables``
    the declarations: :data:`VARIABLES` (``Var``), :data:`STEPS`, :data:`CORE`,
    :data:`MAY_BE_NAN`, the dimensions and the fund, scheme and line names;
``derived``
    the kernel output -> variables and Dataset: :func:`derive`, :func:`select_variables`,
    :func:`assemble`, :func:`first_nonfinite`;
``cf``
    CF-1.11 results files: :func:`to_cf`, :func:`cf_units`, :data:`CF_UNITS`,
    :func:`software_versions`.

Every name is imported here, so ``simulator.results.X`` is the name to use (and the one the
variables' ``computed_in`` and the documentation give).
"""

from __future__ import annotations

from .variables import (CORE, FUNDS, KERNEL, LINES, MAY_BE_NAN, POOLED_FUNDS, PY, PYF, PYS, SCHEMES, STEPS,
                        VARIABLES, Var)
from .derived import _BY_SCHEME, _SCALARS, _safe_div, assemble, derive, first_nonfinite, select_variables
from .cf import (_CF_FORMS, CF_COMPRESSION, CF_CONVENTIONS, CF_UNITS, _api_call, cf_units, software_versions,
                 to_cf)

__all__ = [
    "CORE", "FUNDS", "KERNEL", "LINES", "MAY_BE_NAN", "POOLED_FUNDS", "PY", "PYF", "PYS", "SCHEMES", "STEPS",
    "VARIABLES", "Var",
    "assemble", "derive", "first_nonfinite", "select_variables",
    "CF_COMPRESSION", "CF_CONVENTIONS", "CF_UNITS", "cf_units", "software_versions", "to_cf",
]
