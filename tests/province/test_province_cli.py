"""``fundsim run PROVINCE`` (text, --json, --out), the province figure, and the installed example."""

import json

import pytest
from click.testing import CliRunner

from simulator.cli import cli

PROV = """province:
  name: p
  pooling: {mode: unified, unified_from: 2026}
  regions:
    - {name: a, scenario: qingyuan}
    - {name: b, scenario: qingdao, joins_unified_pool: 2028}
"""


@pytest.fixture(scope="module")
def province_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prov") / "p.yaml"
    path.write_text(PROV, encoding="utf-8")
    return path


def test_run_text_json_and_file(province_file, tmp_path):
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "8", "--horizon", "6"])
    assert r.exit_code == 0, r.output
    assert "pooling unified" in r.output and "P(any region exhausted" in r.output and "unified pool balance" in r.output
    assert "pooled" in r.output  # region a keeps no balance of its own once in the pool
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "8", "--horizon", "6", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["pooling_mode"] == "unified" and set(d["regions"]) == {"a", "b", "province"}
    assert d["regions"]["a"]["employee_pooled"]["reserve_months_median"][2] is None  # in the pool from 2026
    assert d["regions"]["b"]["employee_pooled"]["reserve_months_median"][3] is not None  # joins in 2028
    out = tmp_path / "p.nc"
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "8", "--horizon", "6", "-q", "--out", str(out)])
    assert r.exit_code == 0 and out.exists(), r.output
    png = tmp_path / "r.png"
    r = CliRunner().invoke(cli, ["plot", str(out), "--kind", "regions", "--fund", "resident", "-o", str(png)])
    assert r.exit_code == 0 and png.stat().st_size > 10_000, r.output
    r = CliRunner().invoke(cli, ["plot", str(out), "--kind", "fan", "-o", str(tmp_path / "f.png")])
    assert r.exit_code == 2 and "--kind regions" in r.output
    html = tmp_path / "r.html"
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(html)])
    assert r.exit_code == 0, r.output
    text = html.read_text(encoding="utf-8")
    assert "province p" in text and "Any region exhausted" in text and text.count("<img") == 2
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(tmp_path / "z.html"), "--lang", "zh"])
    assert r.exit_code == 2 and "English only" in r.output


def test_province_override_and_bad_override(province_file):
    r = CliRunner().invoke(cli, ["run", str(province_file), "--set", "province.regions[1].joins_unified_pool=null", "--paths", "4", "--horizon", "3", "--json",
                                 "--set", "province.pooling={mode: separate}"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["pooling_mode"] == "separate"
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "4", "--horizon", "3",
                                 "--set", "province.pooling.mode=pooled"])
    assert r.exit_code == 2 and "province.pooling.mode" in r.output and "Traceback" not in r.output


def test_installed_example_runs_in_every_mode():
    for pooling in ("{mode: separate}", "{mode: adjustment_fund, share: 0.03, min_months: 3}",
                    "{mode: unified, unified_from: 2027}"):
        r = CliRunner().invoke(cli, ["run", "example_province", "--paths", "6", "--horizon", "5", "--json",
                                     "--set", f"province.pooling={pooling}"])
        assert r.exit_code == 0, r.output
        d = json.loads(r.output)
        assert len(d["regions"]) == 4 and "province" in d["regions"]
    r = CliRunner().invoke(cli, ["scenarios"])
    assert "example_province" in r.output and "pooling adjustment_fund" in r.output


def test_core_variables_keep_what_the_province_summary_needs(province_file):
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "4", "--horizon", "6", "--variables", "core"])
    assert r.exit_code == 0, r.output
    assert "P(any region exhausted" in r.output


def test_summary_and_export_of_a_province_results_file(province_file, tmp_path):
    """fundsim summary prints what fundsim run printed; fundsim export writes each region's rows
    with a region column (and the any-region probability as region 'province')."""
    import pandas as pd
    out = tmp_path / "p.nc"
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "8", "--horizon", "6", "-q", "--out", str(out)])
    assert r.exit_code == 0, r.output
    printed = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "8", "--horizon", "6"]).output
    r = CliRunner().invoke(cli, ["summary", str(out)])
    assert r.exit_code == 0, r.output
    assert r.output.strip() in printed
    r = CliRunner().invoke(cli, ["summary", str(out), "--json"])
    assert r.exit_code == 0 and set(json.loads(r.output)["regions"]) == {"a", "b", "province"}, r.output
    r = CliRunner().invoke(cli, ["export", str(out), "-o", str(tmp_path / "t.csv"), "--all-paths", "--variables", "balance"])
    assert r.exit_code == 0, r.output
    summary = pd.read_csv(tmp_path / "t_summary.csv", encoding="utf-8-sig")
    assert list(summary.columns[:2]) == ["region", "fund"] and set(summary["region"]) == {"a", "b", "province"}
    median = summary.query("region == 'b' and fund == 'employee_pooled' and variable == 'reserve_months' "
                           "and statistic == 'p50' and year == 2027")["value"]
    assert len(median) == 1 and median.notna().all()  # b keeps its books until it joins in 2028
    a_in_pool = summary.query("region == 'a' and fund == 'employee_pooled' and variable == 'reserve_months' "
                              "and statistic == 'p50' and year == 2027")["value"]
    assert a_in_pool.isna().all()  # a is in the unified pool from 2026: no books of its own
    assert (summary["variable"] == "any_region_exhausted_probability_by_year").any()
    paths = pd.read_csv(tmp_path / "t_paths.csv", encoding="utf-8-sig")
    assert set(paths["region"]) == {"a", "b", "province"} and len(paths) == 3 * 8 * 7 * 3  # entries x paths x years x funds
    events = pd.read_csv(tmp_path / "t_events.csv", encoding="utf-8-sig")
    assert events.columns[0] == "region"


def test_named_sets_are_said_not_run_for_a_province(province_file):
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "4", "--horizon", "5"])
    assert r.exit_code == 0 and "named deterministic sets are run for a scenario" in r.output, r.output
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "4", "--horizon", "5", "--named-sets"])
    assert r.exit_code == 2 and "--named-sets" in r.output, r.output
    r = CliRunner().invoke(cli, ["run", str(province_file), "--paths", "4", "--horizon", "5", "--no-named-sets"])
    assert r.exit_code == 0 and "named deterministic" not in r.output, r.output


@pytest.mark.parametrize("command", [["show"], ["compare", "qingdao"], ["attribute"], ["uncertainty"]])
def test_a_command_for_one_scenario_says_a_province_is_not_one(province_file, command):
    for source in ("example_province", str(province_file)):
        argv = [command[0], source] + command[1:]
        r = CliRunner().invoke(cli, argv)
        assert r.exit_code == 2 and "is a province file" in r.output and "region's scenario" in r.output, (argv, r.output)
