"""A province file's errors: one message naming the file, the key path and the problem, exit 2 on
the command line (never a traceback); and what is refused rather than ignored."""

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.errors import ScenarioError
from simulator.province import is_province, load_province, prepare_province


def _write(tmp_path, text, name="prov.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """province:
  name: p
  pooling: {mode: adjustment_fund, share: 0.03, min_months: 3}
  regions:
    - {name: a, scenario: qingyuan}
"""


TWO = GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n")


@pytest.mark.parametrize("text, key, words", [
    (GOOD.replace("share: 0.03", "share: 3"), "province.pooling.share", "less than or equal to 1"),
    (GOOD.replace("min_months: 3", "min_month: 3"), "province.pooling.min_month", "unknown key"),
    (GOOD.replace("adjustment_fund, share: 0.03, min_months: 3", "unified, share: 0.03"), "province.pooling",
     "belong to mode adjustment_fund"),
    (GOOD.replace("adjustment_fund", "pooled"), "province.pooling.mode", "separate"),
    (GOOD + "    - {name: a, scenario: qingdao}\n", "province", "repeated: a"),
    (GOOD.replace("name: a,", "name: province,"), "province.regions.0.name", "province's own entry"),
    # out-of-region care (section 17): names, fractions and ratios checked, unit slips named
    (GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n") + "  out_of_region_care: {a: {c: {share: 0.04}}}\n", "province.out_of_region_care.a.c", "'c' is not a region"),
    (GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n") + "  out_of_region_care: {a: {a: {share: 0.04}}}\n", "province.out_of_region_care.a.a", "sends care to itself"),
    (TWO + "  out_of_region_care: {c: {a: {share: 0.04}}}\n", "province.out_of_region_care.c", "'c' is not a region"),
    (TWO + "  out_of_region_care: {a: {b: {share: 0.6}}, b: {}}\n", "province.out_of_region_care.b", "names no host region"),
    (TWO + "    - {name: c, scenario: qingyuan}\n  out_of_region_care:\n    a:\n      b: {share: 0.6}\n      c: {share: 0.5}\n",
     "prov.yaml:9: province.out_of_region_care.a",
     "add up to 1.1"),
    (TWO + "  out_of_region_care: {a: {b: {share: 0.04, price_factor: .inf}}}\n", "province.out_of_region_care.a.b.price_factor",
     "a finite ratio"),
    (GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n") + "  out_of_region_care: {a: {b: {share: 4}}}\n", "province.out_of_region_care.a.b.share",
     "looks like a percentage: 0.04 for 4%"),
    (GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n") + "  out_of_region_care: {a: {b: {share: 0.04, price_factor: 20}}}\n",
     "province.out_of_region_care.a.b.price_factor", "20% is 1.2"),
    (GOOD.replace("    - {name: a, scenario: qingyuan}\n", "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qingdao}\n") + "  out_of_region_care: {a: {b: {share: 0.04, price: 1.2}}}\n", "province.out_of_region_care.a.b.price",
     "unknown key"),
    (GOOD.replace("  regions:\n    - {name: a, scenario: qingyuan}\n", "  regions: []\n"), "province.regions", "at least 1"),
])
def test_bad_province_files_say_where(tmp_path, text, key, words):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        load_province(path)
    msg = str(e.value)
    assert str(path) in msg and key in msg and words in msg, msg


def test_an_override_is_blamed_on_the_command_line_not_the_file(tmp_path):
    path = _write(tmp_path, TWO + "  out_of_region_care: {a: {b: {share: 0.04}}}\n")
    for override, key in (("province.out_of_region_care={a: {b: {share: 0.04, price_factor: .inf}}}", "a.b.price_factor"),
                          ("province.out_of_region_care.a.b.share=7", "a.b.share"),
                          ("province.out_of_region_care.a.c.share=0.1", "a.c")):
        with pytest.raises(ScenarioError) as e:
            load_province(path, [override])
        msg = str(e.value)
        assert f"--set: province.out_of_region_care.{key}" in msg and "prov.yaml:" not in msg, msg


def test_missing_scenario_names_the_region(tmp_path):
    path = _write(tmp_path, GOOD.replace("scenario: qingyuan", "scenario: cities/nowhere.yaml"))
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=2)
    msg = str(e.value)
    assert "province.regions[0].scenario" in msg and "nowhere.yaml" in msg and "not found" in msg, msg


def test_rate_trigger_is_refused_when_regions_pool(tmp_path):
    path = _write(tmp_path, GOOD.replace("scenario: qingyuan", "scenario: rate_trigger"))
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=2)
    assert "rate trigger" in str(e.value) and "province.pooling.mode" in str(e.value)


def test_local_key_that_is_not_uncertain(tmp_path):
    path = _write(tmp_path, GOOD + "  local: [economy.no_such_value]\n")
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=2)
    assert "province.local[0]" in str(e.value) and "not an uncertain value" in str(e.value)


def test_relative_scenario_paths_resolve_against_the_province_file(tmp_path):
    (tmp_path / "cities").mkdir()
    _write(tmp_path / "cities", "extends: baseline\nname: c1\n", "c1.yaml")
    path = _write(tmp_path, GOOD.replace("scenario: qingyuan", "scenario: cities/c1.yaml"))
    assert is_province(path) and not is_province(tmp_path / "cities" / "c1.yaml")
    prep = prepare_province(path, paths=2, horizon=2)
    assert prep.compiled[0].scenario.name == "c1"


def test_cli_errors_exit_2_without_traceback(tmp_path):
    path = _write(tmp_path, GOOD.replace("share: 0.03", "share: -1"))
    res = CliRunner().invoke(cli, ["run", str(path), "--paths", "2"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "province.pooling.share" in res.output


@pytest.mark.parametrize("extra, words", [
    ("  pooling: {mode: unified, unified_from: 2099}\n", "after the last projected year"),
    ("  pooling: {mode: unified, unified_from: 2030}\n", "before the pool starts"),
])
def test_unified_join_years_that_cannot_be(tmp_path, extra, words):
    text = ("province:\n  name: p\n" + extra + "  regions:\n    - {name: a, scenario: qingyuan}\n"
            "    - {name: b, scenario: qingdao, joins_unified_pool: 2027}\n")
    if "2099" in extra:
        text = text.replace(", joins_unified_pool: 2027", "")
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=10)
    assert words in str(e.value), str(e.value)


def test_unified_members_must_share_one_backstop(tmp_path):
    _write(tmp_path, "extends: qingyuan\nname: qb\npolicy:\n  fiscal_backstop: {enabled: true}\n", "qb.yaml")
    path = _write(tmp_path, "province:\n  name: p\n  pooling: {mode: unified}\n  regions:\n"
                            "    - {name: a, scenario: qingyuan}\n    - {name: b, scenario: qb.yaml}\n")
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=3)
    assert "fiscal backstops differ" in str(e.value)


def test_a_share_on_every_region_is_enough_for_the_adjustment_fund(tmp_path):
    text = ("province:\n  name: p\n  pooling: {mode: adjustment_fund, min_months: 3}\n  regions:\n"
            "    - {name: a, scenario: qingyuan, share: 0.02}\n    - {name: b, scenario: qingdao, share: 0.04}\n")
    assert [r.share for r in load_province(_write(tmp_path, text)).body.regions] == [0.02, 0.04]
    with pytest.raises(ScenarioError, match="a share on every region"):
        load_province(_write(tmp_path, text.replace(", share: 0.04", "")))


def test_a_region_scenario_set_on_the_command_line_is_blamed_on_it(tmp_path):
    from simulator.province import prepare_province
    path = _write(tmp_path, GOOD)
    with pytest.raises(ScenarioError) as e:
        prepare_province(path, paths=2, horizon=2, overrides=["province.regions[0].scenario=nope.yaml"])
    assert "--set: province.regions[0].scenario" in str(e.value), str(e.value)
    with pytest.raises(ScenarioError) as e:
        prepare_province(_write(tmp_path, GOOD.replace("qingyuan", "nope.yaml"), "p2.yaml"), paths=2, horizon=2)
    assert "p2.yaml" in str(e.value) and "--set" not in str(e.value), str(e.value)
