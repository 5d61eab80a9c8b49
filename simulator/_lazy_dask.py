"""xarray without importing dask on a plain run (issue 19 item 4).

xarray asks of every array it wraps whether it is a dask array, and imports dask to answer:
0.2 s of a 1,000-path ``fundsim run`` that never uses dask.  Two places, each made lazy here:

* ``isinstance(data, array_type("dask"))`` (``as_compatible_data``; and ``array_type("pint")``
  in ``to_numpy``, pint importing dask in turn; cupy, sparse and cubed alike): an object can only
  be a dask array once ``dask.array`` is imported (a pint quantity once pint is, ...), so until
  then the answer is the empty tuple of types; everything else (and the type itself once the
  module is loaded, by a sweep on a dask cluster, say) comes from xarray's own record, made on
  first use as xarray makes it.
* ``is_dask_collection(x)`` (``is_duck_dask_array``, when an index is made): for a type, or an
  object without ``__dask_graph__``, dask's own function answers False; that answer is given
  without importing dask, anything else goes to it.

When xarray is laid out differently, or dask is already loaded, nothing is changed.
"""

from __future__ import annotations

import sys


def install() -> bool:
    """Make xarray's dask check lazy; True when it was (idempotent)."""
    try:
        from xarray.namedarray import pycompat
    except ImportError:  # pragma: no cover - another xarray layout
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    real = getattr(pycompat, "DuckArrayModule", None)
    if not isinstance(cache, dict) or real is None:
        return False
    if isinstance(cache.get("dask"), _LazyDuckModule):
        return True
    if "dask" in cache or "dask" in sys.modules:
        return False
    try:
        from xarray.namedarray import utils
    except ImportError:  # pragma: no cover
        return False
    original = getattr(utils, "is_dask_collection", None)
    if original is None:  # pragma: no cover
        return False

    def is_dask_collection(x):
        if "dask" not in sys.modules and (isinstance(x, type) or not hasattr(x, "__dask_graph__")):
            return False  # what dask.base.is_dask_collection answers for it
        return original(x)

    is_dask_collection.__wrapped__ = original
    utils.is_dask_collection = is_dask_collection
    for mod, needs in _DUCK_MODULES.items():
        if mod not in cache and mod not in sys.modules:
            cache[mod] = _LazyDuckModule(cache, real, mod, needs)
    return True


#: xarray's duck-array modules, and the module whose import any array of theirs implies
_DUCK_MODULES = {"dask": "dask.array", "pint": "pint", "cupy": "cupy", "sparse": "sparse", "cubed": "cubed"}


class _LazyDuckModule:
    """Stands in xarray's record of a duck-array module until something other than the array
    type is asked for, or the module is loaded: then the real record replaces it."""

    def __init__(self, cache, real, mod, needs):
        self._cache = cache
        self._real = real
        self._mod = mod
        self._needs = needs

    def _resolve(self):
        record = self._real(self._mod)
        self._cache[self._mod] = record
        return record

    @property
    def type(self):
        if self._needs not in sys.modules:
            return ()
        return self._resolve().type

    def __getattr__(self, name):  # module, version, available
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._resolve(), name)
