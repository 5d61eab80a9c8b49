"""An on-disk memo of the slow, pure steps of loading a scenario (issue 19 item 4): the YAML
parse of a file (ruamel.yaml's pure-Python parser, about 0.2 s for the baseline), the YAML dump
of the resolved data that result files store (:func:`~simulator.scenario.result.dump_yaml`,
about 0.15 s a load) and the validated :class:`~simulator.scenario.schema.Scenario` (building
pydantic's validators for the schema's models costs about 0.1 s a process; they are built lazily,
so a warm run never builds them).  A warm ``fundsim run`` then never imports ruamel.yaml.

Entries live in ``scenarios/`` inside numba's cache folder (:func:`simulator.cache_dir.cache_directory`:
never inside the installed package).  Each is keyed by the SHA-256 of exactly what the step reads
(the file's bytes and label; the pickled resolved data, which records every type, value and key
order) together with :func:`_fingerprint`: the Python version, the scenario package's sources
(and ``simulator/errors.py``), the shipped data files' hashes (:func:`simulator.data.data_versions`:
a profile given as a ``table:`` is read when the scenario is validated) and
``simulator/data/__init__.py``, the versions of pydantic, numpy and scipy, and ruamel.yaml's
version file.  So an entry is only ever used for input the step would turn into
the same output.  Errors are never cached (the step runs again and raises as before).  Entries
are written atomically (a temporary file, then a rename); one that cannot be read or written is
ignored, and the folder keeps at most :data:`MAX_ENTRIES` of them in :data:`MAX_BYTES`.  Entries are pickles, as
numba's own cache files are: the folder is trusted as numba's is.  ``FUNDSIM_SCENARIO_CACHE=0``
turns the memo off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

#: entries kept in the folder (the least recently used beyond this are removed when one is written)
MAX_ENTRIES = 2048
#: and bytes: at most this much of the disk
MAX_BYTES = 64 * 2**20
_HERE = Path(__file__).resolve().parent
_state: dict = {}


def enabled() -> bool:
    return os.environ.get("FUNDSIM_SCENARIO_CACHE", "1").strip() != "0"


def _fingerprint() -> bytes:
    """What every entry also depends on: the interpreter, this package's sources, ruamel.yaml."""
    if "fp" not in _state:
        h = hashlib.sha256(sys.version.encode())
        # the scenario package and the error helpers its validators use
        for f in sorted(_HERE.glob("*.py")) + [_HERE.parent / "errors.py"]:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
        # validation reads the shipped data (profiles given as `table:`, simulator.data) and
        # interpolates with numpy and scipy; validated scenarios are pydantic models
        h.update((_HERE.parent / "data" / "__init__.py").read_bytes())
        try:
            from ..data import data_versions

            h.update(repr(sorted(data_versions().items())).encode())
        except (OSError, ImportError, ValueError) as e:
            h.update(f"no data versions: {e}".encode())
        for module in ("pydantic", "pydantic_core", "numpy", "scipy"):
            try:
                h.update(f"{module} {getattr(__import__(module), '__version__', '?')}".encode())
            except ImportError:
                h.update(f"no {module}".encode())
        try:
            import importlib.util

            spec = importlib.util.find_spec("ruamel.yaml")
            origin = spec.origin if spec is not None else None
            h.update(Path(origin).read_bytes() if origin else b"no ruamel.yaml")
        except (ImportError, OSError, ValueError):
            h.update(b"no ruamel.yaml")
        _state["fp"] = h.digest()
    return _state["fp"]


def _folder() -> Path | None:
    if "dir" not in _state:
        try:
            from ..cache_dir import cache_directory

            _state["dir"] = cache_directory() / "scenarios"
        except (OSError, RuntimeError, ValueError):
            _state["dir"] = None
    return _state["dir"]


def key(kind: str, *parts: bytes) -> str:
    h = hashlib.sha256(_fingerprint() + kind.encode() + b"\0")
    for p in parts:
        h.update(len(p).to_bytes(8, "little") + p)
    return h.hexdigest()


def get(k: str):
    """The value stored under ``k``, or None."""
    folder = _folder()
    if folder is None or not enabled():
        return None
    try:
        with open(folder / k, "rb") as f:
            value = pickle.load(f)
    except Exception:  # a missing, partial or foreign entry: computed again
        return None
    try:
        os.utime(folder / k)  # used now: the pruning removes the least recently used entries
    except OSError:
        pass
    return value


def put(k: str, value) -> None:
    """Store ``value`` under ``k`` (silently not, when the folder is not writable)."""
    folder = _folder()
    if folder is None or not enabled():
        return
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / k)
        tmp = None
        _prune(folder)
    except Exception:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _prune(folder: Path) -> None:
    """Remove the least recently written entries beyond :data:`MAX_ENTRIES` or :data:`MAX_BYTES`
    (a validated scenario is about 100 KB, and a sweep writes one per variant)."""
    entries = []
    for e in os.scandir(folder):
        if e.is_file() and not e.name.startswith("."):
            try:
                st = e.stat()
            except OSError:
                continue
            entries.append((st.st_mtime, st.st_size, e.path))
    total = sum(size for _, size, _ in entries)
    if len(entries) <= MAX_ENTRIES and total <= MAX_BYTES:
        return
    entries.sort()
    n = len(entries)
    for _, size, path in entries:
        if n <= MAX_ENTRIES and total <= MAX_BYTES:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        n -= 1
        total -= size
