"""Ctrl-C on a sweep running on the local dask cluster (issue 14): one line on stderr (interrupted,
the store is valid, rerun to resume), exit code 130, no traceback from the dask worker processes
(they share the terminal's process group, so Ctrl-C reaches them too), and the store it leaves
verifies and resumes.

Ctrl-C is simulated as a terminal does it: SIGINT to the whole process group of the command.
"""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from simulator import sweep as sw

from ..conftest import default_sigint

pytestmark = pytest.mark.slow  # local dask clusters

GRID = "employee.employer_rate=0.05:0.075:0.005"  # 6 variants
ARGS = ["--grid", GRID, "-n", "20", "--horizon", "5", "--variants-per-task", "1", "--workers", "2"]


def _blocks_done(out):
    marks = out / "completed"
    return len([p for p in marks.iterdir() if p.name.isdigit()]) if marks.is_dir() else 0


def _worker_process_started(pid) -> bool:
    """A dask worker process (multiprocessing spawn) of the command is starting."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmdline:
            return True
    return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds the worker processes in /proc")
@pytest.mark.parametrize("when", ["while the workers start", "while blocks run"])
def test_ctrl_c_on_a_local_cluster_prints_one_line_and_exits_130(tmp_path, when):
    out = tmp_path / "c.zarr"
    cmd = [sys.executable, "-m", "simulator", "sweep", *ARGS, "-o", str(out)]
    proc = subprocess.Popen(cmd, start_new_session=True, preexec_fn=default_sigint, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        # the first worker process being spawned (it is still importing), or a finished block
        while time.monotonic() < deadline and proc.poll() is None:
            if _worker_process_started(proc.pid) if when == "while the workers start" else _blocks_done(out) >= 1:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep ended before it could be interrupted: " + proc.stderr.read()[-2000:]
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "Error" not in err, err[-3000:]
    # progress lines are rewritten with \r; what is left is the one line about the interruption
    lines = [x for x in re.split(r"[\r\n]", err) if x.strip() and not re.match(r"^\s+[\d,]+/[\d,]+ variants", x)
             and not x.lstrip().startswith("resuming")]
    assert len(lines) == 1, err[-3000:]
    assert lines[0].startswith("interrupted:") and str(out) in lines[0] and "valid" in lines[0]
    assert "again" in lines[0], lines[0]
    # what is left verifies and resumes
    if out.is_dir():
        check = sw.check_store(out)
        assert check.ok, sw.format_store_check(check)
