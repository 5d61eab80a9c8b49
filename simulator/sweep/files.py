"""Durable files of a sweep store: fsync, removing a store, its attributes, and the SHA-256
checksum records (``checksums/store.json`` and ``checksums/BLOCK.json``) that resume and verify read."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import secrets
import shutil
from pathlib import Path


def _fsync(path, directory=False):
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root):
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            _fsync(os.path.join(dirpath, f))
        _fsync(dirpath, directory=True)


def _remove_store(path: Path):
    """Move a store aside (atomic), then delete it."""
    trash = path.parent / f".{path.name}.removing-{secrets.token_hex(4)}"
    os.replace(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _read_store_attrs(path: Path) -> dict | None:
    """The store's attributes when they identify a fundsim sweep store (``sweep_sha256``), else
    None: from ``.zattrs``, or from the copy in ``.zmetadata`` when ``.zattrs`` is damaged (the
    store is then recognised, and :func:`check_store` reports the damage)."""
    za, _ = _read_json(path / ".zattrs")
    if isinstance(za, dict) and "sweep_sha256" in za:
        return za
    zm, _ = _read_json(path / ".zmetadata")
    a = zm.get("metadata", {}).get(".zattrs") if isinstance(zm, dict) and isinstance(zm.get("metadata"), dict) else None
    return a if isinstance(a, dict) and "sweep_sha256" in a else None


CHECKSUM_GROUP = "checksums"
CHECKSUMS_ATTR = ("sha256 of each file: checksums/store.json (written with the store), checksums/BLOCK.json "
                  "(each block's chunks, written before the block is marked completed)")


def _read_json(path: Path):
    """(value, None), or (None, what is wrong: missing, unreadable, not JSON)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "is missing"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError):
        return None, "is not valid JSON"


def _sha256_file(path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            size += len(b)
            h.update(b)
    return size, h.hexdigest()


def _write_json_durably(path: Path, data):
    """Write a small JSON file atomically (temporary name, fsync, rename, fsync the folder)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync(path.parent, directory=True)


def _checksum_dir(root: Path) -> Path:
    d = root / CHECKSUM_GROUP
    if not (d / ".zgroup").is_file():  # a zarr group, so that zarr's listings know what it is
        d.mkdir(exist_ok=True)
        _write_json_durably(d / ".zgroup", {"zarr_format": 2})
    return d


def _chunk_keys(zarray: dict, block: int) -> list[str]:
    """The chunk keys (file names) of scenario block ``block`` in a format-2 array (``.zarray``)."""
    shape, chunks = list(zarray["shape"]), list(zarray["chunks"])
    sep = zarray.get("dimension_separator") or "."
    rest = [range(math.ceil(s / c)) if s else range(0) for s, c in zip(shape[1:], chunks[1:])]
    return [sep.join(str(i) for i in (block,) + idx) for idx in itertools.product(*rest)]


def _rel_files(root: Path) -> list[str]:
    out = []
    for dirpath, _d, files in os.walk(root):
        for f in files:
            out.append(Path(dirpath, f).relative_to(root).as_posix())
    return sorted(out)
