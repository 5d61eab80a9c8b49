"""JIT settings in one place.

``FUNDSIM_DISABLE_JIT=1`` (or numba's own ``NUMBA_DISABLE_JIT=1``) runs the kernels as plain
Python, for debugging and coverage.  Kernels are cached on disk (``cache=True``) so that a
second run does not compile again.

No fastmath flag at all: strict IEEE arithmetic, so that results are bit-for-bit the same
whether the kernel was just compiled or loaded from the cache (specification section 13; issue
14, item 5).  numba links a copy of every callee into its caller as a weak symbol, and which
copy runs depends on what is already loaded: after a fresh compile the standalone
``project_path`` ran, from the cache the copy optimised again inside ``project``.  With the
value-changing flags (``reassoc``, ``contract``, ``arcp``, ``afn``) LLVM may sum in another order
or fuse a multiply-add differently in each copy, and every flow differed in the last bits.
Without them every transformation LLVM makes is exact.  ``nsz`` can flip the sign of a zero and
buys nothing here.  Without ``nnan``/``ninf``, non-finite values are still detected.  The price
is speed: the sums over ages no longer vectorise (numba leaves LLVM's SLP vectoriser off, and the
loop vectoriser needs ``reassoc`` for a reduction).
"""

import os

from numba import njit

#: fastmath flags of every kernel: none (see the module docstring)
FASTMATH = False
DISABLED = os.environ.get("FUNDSIM_DISABLE_JIT", "") not in ("", "0") or os.environ.get("NUMBA_DISABLE_JIT", "") not in ("", "0")


def jit(parallel=False):
    """Decorator for kernel functions (``parallel=True`` for the ``prange`` driver)."""
    def wrap(fn):
        if DISABLED:
            return fn
        return njit(cache=True, parallel=parallel, error_model="numpy", fastmath=FASTMATH, nogil=True)(fn)
    return wrap
