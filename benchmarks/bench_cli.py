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
