"""One trivial cached jitted function: the floor of any numba tool's start (``startup.py``)."""

from numba import njit


@njit(cache=True)
def one(x):
    return x + 1.0
