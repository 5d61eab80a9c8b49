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
def path_key(seed, stream, path):
    """The part of the hash chain fixed for one path and stream: ``mix64(mix64(mix64(seed) ^ stream) ^ path)``
    (uint64). :func:`uniform_at` of it gives :func:`uniform`'s number, bit for bit; a path hashes
    it once per stream instead of once per number (issue 17: four ``mix64`` a number -> one)."""
    return mix64(mix64(mix64(seed) ^ stream) ^ np.uint64(path))


@jit()
def path_keys(seed, streams, path, keys):
    """:func:`path_key` of every stream for one path, into ``keys`` (uint64, like ``streams``)."""
    for i in range(streams.shape[0]):
        keys[i] = path_key(seed, streams[i], path)


@jit()
def uniform_at(key, counter):
    """Uniform in (0, 1) from a path's stream key (:func:`path_key`) and a counter (int64)."""
    h = mix64(key ^ np.uint64(counter))
    return (np.float64(h >> _S11) + 0.5) * (2.0 ** -53)


@jit()
def normal_at(key, t):
    """Standard normal for year t of a path's stream key (Box-Muller on counters 2t and 2t+1)."""
    u1 = uniform_at(key, 2 * t)
    u2 = uniform_at(key, 2 * t + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@jit()
def uniform(seed, stream, path, counter):
    """Uniform in (0, 1) from (seed, stream, path, counter); all uint64 except path/counter int64."""
    return uniform_at(path_key(seed, stream, path), counter)


@jit()
def normal(seed, stream, path, t):
    """Standard normal for year t (Box-Muller on counters 2t and 2t+1)."""
    return normal_at(path_key(seed, stream, path), t)
