from pathlib import Path

import pytest

from reliefsim.errors import ReliefsimError
from reliefsim.scenario import add_months, load_scenario, month_index, parse_set
from reliefsim.schema import SCHEMA

SCENARIOS = sorted(p.stem for p in (Path(__file__).parents[1] / "scenarios").glob("*.toml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_scenario_loads_with_unit_and_source_everywhere(name):
    s = load_scenario(name)
    assert set(s.params) == set(SCHEMA)
    for p in s.params.values():
        assert p.unit and p.source


def test_required_scenarios_ship():
    assert {"baseline", "marginal_2x", "rigid_60", "exit_0", "exit_12", "siloed_data",
            "integrated_data"} <= set(SCENARIOS)


def test_extends_overrides_only_what_it_names():
    base, reform = load_scenario("baseline"), load_scenario("marginal_2x")
    assert reform.value("policy.marginal_multiplier") == 2.0
    assert base.value("policy.marginal_multiplier") == 1.5
    assert "tellerreport" in reform.params["policy.marginal_multiplier"].source
    assert reform.params["policy.marginal_multiplier"].unit == "× dibao line"
    assert reform.value("policy.dibao_line") == base.value("policy.dibao_line")


def test_siloed_and_integrated_data():
    siloed, integrated = load_scenario("siloed_data"), load_scenario("integrated_data")
    assert siloed.value("departments.finance.coverage") == 0.0
    assert siloed.value("warnings.screening") is False
    assert integrated.value("departments.medical_insurance.coverage") == 1.0
    assert integrated.value("departments.medical_insurance.lag_months") == 0


def test_dated_values_and_uprating():
    s = load_scenario("baseline")
    assert s.values_at("2020-06").policy.dibao_line == 1000
    assert s.values_at("2020-07").policy.dibao_line == 1170
    assert s.values_at("2023-06").policy.dibao_line == 1320          # < 1 year after 2022-07
    assert s.values_at("2023-07").policy.dibao_line == pytest.approx(1320 * 1.03)
    assert s.values_at("2026-08").policy.dibao_line == pytest.approx(1320 * 1.03 ** 4)
    assert s.values(0).policy.dibao_line == pytest.approx(1320 * 1.03)  # run.start 2024-01


def test_month_arithmetic():
    assert add_months("2024-11", 3) == "2025-02"
    assert month_index("2025-02", "2024-11") == 3


def test_set_overrides_with_toml_values():
    s = load_scenario("baseline", parse_set(["policy.marginal_multiplier=2", "warnings.screening"
                                             "=false", 'policy.rigid_items=["medical"]']))
    assert s.value("policy.marginal_multiplier") == 2
    assert s.value("warnings.screening") is False
    assert s.value("policy.rigid_items") == ["medical"]
    assert s.params["policy.marginal_multiplier"].source == "set by --set"
    assert "policy.marginal_multiplier = 2" in s.text


def test_scenario_hash_changes_with_overrides():
    assert load_scenario("baseline").hash != load_scenario(
        "baseline", {"policy.exit_period_months": 3}).hash


@pytest.mark.parametrize(("text", "message"), [
    ('extends = "baseline.toml"\n[policy]\nmarginal_multiplyer = 2.0\n',
     "unknown key 'policy.marginal_multiplyer'; did you mean 'policy.marginal_multiplier'?"),
    ('extends = "baseline.toml"\n[policy]\nmarginal_multiplier = "two"\n',
     "policy.marginal_multiplier = \"two\": expected a number between 1 and 10"),
    ('extends = "baseline.toml"\n[policy]\nexit_period_months = 1.5\n',
     "policy.exit_period_months = 1.5: expected a whole number between 0 and 60"),
    ('extends = "baseline.toml"\n[departments.finance]\ncoverage = 1.2\n',
     "departments.finance.coverage = 1.2: expected a number between 0 and 1"),
    ('extends = "baseline.toml"\n[policy]\nrigid_items = ["medical", "food"]\n',
     "expected a list of strings from medical, care, rent, rehab, education (bad item \"food\")"),
    ('extends = "baseline.toml"\n[population]\nschool_ages = [6, 12, 11, 23]\n',
     "population.school_ages needs 4 rising ages (primary, secondary and tertiary start, "
     "tertiary end), got [6, 12, 11, 23]"),
    ('extends = "nowhere.toml"\n', "'extends' names nowhere.toml, which does not exist"),
    ('extends = "baseline.toml"\n[policy\n', "not valid TOML"),
    ('[policy.dibao_line]\nvalue = 1000\nunit = "yuan"\nsource = "x"\n', "missing key(s)"),
])
def test_bad_scenario_files_name_file_key_and_expectation(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ReliefsimError) as err:
        load_scenario(path)
    assert message in str(err.value)
    assert "bad.toml" in str(err.value)


def test_new_parameter_without_source_is_rejected(tmp_path):
    text = (Path(__file__).parents[1] / "scenarios" / "baseline.toml").read_text()
    text = text.replace('include = ["calibrated/beijing.toml"]', "")
    text = text.replace('[metrics.cliff_share]\nvalue = 0.2\nunit = "share of disposable income'
                        ' per capita"\nsource = "assumption"',
                        '[metrics.cliff_share]\nvalue = 0.2\nunit = "share"')
    path = write(tmp_path, "nosource.toml", text)
    with pytest.raises(ReliefsimError, match=r"metrics\.cliff_share has no 'source'"):
        load_scenario(path)


def test_missing_scenario_and_bad_set():
    with pytest.raises(ReliefsimError, match="scenario file not found: nope"):
        load_scenario("nope")
    with pytest.raises(ReliefsimError, match=r"did you mean 'policy\.dibao_line'"):
        parse_set(["policy.dibao_lin=1"])
    with pytest.raises(ReliefsimError, match="expected KEY=VALUE"):
        parse_set(["policy.dibao_line"])
    with pytest.raises(ReliefsimError, match="expected a number"):
        load_scenario("baseline", parse_set(["policy.dibao_line=abc"]))


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ReliefsimError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_include_overrides_the_files_own_values_and_missing_include_is_reported(tmp_path):
    base = load_scenario("baseline")
    assert base.params["population.wage_median"].source.startswith("calibrated")
    write(tmp_path, "values.toml", "[policy.exit_period_months]\nvalue = 9\n")
    path = write(tmp_path, "mine.toml", 'extends = "baseline.toml"\ninclude = ["values.toml"]\n'
                 "[policy]\nexit_period_months = 3\n")
    assert load_scenario(path).value("policy.exit_period_months") == 9
    bad = write(tmp_path, "bad.toml", 'extends = "baseline.toml"\ninclude = ["nope.toml"]\n')
    with pytest.raises(ReliefsimError, match=r"'include' names nope\.toml"):
        load_scenario(bad)


def test_broken_included_files_name_the_file_and_the_problem(tmp_path):
    write(tmp_path, "broken.toml", "[policy\n")
    (tmp_path / "latin1.toml").write_bytes("# caf\xe9\n".encode("latin-1"))
    for name, message in (("broken.toml", "not valid TOML"),
                          ("latin1.toml", "not a UTF-8 text file")):
        path = write(tmp_path, "mine.toml", f'extends = "baseline.toml"\ninclude = ["{name}"]\n')
        with pytest.raises(ReliefsimError, match=f"{name}: {message}"):
            load_scenario(path)
