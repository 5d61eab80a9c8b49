"""Unit mistakes stop the run (issue 14, item 10).

Calibration absorbs a wrong unit: actives given in 万人 are met by shrinking the working
coverage, flows in 亿元 by a tiny cost per member, a 70% employer rate by fitting the contribution
base ratio to 0.1.  Each mistake must exit 2 with a message that names the value, its plausible
range and the likely mistake; with ``calibration.allow_implausible: true`` the scenario runs.
The expected values are derived from the shipped baseline, never written in.
"""

from __future__ import annotations

import glob
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.api import prepare, run
from simulator.cli import cli
from simulator.compile import PLAUSIBLE
from simulator.errors import EXIT_BAD_INPUT, ImplausibleInputError, ScenarioError
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
ALLOW = "calibration.allow_implausible=true"


@pytest.fixture(scope="module")
def rep():
    return load_scenario("baseline").scenario.reported


def _fund_in(rep, fund, unit):
    """Overrides giving one fund's base-year figures (and maternity, paid by the pooled fund) in ``unit`` yuan."""
    f = getattr(rep.base_year, fund)
    out = [f"reported.base_year.{fund}.{m}={getattr(f, m).central / unit!r}" for m in ("income", "expenditure", "balance")]
    if fund == "employee_pooled":
        out.append(f"reported.base_year.maternity={rep.base_year.maternity.central / unit!r}")
    return out


def mistakes(rep):
    """name -> (overrides, key path named, words the message must contain)"""
    m = rep.base_year.members
    return {
        "actives in 万人": ([f"reported.base_year.members.active={m.active.central / 1e4!r}",
                            f"reported.previous_year.members.active={rep.previous_year.members.active.central / 1e4!r}"],
                           "reported.base_year.members.active", ["万人", "the model needs persons", "0.005-1"]),
        "retirees in 万人": ([f"reported.base_year.members.retirees={m.retirees.central / 1e4!r}"],
                            "reported.base_year.members.retirees", ["万人", "persons"]),
        "pooled fund in 亿元": (_fund_in(rep, "employee_pooled", 1e8), "reported.base_year.employee_pooled.income",
                              ["亿元", "the model needs yuan", "100-100000"]),
        "pooled fund in 万元": (_fund_in(rep, "employee_pooled", 1e4), "reported.base_year.employee_pooled.expenditure",
                              ["万元", "the model needs yuan"]),
        "employer rate 0.7": (["employee.employer_rate=0.7"], "employee.employer_rate", ["0.7", "7% is written 0.07"]),
        "employer rate 0.7, base ratio given": (["employee.employer_rate=0.7", "employee.base_ratio=0.84"],
                                                "employee.employer_rate", ["7% is written 0.07"]),
        "rates that make beta implausible": (["employee.employer_rate=0.19", "employee.employee_rate=0.05"],
                                             "employee.base_ratio", ["β", "0.4-1.5", "60% floor", "contribution rates too high"]),
        "premium in 万元": ([f"resident.premium={400 / 1e4!r}"], "resident.other_income_factor", ["ϑ", "0.5-2", "premium or subsidy too low", "premium 0.04"]),
        "maternity in 亿元": ([f"reported.base_year.maternity={rep.base_year.maternity.central / 1e8!r}"],
                            "reported.base_year.maternity", ["maternity scale", "亿元"]),
        "population in thousands": (["population.base={table: china_population_2024, total: 1419321}"],
                                    "reported.base_year.members",
                                    ["per person of population.base", "thousands", "0.5-1.5"]),
        "resident balance in 亿元": ([f"reported.base_year.resident.balance={rep.base_year.resident.balance.central / 1e8!r}"],
                                   "reported.base_year.resident.balance", ["years of the expenditure", "亿元"]),
        "monthly wage": ([f"economy.base_wage={load_scenario('baseline').scenario.economy.base_wage.central / 12!r}"],
                         "economy.base_wage", ["monthly wage", "yuan a year"]),
    }


CASES = ["actives in 万人", "retirees in 万人", "pooled fund in 亿元", "pooled fund in 万元", "employer rate 0.7",
         "employer rate 0.7, base ratio given", "rates that make beta implausible", "premium in 万元", "maternity in 亿元",
         "population in thousands", "resident balance in 亿元", "monthly wage"]
# these run when allowed (the others also break a hard calibration condition, e.g. an account spend share below 0)
RUN_WHEN_ALLOWED = ["actives in 万人", "pooled fund in 亿元", "employer rate 0.7", "rates that make beta implausible",
                    "premium in 万元", "maternity in 亿元", "resident balance in 亿元", "monthly wage"]


@pytest.mark.parametrize("name", CASES)
def test_a_unit_mistake_stops_the_run(rep, name):
    overrides, key, words = mistakes(rep)[name]
    with pytest.raises(ImplausibleInputError) as e:
        prepare("baseline", paths=1, overrides=overrides)
    msg = str(e.value)
    assert msg.startswith("implausible scenario (set calibration.allow_implausible: true to run it anyway)")
    assert f": {key}:" in msg, msg
    assert "outside the plausible range" in msg
    for w in words:
        assert w in msg, (w, msg)
    assert e.value.exit_code == EXIT_BAD_INPUT


@pytest.mark.parametrize("name", RUN_WHEN_ALLOWED)
def test_allow_implausible_runs_it_with_a_warning(rep, name):
    overrides, key, _ = mistakes(rep)[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = run("baseline", paths=1, horizon=2, overrides=overrides + [ALLOW], use_reference=True)
    assert np.isfinite(ds["balance"].values).all()
    shown = [str(w.message) for w in caught]
    assert any("implausible input allowed" in w and key in w for w in shown), shown


def test_the_cli_exits_2_and_names_the_mistake(tmp_path, rep):
    f = tmp_path / "wan.yaml"
    f.write_text(textwrap.dedent(f"""\
        extends: baseline
        name: wan
        reported:
          base_year:
            members:
              active: {rep.base_year.members.active.central / 1e4:.0f}
        """), encoding="utf-8")
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "1", "--horizon", "1", "--quiet"])
    assert res.exit_code == EXIT_BAD_INPUT, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert f"{f}: reported.base_year.members.active:" in res.output and "万人 (10,000 persons)" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_allow_implausible_is_a_documented_flag():
    msg = ""
    with pytest.raises(ScenarioError) as e:
        load_scenario("baseline", ["calibration.allow_implausible=1"])
    msg = str(e.value)
    assert "calibration.allow_implausible" in msg and "boolean" in msg
    page = (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8")
    assert "`calibration.allow_implausible`" in page and "## Plausibility checks" in page
    for name in PLAUSIBLE:
        assert f"| {name} |" in page


def test_a_percentage_given_for_a_rate_says_so():
    for key, v in (("employee.employer_rate", 7), ("employee.employee_rate", 2), ("reform.drg_dip.coverage", 70),
                   ("economy.drivers.wage_growth.mean", 4)):
        with pytest.raises(ScenarioError) as e:
            load_scenario("baseline", [f"{key}={v}"])
        assert f"{key}: value {v} is above the allowed maximum" in str(e.value)
        assert f"is {v} a percentage? write {v / 100:g}" in str(e.value), str(e.value)


@pytest.mark.parametrize("path", ["baseline"] + sorted(f for f in glob.glob(str(ROOT / "simulator" / "scenarios" / "*.yaml"))
                                                   if Path(f).stem != "baseline"),
                         ids=lambda p: Path(p).stem)
def test_every_shipped_scenario_is_plausible(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, compiled = prepare(path, paths=1)
    cal = compiled.calibration
    assert "implausible_allowed" not in cal
    # every fitted factor the calibration reports has a plausible range, and lies inside it
    for name in ("working_coverage_scale", "participation_scale", "retiree_stock_scale", "cost_scale_employee",
                 "cost_scale_resident", "maternity_scale", "employee.base_ratio", "resident.other_income_factor",
                 "accounts.spend_share_balance"):
        r = PLAUSIBLE[name]
        assert r.lo <= cal[name] <= r.hi, (name, cal[name])


def test_every_range_has_a_reason():
    for name, r in PLAUSIBLE.items():
        assert r.lo < r.hi and len(r.reason) > 20 and r.what, name
        assert r.low or r.lo <= 0, name  # a lower bound comes with the mistake it catches
        assert r.high, name
