"""How fast `fundsim run` starts, against the floor of importing its heaviest dependencies.

Run as a script (``python benchmarks/startup.py [N]``): times, alternating and warm (one discarded
run of each first, which also fills numba's cache), N runs (default 5) of

* the floor: ``python -c "import xarray, numba, scipy.special"``
* ``fundsim run --paths 1000 --quiet``
* ``fundsim run --paths 1000``

and prints the median wall and CPU (user + system of the child) seconds of each, and the ratio of
each fundsim median wall time to the floor's (issue 19 item 4: target at most 1.5). The commands
run with this interpreter (``python -m simulator``), so the same environment is measured.

A second floor is shown beside the first: the same imports and one call of a cached ``@njit``
function. The first call of any jitted function initialises numba's CPU target (its lowering
registries, which import scipy.linalg for the LAPACK bindings), about 0.4 s on the 2-core
machine, which ``import numba`` alone does not pay and any numba tool does.

Before measuring, the package's modules are compiled to bytecode (``compileall``), as
``pip install .`` does: an editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on the
development machines) has none, and would measure Python compiling 24,000 lines of source on
every start (0.2-0.3 s) instead of the command.
"""

import os
import statistics
import subprocess
import sys
import time

FLOOR = [sys.executable, "-c", "import xarray, numba, scipy.special"]
#: the floor plus numba's CPU-target initialisation: one call of a function from numba's cache
NUMBA_FLOOR = [sys.executable, "-c", "import xarray, numba, scipy.special; from benchmarks._njit_floor import one; one(1.0)"]
RUN = [sys.executable, "-m", "simulator", "run", "--paths", "1000"]
COMMANDS = {
    "floor (import xarray, numba, scipy.special)": FLOOR,
    "fundsim run --paths 1000 --quiet": RUN + ["--quiet"],
    "fundsim run --paths 1000": RUN,
    "floor + one cached @njit call": NUMBA_FLOOR,
}
TARGET = 1.5


def _run_once(cmd):
    """Wall and CPU seconds of one run of `cmd` (CPU: the child's user + system time)."""
    before = os.times()
    t0 = time.perf_counter()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=root)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def _bytecode():
    """Compile the package (and the benchmarks) to bytecode, as an installed package has it."""
    import compileall

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder in ("simulator", "benchmarks"):
        compileall.compile_dir(os.path.join(root, folder), quiet=1)


def measure(n=5, commands=COMMANDS):
    """{name: (median wall, median CPU)} over `n` alternating runs after one discarded run each."""
    _bytecode()
    for cmd in commands.values():
        _run_once(cmd)
    walls = {name: [] for name in commands}
    cpus = {name: [] for name in commands}
    for _ in range(n):
        for name, cmd in commands.items():
            wall, cpu = _run_once(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands}


def ratio(n=5, paths=1000):
    """Median wall time of `fundsim run --paths <paths> --quiet` over the floor's, one measurement."""
    run = [sys.executable, "-m", "simulator", "run", "--paths", str(paths), "--quiet"]
    result = measure(n, {"floor": FLOOR, "run": run})
    return result["run"][0] / result["floor"][0]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 5
    result = measure(n)
    floor_wall, floor_cpu = result[list(COMMANDS)[0]]
    width = max(len(name) for name in COMMANDS)
    print(f"{n} warm runs each, alternating; medians")
    print(f"{'command':<{width}}  {'wall s':>7}  {'CPU s':>7}  {'/ floor (wall)':>14}")
    for name, (wall, cpu) in result.items():
        print(f"{name:<{width}}  {wall:7.2f}  {cpu:7.2f}  {wall / floor_wall:13.2f}x")
    quiet = result[list(COMMANDS)[1]][0] / floor_wall
    print(f"ratio (--quiet run / floor): {quiet:.2f}x; target at most {TARGET}x: "
          f"{'met' if quiet <= TARGET else 'not met'}")
    numba_floor = result["floor + one cached @njit call"][0]
    print(f"ratio (--quiet run / floor with numba's target initialised): {result[list(COMMANDS)[1]][0] / numba_floor:.2f}x")


if __name__ == "__main__":
    main()
