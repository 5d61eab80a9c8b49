"""Numba kernels: arrays and scalars in, arrays out; no labels, no YAML (STYLE.md practice 1).

Importing this package first decides where numba caches the compiled kernels
(:func:`cache_directory`), before any kernel module is decorated: numba's default is a
``__pycache__`` folder beside the source, which for an installed package is inside
``site-packages``. A cache folder left there by ``pip install .`` survives a later
``pip install -e .`` and, being a folder named ``simulator/kernels`` without an
``__init__.py``, turns into a namespace package that hides the editable install
(``ImportError: cannot import name '__version__' from 'simulator' (unknown location)``).

numba keys a cached kernel by its own source file only, but the kernels read
:mod:`simulator.layout`'s integers as compile-time constants and inline the kernels they call
(:mod:`simulator.kernels.rng`): a new parameter row in ``layout.py`` with ``project.py``
unchanged loaded a stale kernel that read the wrong rows (maternity came out 0).  So each cache
entry of a kernel here is also keyed by :func:`source_fingerprint` (:func:`_key_cache_by_sources`).
"""

from __future__ import annotations

import os
from pathlib import Path

# where the cache lives is decided in a module without numba, so that the scenario loader's cache
# (simulator.scenario.disk_cache) shares the folder without importing numba
from ..cache_dir import _CACHE_SUBDIR, _user_cache_root, _writable_dir, cache_directory  # noqa: F401


def _configure_numba_cache() -> Path:
    import numba.core.config as numba_config

    directory = cache_directory()
    # numba fixes each cached function's folder when the function is decorated, from
    # config.CACHE_DIR: setting it here, before any kernel module is imported, is enough, and
    # leaves the environment (and so the user's own numba code in subprocesses) untouched
    numba_config.CACHE_DIR = str(directory)
    return directory


#: the sources a compiled kernel depends on, relative to the package folder: layout.py and every
#: kernel module (the step functions of one section are inlined into the year loop)
KERNEL_SOURCES = ("layout.py",) + tuple(sorted(f"kernels/{f.name}" for f in Path(__file__).resolve().parent.glob("*.py")
                                             if f.name != "__init__.py"))
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def source_fingerprint(package_dir: Path = _PACKAGE_DIR) -> str:
    """SHA-256 of :data:`KERNEL_SOURCES` (names and contents): a cached kernel is valid only for
    the sources it was compiled from."""
    import hashlib

    h = hashlib.sha256()
    for name in KERNEL_SOURCES:
        path = package_dir / name
        h.update(name.encode() + b"\0")
        h.update(path.read_bytes() if path.exists() else b"")
        h.update(b"\0")
    return h.hexdigest()


def _key_cache_by_sources() -> bool:
    """Make numba's cache stamp of the kernels in this folder include :func:`source_fingerprint`.

    numba checks a cache entry's source stamp (a hash of the function's own file) before loading
    it; a locator placed first in numba's list, for this folder only, adds the fingerprint, so an
    edit of ``layout.py`` or ``rng.py`` recompiles ``project.py``'s kernels.  Uses numba's cache
    locator classes (``numba.core.caching``); if a numba release renames them the kernels are
    cached as before (keyed by their own file) and this returns False.
    """
    try:
        from numba.core import caching
        base = caching.UserProvidedCacheLocator
        locators = caching.CacheImpl._locator_classes
    except (ImportError, AttributeError):  # pragma: no cover - another numba layout
        return False
    folder = os.path.dirname(os.path.abspath(__file__))
    fingerprint = source_fingerprint()

    class KernelSourcesLocator(base):
        """numba's locator for the user cache folder, with the kernels' dependencies in the stamp."""

        fundsim_folder = folder

        def get_source_stamp(self):
            return (super().get_source_stamp(), fingerprint)

        @classmethod
        def from_function(cls, py_func, py_file):
            if os.path.dirname(os.path.abspath(py_file)) != folder:
                return None
            return super().from_function(py_func, py_file)

    if not any(getattr(k, "fundsim_folder", None) == folder for k in locators):
        locators.insert(0, KernelSourcesLocator)
    return True


CACHE_DIR = _configure_numba_cache()
CACHE_KEYED_BY_SOURCES = _key_cache_by_sources()
