"""The acceptance-case plugin (tests/acceptance_plugin.py) can fail: a wrong expected value fails with
one readable line, a malformed case is a collection error naming the file, the case and the key,
and a run shared by several cases runs once."""

from __future__ import annotations

import textwrap

import pytest

from tests import acceptance_plugin

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module", autouse=True)
def _imported():
    """Import everything a run imports, here: pytester's in-process runs drop the modules they import
    (each run would import simulator again, slowly, and numba's dispatchers twice)."""
    import simulator
    import simulator.results  # noqa: F401
    from ruamel.yaml import YAML

    simulator.run("baseline", paths=2, horizon=2, overrides=["employee.employer_rate=0.07"])
    # the plugin's safe loader: its modules imported inside an inner run would be dropped after it
    # and imported again by the next, and ruamel's parser then no longer knows its own tokens
    # ("expected the node content, but found '<block sequence start>'")
    YAML(typ="safe", pure=True).load("- a: 1\n")

CASE = """\
- name: {name}
  scenario: baseline
  paths: 5
  horizon: 2
  output: expenditure
  select: {{fund: resident, year: 2024}}
  statistic: mean
  expected: {expected}
  tolerance: {{relative: 0.01}}
  source: "NHSA 2024 bulletin: resident fund expenditure 10,661.49"
"""


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the inner runs need no hypothesis, xdist, zarr


def _run(pytester, files: dict):
    for name, text in files.items():
        path = pytester.path / "acceptance" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return pytester.runpytest("-p", "tests.acceptance_plugin", "acceptance")


def test_a_wrong_expected_value_fails_with_one_readable_line(pytester, monkeypatch):
    import simulator

    calls = []
    real = simulator.run
    monkeypatch.setattr(simulator, "run", lambda *a, **k: calls.append(a) or real(*a, **k))
    monkeypatch.setattr(acceptance_plugin, "_RUNS", {})
    text = CASE.format(name="right", expected=1066149000000) + CASE.format(name="wrong on purpose", expected=1.2e12)
    result = _run(pytester, {"cases.yaml": text})
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "acceptance/cases.yaml::wrong on purpose: expected 1.2e+12, got 1.06615e+12 (off by -1.34e+11; "
        "tolerance relative 0.01); mean of expenditure at {'fund': 'resident', 'year': 2024}; "
        "source: NHSA 2024 bulletin: resident fund expenditure 10,661.49"])
    assert "Traceback" not in result.stdout.str()
    assert len(calls) == 1  # both cases share one run


def test_a_coordinate_that_is_not_there_fails_readably(pytester):
    result = _run(pytester, {"cases.yaml": CASE.format(name="no such year", expected=1).replace("2024", "1990")})
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["acceptance/cases.yaml::no such year: could not compute it: KeyError*"])


BAD = [
    ("tolerence: {relative: 0.01}", "tolerance: {relative: 0.01}", "key 'tolerence': unknown key (did you mean 'tolerance'?)"),
    ('source: "NHSA 2024 bulletin: resident fund expenditure 10,661.49"', "", "key 'source': missing*"),
    ("output: reserve_month", "output: expenditure", "key 'output': unknown output 'reserve_month'*did you mean 'reserve_months'*"),
    ("statistic: average", "statistic: mean", "key 'statistic': unknown statistic 'average'*"),
    ("tolerance: {relative: -1}", "tolerance: {relative: 0.01}", "key 'tolerance': *non-negative*"),
    ("tolerance: 0.01", "tolerance: {relative: 0.01}", "key 'tolerance': *"),
    ("expected: about 10 thousand", "expected: 1", "key 'expected': 'about 10 thousand' is not a number"),
    ("select: {region: qingdao}", "select: {fund: resident, year: 2024}", "key 'select': *"),
]


@pytest.mark.parametrize("new, old, message", BAD, ids=[b[2].split(":")[0] for b in BAD])
def test_a_malformed_case_is_a_collection_error_naming_file_case_and_key(pytester, new, old, message):
    good = CASE.format(name="fine", expected=1)
    bad = CASE.format(name="broken", expected=1)
    bad = bad.replace(old, new) if old else bad.replace(new, "")
    result = _run(pytester, {"cases.yaml": good + bad})
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"acceptance/cases.yaml, case 2 ('broken'): {message}"])
    assert "Traceback" not in result.stdout.str()


def test_a_file_that_is_not_a_list_is_a_collection_error(pytester):
    result = _run(pytester, {"cases.yaml": "name: one case, not a list\n"})
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["acceptance/cases.yaml: an acceptance file is a list of cases*"])
