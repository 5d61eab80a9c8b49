"""Atomic output: every file the tool reports as written is complete.

A result is written to a temporary file in the same folder (so that the final rename is atomic on
the same file system), flushed to disk, then renamed over the target. On any error or interruption
the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path


class OutputPathError(OSError):
    """The output path cannot be written (a directory, or a folder that cannot be made)."""


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; on success it is fsynced and renamed onto ``path``.

    The temporary file is created with the usual permissions (mode 0o666 less the umask;
    ``tempfile.mkstemp`` would make it readable by its owner only). ``suffix`` keeps a file
    extension on the temporary name for writers that infer the format from it.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{path}: is a directory; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputPathError(f"{path}: cannot create its folder: {e}") from e
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp{suffix}"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
