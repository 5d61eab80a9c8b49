"""The user's view: `fundsim run` wall time with numba's cache warm."""

import subprocess
import sys

from . import SMOKE


class Cli:
    timeout = 600

    def setup(self):
        subprocess.run([sys.executable, "-m", "simulator", "run", "--paths", "5", "--horizon", "2", "--quiet"], check=True)

    def time_fundsim_run_1000_paths(self):
        subprocess.run([sys.executable, "-m", "simulator", "run", "--paths", "20" if SMOKE else "1000", "--quiet"],
                       check=True)


class Startup:
    """`fundsim run --paths 1000 --quiet` warm, as a multiple of `import xarray, numba, scipy.special`
    (issue 19 item 4: at most 1.5), measured alternating in one run; `benchmarks/startup.py` prints
    the figures behind it."""
    timeout = 900
    number = 1
    repeat = 1
    unit = "x floor"

    def track_run_over_import_floor(self):
        from .startup import ratio

        return ratio(n=1, paths=20) if SMOKE else ratio(n=5)
