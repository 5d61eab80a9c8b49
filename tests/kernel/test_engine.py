"""The numba kernel against the NumPy reference, and randomness guarantees (specification section 13)."""

import numpy as np
import pytest

from simulator import layout as L
from simulator.compile import compile_scenario
from simulator.kernels.project import project as kernel_project
from simulator.reference import project as reference_project
from simulator.scenario import load_scenario

from ..conftest import rel_close, set_path


def _kernel(inputs):
    out = np.empty((inputs.path_ids.shape[0], inputs.sched.shape[1], L.N_OUT))
    kernel_project(*inputs, out)
    return out


def randomised_variant(data, rng):
    """Perturb the baseline within valid ranges and switch optional mechanisms on and off."""
    u = rng.uniform
    set_path(data, "horizon", int(rng.integers(3, 25)))
    set_path(data, "employee.employer_rate", {2024: 0.07, 2027: float(u(0.05, 0.1))})
    set_path(data, "employee.retiree_rate", {2024: 0.0, 2026: float(u(0, 0.03))})
    set_path(data, "membership.buyback_share", float(u(0, 1)))
    set_path(data, "membership.resident_enrolment_elasticity", float(u(0, 0.5)))
    set_path(data, "reform.capitation.share", {2024: 0.05, 2030: float(u(0, 0.5))})
    set_path(data, "reform.drg_dip.global_budget.enabled", bool(rng.integers(0, 2)))
    set_path(data, "reform.drg_dip.global_budget.overrun_share", float(u(0, 1)))
    set_path(data, "reform.drg_dip.coding_creep", float(u(0, 0.03)))
    set_path(data, "reform.fraud.leakage", float(u(0, 0.05)))
    set_path(data, "epidemic.probability", float(u(0.05, 0.5)))
    set_path(data, "long_term_care.carve_out_share", {2024: 0.0, 2028: float(u(0, 0.03))})
    if rng.integers(0, 2):
        set_path(data, "reform.drg_dip.global_budget.income_growth", float(u(0, 0.08)))
    if rng.integers(0, 2):
        set_path(data, "economy.cost_share_ceiling", float(u(0.1, 0.3)))
    if rng.integers(0, 2):
        set_path(data, "resident.premium_income_share", float(u(0.008, 0.02)))
    if rng.integers(0, 2):
        data["critical_illness"] = {"premium": {2024: 60, 2040: float(u(60, 200))}}
    set_path(data, "economy.drivers.excess_cost_growth.sd", float(u(0, 0.04)))
    set_path(data, "population.mortality.kappa_sd", float(u(0, 1.5)))
    if rng.integers(0, 2):
        data["policy"] = {"rate_trigger": {"enabled": True, "mode": ["threshold", "projected"][int(rng.integers(0, 2))],
                                           "lower_months": float(u(3, 8)), "upper_months": float(u(9, 20)),
                                           "employer_step": float(u(0.001, 0.01)), "premium_step": float(u(5, 50))}}
    if rng.integers(0, 2):
        data.setdefault("policy", {})["fiscal_backstop"] = {"enabled": True, "minimum_months": float(u(0, 6))}
    set_path(data, "membership.women_track_50_share", {"dist": "beta", "mean": 0.5, "sd": 0.1, "cost_direction": "increases_cost"})
    # drawn last so that the draws above stay as they were
    if rng.integers(0, 2):  # emigration large enough for the stocks to cap it (section 3)
        set_path(data, "population.migration.net_total", float(u(-1e8, 1e6)))
    if rng.integers(0, 2):  # volatile drivers: levels spread over orders of magnitude (section 5)
        for d in ("wage_growth", "excess_cost_growth", "interest_rate", "resident_income_growth"):
            set_path(data, f"economy.drivers.{d}.sd", float(u(0, 0.4)))
            set_path(data, f"economy.drivers.{d}.persistence", float(u(-0.5, 0.95)))
    # demand response to cost sharing (section 7): elasticities by line and reimbursement that
    # moves, up to full reimbursement (the 0.05 floor of the own share) and down
    data["expenditure"]["demand_elasticity"] = {j: float(u(0, 0.8)) for j in L.LINE_NAMES}
    set_path(data, "expenditure.reimbursement.employee.outpatient", {2024: 0.5, 2027: float(u(0.3, 1.0))})
    set_path(data, "expenditure.reimbursement.resident.inpatient", {2024: 0.58, 2030: float(u(0.4, 0.98))})
    set_path(data, "expenditure.reimbursement.retired.chronic_outpatient",
             {"dist": "normal", "mean": 0.0, "sd": 0.05, "cost_direction": "increases_cost", "min": 0, "max": 1,
              "schedule": {2024: 0.72, 2030: 0.8}})
    # a region's own deviation of some drivers (section 17)
    for d in L.DRIVER_NAMES:
        if rng.integers(0, 2):
            set_path(data, f"economy.drivers.{d}.local_sd", float(u(0, 0.03)))
    # the DIP point-value floor (section 8), and budgets squeezed hard enough for it to bind
    set_path(data, "reform.drg_dip.point_value_floor", float(u(0, 1)))
    if rng.integers(0, 2):
        set_path(data, "reform.drg_dip.global_budget.surplus_margin", {2024: 0.02, 2026: float(u(0, 0.3))})
    # indexed schedules (section 2): each amount follows a drawn index, with or without extra growth
    indices = ("fixed", "wage", "resident_income", "medical_cost")
    for key, value in (("resident.premium", {2024: 400, 2026: 420}), ("resident.subsidy", 670),
                       ("accounts.retiree_quota", {2022: 70}), ("critical_illness.premium", {2024: 60, 2030: 70})):
        if key.startswith("critical_illness") and "premium" not in data.get("critical_illness", {}):
            continue
        set_path(data, key, {"value": value, "index": indices[int(rng.integers(0, 4))],
                             "index_plus": float(u(-0.02, 0.03)), "source": "test"})
    return data


@pytest.mark.parametrize("case", range(6))
def test_kernel_matches_reference_on_randomised_scenarios(baseline_data, case):
    rng = np.random.default_rng(1000 + case)
    data = randomised_variant(baseline_data, rng)
    compiled = compile_scenario(load_scenario(data).scenario, paths=12, seed=int(rng.integers(0, 2**31)))
    inputs = compiled.inputs
    if case % 2:
        # out-of-region care as a province run sets it (section 17): a share of inpatient care
        # away from home, priced per path, year and scheme
        base = inputs.base.copy()
        base[L.B_OUT_SHARE:L.B_OUT_SHARE + 2] = rng.uniform(0.01, 0.3, 2)
        price = rng.uniform(0.7, 1.3, (inputs.path_ids.shape[0], inputs.sched.shape[1], 2))
        inputs = inputs._replace(base=base, out_price=price)
    ref = reference_project(inputs)
    ker = _kernel(inputs)
    ok, err = rel_close(ker, ref, 1e-9)
    assert ok, f"kernel and reference differ by {err:.3g} (relative to each variable's scale)"
    if case % 2:
        assert (ker[:, :, list(L.O_OUT_OF_REGION)] > 0).all()
        assert not rel_close(ker, _kernel(inputs._replace(out_price=inputs.out_price * 1.01)), 1e-9)[0]
    # the comparison can fail: a perturbed input must move the kernel's output
    tampered = inputs._replace(base=inputs.base * np.where(np.arange(L.N_BASE) == L.B_W0, 1.001, 1.0))
    assert not rel_close(_kernel(tampered), ref, 1e-9)[0]


def test_results_do_not_depend_on_threads_or_chunks(baseline_loaded):
    import numba

    from simulator.api import run_compiled

    compiled = compile_scenario(baseline_loaded.scenario, paths=9, seed=7, horizon=12)
    old = numba.get_num_threads()
    try:
        one = run_compiled(baseline_loaded, compiled, threads=1)
        two = run_compiled(baseline_loaded, compiled, threads=min(2, numba.config.NUMBA_NUM_THREADS))
    finally:
        numba.set_num_threads(old)
    chunked = run_compiled(baseline_loaded, compiled, chunk_size=4)
    for name in ("balance", "reserve_months", "expenditure", "population", "retirees"):
        np.testing.assert_array_equal(one[name].values, two[name].values)
        np.testing.assert_array_equal(one[name].values, chunked[name].values)


def test_a_path_depends_only_on_seed_and_its_index(baseline_loaded):
    from simulator.api import run_compiled

    compiled = compile_scenario(baseline_loaded.scenario, paths=6, seed=11, horizon=10)
    full = run_compiled(baseline_loaded, compiled)
    some = run_compiled(baseline_loaded, compiled, path_ids=[5, 2])
    np.testing.assert_array_equal(full["balance"].sel(path=[5, 2]).values, some["balance"].values)
    other_seed = run_compiled(baseline_loaded, compile_scenario(baseline_loaded.scenario, paths=6, seed=12, horizon=10))
    assert not np.array_equal(full["balance"].values[:, 1:], other_seed["balance"].values[:, 1:])


def test_adding_a_disease_group_leaves_other_draws_unchanged(baseline_data):
    before = compile_scenario(load_scenario(baseline_data).scenario, paths=5, seed=3, horizon=8)
    extra = dict(baseline_data["expenditure"]["disease_groups"][0])
    extra["name"] = "injuries"
    extra["share"] = {"inpatient": 0.0}
    baseline_data["expenditure"]["disease_groups"].append(extra)
    after = compile_scenario(load_scenario(baseline_data).scenario, paths=5, seed=3, horizon=8)
    a, b = _kernel(before.inputs), _kernel(after.inputs)
    # a group with zero cost share changes nothing, and every other stream keeps its draws
    for idx in (L.O_WAGE, L.O_EXCESS, L.O_KAPPA, L.O_EPIDEMIC, L.O_POP):
        np.testing.assert_array_equal(a[:, :, idx], b[:, :, idx])
    np.testing.assert_allclose(a[:, :, list(L.O_BAL)], b[:, :, list(L.O_BAL)], rtol=1e-12)


def test_numpy_and_numba_random_numbers_are_identical():
    from simulator import rng
    from simulator.kernels import rng as krng

    seed, stream = np.uint64(2**40 + 17), rng.stream_id("driver:wage_growth")
    paths = np.arange(50)
    for t in (0, 1, 39):
        u = rng.uniform(seed, stream, paths, t)
        assert np.array_equal(u, [krng.uniform(seed, stream, int(p), t) for p in paths])
        z = rng.normal(seed, stream, paths, t)
        np.testing.assert_allclose(z, [krng.normal(seed, stream, int(p), t) for p in paths], rtol=1e-14, atol=1e-15)
    z = rng.normal(seed, stream, np.arange(200000), 3)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01


@pytest.mark.parametrize("kind, args, scipy_dist", [
    ("normal", {"mean": 1.0, "sd": 2.0}, lambda st: st.norm(1, 2)),
    ("lognormal", {"mean": 2.0, "sd": 0.5}, lambda st: st.lognorm(s=np.sqrt(np.log1p(0.0625)), scale=2 / np.sqrt(1.0625))),
    ("beta", {"mean": 0.3, "sd": 0.1}, lambda st: st.beta(6.0, 14.0)),
    ("triangular", {"low": 0.0, "mode": 0.3, "high": 1.0}, lambda st: st.triang(0.3, 0, 1)),
    ("uniform", {"low": -1.0, "high": 3.0}, lambda st: st.uniform(-1, 4)),
])
def test_quantile_functions_match_scipy_stats(kind, args, scipy_dist):
    from scipy import stats

    from simulator.scenario.values import Distribution
    u = np.linspace(0.0005, 0.9995, 400)
    np.testing.assert_allclose(Distribution(kind, args).ppf(u), scipy_dist(stats).ppf(u), rtol=1e-12, atol=1e-12)
    mean = Distribution(kind, args).ppf(np.random.default_rng(0).uniform(size=200000)).mean()
    assert mean == pytest.approx(Distribution(kind, args).mean, rel=0.01)


CACHE_PROBE = """
import json, numpy as np
from simulator.kernels import rng
rng.uniform(np.uint64(1), np.uint64(2), 3, 4)
s = rng.uniform.stats
print(json.dumps({"hits": sum(s.cache_hits.values()), "misses": sum(s.cache_misses.values())}))
"""


def test_a_cached_kernel_is_recompiled_when_layout_changes(tmp_path):
    """numba keys a cache entry by the kernel's own file; the kernels also read layout.py's integers
    as constants and inline rng.py, so an edit there must recompile them (a stale kernel read the
    wrong parameter rows).  On a copy of the package, in subprocesses with their own cache."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import simulator
    pkg = tmp_path / "pkg"
    shutil.copytree(Path(simulator.__file__).parent, pkg / "simulator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_DISABLE_JIT", "FUNDSIM_DISABLE_JIT")}
    env.update(NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(pkg))

    def probe():
        proc = subprocess.run([sys.executable, "-c", CACHE_PROBE], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert probe()["misses"] == 1       # compiled into the empty cache
    assert probe() == {"hits": 1, "misses": 0}  # loaded
    with open(pkg / "simulator" / "layout.py", "a") as f:
        f.write("\n# a new row would change the kernels' constants\n")
    assert probe()["misses"] == 1       # recompiled: layout.py changed, rng.py did not
    assert probe() == {"hits": 1, "misses": 0}
