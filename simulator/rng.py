"""Counter-based random numbers (specification section 13), NumPy side.

Every draw is a pure function of ``(seed, stream, path, counter)``: a SplitMix64-style hash
chain turned into a uniform in (0, 1) and, by Box-Muller, into a standard normal.  Results for a
path therefore depend only on the seed and the path index, never on threads or chunking, and
each random component (mortality, each driver, each disease group, epidemics, each uncertain
parameter) has a stream of its own keyed by its *name*, so adding a component leaves every
other draw unchanged.  :mod:`simulator.kernels.rng` is the same hash for numba; the tests check
that both give identical bits.
"""

from __future__ import annotations

import hashlib

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
TWO_M53 = 2.0 ** -53


def stream_id(name: str) -> np.uint64:
    """Stable 64-bit id of a stream name (BLAKE2b, so it never changes between versions)."""
    return np.uint64(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little"))


def _mix(z):
    z = z + GOLDEN
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


def hash64(seed, stream, path, counter):
    """Vectorised hash of (seed, stream, path, counter) -> uint64 (broadcasts)."""
    with np.errstate(over="ignore"):
        s = np.asarray(seed, dtype=np.uint64)
        h = _mix(_mix(s) ^ np.asarray(stream, dtype=np.uint64))
        h = _mix(h ^ np.asarray(path, dtype=np.int64).astype(np.uint64))
        return _mix(h ^ np.asarray(counter, dtype=np.int64).astype(np.uint64))


def uniform(seed, stream, path, counter):
    """Uniform in the open interval (0, 1)."""
    h = hash64(seed, stream, path, counter)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * TWO_M53


def normal(seed, stream, path, t):
    """Standard normal for year ``t`` of a stream (Box-Muller on counters 2t and 2t+1)."""
    t = np.asarray(t, dtype=np.int64)
    u1 = uniform(seed, stream, path, 2 * t)
    u2 = uniform(seed, stream, path, 2 * t + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
