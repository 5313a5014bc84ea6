from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reliefsim.errors import ReliefsimError
from reliefsim.parameters import add_months, month_index
from reliefsim.scenario import canonical_keys, load_scenario, parse_set

ROOT = Path(__file__).parents[1]
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_scenario_loads_with_unit_and_source_everywhere(name):
    s = load_scenario(name)
    assert set(s.params) == canonical_keys()
    for p in s.params.values():
        assert p.unit and p.source


def test_each_parameter_is_declared_once_with_type_and_range():
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    s = load_scenario("baseline")
    for key, p in s.params.items():
        assert f"[{key}]\ntype = " in text, key          # declared where its value lives
        if p.spec.numeric:
            assert p.spec.low is not None and p.spec.high is not None, key
    other = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "scenarios").glob("*.toml")
                    if p.stem != "baseline")
    assert "type = " not in other and "range = " not in other


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
    assert s.values_at("2019-06").policy.dibao_line == 1000
    assert s.values_at("2020-06").policy.dibao_line == 1100
    assert s.values_at("2020-07").policy.dibao_line == 1170
    assert s.values_at("2023-06").policy.dibao_line == 1320          # < 1 year after 2022-07
    assert s.values_at("2023-07").policy.dibao_line == pytest.approx(1320 * 1.03)
    assert s.values_at("2026-08").policy.dibao_line == pytest.approx(1320 * 1.03 ** 4)
    assert s.values(0).policy.dibao_line == pytest.approx(1320 * 1.03)  # run.start 2024-01


def test_month_arithmetic():
    assert add_months("2024-11", 3) == "2025-02"
    assert month_index("2025-02", "2024-11") == 3


# ---------------------------------------------------------------- reforms (dated changes)
def line(reforms, month):
    return load_scenario("baseline", parse_set(reforms)).values_at(month).policy.dibao_line


def test_a_reform_from_the_start_keeps_the_uprating():
    base = load_scenario("baseline")
    assert line(["policy.dibao_line=1400"], "2024-01") == 1400
    assert line(["policy.dibao_line=1400"], "2028-01") == pytest.approx(
        1400 * base.values_at("2028-01").policy.dibao_line / base.value("policy.dibao_line"))
    assert line(["policy.dibao_line=1400"], "2028-01") > 1400
    assert line(["policy.dibao_line=1400"], "2028-01") > base.values_at("2028-01").policy.dibao_line


def test_a_dated_reform_leaves_earlier_months_alone():
    base = load_scenario("baseline")
    assert line(["policy.dibao_line=1400@2026-01"], "2025-06") == \
        base.values_at("2025-06").policy.dibao_line
    assert line(["policy.dibao_line=1400@2026-01"], "2026-01") == 1400
    assert line(["policy.dibao_line=1400@2026-01"], "2027-08") > 1400


def test_a_reform_of_the_rule_changes_the_uprating():
    assert line(["policy.dibao_line.uprating=0"], "2030-01") == 1320
    assert line(["policy.dibao_line.uprating=0.05"], "2024-07") == pytest.approx(1320 * 1.05 ** 2)
    assert line(["policy.dibao_line=1400", "policy.dibao_line.uprating=0"], "2030-01") == 1400


def test_switches_and_lists_change_from_their_month():
    s = load_scenario("baseline", parse_set(["warnings.screening=true@2025-01"]))
    assert s.values_at("2024-12").warnings.screening is False
    assert s.values_at("2025-01").warnings.screening is True


DATED = [k for k in sorted(canonical_keys())
         if load_scenario("baseline").params[k].dated]


@settings(max_examples=80, deadline=None)
@given(key=st.sampled_from(DATED), raise_by=st.floats(1e-6, 3.0),
       start=st.integers(-120, 120), later=st.integers(0, 120))
def test_raising_a_dated_parameter_never_lowers_it_later(key, raise_by, start, later):
    """Raising any dated parameter by any positive amount (here a share of its value) from any
    month never leaves it lower than the unreformed scenario's in any later month."""
    base = load_scenario("baseline")
    month = add_months(base.start, start)
    new = base.values_at(month).get(key) * (1 + raise_by)
    try:
        reformed = load_scenario("baseline", parse_set([f"{key}={new!r}@{month}"]))
    except ReliefsimError as exc:  # raised past its range in some month: refused, not lowered
        assert "expected a number between" in str(exc)
        assume(False)
    then = add_months(month, later)
    assert reformed.values_at(then).get(key) >= base.values_at(then).get(key) - 1e-9


def test_scenario_file_reform_table_and_dated_override(tmp_path):
    path = write(tmp_path, "mine.toml", 'extends = "baseline.toml"\n[reform]\n'
                 'policy.marginal_multiplier = { value = 2.0, from = "2026-01" }\n'
                 '"policy.dibao_line.uprating" = 0.0\n'
                 "[policy.floor_space_avg]\nvalue = 30.0\nsource = \"x\"\n")
    s = load_scenario(path)
    assert s.values_at("2025-12").policy.marginal_multiplier == 1.5
    assert s.values_at("2026-01").policy.marginal_multiplier == 2.0
    assert s.values_at("2030-01").policy.dibao_line == 1320
    assert s.value("policy.floor_space_avg") == 30.0
    dated = write(tmp_path, "dated.toml", 'extends = "baseline.toml"\n[policy.dibao_line]\n'
                  'dated = { "2025-01" = 1500 }\nsource = "x"\n')
    d = load_scenario(dated)
    assert d.values_at("2021-08").policy.dibao_line == 1245     # earlier steps kept
    assert d.values_at("2025-01").policy.dibao_line == 1500
    assert d.values_at("2026-01").policy.dibao_line == pytest.approx(1500 * 1.03)


def test_every_month_of_a_run_is_checked_before_it_starts(tmp_path):
    with pytest.raises(ReliefsimError) as err:
        load_scenario("baseline", parse_set(["policy.dibao_line.uprating=1.0"])).check_months(600)
    assert "policy.dibao_line" in str(err.value) and "in 2" in str(err.value)
    with pytest.raises(ReliefsimError, match=r"uprating = nan: expected an annual rate"):
        load_scenario("baseline", parse_set(["policy.dibao_line.uprating=nan"]))
    with pytest.raises(ReliefsimError, match=r"only numbers of type float grow"):
        load_scenario("baseline", parse_set(["population.streets.uprating=0.5"]))
    path = write(tmp_path, "neg.toml", 'extends = "baseline.toml"\n[policy.dibao_line]\n'
                 'dated = { "2025-01" = -2 }\nsource = "x"\n')
    with pytest.raises(ReliefsimError, match=r"neg\.toml: policy\.dibao_line = -2"):
        load_scenario(path)


def test_set_overrides_with_toml_values():
    s = load_scenario("baseline", parse_set(["policy.marginal_multiplier=2", "warnings.screening"
                                             "=false", 'policy.rigid_items=["medical"]']))
    assert s.value("policy.marginal_multiplier") == 2
    assert s.value("warnings.screening") is False
    assert s.value("policy.rigid_items") == ["medical"]
    assert "policy.marginal_multiplier = 2.0" in s.text


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
     "population.school_ages = [6.0, 12.0, 11.0, 23.0]: expected a list of 4 numbers between 0 "
     "and 40, rising (not rising)"),
    ('extends = "baseline.toml"\n[policy.dibao_line]\ntype = "int"\nvalue = 3\n',
     "policy.dibao_line is declared in baseline.toml; a scenario changes its value"),
    ('extends = "nowhere.toml"\n', "'extends' names nowhere.toml, which does not exist"),
    ('extends = "/etc/passwd"\n', "no absolute path"),
    ('extends = "../../baseline.toml"\n', "no absolute path, no '..'"),
    ('extends = "baseline.toml"\n[policy\n', "not valid TOML"),
    ('[policy.dibao_line]\ntype = "float"\nrange = [0, 1]\nvalue = 1\nunit = "yuan"\n'
     'source = "x"\n', "missing key(s)"),
    ('[policy.dibao_line]\nvalue = 1000\nunit = "yuan"\nsource = "x"\n',
     "policy.dibao_line declares no type"),
])
def test_bad_scenario_files_name_file_key_and_expectation(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ReliefsimError) as err:
        load_scenario(path)
    assert message in str(err.value)
    assert "bad.toml" in str(err.value)


def test_new_parameter_without_source_is_rejected(tmp_path):
    text = (ROOT / "scenarios" / "baseline.toml").read_text(encoding="utf-8")
    text = text.replace('include = ["calibrated/beijing.toml"]', "")
    start = text.index("[metrics.cliff_share]")
    end = text.index("source", start)
    stop = text.index("\n", end)
    text = text[:end] + text[stop + 1:]
    path = write(tmp_path, "nosource.toml", text)
    with pytest.raises(ReliefsimError, match=r"metrics\.cliff_share has no 'source'"):
        load_scenario(path)


def test_deep_nesting_and_long_chains_are_refused_with_a_message(tmp_path):
    deep = "extends = \"baseline.toml\"\n[" + ".".join(f"t{k}" for k in range(12)) + "]\nx = 1\n"
    with pytest.raises(ReliefsimError, match="nested deeper"):
        load_scenario(write(tmp_path, "deep.toml", deep))
    for k in range(20):
        write(tmp_path, f"c{k}.toml", f'extends = "c{k + 1}.toml"\n')
    write(tmp_path, "c20.toml", 'extends = "baseline.toml"\n')
    with pytest.raises(ReliefsimError, match="chain longer than"):
        load_scenario(tmp_path / "c0.toml")


def test_missing_scenario_and_bad_set():
    with pytest.raises(ReliefsimError, match="scenario file not found: nope"):
        load_scenario("nope")
    with pytest.raises(ReliefsimError, match=r"did you mean 'policy\.dibao_line'"):
        load_scenario("baseline", parse_set(["policy.dibao_lin=1"]))
    with pytest.raises(ReliefsimError, match="expected KEY=VALUE"):
        parse_set(["policy.dibao_line"])
    with pytest.raises(ReliefsimError, match="expected a number"):
        load_scenario("baseline", parse_set(["policy.dibao_line=abc"]))
    with pytest.raises(ReliefsimError, match="expected a number"):
        load_scenario("baseline", parse_set(["policy.dibao_line=nan"]))
    with pytest.raises(ReliefsimError, match="run settings take no month"):
        load_scenario("baseline", parse_set(["run.households=10@2025-01"]))


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ReliefsimError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_include_overrides_the_files_own_values_and_missing_include_is_reported(tmp_path):
    base = load_scenario("baseline")
    assert "calibrated/beijing.toml" in base.text  # the baseline includes the calibration's file
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
