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

    def peakmem_run_core_single(self, paths):
        """The same kept in single precision (issue 17's 1 GiB at 100,000 paths x 40 years)."""
        import simulator
        simulator.run("baseline", paths=paths, seed=1, horizon=YEARS, variables="core", precision="single")
