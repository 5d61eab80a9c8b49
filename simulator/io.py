"""Output files: every file the tool reports as written is complete, and only regular files are written.

A result is written to a temporary file in the same folder (so that the final rename is atomic on
the same file system), flushed to disk, then renamed over the target. On any error or interruption
the temporary file is removed and the target is left as it was.

Which paths are written (:func:`check_output_path`, applied by :func:`atomic_path` to every writer):

* a new name, or an existing **regular file** (replaced; its permission bits are kept);
* a **symbolic link to a regular file** is written *through*: the new file replaces the link's
  target and the link stays a link;
* anything else is refused with :class:`OutputPathError` (exit code 2) and left untouched: an
  empty name, a name ending in ``/``, a directory, a character or block device (``/dev/null``),
  a named pipe, a socket, a **dangling symbolic link** (its target does not exist: a link is
  followed only to an existing file, so that a stale link never makes files appear elsewhere),
  a link loop, or a path whose folder is a file (``somefile/r.nc``);
* a folder that cannot be written (read-only file system, no permission) or a disk without room
  for the file is :class:`OutputWriteError` (exit code 1, a problem of the environment); a disk
  that fills up during the write leaves no partial file.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, SimulatorError

#: free space below which a failed write is taken to have failed because the disk is full (the
#: netCDF library reports ENOSPC as "NetCDF: HDF error", without the errno)
_FULL_BELOW = 1 << 20

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


class OutputPathError(SimulatorError, OSError):
    """An output path that cannot be used: not a regular file, an empty name, an unknown suffix,
    a folder that is a file. Bad input: exit code 2."""

    exit_code = EXIT_BAD_INPUT


class OutputWriteError(SimulatorError, OSError):
    """An output that cannot be written because of the environment: a read-only file system, no
    permission, a full disk. Exit code 1."""

    exit_code = EXIT_FAILURE


def _label(path, option=None) -> str:
    return f"{option} {path}" if option else str(path)


def _kind(mode) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _nearest_existing(folder: Path) -> Path:
    """``folder`` or its nearest ancestor that exists (as anything: the caller checks it is a folder)."""
    p = folder
    while True:
        try:
            os.lstat(p)
            return p
        except FileNotFoundError:
            if p.parent == p:
                return p
            p = p.parent
        except OSError:
            return p


def _file_in(folder: Path) -> Path:
    """The part of ``folder`` that is not a folder (for a path whose folder is a file)."""
    for p in (folder, *folder.parents):
        try:
            if not stat.S_ISDIR(os.stat(p).st_mode):
                return p
            return folder  # an existing folder: the error came from elsewhere
        except OSError:
            continue
    return folder


def _free_bytes(folder) -> int | None:
    """Bytes this process may still write on the file system holding ``folder`` (root may use the
    blocks reserved for it), or None when unknown."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    blocks = st.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else st.f_bavail
    return int(blocks) * int(st.f_frsize)


def _read_only(folder) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _mb(n) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def write_error(e: OSError, path, folder, option=None) -> SimulatorError:
    """The error to show for an ``OSError`` met while writing ``path`` in ``folder``."""
    what = _label(path, option)
    code = getattr(e, "errno", None)
    if code == errno.ENOSPC:
        return OutputWriteError(f"{what}: cannot write: the disk is full (no space left on the device holding "
                                f"{folder}); nothing was written")
    if code == getattr(errno, "EDQUOT", -1):
        return OutputWriteError(f"{what}: cannot write: disk quota exceeded on the device holding {folder}; "
                                "nothing was written")
    if code == errno.EROFS:
        return OutputWriteError(f"{what}: cannot write: {folder} is on a read-only file system")
    if code in (errno.EACCES, errno.EPERM):
        return OutputWriteError(f"{what}: cannot write: permission denied in {folder}")
    if code == errno.ENOTDIR:
        return OutputPathError(f"{what}: {_file_in(Path(folder))} is a file, not a folder")
    if code == errno.ENAMETOOLONG:
        return OutputPathError(f"{what}: the file name is too long")
    if code == errno.ELOOP:
        return OutputPathError(f"{what}: too many levels of symbolic links")
    if code == errno.EISDIR:
        return OutputPathError(f"{what}: is a directory; give a file name")
    return OutputWriteError(f"{what}: cannot write: {e.strerror or e}")


def check_output_path(path, *, suffixes=None, option=None, suffix_hint="", size=None) -> Path:
    """Check that ``path`` may be written, before any work is done, and return the path to write.

    That is ``path`` itself (a new name or a regular file) or, for a symbolic link to a regular
    file, the link's target. ``suffixes`` (lower case, with the dot) are the accepted file name
    endings; ``option`` (e.g. ``"--out"``) starts the messages; ``size`` (bytes, optional) is
    checked against the free space of the disk. Raises :class:`OutputPathError` (exit code 2)
    or :class:`OutputWriteError` (exit code 1) as the module docstring lists; nothing is created.
    """
    raw = os.fspath(path) if path is not None else ""
    what = _label(repr(raw) if not raw.strip() else raw, option)
    if not raw.strip():
        raise OutputPathError(f"{what}: empty file name; give a file name")
    if "\0" in raw:
        raise OutputPathError(f"{what}: the file name contains a NUL character")
    if raw.endswith(("/", os.sep)):
        raise OutputPathError(f"{what}: names a folder (ends in '/'); give a file name")
    p = Path(raw)
    if suffixes and p.suffix.lower() not in suffixes:
        ends = ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        got = f"'{p.suffix}'" if p.suffix else "no suffix"
        raise OutputPathError(f"{what}: the file name must end in {ends} (it has {got}){suffix_hint}")
    target = p
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise write_error(e, raw, p.parent, option) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        real = Path(os.path.realpath(p))
        try:
            st = os.stat(p)
        except FileNotFoundError:
            raise OutputPathError(f"{what}: is a symbolic link to {real}, which does not exist; a link is written "
                                  "through only to an existing regular file (create the target or remove the link)") from None
        except OSError as e:
            raise write_error(e, raw, p.parent, option) from None
        target = real
        if not stat.S_ISREG(st.st_mode):
            raise OutputPathError(f"{what}: is a symbolic link to {real}, which is {_kind(st.st_mode)}; "
                                  "only regular files are written")
    elif st is not None and not stat.S_ISREG(st.st_mode):
        extra = "; give a file name" if stat.S_ISDIR(st.st_mode) else "; only regular files are written"
        raise OutputPathError(f"{what}: is {_kind(st.st_mode)}, not a regular file{extra}")
    folder = target.parent
    base = _nearest_existing(folder)
    try:
        base_st = os.stat(base)
    except OSError as e:
        raise write_error(e, raw, folder, option) from None
    if not stat.S_ISDIR(base_st.st_mode):
        raise OutputPathError(f"{what}: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        if _read_only(base):
            raise OutputWriteError(f"{what}: cannot write: {base} is on a read-only file system")
        raise OutputWriteError(f"{what}: cannot write: permission denied in {base}")
    if size is not None:
        free = _free_bytes(base)
        if free is not None and free < size:
            raise OutputWriteError(f"{what}: not enough disk space: the file needs about {_mb(size)} and the disk "
                                   f"holding {base} has {_mb(free)} free; nothing was written")
    return target


def _create(tmp: Path) -> None:
    """Create the empty temporary file (mode 0o666 less the umask), failing if it exists."""
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def _fsync_dir(folder) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # not every file system syncs a directory
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path, suffix="", *, size=None, option=None):
    """Yield a temporary path beside the file to write; on success it is fsynced and renamed onto it.

    The path is first checked by :func:`check_output_path` (only a regular file or a new name is
    written; a symbolic link to a regular file is written through, onto its target). The
    temporary file is created with the usual permissions (mode 0o666 less the umask), or with
    the permission bits of the file it replaces. ``suffix`` keeps a file extension on the
    temporary name for writers that infer the format from it; ``size`` (bytes) is checked
    against the free disk space first. An ``OSError`` of the writer becomes
    :class:`OutputWriteError` or :class:`OutputPathError` with one clear line; any error leaves
    no temporary file and the target as it was.
    """
    target = check_output_path(path, option=option, size=size)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise write_error(e, path, folder, option) from None
    tmp = folder / f".{target.name}.{secrets.token_hex(6)}.tmp{suffix}"
    try:
        _create(tmp)
    except OSError as e:
        raise write_error(e, path, folder, option) from None
    try:
        try:
            old = os.stat(target)
            mode = stat.S_IMODE(old.st_mode) if stat.S_ISREG(old.st_mode) else None
        except FileNotFoundError:
            mode = None
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if mode is not None:  # after writing: the replaced file may have been read-only
            os.chmod(tmp, mode)
        try:  # the target may have been replaced since the check: still only a regular file
            now = os.lstat(target)
            if not stat.S_ISREG(now.st_mode):
                raise OutputPathError(f"{_label(path, option)}: is now {_kind(now.st_mode)}, not a regular file; "
                                      "nothing was written")
        except FileNotFoundError:
            pass
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException as e:
        full = False
        if isinstance(e, Exception) and not isinstance(e, (OSError, SimulatorError)):
            free = _free_bytes(folder)  # before the temporary file is removed: is the disk full?
            full = free is not None and free < _FULL_BELOW
        try:
            # emptied first: a writer may keep its file open after a failure (the netCDF library
            # does when closing fails on a full disk), and only emptying gives the space back
            os.truncate(tmp, 0)
        except OSError:
            pass
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, SimulatorError):
            raise
        if isinstance(e, OSError):
            raise write_error(e, path, folder, option) from e
        if full:
            raise write_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path, folder, option) from e
        raise
