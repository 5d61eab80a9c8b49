"""Peak memory of a large run (the 'core' variables; memory grows with paths x years)."""

from . import YEARS, sizes


class Memory:
    params = sizes(100_000)
    param_names = ["paths"]
    timeout = 900

    def setup(self, paths):
        import simulator
        simulator.run("baseline", paths=2, horizon=2)  # warm the JIT outside the measurement

    def peakmem_run_core(self, paths):
        import simulator
        simulator.run("baseline", paths=paths, seed=1, horizon=YEARS, variables="core")
