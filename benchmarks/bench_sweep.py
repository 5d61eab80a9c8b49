"""A sweep of 100 variants (uses simulator.sweep when it is available)."""

from . import SMOKE


class Sweep:
    timeout = 1200

    def setup(self):
        try:
            import simulator.sweep  # noqa: F401
        except ImportError:
            raise NotImplementedError("simulator.sweep is not available in this version")

    def time_sweep_100_variants(self):
        from simulator.sweep import sweep
        n = 4 if SMOKE else 100
        rates = [f"{0.06 + 0.03 * k / (n - 1):.6f}" for k in range(n)]
        sweep("baseline", grid={"employee.employer_rate": rates}, paths=5 if SMOKE else 200,
              horizon=3 if SMOKE else 40, workers=1)
