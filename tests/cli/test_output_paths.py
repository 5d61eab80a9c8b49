"""Output paths (issue 14, items 6 and 9): only regular files are written, a symbolic link to one is
written through, and every bad or unwritable path is one clear line with exit code 2 (bad input)
or 1 (the environment: a read-only folder, a full disk), leaving nothing behind.

Special files (a FIFO, a socket, a character device made with os.mknod) are created in the test's
own folder: never the real /dev/null, which a regression would replace. Read-only folders and full
disks use real mounts where the machine allows them (root with mount rights) and otherwise an
os-level call that raises the real errno, so that one version of each test runs everywhere.
"""

import errno
import os
import socket
import stat
import subprocess

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import simulator
from simulator import io as sio
from simulator.cli import cli

RUN = ["run", "--paths", "6", "--seed", "1", "--horizon", "3", "--quiet"]


@pytest.fixture()
def runner():
    return CliRunner()


def _invoke(runner, args):
    res = runner.invoke(cli, args)
    text = res.output  # stdout and stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return res, text


def _one_error_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    return lines[0]


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- special files

def _fifo(p):
    os.mkfifo(p)


def _socket(p):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(p))
    s.close()


def _char_device(p):
    try:  # the same device numbers as /dev/null, but a node in the test's folder
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD); the FIFO and socket cases run instead")


def _directory(p):
    p.mkdir()


SPECIAL = {"fifo": (_fifo, stat.S_ISFIFO, "named pipe"), "socket": (_socket, stat.S_ISSOCK, "socket"),
           "char device": (_char_device, stat.S_ISCHR, "character device"),
           "directory": (_directory, stat.S_ISDIR, "directory")}


@pytest.mark.parametrize("through_link", [False, True], ids=["direct", "via symlink"])
@pytest.mark.parametrize("kind", list(SPECIAL))
def test_run_refuses_anything_but_a_regular_file_and_leaves_it_alone(runner, tmp_path, kind, through_link):
    make, is_kind, word = SPECIAL[kind]
    node = tmp_path / "node.nc"
    make(node)
    out = node
    if through_link:
        out = tmp_path / "link.nc"
        out.symlink_to(node)
    before = _listing(tmp_path)
    res, text = _invoke(runner, RUN + ["--out", str(out)])
    assert res.exit_code == 2, text
    line = _one_error_line(text)
    assert word in line and "--out" in line, line
    assert is_kind(os.lstat(node).st_mode), f"{kind} was replaced"
    if through_link:
        assert os.path.islink(out)
    assert _listing(tmp_path) == before  # no temporary file, nothing new


@pytest.mark.parametrize("kind", ["fifo", "char device"])
def test_plot_and_report_refuse_special_files(runner, tmp_path, results_file, kind):
    make, is_kind, word = SPECIAL[kind]
    for cmd, name in ((["plot", str(results_file), "--kind", "fan"], "fig.png"), (["report", str(results_file)], "r.html")):
        node = tmp_path / name
        make(node)
        res, text = _invoke(runner, cmd + ["-o", str(node)])
        assert res.exit_code == 2, text
        assert word in _one_error_line(text)
        assert is_kind(os.lstat(node).st_mode), f"{kind} was replaced by {cmd[0]}"


def test_atomic_path_itself_refuses_a_device_for_every_writer(tmp_path):
    """Every writer goes through simulator.io.atomic_path: the refusal is there, not only in the CLI."""
    make, is_kind, _ = SPECIAL["fifo"]
    node = tmp_path / "x.bin"
    make(node)
    with pytest.raises(sio.OutputPathError, match="named pipe") as e:
        with sio.atomic_path(node) as tmp:
            tmp.write_bytes(b"data")
    assert e.value.exit_code == 2
    assert is_kind(os.lstat(node).st_mode) and _listing(tmp_path) == ["x.bin"]


# --------------------------------------------------------------------------- symbolic links

@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("results") / "run.nc"
    ds = simulator.run("baseline", paths=6, seed=1, horizon=3)
    simulator.write_netcdf(ds, p)
    return p


def test_symlink_to_a_regular_file_is_written_through(runner, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    real = data / "real.nc"
    real.write_text("old contents")
    os.chmod(real, 0o600)
    link = tmp_path / "link.nc"
    link.symlink_to(os.path.relpath(real, tmp_path))
    old_umask = os.umask(0o022)  # a new file would be 0o644: the replaced file's 0o600 must be kept
    try:
        res, text = _invoke(runner, RUN + ["--out", str(link)])
    finally:
        os.umask(old_umask)
    assert res.exit_code == 0, text
    assert os.path.islink(link) and os.readlink(link) == os.path.relpath(real, tmp_path)
    with xr.open_dataset(real) as ds:
        assert ds.sizes["path"] == 6
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert _listing(tmp_path) == ["data", "link.nc"] and _listing(data) == ["real.nc"]  # no temporary files


def test_a_read_only_file_is_replaced_keeping_its_mode(tmp_path):
    """The new file takes the replaced file's permission bits, set after writing (so that a
    writer that is not root can still write the temporary file)."""
    target = tmp_path / "r.bin"
    target.write_text("old")
    os.chmod(target, 0o444)
    old_umask = os.umask(0o022)
    try:
        with sio.atomic_path(target) as tmp:
            tmp.write_bytes(b"new")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new" and stat.S_IMODE(os.stat(target).st_mode) == 0o444
    assert _listing(tmp_path) == ["r.bin"]


def test_report_is_written_through_a_symlink(runner, tmp_path, results_file):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    res, text = _invoke(runner, ["report", str(results_file), "-o", str(link)])
    assert res.exit_code == 0, text
    assert os.path.islink(link) and "<html" in real.read_text().lower()


def test_dangling_symlink_is_refused_and_creates_nothing(runner, tmp_path):
    link = tmp_path / "link.nc"
    link.symlink_to(tmp_path / "missing" / "r.nc")
    res, text = _invoke(runner, RUN + ["--out", str(link)])
    assert res.exit_code == 2, text
    assert "does not exist" in _one_error_line(text)
    assert os.path.islink(link) and not os.path.exists(link) and _listing(tmp_path) == ["link.nc"]


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("name, needle", [
    ("", "empty file name"),
    ("{tmp}/afile/r.nc", "is a file, not a folder"),
    ("{tmp}/afile/deeper/r.nc", "is a file, not a folder"),
    ("{tmp}/newdir/", "names a folder"),
    ("{tmp}/r.csv", "fundsim export"),
    ("{tmp}/r.xlsx", "must end in .nc"),
    ("{tmp}/r", "must end in .nc"),
    ("{tmp}/r.nc.bak", "must end in .nc"),
])
def test_bad_result_names_exit_2_before_the_run(runner, tmp_path, monkeypatch, name, needle):
    (tmp_path / "afile").write_text("a file")
    from simulator import api

    def no_run(*a, **k):
        raise AssertionError("the run started although the output path was bad")
    monkeypatch.setattr(api, "run_compiled", no_run)
    res, text = _invoke(runner, RUN + ["--out", name.format(tmp=tmp_path)])
    assert res.exit_code == 2, text
    assert needle in _one_error_line(text)
    assert _listing(tmp_path) == ["afile"]


@pytest.mark.parametrize("cmd, name, needle", [
    (["plot", "{res}", "--kind", "fan"], "", "empty file name"),
    (["plot", "{res}", "--kind", "fan"], "{tmp}/afile/f.png", "is a file, not a folder"),
    (["plot", "{res}", "--kind", "fan"], "{tmp}/f.nc", "must end in .png, .svg or .pdf"),
    (["report", "{res}"], "", "empty file name"),
    (["report", "{res}"], "{tmp}/afile/r.html", "is a file, not a folder"),
    (["report", "{res}"], "{tmp}/r.txt", "must end in .html"),
])
def test_plot_and_report_bad_names_exit_2(runner, tmp_path, results_file, cmd, name, needle):
    (tmp_path / "afile").write_text("a file")
    args = [a.format(res=results_file) for a in cmd] + ["-o", name.format(tmp=tmp_path)]
    res, text = _invoke(runner, args)
    assert res.exit_code == 2, text
    assert needle in _one_error_line(text)
    assert _listing(tmp_path) == ["afile"]


def test_write_netcdf_refuses_other_suffixes(tmp_path, results_file):
    with xr.open_dataset(results_file) as ds:
        ds = ds.load()
    with pytest.raises(sio.OutputPathError, match="must end in .nc"):
        simulator.write_netcdf(ds, tmp_path / "r.csv")
    assert _listing(tmp_path) == []


# --------------------------------------------------------------------------- read-only folders

def _mount(*args):
    try:
        r = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _umount(path):
    if subprocess.run(["umount", str(path)], capture_output=True, timeout=60).returncode:
        # busy: the netCDF library keeps a file open after failing to close it on a full disk
        # (its space is given back: simulator.io empties the file); detach now, free at exit
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=60)


@pytest.fixture()
def read_only_folder(tmp_path):
    """A folder nobody may write in: a read-only bind mount (root), else a 0o555 folder (not root)."""
    d = tmp_path / "ro"
    d.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        d.chmod(0o555)
        yield d, "permission denied"
        d.chmod(0o755)
        return
    if _mount("--bind", d, d):
        if _mount("-o", "remount,ro,bind", d, d):
            try:
                yield d, "read-only file system"
            finally:
                _umount(d)
            return
        _umount(d)
    pytest.skip("root here, and a read-only bind mount is not allowed; test_read_only_folder_at_write_time runs instead")


@pytest.mark.parametrize("sub", ["r.nc", "new/r.nc"])
def test_read_only_folder_exits_1_with_one_line(runner, read_only_folder, sub):
    d, reason = read_only_folder
    res, text = _invoke(runner, RUN + ["--out", str(d / sub)])
    assert res.exit_code == 1, text
    assert reason in _one_error_line(text)
    assert _listing(d) == []


def test_read_only_folder_at_write_time(runner, tmp_path, monkeypatch):
    """The folder turns read-only between the check and the write (or the check cannot tell):
    creating the temporary file fails with the real errno, and that is one line, exit 1."""
    real_open = os.open

    def open_(path, flags, *a, **k):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", open_)
    res, text = _invoke(runner, RUN + ["--out", str(tmp_path / "r.nc")])
    assert res.exit_code == 1, text
    assert "read-only file system" in _one_error_line(text)
    assert _listing(tmp_path) == []


# --------------------------------------------------------------------------- full disk

@pytest.fixture()
def small_disk(tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", d):
        pytest.skip("cannot mount a small tmpfs here (needs root); the monkeypatched full-disk tests run instead")
    try:
        yield d
    finally:
        _umount(d)


def _fill(folder, leave=64 * 1024):
    """Fill the disk holding ``folder`` up to ``leave`` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bfree * st.f_frsize
    with open(folder / "filler", "wb") as fh:
        try:
            fh.write(b"\0" * max(0, free - leave))
        except OSError:
            pass


def test_disk_without_room_for_the_results_is_refused_before_the_run(runner, small_disk, monkeypatch):
    from simulator import api

    def no_run(*a, **k):
        raise AssertionError("the run started although the disk has no room for the results")
    monkeypatch.setattr(api, "run_compiled", no_run)
    res, text = _invoke(runner, ["run", "--paths", "2000", "--horizon", "12", "--quiet", "--out", str(small_disk / "r.nc")])
    assert res.exit_code == 1, text
    assert "not enough disk space" in _one_error_line(text)
    assert _listing(small_disk) == []


def test_disk_filling_up_during_the_write_leaves_no_partial_file(runner, small_disk, monkeypatch):
    """Another program fills the disk while the file is written: the netCDF library reports only
    'HDF error'; the message says the disk is full, exit 1, the old file stays as it was."""
    old = small_disk / "r.nc"
    old.write_text("old results")
    to_netcdf = xr.Dataset.to_netcdf

    def filling(self, *a, **k):
        _fill(small_disk)
        return to_netcdf(self, *a, **k)
    monkeypatch.setattr(xr.Dataset, "to_netcdf", filling)
    res, text = _invoke(runner, ["run", "--paths", "20", "--horizon", "12", "--quiet", "--out", str(old)])
    assert res.exit_code == 1, text
    assert "the disk is full" in _one_error_line(text)
    assert _listing(small_disk) == ["filler", "r.nc"] and old.read_text() == "old results"
    os.unlink(small_disk / "filler")
    st = os.statvfs(small_disk)
    assert st.f_bfree > 0.9 * st.f_blocks  # the space of the failed write is given back


def test_disk_filling_up_under_any_writer(small_disk):
    with pytest.raises(sio.OutputWriteError, match="the disk is full") as e:
        with sio.atomic_path(small_disk / "big.bin") as tmp:
            tmp.write_bytes(b"x" * (10 << 20))
    assert e.value.exit_code == 1 and _listing(small_disk) == []


def test_full_disk_errno_from_the_writer(runner, tmp_path, monkeypatch):
    """Without a small disk: the writer fails with the real ENOSPC after writing part of the file."""
    def partial(self, path, *a, **k):
        with open(path, "wb") as fh:
            fh.write(b"CDF\x01 partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(xr.Dataset, "to_netcdf", partial)
    res, text = _invoke(runner, RUN + ["--out", str(tmp_path / "r.nc")])
    assert res.exit_code == 1, text
    assert "the disk is full" in _one_error_line(text)
    assert _listing(tmp_path) == []


def test_full_disk_seen_by_the_netcdf_library(runner, tmp_path, monkeypatch):
    """netCDF reports ENOSPC as RuntimeError('NetCDF: HDF error'); the free space (0 bytes, as
    os.statvfs reports on a full disk) tells that the disk is full."""
    def hdf_error(self, path, *a, **k):
        with open(path, "wb") as fh:
            fh.write(b"\x89HDF partial")
        monkeypatch.setattr(sio, "_free_bytes", lambda folder: 0)
        raise RuntimeError("NetCDF: HDF error")
    monkeypatch.setattr(xr.Dataset, "to_netcdf", hdf_error)
    res, text = _invoke(runner, RUN + ["--out", str(tmp_path / "r.nc")])
    assert res.exit_code == 1, text
    assert "the disk is full" in _one_error_line(text)
    assert _listing(tmp_path) == []


def test_other_writer_errors_are_not_called_a_full_disk(tmp_path, results_file, monkeypatch):
    with xr.open_dataset(results_file) as ds:
        ds = ds.load()

    def boom(self, *a, **k):
        raise RuntimeError("something else")
    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(RuntimeError, match="something else"):
        simulator.write_netcdf(ds, tmp_path / "r.nc")
    assert _listing(tmp_path) == []


def test_regular_file_is_replaced_and_new_folders_are_made(runner, tmp_path):
    target = tmp_path / "a" / "b" / "r.nc"
    res, text = _invoke(runner, RUN + ["--out", str(target)])
    assert res.exit_code == 0, text
    target.write_text("stale")
    res, text = _invoke(runner, RUN + ["--out", str(target)])
    assert res.exit_code == 0, text
    with xr.open_dataset(target) as ds:
        assert np.isfinite(ds["balance"].values).all()
    assert _listing(target.parent) == ["r.nc"]
