"""The kernel step tests (tests/kernel/test_steps.py) pass with the JIT off, as a coverage run sees them.

``FUNDSIM_DISABLE_JIT=1`` makes ``simulator.kernels.jit.jit`` return each kernel function as it
is written, so the steps run as plain Python and a coverage tool can see their lines
(``FUNDSIM_DISABLE_JIT=1 python -m pytest -q tests/kernel/test_steps.py``, with ``--cov`` or
under ``coverage run -m``). The setting is read once, at import, so the run is a subprocess.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = Path(__file__).resolve().with_name("test_steps.py")


@pytest.mark.slow
def test_kernel_steps_pass_without_jit():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["FUNDSIM_DISABLE_JIT"] = "1"
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          str(STEPS.relative_to(ROOT))],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert " passed" in res.stdout and " failed" not in res.stdout, res.stdout[-2000:]
