"""Scenario loading and compilation (with the base-year calibration)."""

from . import YEARS


class Scenario:
    def time_load_baseline(self):
        from simulator.scenario import load_scenario
        load_scenario("baseline")

    def time_compile_baseline(self):
        import simulator
        simulator.prepare("baseline", paths=1000, horizon=YEARS)
