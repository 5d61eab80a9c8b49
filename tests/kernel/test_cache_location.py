"""numba's cache lives outside the installed package (issue 14, item 11).

A cache folder that ``pip install .`` let numba write into ``site-packages/simulator/kernels``
survived a later ``pip install -e .`` as a namespace package and hid the editable install. Each
test compiles only the small random-number kernels, in a subprocess with its own environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import simulator

PACKAGE_DIR = Path(simulator.__file__).resolve().parent

PROBE = """
import json, numpy as np, numba.core.config as c
from simulator.kernels.rng import uniform
uniform(np.uint64(1), np.uint64(2), 3, 4)
print(json.dumps({"cache_dir": c.CACHE_DIR}))
"""


def _probe(tmp_path, **env_changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "FUNDSIM_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(env_changes)
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(json.loads(proc.stdout.strip().splitlines()[-1])["cache_dir"])


def _cached_kernels(root: Path):
    return sorted(p.name for p in root.rglob("rng.*.nbi"))


def test_default_cache_is_the_user_cache_folder_not_the_package(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    cache_dir = _probe(tmp_path, HOME=str(home))
    assert cache_dir == home / ".cache" / "fundsim" / "numba"
    assert _cached_kernels(cache_dir), "numba wrote no index for the compiled kernel where it was told to"
    assert PACKAGE_DIR not in cache_dir.parents


def test_xdg_cache_home_and_numba_cache_dir_are_respected(tmp_path):
    xdg = tmp_path / "xdg"
    assert _probe(tmp_path, HOME=str(tmp_path), XDG_CACHE_HOME=str(xdg)) == xdg / "fundsim" / "numba"
    own = tmp_path / "own"
    assert _probe(tmp_path, HOME=str(tmp_path), NUMBA_CACHE_DIR=str(own)) == own
    assert _cached_kernels(own)


def test_unwritable_home_falls_back_to_a_temporary_folder(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("a file where the home folder should be\n")
    (tmp_path / "tmp").mkdir()
    cache_dir = _probe(tmp_path, HOME=str(not_a_folder), TMPDIR=str(tmp_path / "tmp"))
    assert cache_dir.parent.name.startswith("fundsim-")
    assert tmp_path / "tmp" in cache_dir.parents
    assert _cached_kernels(cache_dir)
