"""Counter-based random numbers for numba: the same hash as :mod:`simulator.rng`."""

import math

import numpy as np

from .jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@jit()
def mix64(z):
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit()
def uniform(seed, stream, path, counter):
    """Uniform in (0, 1) from (seed, stream, path, counter); all uint64 except path/counter int64."""
    h = mix64(mix64(seed) ^ stream)
    h = mix64(h ^ np.uint64(path))
    h = mix64(h ^ np.uint64(counter))
    return (np.float64(h >> _S11) + 0.5) * (2.0 ** -53)


@jit()
def normal(seed, stream, path, t):
    """Standard normal for year t (Box-Muller on counters 2t and 2t+1)."""
    u1 = uniform(seed, stream, path, 2 * t)
    u2 = uniform(seed, stream, path, 2 * t + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
