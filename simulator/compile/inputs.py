"""The kernel's inputs as plain arrays, and a compiled scenario (specification sections 1, 2 and 13).

:class:`ModelInputs` is what :func:`simulator.kernels.project.project` and
:func:`simulator.reference.project` take, in this order (indices of rows, flags, base scalars and
outputs in :mod:`simulator.layout`); :class:`Compiled` adds the labels, the calibration report and
the per-path draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..scenario.schema import Scenario
from .parameters import _draw_shifts


#: ModelInputs.out_price outside a province: no out-of-region care to price
NO_OUT_PRICE = np.zeros((0, 1, 2))


class ModelInputs(NamedTuple):
    """Everything the kernel needs, as arrays (see :mod:`simulator.layout` for the indices)."""

    seed: np.uint64
    path_ids: np.ndarray      # (P,) int64 global path indices
    streams: np.ndarray       # (10 + 2D,) uint64 stream ids (layout.S_*)
    sched: np.ndarray         # (K, T) central parameter values by year
    shift: np.ndarray         # (P, K) per-path shift of uncertain parameters
    lo: np.ndarray            # (K,) clip bounds
    hi: np.ndarray            # (K,)
    flags: np.ndarray         # (N_FLAGS,) int64
    base: np.ndarray          # (N_BASE,) base-year scalars
    pop0: np.ndarray          # (A, S) persons
    m0: np.ndarray            # (A, S) central death rates of the base year
    ri: np.ndarray            # (A, S) improvement rates
    fx: np.ndarray            # (T, A) fertility age pattern, rows sum to 1
    mig_prof: np.ndarray      # (A, S) migration age-sex shape, sums to 1
    track: np.ndarray         # (T+1, 3, A) share past retirement age: men, women-50, women-55; row 0 is base-1
    rho: np.ndarray           # (A, S) working coverage (fitted scale applied)
    flex_rel: np.ndarray      # (A, S)
    tau: np.ndarray           # (A, S) participation (fitted scale applied)
    rt0: np.ndarray           # (A, S) base-year retirees (persons)
    wp: np.ndarray            # (A, S) wage relativity
    c0h: np.ndarray           # (2, 3, A, S) c0 * h, yuan per member at Cm = 1 (calibrated)
    wdis: np.ndarray          # (D, 3, A, S) disease shares
    perdiem: np.ndarray       # (D,) 1.0 for per-diem groups
    chol: np.ndarray          # (4, 4) Cholesky factor of the driver correlation
    index_rows: np.ndarray    # (Q, 3) int64 indexed schedules: parameter row, index (layout.IDX_*), t0 (>= 0)
    index_plus: np.ndarray    # (Q,) extra growth of each indexed schedule on top of its index, fraction per year
    #: (P, T, 2) price per yuan of out-of-region inpatient care by path, year and scheme (section 17;
    #: set by a province run); empty (0, 1, 2): priced at 1, and base[B_OUT_SHARE] is 0 anyway
    out_price: np.ndarray = NO_OUT_PRICE

    def with_paths(self, path_ids, shift):
        return self._replace(path_ids=np.ascontiguousarray(path_ids, dtype=np.int64),
                             shift=np.ascontiguousarray(shift, dtype=np.float64))


@dataclass
class Compiled:
    """A compiled scenario: kernel inputs for paths 0..P-1 plus labels and the calibration report."""

    scenario: Scenario
    inputs: ModelInputs
    years: np.ndarray
    disease_names: list
    row_names: list
    uncertain_rows: dict           # row -> (key path, Distribution)
    calibration: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    assumption_set: str | None = None

    def draw_shifts(self, path_ids) -> np.ndarray:
        return _draw_shifts(self.inputs.seed, path_ids, self.uncertain_rows, self.inputs.sched, len(self.row_names))
