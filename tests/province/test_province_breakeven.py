"""The adjustment-fund share that keeps P(any region exhausted by a year) at most a target
(issue 18): the pooling ledger re-run on stored projections, and the command line."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.province.solve import breakeven_share


@pytest.fixture()
def weak_and_strong(tmp_path):
    (tmp_path / "weak.yaml").write_text("extends: qingyuan\nname: weak\nemployee:\n  employer_rate: {2024: 0.0683, 2026: 0.04}\n",
                                        encoding="utf-8")
    path = tmp_path / "prov.yaml"
    path.write_text("province:\n  name: p\n  pooling: {mode: adjustment_fund, share: 0.03, min_months: 3}\n"
                    "  regions:\n    - {name: strong, scenario: qingyuan}\n    - {name: weak, scenario: weak.yaml}\n",
                    encoding="utf-8")
    return path


def test_share_meets_the_target_and_a_smaller_one_does_not(weak_and_strong):
    r = breakeven_share(weak_and_strong, target=0.2, by_year=2040, paths=60, seed=3, horizon=16)
    assert r.probability_without > 0.2, r.scan  # the weak city runs dry on its own
    assert r.share is not None and 0 < r.share < 0.2, r.scan
    assert r.probability <= 0.2
    from simulator.province.run import prepare_province
    # just below the solution the target fails (bisection to 1e-4)
    below = breakeven_share(weak_and_strong, target=0.2, by_year=2040, paths=60, seed=3, horizon=16, step=r.share - 2e-4,
                            max_share=r.share - 2e-4)
    assert below.share is None and below.scan[-1][1] > 0.2
    assert prepare_province(weak_and_strong, paths=2, horizon=2).share.tolist() == [0.03, 0.03]


def test_no_levy_needed_gives_zero(weak_and_strong):
    r = breakeven_share(weak_and_strong, target=1.0, by_year=2030, paths=20, seed=3, horizon=8)
    assert r.share == 0.0 and r.probability == r.probability_without


def test_cli_breakeven_of_a_province(weak_and_strong):
    res = CliRunner().invoke(cli, ["breakeven", str(weak_and_strong), "--paths", "40", "--horizon", "16", "--by", "2040",
                                   "--probability", "0.8", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)  # warnings go to standard error (weak.yaml's rate has no source)
    assert d["by_year"] == 2040 and abs(d["target"] - 0.2) < 1e-12 and d["fund"] == "employee_pooled"
    res = CliRunner().invoke(cli, ["breakeven", str(weak_and_strong), "--paths", "4", "--horizon", "5", "--by", "2040"])
    assert res.exit_code == 2 and "--by" in res.output and "Traceback" not in res.output


def test_scenario_lever_options_are_refused_for_a_province(weak_and_strong):
    res = CliRunner().invoke(cli, ["breakeven", str(weak_and_strong), "--paths", "4", "--target-months", "6"])
    assert res.exit_code == 2 and "--target-months" in res.output and "adjustment-fund share" in res.output


def test_a_probability_on_the_target_meets_it_and_the_file_is_respected(weak_and_strong, tmp_path):
    """1 - 0.8 is 0.19999999999999996 in binary: a share of paths of exactly 0.2 meets the target;
    an explicit min_months of 0 is kept; unified pooling is refused; the replaced settings are said."""
    kw = dict(by_year=2040, paths=60, seed=3, horizon=16)
    exact = breakeven_share(weak_and_strong, target=0.2, **kw)
    binary = breakeven_share(weak_and_strong, target=1 - 0.8, **kw)
    assert binary.share == exact.share and binary.probability == exact.probability
    zero = breakeven_share(weak_and_strong, target=0.2, overrides=["province.pooling.min_months=0"], **kw)
    assert zero.min_months == 0.0
    assert breakeven_share(weak_and_strong, target=0.2, **kw).min_months == 3.0
    sep = breakeven_share(weak_and_strong, target=0.2, overrides=["province.pooling={mode: separate}"], **kw)
    assert "separate books replaced" in sep.format()
    from simulator.limits import OptionError
    with pytest.raises(OptionError, match="unified"):
        breakeven_share(weak_and_strong, overrides=["province.pooling={mode: unified}"], **kw)


def test_province_options_are_refused_for_a_scenario():
    r = CliRunner().invoke(cli, ["breakeven", "qingyuan", "-n", "4", "--horizon", "3", "--by", "2026"])
    assert r.exit_code == 2 and "--by" in r.output and "province file" in r.output, r.output
