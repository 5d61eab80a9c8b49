"""Malformed scenarios, generated: every one must give exit code 2 and one clean message naming
the file and the key path (or line), never a traceback (issue 8, item 1).

Each case is a small scenario file that extends the built-in baseline and breaks one thing (so
the baseline's parse is cached and a case costs milliseconds), or a whole file that is broken as
YAML. Over 1,000 cases run in CI.
"""

import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import cli

N_CASES = int(os.environ.get("FUNDSIM_MALFORMED_CASES", "1100"))

# (key path, a YAML value that is invalid there, a word the message must contain)
RATE_KEYS = ["employee.employer_rate", "employee.employee_rate", "employee.compliance", "accounts.employer_share",
             "membership.flexible_share", "membership.buyback_share", "reform.drg_dip.coverage",
             "reform.procurement.price_cut", "reform.fraud.leakage", "epidemic.probability",
             "maternity.allowance_share", "critical_illness.premium_share", "long_term_care.carve_out_share"]
NONNEG_KEYS = ["resident.premium", "resident.subsidy", "accounts.retiree_quota", "maternity.birth_cost",
               "economy.base_wage", "population.mortality.kappa_sd", "economy.drivers.wage_growth.sd",
               "reported.base_year.employee_pooled.income", "reported.base_year.members.retirees"]
PROFILE_KEYS = ["membership.working_coverage", "membership.participation", "economy.wage_age_relativity",
                "membership.retiree_profile"]
SECTIONS = ["population", "membership", "economy", "employee", "accounts", "resident", "expenditure",
            "maternity", "reported", "simulation", "reform", "epidemic", "policy"]


def nest(path, value_text):
    """YAML text setting ``path`` to ``value_text`` in a child of baseline."""
    keys = path.split(".")
    lines = ["extends: baseline", "name: broken"]
    for depth, k in enumerate(keys[:-1]):
        lines.append("  " * depth + f"{k}:")
    lines.append("  " * (len(keys) - 1) + f"{keys[-1]}: {value_text}")
    return "\n".join(lines) + "\n"


@st.composite
def case(draw):
    kind = draw(st.sampled_from([
        "rate_above_1", "negative", "nan", "string_for_number", "bool_for_number", "list_for_number", "null",
        "unknown_key", "unknown_section", "unknown_dist", "dist_missing_arg", "dist_no_direction",
        "schedule_unsorted", "schedule_non_integer_year", "band_overlap", "band_gap", "band_bad_key",
        "profile_by_one_sex", "non_psd", "corr_not_symmetric", "corr_wrong_shape", "empty", "invalid_yaml",
        "duplicate_key", "extends_missing", "top_level_list", "wrong_type_section", "bad_line_shares",
        "paths_zero", "horizon_string", "unknown_driver", "disease_share_sum", "duplicate_disease",
    ]))
    if kind == "rate_above_1":
        key = draw(st.sampled_from(RATE_KEYS))
        v = draw(st.floats(min_value=1.0001, max_value=1e6, allow_nan=False))
        return nest(key, repr(v)), [key, "above"]
    if kind == "negative":
        key = draw(st.sampled_from(RATE_KEYS + NONNEG_KEYS))
        v = draw(st.floats(min_value=-1e9, max_value=-1e-9))
        return nest(key, repr(v)), [key, "below"]
    if kind == "nan":
        key = draw(st.sampled_from(RATE_KEYS + NONNEG_KEYS))
        return nest(key, draw(st.sampled_from([".nan", ".inf", "-.inf"]))), [key, "finite"]
    if kind == "string_for_number":
        key = draw(st.sampled_from(RATE_KEYS + NONNEG_KEYS))
        word = draw(st.sampled_from(["abc", "seven", "'0.07'", "6%", "null value", "x1"]))
        return nest(key, word), [key]
    if kind == "bool_for_number":
        key = draw(st.sampled_from(RATE_KEYS + NONNEG_KEYS))
        return nest(key, draw(st.sampled_from(["true", "false"]))), [key, "number"]
    if kind == "list_for_number":
        key = draw(st.sampled_from(RATE_KEYS))
        return nest(key, "[0.1, 0.2]"), [key]
    if kind == "null":  # keys with no optional meaning (null clears an optional value, which is valid)
        key = draw(st.sampled_from([k for k in RATE_KEYS + NONNEG_KEYS if k != "critical_illness.premium_share"]))
        return nest(key, "null"), [key]
    if kind == "unknown_key":
        sec = draw(st.sampled_from(["employee", "resident", "accounts", "maternity", "simulation"]))
        word = draw(st.from_regex(r"[a-z]{3,8}_x", fullmatch=True))
        return nest(f"{sec}.{word}", "1"), [f"{sec}.{word}", "unknown key"]
    if kind == "unknown_section":
        word = draw(st.from_regex(r"[a-z]{4,9}s", fullmatch=True))
        return nest(word, "{a: 1}"), [word, "unknown key"]
    if kind == "unknown_dist":
        key = draw(st.sampled_from(RATE_KEYS))
        d = draw(st.sampled_from(["gamma", "poisson", "Normal", "weibull"]))
        return nest(key, f"{{dist: {d}, mean: 0.1, sd: 0.01, cost_direction: increases_cost}}"), [key, "unknown distribution"]
    if kind == "dist_missing_arg":
        key = draw(st.sampled_from(RATE_KEYS))
        return nest(key, "{dist: normal, mean: 0.1, cost_direction: increases_cost}"), [key, "needs 'sd'"]
    if kind == "dist_no_direction":
        key = draw(st.sampled_from(RATE_KEYS))
        return nest(key, "{dist: uniform, low: 0.1, high: 0.2}"), [key, "cost_direction"]
    if kind == "schedule_unsorted":
        key = draw(st.sampled_from(RATE_KEYS))
        a = draw(st.integers(2030, 2060))
        b = draw(st.integers(2000, a - 1))
        return nest(key, f"{{{a}: 0.1, {b}: 0.2}}"), [key, "increasing"]
    if kind == "schedule_non_integer_year":
        key = draw(st.sampled_from(RATE_KEYS))
        y = draw(st.sampled_from(["2030.5", "'20x0'", "year2030"]))
        return nest(key, f"{{2025: 0.1, {y}: 0.2}}"), [key]
    if kind in ("band_overlap", "band_gap", "band_bad_key"):
        key = draw(st.sampled_from(PROFILE_KEYS))
        text = {"band_overlap": "{0-40: 0.5, 30-100: 0.5}", "band_gap": "{0-40: 0.5, 45-100: 0.5}",
                "band_bad_key": "{0-40: 0.5, forty-100: 0.5}"}[kind]
        return nest(key, text), [key]
    if kind == "profile_by_one_sex":
        key = draw(st.sampled_from(PROFILE_KEYS))
        return nest(key, "{male: 0.5}"), [key, "female"]
    if kind == "non_psd":
        r = draw(st.floats(min_value=0.75, max_value=0.99))
        m = f"[[1, {r}, {r}, 0], [{r}, 1, {-r}, 0], [{r}, {-r}, 1, 0], [0, 0, 0, 1]]"
        return nest("economy.correlation.matrix", m), ["economy.correlation", "positive semi-definite"]
    if kind == "corr_not_symmetric":
        return nest("economy.correlation.matrix", "[[1, 0.2, 0, 0], [0.1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]"), ["economy.correlation", "symmetric"]
    if kind == "corr_wrong_shape":
        return nest("economy.correlation.matrix", "[[1, 0], [0, 1]]"), ["economy.correlation"]
    if kind == "empty":
        return draw(st.sampled_from(["", "\n", "# only a comment\n", "   \n\n"])), ["empty"]
    if kind == "invalid_yaml":
        text = draw(st.sampled_from(["extends: baseline\nname: [x\n", "a: b: c\n", "extends: baseline\n  name: x\n bad: 1\n",
                                     "key: 'unterminated\n", "- a\nb: 1\n", "extends: baseline\nname: x\n\t- 1\n"]))
        return text, ["yaml"]
    if kind == "duplicate_key":
        sec = draw(st.sampled_from(["employee", "simulation", "resident"]))
        inner = {"employee": "employer_rate: 0.07", "simulation": "paths: 10", "resident": "premium: 400"}[sec]
        return f"extends: baseline\nname: x\n{sec}:\n  {inner}\n  {inner}\n", ["duplicate"]
    if kind == "extends_missing":
        word = draw(st.from_regex(r"[a-z]{5,10}", fullmatch=True))
        return f"extends: {word}_missing.yaml\nname: x\n", [f"{word}_missing.yaml"]
    if kind == "top_level_list":
        return "- extends: baseline\n- name: x\n", ["mapping"]
    if kind == "wrong_type_section":
        sec = draw(st.sampled_from(SECTIONS))
        return nest(sec, draw(st.sampled_from(["5", "'text'", "[1, 2]", "true"]))), [sec]
    if kind == "bad_line_shares":
        v = draw(st.floats(min_value=0.0, max_value=0.5))
        return nest("expenditure.line_shares.employee.inpatient", repr(v)), ["expenditure.line_shares", "sum"]
    if kind == "paths_zero":
        v = draw(st.integers(-1000, 0))
        return nest("simulation.paths", str(v)), ["simulation.paths"]
    if kind == "horizon_string":
        return nest("horizon", draw(st.sampled_from(["forty", "'40 years'", "[40]", "0", "500"]))), ["horizon"]
    if kind == "unknown_driver":
        return nest("economy.drivers.wage_grwth", "{mean: 0.04}"), ["economy.drivers.wage_grwth", "did you mean"]
    if kind == "disease_share_sum":
        return nest("expenditure.disease_groups", "[{name: a, share: {inpatient: 0.7}}, {name: b, share: {inpatient: 0.6}}]"), ["expenditure", "sum to more than 1"]
    if kind == "duplicate_disease":
        return nest("expenditure.disease_groups", "[{name: a, share: {inpatient: 0.1}}, {name: a, share: {inpatient: 0.1}}]"), ["expenditure", "unique"]
    raise AssertionError(kind)


@pytest.mark.slow
@settings(max_examples=N_CASES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case())
def test_malformed_scenarios_exit_2_with_a_clean_message(tmp_path_factory, case):
    text, needles = case
    folder = tmp_path_factory.mktemp("m", numbered=True)
    f = folder / "bad_scenario.yaml"
    f.write_text(text)
    # the file's own paths/horizon are under test in some cases: do not override them there
    args = ["--quiet"] if any(n in ("simulation.paths", "horizon") for n in needles) else ["--paths", "1", "--horizon", "1", "--quiet"]
    res = CliRunner().invoke(cli, ["run", str(f), *args])
    out = res.output
    assert res.exit_code == 2, (text, out)
    assert "Traceback" not in out and res.exception is None or isinstance(res.exception, SystemExit), (text, out)
    assert "bad_scenario.yaml" in out or "_missing.yaml" in out, (text, out)
    for n in needles:
        assert n.lower() in out.lower(), (n, text, out)
    assert len(out) < 4000  # one paragraph, not a dump


def test_extends_cycle_is_reported(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\nname: a\n")
    b.write_text("extends: a.yaml\nname: b\n")
    res = CliRunner().invoke(cli, ["run", str(a), "--paths", "1"])
    assert res.exit_code == 2 and "cycle" in res.output.lower() and "a.yaml" in res.output
