"""JIT settings in one place.

``FUNDSIM_DISABLE_JIT=1`` (or numba's own ``NUMBA_DISABLE_JIT=1``) runs the kernels as plain
Python, for debugging and coverage.  Kernels are cached on disk (``cache=True``) so that a
second run does not compile again.  fastmath is limited to a safe subset: never ``nnan`` or
``ninf``, so that non-finite values are still detected.
"""

import os

from numba import njit

# reassoc lets LLVM vectorise reductions (sums over ages): results then differ from a strict
# left-to-right sum in the last bits, well inside the 1e-9 agreement with the NumPy reference
SAFE_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
DISABLED = os.environ.get("FUNDSIM_DISABLE_JIT", "") not in ("", "0") or os.environ.get("NUMBA_DISABLE_JIT", "") not in ("", "0")


def jit(parallel=False):
    """Decorator for kernel functions (``parallel=True`` for the ``prange`` driver)."""
    def wrap(fn):
        if DISABLED:
            return fn
        return njit(cache=True, parallel=parallel, error_model="numpy", fastmath=SAFE_FASTMATH, nogil=True)(fn)
    return wrap
