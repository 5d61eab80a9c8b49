"""Where fundsim caches what it computed once: numba's compiled kernels
(:func:`cache_directory`, set up by :mod:`simulator.kernels`) and, in a folder inside it, the
scenario loader's parses and YAML dumps (:mod:`simulator.scenario.disk_cache`); never inside the
installed package.  No numba here, so that the scenario loader can find the folder cheaply."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_CACHE_SUBDIR = ("fundsim", "numba")


def _user_cache_root() -> Path:
    """The platform's per-user cache folder (the XDG, macOS and Windows conventions)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # XDG: a relative path is invalid and must be ignored
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def cache_directory() -> Path:
    """Where numba keeps fundsim's compiled kernels, never inside the installed package.

    In order: ``NUMBA_CACHE_DIR`` if the user set it (numba's own setting, kept as numba documents
    it), ``FUNDSIM_CACHE_DIR``, the per-user cache folder (``~/.cache/fundsim/numba`` on Linux,
    ``$XDG_CACHE_HOME`` when set), and a per-user folder in the temporary directory when the home
    folder is not writable (a service account without a home, a read-only container).
    numba keys each cached kernel by its source file's full path and modification time, so two
    installs of fundsim (a wheel and an editable checkout) never share an entry.
    """
    explicit = os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("FUNDSIM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        candidate = _user_cache_root().joinpath(*_CACHE_SUBDIR)
    except RuntimeError:  # Path.home() without HOME or a passwd entry
        candidate = None
    if candidate is not None and _writable_dir(candidate):
        return candidate
    uid = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"fundsim-{uid}" / "numba"
