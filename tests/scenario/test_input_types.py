"""Types and values of the scenario language that must be refused with one clear message
(issue 14, items 4 and 9): a boolean is never a number, schedule years are calendar years, a
correlation matrix is square before NumPy sees it, a key is never null, and nesting that would
exhaust Python's recursion gives one line, never "internal error"."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.errors import EXIT_BAD_INPUT, ScenarioError
from simulator.scenario import load_scenario


def problem_of(overrides=(), source="baseline") -> str:
    with pytest.raises(ScenarioError) as e:
        load_scenario(source, list(overrides))
    return str(e.value)


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def cli_output(*args):
    res = CliRunner().invoke(cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    return res.exit_code, res.output


# ----------------------------------------------------------------------------- item 4: booleans


# (override, key path the message must name); every one of these is a boolean where a number is
# expected, or a number where a flag is expected
BOOL_FOR_NUMBER = [
    ("horizon=true", "horizon"),
    ("simulation.paths=true", "simulation.paths"),
    ("simulation.seed=false", "simulation.seed"),
    ("calibration.member_tolerance=true", "calibration.member_tolerance"),
    ("population.mortality.table_year=true", "population.mortality.table_year"),
    ("reform.drg_dip.start_year=true", "reform.drg_dip.start_year"),
    ("economy.correlation.matrix=[[true, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]", "economy.correlation.matrix[0][0]"),
    ("employee.employer_rate={2024: true, 2030: 0.07}", "employee.employer_rate"),
    ("employee.employer_rate={dist: normal, mean: 0.07, sd: true, cost_direction: increases_cost}", "employee.employer_rate"),
    ("membership.working_coverage={0-40: true, 41-100: 0.5}", "membership.working_coverage"),
    ("employee.employer_rate=true", "employee.employer_rate"),
]


@pytest.mark.parametrize("override, key", BOOL_FOR_NUMBER)
def test_a_boolean_is_not_a_number(override, key):
    msg = problem_of([override])
    assert f"--set: {key}:" in msg, msg
    assert "bool" in msg.lower(), msg


def test_a_number_is_not_a_flag():
    msg = problem_of(["reform.drg_dip.global_budget.enabled=1"])
    assert "reform.drg_dip.global_budget.enabled" in msg and "boolean" in msg and "number (1)" in msg


def test_horizon_true_in_a_file_exits_2(tmp_path):
    f = write(tmp_path / "h.yaml", """
        extends: baseline
        name: h
        horizon: true
        """)
    code, out = cli_output("run", str(f), "--paths", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out
    assert f"{f}:3: horizon:" in out and "boolean (True)" in out
    code, out = cli_output("run", "baseline", "--set", "horizon=true", "--paths", "1", "--quiet")
    assert code == EXIT_BAD_INPUT and "--set: horizon:" in out and "boolean" in out, out


# ----------------------------------------------------------------------------- item 9: years


@pytest.mark.parametrize("year, shown", [("-5", "-5"), ("1e20", "100000000000000000000"), ("1899", "1899"), ("2301", "2301")])
def test_schedule_years_are_calendar_years(year, shown):
    msg = problem_of([f"employee.employer_rate={{{year}: 0.06, 2030: 0.07}}"])
    assert "employee.employer_rate" in msg and f"schedule year {shown} is outside 1900-2300" in msg, msg


def test_a_fractional_schedule_year_names_the_range():
    msg = problem_of(["employee.employer_rate={2024.5: 0.06, 2030: 0.07}"])
    assert "schedule year 2024.5 is not an integer calendar year (1900-2300)" in msg


@pytest.mark.parametrize("key", ["population.mortality.table_year", "reform.drg_dip.start_year"])
def test_year_keys_are_calendar_years(key):
    msg = problem_of([f"{key}=-5"])
    assert key in msg and "1900" in msg, msg


# ----------------------------------------------------------------------------- item 9: matrices


@pytest.mark.parametrize("matrix, words", [
    ("[[1, 0, 0, 0], [0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]]", "row 2 has 3 entries, not 4"),
    ("[[1, 0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]", "row 1 has 5 entries, not 4"),
    ("[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]", "it has 3 rows"),
])
def test_ragged_correlation_matrix_is_one_clear_line(tmp_path, matrix, words):
    f = write(tmp_path / "ragged.yaml", f"""
        extends: baseline
        name: ragged
        economy:
          correlation:
            matrix: {matrix}
        """)
    code, out = cli_output("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out
    assert f"{f}:5: economy.correlation.matrix: matrix must be 4x4" in out and words in out, out
    assert "inhomogeneous" not in out and "sequence" not in out  # NumPy's own text does not leak
    assert len(out.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- item 9: null keys


@pytest.mark.parametrize("text, where", [
    ("employee:\n  : 0.07\n", "employee"),
    ("employee:\n  ~: 0.07\n", "employee"),
    ("employee:\n  employer_rate: {null: 0.07}\n", "employee.employer_rate"),
    ("null: 1\n", None),
])
def test_a_null_key_is_named_as_such(tmp_path, text, where):
    f = tmp_path / "nullkey.yaml"
    f.write_text("extends: baseline\nname: n\n" + text, encoding="utf-8")
    code, out = cli_output("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out
    assert "None" not in out, out
    assert "a key is empty or null" in out
    if where:
        assert f": {where}: a key is empty or null" in out, out


# ----------------------------------------------------------------------------- item 9: nesting


@pytest.mark.parametrize("kind", ["flow", "block", "set"])
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path, kind):
    depth = 5000 if kind != "block" else 1500  # 1,500 indented levels are 2 MB
    if kind == "set":
        code, out = cli_output("run", "baseline", "--set", "horizon=" + "[" * depth + "]" * depth, "--quiet")
    else:
        f = tmp_path / "deep.yaml"
        if kind == "flow":
            body = "employee: " + "[" * depth + "]" * depth + "\n"
        else:
            body = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v: 1\n"
        f.write_text("extends: baseline\nname: deep\n" + body, encoding="utf-8")
        code, out = cli_output("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out[:2000]
    assert "deeper than 50 levels" in out, out[:2000]
    assert "RecursionError" not in out and len(out) < 500


def test_recursive_alias_in_set_is_refused():
    msg = problem_of(["employee=&a {x: *a}"])
    assert "recursive alias" in msg and "--set: employee" in msg


def test_a_whole_number_may_carry_a_zero_fraction_but_not_more():
    # a swept range writes 10.0; that is still ten years, while 10.5 years and true are not
    assert load_scenario("baseline", ["horizon=10.0"]).scenario.horizon == 10
    assert "got a number (10.5)" in problem_of(["horizon=10.5"])
    assert "got text ('10')" in problem_of(["horizon='10'"])
