"""Numba kernels: arrays and scalars in, arrays out; no labels, no YAML (STYLE.md practice 1)."""
