"""The scenario loader: YAML parsing, extends, --set overrides and error messages."""

from __future__ import annotations

import hashlib
import textwrap

import pytest
from ruamel.yaml import YAML

from simulator.errors import EXIT_BAD_INPUT, ScenarioError
from simulator.scenario import LoadedScenario, Scenario, dump_yaml, list_builtin_scenarios, load_scenario
from simulator.scenario.loader import _deep_merge


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error_of(*args, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(*args, **kwargs)
    err = info.value
    assert err.exit_code == EXIT_BAD_INPUT
    assert err.__cause__ is None  # never a chained traceback
    assert "Traceback" not in str(err)
    return err


@pytest.fixture(scope="module")
def baseline() -> LoadedScenario:
    return load_scenario()


# ----------------------------------------------------------------------------- built-ins


def test_builtin_default_is_baseline(baseline):
    assert "baseline" in list_builtin_scenarios()
    assert isinstance(baseline.scenario, Scenario)
    assert baseline.scenario.name == "baseline"
    assert baseline.origin == "baseline"
    assert baseline.hash == hashlib.sha256(baseline.text.encode("utf-8")).hexdigest()
    # the text is the data, and loading twice gives the same bytes
    assert YAML(typ="safe").load(baseline.text) == baseline.data
    assert load_scenario("baseline").hash == baseline.hash
    # keys in schema order
    assert list(baseline.data)[:2] == ["name", "description"]


def test_builtin_by_name_and_as_dict(baseline):
    again = load_scenario("baseline")
    assert again.data == baseline.data
    from_dict = load_scenario(baseline.data)
    assert from_dict.origin == "<dict>"
    assert from_dict.hash == baseline.hash


def test_unknown_builtin_name_suggests():
    err = error_of("basline")
    assert "no built-in scenario or file named 'basline'" in str(err)
    assert "did you mean 'baseline'?" in str(err)


# ----------------------------------------------------------------------------- extends


def test_extends_builtin_keeps_everything_else(tmp_path, baseline):
    f = write(tmp_path / "reform.yaml", """
        name: higher_rate
        extends: baseline
        employee:
          employer_rate: {value: 0.08, source: "test"}
        """)
    s = load_scenario(f)
    assert s.scenario.name == "higher_rate"
    assert s.data["extends"] == "baseline"
    assert s.scenario.employee.employer_rate.central == 0.08
    assert s.data["employee"]["employee_rate"] == baseline.data["employee"]["employee_rate"]
    assert s.data["population"] == baseline.data["population"]
    assert s.chain[0].endswith("reform.yaml") and s.chain[1].endswith("baseline.yaml")
    assert s.where("employee.employer_rate") == (str(f), 4)
    assert s.where("employee.employee_rate")[0].endswith("baseline.yaml")
    assert s.hash != baseline.hash


def test_extends_chain_deep_merge(tmp_path, baseline):
    write(tmp_path / "parent.yaml", """
        name: parent
        extends: baseline
        simulation:
          paths: 50
        economy:
          drivers:
            wage_growth:
              persistence: 0.6
        """)
    child = write(tmp_path / "sub" / "child.yaml", """
        name: child
        extends: ../parent.yaml
        simulation:
          seed: 7
        expenditure:
          disease_groups:
            - name: only
              share: {inpatient: 0.1}
        """)
    s = load_scenario(child)
    sim = s.scenario.simulation
    assert (sim.paths, sim.seed) == (50, 7)              # mappings merge across three files
    wage = s.data["economy"]["drivers"]["wage_growth"]
    assert wage["persistence"] == 0.6                    # from parent
    assert wage["sd"] == baseline.data["economy"]["drivers"]["wage_growth"]["sd"]  # from baseline
    assert [g.name for g in s.scenario.expenditure.disease_groups] == ["only"]  # lists replace
    assert s.scenario.name == "child"                    # the child's name is kept
    assert s.data["extends"] == "../parent.yaml"
    assert len(s.chain) == 3
    assert s.where("simulation.paths") == (str(tmp_path / "parent.yaml"), 4)
    assert s.where("simulation.seed") == (str(child), 4)


def test_deep_merge_rules():
    parent = {"simulation": {"paths": 5, "seed": 1}, "horizon": 10,
              "expenditure": {"line_shares": {"employee": {"inpatient": 0.5, "outpatient": 0.5}},
                              "disease_groups": [{"name": "a"}, {"name": "b"}]},
              "resident": {"premium": {"value": {2024: 400, 2030: 500}, "source": "p"}}}
    child = {"simulation": {"seed": 2}, "horizon": 20,
             "expenditure": {"line_shares": {"employee": {"inpatient": 0.6}},
                             "disease_groups": [{"name": "c"}]},
             "resident": {"premium": {"value": {2025: 450}}}}
    before = repr(parent)
    merged = _deep_merge(parent, child)
    assert merged["simulation"] == {"paths": 5, "seed": 2}                                       # sections merge
    assert merged["horizon"] == 20                                                               # scalars replace
    assert merged["expenditure"]["line_shares"]["employee"] == {"inpatient": 0.6, "outpatient": 0.5}  # dict[Literal] too
    assert merged["expenditure"]["disease_groups"] == [{"name": "c"}]                            # lists replace
    assert merged["resident"]["premium"] == {"value": {2025: 450}}                               # a parameter replaces whole
    assert repr(parent) == before                                                                # inputs untouched


def test_parameter_replaced_whole_through_extends(tmp_path, baseline):
    # baseline's tfr is {dist: normal, ..., schedule: {...}}: a plain value must not be mixed with it
    assert baseline.data["population"]["fertility"]["tfr"]["dist"] == "normal"
    f = write(tmp_path / "tfr.yaml", """
        name: tfr
        extends: baseline
        population:
          fertility:
            tfr: {value: {2024: 1.0, 2050: 1.4}, source: test}
        """)
    s = load_scenario(f)
    tfr = s.scenario.population.fertility.tfr
    assert tfr.dist is None
    assert tfr.central == ((2024, 1.0), (2050, 1.4))  # not the union with baseline's years
    assert s.data["population"]["fertility"]["age_pattern"] == "china_fertility_by_year"  # siblings kept


def test_name_is_not_inherited(tmp_path):
    f = write(tmp_path / "noname.yaml", """
        extends: baseline
        horizon: 10
        """)
    err = error_of(f)
    assert f"{f}: name: required key is missing" in str(err)


def test_inherited_key_reported_in_the_file_that_defined_it(tmp_path):
    parent = write(tmp_path / "parent.yaml", """
        name: parent
        extends: baseline
        employee:
          employer_rate: 1.5
        """)
    child = write(tmp_path / "child.yaml", """
        name: child
        extends: parent.yaml
        simulation:
          pathz: 10
        """)
    err = error_of(child)
    msg = str(err)
    assert "2 problems" in msg
    assert f"{child}:4: simulation.pathz: unknown key 'pathz'; did you mean 'paths'?" in msg
    assert f"{parent}:4: employee.employer_rate: value 1.5 is above the allowed maximum 1" in msg
    files = {p[3] for p in err.problems}
    assert files == {str(parent), str(child)}


def test_extends_cycle(tmp_path):
    write(tmp_path / "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path / "b.yaml", "name: b\nextends: a.yaml\n")
    msg = str(error_of(tmp_path / "a.yaml"))
    assert "extends cycle" in msg
    assert f"{tmp_path / 'a.yaml'} -> {tmp_path / 'b.yaml'} -> {tmp_path / 'a.yaml'}" in msg
    assert f"{tmp_path / 'b.yaml'}:2: extends" in msg


def test_extends_itself(tmp_path):
    f = write(tmp_path / "self.yaml", "name: me\nextends: ./self.yaml\n")
    msg = str(error_of(f))
    assert "extends cycle" in msg and f"{f} -> {f}" in msg


def test_extends_missing_file(tmp_path):
    f = write(tmp_path / "child.yaml", "name: c\nextends: nowhere.yaml\n")
    msg = str(error_of(f))
    assert f"{f}:2: extends: file not found: {tmp_path / 'nowhere.yaml'}" in msg


def test_extends_unknown_builtin(tmp_path):
    f = write(tmp_path / "child.yaml", "name: c\nextends: baselin\n")
    msg = str(error_of(f))
    assert f"{f}:2: extends:" in msg
    assert "no built-in scenario or file named 'baselin'; did you mean 'baseline'?" in msg


def test_extends_not_text(tmp_path):
    f = write(tmp_path / "child.yaml", "name: c\nextends: [baseline]\n")
    msg = str(error_of(f))
    assert f"{f}:2: extends: must be a built-in scenario name or a file path, got a list" in msg


def test_dict_source_extends_relative_to_base_dir(tmp_path):
    write(tmp_path / "parent.yaml", "name: parent\nextends: baseline\nhorizon: 12\n")
    s = load_scenario({"name": "d", "extends": "parent.yaml", "simulation": {"paths": 3}}, base_dir=tmp_path)
    assert (s.scenario.name, s.scenario.horizon, s.scenario.simulation.paths) == ("d", 12, 3)


# ----------------------------------------------------------------------------- YAML problems


def test_duplicate_key_names_file_and_line(tmp_path):
    f = write(tmp_path / "dup.yaml", """
        name: dup
        extends: baseline
        simulation:
          paths: 10
          seed: 1
          paths: 20
        """)
    msg = str(error_of(f))
    assert f"{f}:6: duplicate key 'paths'" in msg
    assert "line 4" in msg  # the mapping it belongs to


def test_duplicate_top_level_key(tmp_path):
    f = write(tmp_path / "dup.yaml", "name: a\nname: b\n")
    assert f"{f}:2: duplicate key 'name'" in str(error_of(f))


def test_invalid_yaml_names_file_and_line(tmp_path):
    f = write(tmp_path / "bad.yaml", """
        name: bad
        simulation:
          paths: [1, 2
          seed: 3
        """)
    msg = str(error_of(f))
    assert f"{f}:4: YAML syntax error" in msg
    assert "flow sequence" in msg


def test_tab_indentation(tmp_path):
    f = tmp_path / "tab.yaml"
    f.write_text("name: t\nsimulation:\n\tpaths: 1\n")
    msg = str(error_of(f))
    assert f"{f}:3: YAML syntax error" in msg


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    f = tmp_path / "empty.yaml"
    f.write_text(text)
    assert f"{f}: file is empty" in str(error_of(f))


@pytest.mark.parametrize("text, what", [("- a\n- b\n", "a list"), ("42\n", "a number"), ("hello\n", "text")])
def test_top_level_not_mapping(tmp_path, text, what):
    f = tmp_path / "list.yaml"
    f.write_text(text)
    msg = str(error_of(f))
    assert "the top level must be a mapping of keys" in msg and msg.endswith(f"got {what}")
    problem = msg.split("list.yaml: ", 1)[1]
    assert "hello" not in problem and "42" not in problem  # a file that is not a scenario is never quoted


def test_missing_file(tmp_path):
    f = tmp_path / "absent.yaml"
    assert str(error_of(f)) == f"invalid scenario: {f}: file not found"
    assert str(error_of(str(f))) == f"invalid scenario: {f}: file not found"


def test_folder_is_not_a_file(tmp_path):
    d = tmp_path / "dir.yaml"
    d.mkdir()
    assert "is a folder, not a scenario file" in str(error_of(d))


def test_yaml_tags_rejected(tmp_path):
    f = write(tmp_path / "tag.yaml", """
        name: t
        extends: baseline
        horizon: !!python/object:os.system "echo"
        """)
    msg = str(error_of(f))
    assert f"{f}:3: horizon: YAML tags" in msg


# ----------------------------------------------------------------------------- validation messages


def test_unknown_key_did_you_mean(tmp_path):
    f = write(tmp_path / "typo.yaml", """
        name: typo
        extends: baseline
        simulation: {pathz: 10}
        """)
    err = error_of(f)
    msg = str(err)
    assert "typo.yaml" in msg
    assert "simulation.pathz" in msg
    assert "did you mean 'paths'" in msg
    assert msg == f"invalid scenario: {f}:3: simulation.pathz: unknown key 'pathz'; did you mean 'paths'?"


def test_unknown_top_level_and_literal_dict_keys(tmp_path):
    f = write(tmp_path / "typo.yaml", """
        name: typo
        extends: baseline
        employe: {employer_rate: 0.1}
        expenditure:
          line_shares:
            residnt: {inpatient: 1.0}
        """)
    msg = str(error_of(f))
    assert "2 problems" in msg  # no noise from inside the unknown keys
    assert f"{f}:3: employe: unknown key 'employe'; did you mean 'employee'?" in msg
    assert f"{f}:6: expenditure.line_shares.residnt: unknown key 'residnt'; did you mean 'resident'?" in msg


def test_rate_out_of_range_names_key_path(tmp_path):
    f = write(tmp_path / "rate.yaml", """
        name: rate
        extends: baseline
        employee:
          employer_rate: 1.5
        """)
    msg = str(error_of(f))
    assert f"{f}:4: employee.employer_rate: value 1.5 is above the allowed maximum 1" in msg
    assert "Value error" not in msg


def test_non_psd_correlation_matrix(tmp_path):
    f = write(tmp_path / "corr.yaml", """
        name: corr
        extends: baseline
        economy:
          correlation:
            matrix:
              - [1.0, 0.9, 0.9, 0.0]
              - [0.9, 1.0, -0.9, 0.0]
              - [0.9, -0.9, 1.0, 0.0]
              - [0.0, 0.0, 0.0, 1.0]
        """)
    msg = str(error_of(f))
    assert f"{f}:5: economy.correlation.matrix: matrix is not positive semi-definite" in msg


def test_list_index_in_key_path_and_many_problems(tmp_path):
    f = write(tmp_path / "many.yaml", """
        name: many
        extends: baseline
        horizon: zero
        expenditure:
          disease_groups:
            - name: a
              share: {inpatient: 0.1}
              prevalence_trend: 0.9
            - name: b
              share: {inpatient: 0.1}
              prevalenc_sd: 0.1
        """)
    err = error_of(f)
    msg = str(err)
    assert "3 problems" in msg
    assert f"{f}:3: horizon: Input should be a valid integer" in msg and "got text ('zero')" in msg
    assert f"{f}:8: expenditure.disease_groups[0].prevalence_trend: value 0.9 is above the allowed maximum 0.5" in msg
    assert f"{f}:11: expenditure.disease_groups[1].prevalenc_sd: unknown key 'prevalenc_sd'; did you mean 'prevalence_sd'?" in msg
    # in line order
    assert [p[2] for p in err.problems] == [3, 8, 11]


def test_missing_required_key(baseline):
    data = dict(baseline.data)
    del data["base_year"]
    msg = str(error_of(data))
    assert msg == "invalid scenario: <dict>: base_year: required key is missing"


def test_section_of_wrong_type(tmp_path):
    f = write(tmp_path / "wrong.yaml", "name: w\nextends: baseline\nsimulation: 5\n")
    assert f"{f}:3: simulation: expected a mapping of keys, got a number (5)" in str(error_of(f))


def test_bad_parameter_form(tmp_path):
    f = write(tmp_path / "param.yaml", """
        name: p
        extends: baseline
        employee:
          employer_rate: {value: 0.07, sorce: x}
        """)
    msg = str(error_of(f))
    assert f"{f}:4: employee.employer_rate: unknown key 'sorce'; did you mean 'source'?" in msg


# ----------------------------------------------------------------------------- --set overrides


def test_overrides(baseline):
    s = load_scenario("baseline", [
        "simulation.paths=10",
        "employee.employer_rate=0.08",
        "expenditure.disease_groups.0.prevalence_trend=0.02",
        "expenditure.disease_groups[1].intensity_trend={2025: 0.01, 2030: 0.02}",
        "expenditure.disease_groups.respiratory.per_diem=true",
        "economy.drivers.wage_growth.mean.sd=0.02",
        "economy.drivers.interest_rate.mean={dist: normal, mean: 0.02, sd: 0.005, cost_direction: decreases_cost}",
        "economy.correlation.drivers=[wage_growth, interest_rate, excess_cost_growth, resident_income_growth]",
        "reform.drg_dip.global_budget.income_growth=0.05",
    ])
    sc, d = s.scenario, s.data
    assert sc.simulation.paths == 10
    assert d["employee"]["employer_rate"] == {"value": 0.08, "source": "command-line override (--set employee.employer_rate)"}
    assert sc.employee.employer_rate.central == 0.08
    groups = sc.expenditure.disease_groups
    assert groups[0].prevalence_trend.central == 0.02
    assert groups[1].intensity_trend.central == ((2025, 0.01), (2030, 0.02))
    assert d["expenditure"]["disease_groups"][1]["intensity_trend"]["source"].startswith("command-line override")
    assert [g.per_diem for g in groups if g.name == "respiratory"] == [True]
    assert sc.economy.drivers.wage_growth.mean.dist.args["sd"] == 0.02
    ir = sc.economy.drivers.interest_rate.mean
    assert ir.dist.kind == "normal" and ir.central == 0.02
    assert d["economy"]["drivers"]["interest_rate"]["mean"]["dist"] == "normal"  # a full node, not wrapped
    assert sc.economy.correlation.drivers[1] == "interest_rate"
    assert sc.reform.drg_dip.global_budget.income_growth.central == 0.05
    assert s.where("employee.employer_rate") == ("--set", None)
    assert s.hash != baseline.hash
    assert baseline.scenario.simulation.paths == 1000  # the cached baseline is untouched


def test_override_null_and_new_section(tmp_path):
    s = load_scenario("baseline", ["resident.subsidy_cap_ratio=null", "critical_illness.premium_share=0.05"])
    assert s.scenario.resident.subsidy_cap_ratio is None
    assert s.scenario.critical_illness.premium_share.central == 0.05
    d = {k: v for k, v in load_scenario().data.items() if k != "long_term_care"}
    s = load_scenario(d, ["long_term_care.carve_out_share=0.01"])
    assert s.scenario.long_term_care.carve_out_share.central == 0.01


def test_override_on_file_and_value_error_reported_as_set(tmp_path):
    f = write(tmp_path / "r.yaml", "name: r\nextends: baseline\n")
    msg = str(error_of(f, ["employee.employer_rate=1.5"]))
    assert msg.startswith("invalid scenario: --set: employee.employer_rate: value 1.5 is above the allowed maximum 1")


@pytest.mark.parametrize("override, expected", [
    ("simulation.pathz=10", "--set: simulation.pathz: unknown key 'pathz'; did you mean 'paths'?"),
    ("simulaton.paths=10", "--set: simulaton: unknown key 'simulaton'; did you mean 'simulation'?"),
    ("expenditure.disease_groups.9.prevalence_trend=0.1", "index 9 is out of range (the list has 5 items)"),
    ("expenditure.disease_groups.neoplazms.prevalence_trend=0.1", "no list item with index or name 'neoplazms'; did you mean 'neoplasms'?"),
    ("expenditure.disease_groups[0].prevalance_trend=0.1", "--set: expenditure.disease_groups[0].prevalance_trend: unknown key 'prevalance_trend'; did you mean 'prevalence_trend'?"),
    ("expenditure.line_shares.employe.inpatient=0.5", "unknown key 'employe'; did you mean 'employee'?"),
    ("employee.employer_rate.valeu=0.1", "--set: employee.employer_rate.valeu: unknown key 'valeu'; did you mean 'value'?"),
    ("employee.base_ratio.value=1", "'employee.base_ratio' is not set in the scenario, so it has no key 'value'"),
    ("simulation.paths.x=1", "'simulation.paths' is a single value, it has no key 'x'"),
    ("resident.premium.value.next=1", "'next' is not a year"),
    ("employee.employer_rate=[1", "cannot read the value '[1' as YAML"),
    ("employee.employer_rate=", "no value after '='"),
    ("employee.employer_rate", "expected KEY.PATH=VALUE"),
    ("=1", "no key path before '='"),
    ("employee..employer_rate=1", "empty key"),
    ("expenditure.disease_groups[x].name=a", "a list index is written [0]"),
    ("extends=other", "extends cannot be overridden"),
    ("simulation.paths=many", "--set: simulation.paths: Input should be a valid integer"),
])
def test_bad_overrides(override, expected):
    err = error_of("baseline", [override])
    assert expected in str(err)
    assert all(p[3] == "--set" for p in err.problems)


# ----------------------------------------------------------------------------- YAML output


def test_dump_yaml_round_trip_and_determinism():
    data = {
        "name": "x",
        "description": "two\nlines\n",
        "sched": {2025: 0.07, 2030: 0.08},
        "bands": {"0-14": 0.3, "15-100": 1.0},
        "quoted": {"2024": "a string key", "yes": True, "none": None},
        "matrix": [[1.0, -0.3], [-0.3, 1.0]],
        "items": [{"name": "a", "v": 1e-05}, {"name": "b", "v": 1734245000000}],
        "empty": {},
        "text": "with: colon and 'quotes' and 中文",
    }
    text = dump_yaml(data)
    assert text == dump_yaml(data)
    back = YAML(typ="safe").load(text)
    assert back == data
    assert list(back) == list(data)
    assert "sched: {2025: 0.07, 2030: 0.08}" in text
    assert "&" not in text and "*" not in text.replace("* ", "")


def test_dump_has_no_aliases_for_shared_nodes():
    shared = {"a": 1}
    text = dump_yaml({"x": shared, "y": shared})
    assert "&" not in text
    assert YAML(typ="safe").load(text) == {"x": {"a": 1}, "y": {"a": 1}}


def test_text_is_independent_of_key_order(tmp_path):
    a = write(tmp_path / "a.yaml", "name: k\nextends: baseline\nhorizon: 10\nsimulation: {seed: 1, paths: 2}\n")
    b = write(tmp_path / "b.yaml", "simulation: {paths: 2, seed: 1}\nhorizon: 10\nextends: baseline\nname: k\n")
    assert load_scenario(a).hash == load_scenario(b).hash


# ----------------------------------------------------------------------------- ScenarioError


def test_scenario_error_forms():
    assert str(ScenarioError("bad", file="f.yaml")) == "invalid scenario: f.yaml: bad"
    assert str(ScenarioError("bad")) == "invalid scenario: <scenario>: bad"
    e = ScenarioError([("a.b", "wrong", 3), ("c", "also", None, "other.yaml")], file="f.yaml")
    assert str(e) == "invalid scenario (2 problems):\n  f.yaml:3: a.b: wrong\n  other.yaml: c: also"
    assert e.problems == [("a.b", "wrong", 3, "f.yaml"), ("c", "also", None, "other.yaml")]
