"""A province of many regions against one region's run (issue 18: 16 regions x 1,000 paths x 40
years in at most 20 times one region's run), measured in one run of this script.

Run as a script (``python benchmarks/province.py [REGIONS] [PATHS] [MODE]``; default 16, 1000,
adjustment_fund): builds a province of REGIONS copies of the shipped cities (qingdao, qingyuan and
ageing_city in turn), warms both runs once (numba's cache), then times, alternating, three runs
of the single region (``simulator.run("qingyuan")``) and of the province
(``simulator.run_province``), each with ``variables="core"``, and prints the median wall and CPU
seconds (this process's user + system time) of each and their ratio.
"""

import os
import statistics
import sys
import time

import simulator

CITIES = ("qingdao", "qingyuan", "ageing_city")
TARGET = 20.0


def _timed(fn):
    before = os.times()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    after = os.times()
    return wall, (after.user - before.user) + (after.system - before.system)


def province_of(regions=16, mode="adjustment_fund") -> dict:
    """A province of ``regions`` copies of the shipped cities, in turn."""
    from simulator.scenario import list_builtin_scenarios
    cities = [c for c in CITIES if c in list_builtin_scenarios()]
    pooling = {"mode": mode}
    if mode == "adjustment_fund":
        pooling.update(share=0.03, min_months=3)
    return {"province": {"name": "bench", "pooling": pooling,
                         "regions": [{"name": f"r{i}", "scenario": cities[i % len(cities)]} for i in range(regions)]}}


class ProvinceRun:
    """asv: a 16-region province (1,000 paths; 4 under FUNDSIM_BENCH_SMOKE, the tests' tiny size)."""

    params = ["separate", "adjustment_fund", "unified"]
    param_names = ["mode"]

    def setup(self, mode):
        self.paths = 4 if os.environ.get("FUNDSIM_BENCH_SMOKE") else 1000
        self.province = province_of(16, mode)

    def time_province_16_regions(self, mode):
        simulator.run_province(self.province, paths=self.paths, horizon=5 if self.paths == 4 else None,
                               variables="core")


def main(regions=16, paths=1000, mode="adjustment_fund", repeats=3):
    province = province_of(regions, mode)

    def single():
        simulator.run("qingyuan", paths=paths, variables="core")

    def several():
        simulator.run_province(province, paths=paths, variables="core")

    single()
    several()
    times = {"single": [], "province": []}
    for _ in range(repeats):
        times["single"].append(_timed(single))
        times["province"].append(_timed(several))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    ratio = med["province"][0] / med["single"][0]
    cpu_ratio = med["province"][1] / med["single"][1]
    print(f"one region (qingyuan), {paths} paths x 40 years: wall {med['single'][0]:.2f} s, CPU {med['single'][1]:.2f} s")
    print(f"province of {regions} regions ({mode}): wall {med['province'][0]:.2f} s, CPU {med['province'][1]:.2f} s")
    print(f"ratio province / one region: wall {ratio:.1f}x, CPU {cpu_ratio:.1f}x (target at most {TARGET:g}x; "
          f"{'met' if ratio <= TARGET else 'not met'})")
    return ratio


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 16, int(args[1]) if len(args) > 1 else 1000, args[2] if len(args) > 2 else "adjustment_fund")
