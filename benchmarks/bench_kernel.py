"""Kernel throughput against the NumPy reference (path-years per second)."""

from . import YEARS, compiled_baseline, kernel_out, sizes


class KernelThroughput:
    params = sizes(100, 10_000, 100_000)
    param_names = ["paths"]
    timeout = 600

    def setup(self, paths):
        from simulator.kernels.project import project

        self.project = project
        _, self.compiled = compiled_baseline(paths)
        self.out = kernel_out(self.compiled)
        inp = self.compiled.inputs
        project(*inp.with_paths(inp.path_ids[:2], inp.shift[:2]), self.out[:2])  # JIT warm (compile timed apart)

    def time_kernel(self, paths):
        self.project(*self.compiled.inputs, self.out)

    def track_kernel_path_years_per_s(self, paths):
        import time
        t0 = time.perf_counter()
        self.project(*self.compiled.inputs, self.out)
        return paths * YEARS / (time.perf_counter() - t0)

    track_kernel_path_years_per_s.unit = "path-years/s"


class ReferenceThroughput:
    """The vectorised NumPy reference on the same inputs (100,000 paths would take minutes: skipped)."""

    params = sizes(100, 10_000)
    param_names = ["paths"]
    timeout = 600

    def setup(self, paths):
        from simulator.reference import project

        self.project = project
        _, self.compiled = compiled_baseline(paths)

    def time_reference(self, paths):
        self.project(self.compiled.inputs)


class KernelCompile:
    """Numba's cost to load (or compile) the kernel in a fresh process."""

    timeout = 600

    def time_kernel_import_and_first_call(self):
        import subprocess
        import sys
        subprocess.run([sys.executable, "-c", (
            "import simulator, numpy as np; from simulator.kernels.project import project; "
            "l, c = simulator.prepare('baseline', paths=2, horizon=2); "
            "from simulator import layout as L; project(*c.inputs, np.empty((2, 3, L.N_OUT)))")], check=True)
