"""The calculator that explains: `reliefsim explain`, `classify --explain` and case files."""

import csv
from pathlib import Path

import numpy as np
import pytest

from casebuilder import facts, values
from reliefsim.cases import check_file
from reliefsim.cli import main
from reliefsim.explain import explain, household_facts
from reliefsim.rules import assess, basic_living, dibao_addons
from test_cli import write_csv

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def test_shipped_cases_pass():
    results = [r for path in CASES for r in check_file(path)]
    assert len(results) >= 50
    failed = [(r.name, [f.text() for f in r.failures]) for r in results if not r.passed]
    assert failed == []


def test_shipped_cases_cover_every_rule_of_rules_md():
    text = "\n".join(p.read_text(encoding="utf-8") for p in CASES)
    for needle in ("labour capacity", "income per head", "financial assets", "second home",
                   "a car", "1 destitute", "2 dibao", "3 marginal", "4 rigid hardship",
                   "5 none", "care allowance", "minimum payment", "add-ons", "largest share",
                   "marginal_basic_share", "medical", "education", "housing", "employment",
                   "heating", "disaster", "temporary assistance", "while a dibao application"):
        assert needle in text, needle


def test_check_command_passes_on_the_shipped_cases(capsys):
    assert main(["check", *map(str, CASES)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].endswith("passed, 0 failed")


def test_a_wrong_expected_amount_fails_with_the_numbers(tmp_path, capsys):
    case = tmp_path / "wrong.yaml"
    case.write_text("""
set: {policy.dibao_line: 1000.0, policy.dibao_min_payment: 100.0}
period: 2024-01
cases:
  - name: a dibao adult
    household: {wages: 600}
    members: [{age: 40, works: 1}]
    expected: {tier: dibao, basic_living: 500, heating: 300}
""", encoding="utf-8")
    assert main(["check", str(case)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "a dibao adult (2024-01)" in out
    assert "basic_living: expected 500.00, got 400.00 (difference -100.00)" in out
    assert "heating" not in out.split("FAIL", 1)[1].split("\n", 2)[1]   # only what differs
    assert "0 passed, 1 failed" in out


@pytest.mark.parametrize(("text", "message"), [
    ("cases: [{members: [{age: 40}], expected: {tier: dibao}, colour: red}]",
     "unknown key 'colour'"),
    ("cases: [{members: [{age: 40}], expected: {tier: dibao}, household: {wage: 1}}]",
     "unknown field 'wage'"),
    ("cases: [{members: [{age: -1}], expected: {tier: dibao}}]", "member 1, age: -1"),
    ("cases: [{members: [{age: 40}], expected: {salary: 1}}]", "expected.salary is not a"),
    ("cases: [{members: [{age: 40}], expected: {tier: dibao}, period: 2024}]",
     "period 2024; expected YYYY-MM"),
    ("[unclosed", "not valid YAML"),
])
def test_bad_case_files_are_clear_errors(tmp_path, capsys, text, message):
    case = tmp_path / "bad.yaml"
    case.write_text(text, encoding="utf-8")
    assert main(["check", str(case)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(case) in err and "Traceback" not in err


def test_explain_uses_the_rules_numbers():
    """Every amount is the rules' own: the same facts through rules.py give the same."""
    h = {"wages": 2000, "rent": 500, "members": [
        {"age": 40, "works": True}, {"age": 70}, {"age": 10, "student": "primary"},
        {"age": 40, "serious_illness": True}]}
    v = values()
    f = facts(h)
    a = assess(f, v)
    e = explain(f, v, "2024-01")
    got = e.amounts(0)
    assert got["tier"] == "dibao"
    assert got["basic_living"] == pytest.approx(basic_living(f, v, a.tier, a)[0])
    assert got["dibao_addons"] == pytest.approx(dibao_addons(f, v)[0])
    assert got["addons_by_member"] == pytest.approx([0.0, 100.0, 150.0, 300.0])
    assert sum(got["addons_by_member"]) == pytest.approx(got["dibao_addons"])


def test_household_facts_match_the_csv_reader(tmp_path):
    """Options and case files make the same facts as a row of the two CSV files."""
    from reliefsim.microdata import read_microdata

    h, m = write_csv(tmp_path)
    pop = read_microdata(h, m)
    mine = household_facts(
        [{"wages": 500, "income_12m": 6000}, {"pensions": 1200, "income_12m": 14400},
         {"wages": 9000, "income_12m": 108000}],
        [[{"age": 35, "works": 1}, {"age": 8, "student": "primary"}],
         [{"age": 75, "unable_self_care": 1}], [{"age": 40, "works": 1}]],
        rigid_items=("medical", "care", "rent", "rehab", "education"))
    v = values()
    a, b = assess(pop.facts, v), assess(mine, v)
    assert list(a.tier) == list(b.tier)
    assert np.allclose(basic_living(pop.facts, v, a.tier, a), basic_living(mine, v, b.tier, b))


def test_explain_command_on_a_dibao_household(capsys):
    assert main(["explain", "--set", "policy.dibao_line=1000", "--wages", "1200",
                 "--member", "age=40,works=1", "--member", "age=70",
                 "--member", "age=9,student=primary"]) == 0
    out = capsys.readouterr().out
    for text in ("assessed income per head = (1,200.00 − 0 × wages) ÷ 3 = 400.00",
                 "financial assets per head 0.00 ≤ 24 × dibao line 1,000.00 = 24,000.00",
                 "member 2 (70 years) — no labour capacity",
                 "income per head 400.00 < dibao line 1,000.00 ✓",
                 "Tier: dibao", "basic living: 2,000.00",          # 600 × 3 + 100 + 100
                 "gap: max((1,000.00 − 400.00) × 3", "add-ons by member",
                 "member 3 (9 years, primary student): 0.10 × 1,000.00 = 100.00",
                 "education assistance: 100.00", "heating subsidy: 300.00",
                 "temporary assistance: at most 3 × 1,000.00 × 3 = 9,000.00",
                 "R ÷ I", "Registration"):
        assert text in out, text


def test_explain_in_chinese(capsys):
    assert main(["explain", "--lang", "zh", "--pensions", "500",
                 "--member", "age=72,unable_self_care=1"]) == 0
    out = capsys.readouterr().out
    for text in ("认定档次：特困", "基本生活救助", "护理补贴", "临时救助", "劳动能力", "人均收入"):
        assert text in out, text


def test_explain_a_row_of_the_csv_files(tmp_path, capsys):
    h, m = write_csv(tmp_path)
    assert main(["explain", "--households", str(h), "--members", str(m), "--id", "b",
                 "--set", "policy.dibao_line=1000"]) == 0
    out = capsys.readouterr().out
    assert "Household b: 1 people" in out and "Tier: destitute" in out
    assert main(["explain", "--households", str(h), "--members", str(m), "--id", "zz"]) == 2
    assert "--id 'zz': not a household_id" in capsys.readouterr().err


def test_explain_bad_member_option_is_a_clear_error(capsys):
    assert main(["explain", "--member", "age=40,colour=red"]) == 2
    assert "unknown field 'colour'" in capsys.readouterr().err
    assert main(["explain", "--wages", "-3"]) == 2
    assert "the household, wages: '-3'" in capsys.readouterr().err


def test_classify_explain_adds_reasons_and_amounts(tmp_path, capsys):
    h, m = write_csv(tmp_path)
    out = tmp_path / "explained.csv"
    assert main(["classify", "--households", str(h), "--members", str(m), "--output",
                 str(out), "--set", "policy.dibao_line=1000", "--explain"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["tier"] for r in rows] == ["dibao", "destitute", "none"]
    for column in ("reason", "income_pc", "assets_ok", "basic_living", "dibao_addons",
                   "addons_by_member", "care_allowance", "medical", "education", "housing",
                   "employment", "heating", "disaster", "temporary_cap",
                   "temporary_while_pending", "monthly_total"):
        assert column in rows[0], column
    assert rows[0]["reason"] == "income per head 250.00 < dibao line 1,000.00"
    assert float(rows[0]["basic_living"]) == pytest.approx(1600.0)
    assert rows[0]["addons_by_member"] == "0.00 100.00"
    assert float(rows[0]["education"]) == 100.0
    assert float(rows[1]["care_allowance"]) == pytest.approx(1000.0)
    assert float(rows[0]["temporary_cap"]) == pytest.approx(3 * 1000 * 2)
