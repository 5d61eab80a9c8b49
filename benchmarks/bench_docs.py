"""The documentation build (``python -m sphinx -W -b html docs ...``), wall and CPU seconds.

Its time was once asserted in a unit test and failed on a busy machine (94 s against a 60 s
budget); a duration is a measurement, so it lives here. CPU seconds are reported beside wall
seconds because the machines are shared. Skipped in smoke mode: ``tests/cli/test_docs_build.py``
builds the site anyway.
"""

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import SMOKE

ROOT = Path(__file__).resolve().parents[1]


class DocsBuild:
    timeout = 900
    number = 1
    repeat = 1

    def setup(self, *args):
        if SMOKE:
            raise NotImplementedError("the test suite builds the docs itself")

    def setup_cache(self):
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "docs", out],
                           cwd=ROOT, check=True, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"wall": wall, "cpu": cpu}

    def track_docs_build_wall_seconds(self, measured):
        return measured["wall"]

    track_docs_build_wall_seconds.unit = "seconds"

    def track_docs_build_cpu_seconds(self, measured):
        return measured["cpu"]

    track_docs_build_cpu_seconds.unit = "seconds"
