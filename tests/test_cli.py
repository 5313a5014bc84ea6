"""The command line as a user meets it: outputs, files written, and clear errors (exit 2)."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from reliefsim.cli import main
from reliefsim.store import load_metrics, open_store

HOUSEHOLD_HEADER = ("household_id,wages,pensions,other_income,financial_assets,homes_owned,"
                    "floor_space_pc,car,rent,has_capable_supporter,income_12m,medical_oop_12m,"
                    "care_12m,rent_12m,rehab_12m,education_12m")
MEMBER_HEADER = "household_id,age,works,disability,serious_illness,unable_self_care,student"
GOOD_HOUSEHOLDS = [
    "a,500,0,0,0,1,20,0,0,0,6000,0,0,0,0,0",
    "b,0,1200,0,0,1,20,0,0,0,14400,0,0,0,0,0",
    "c,9000,0,0,0,1,20,0,0,0,108000,0,0,0,0,0",
]
GOOD_MEMBERS = ["a,35,1,none,0,0,none", "a,8,0,none,0,0,primary", "b,75,0,none,0,1,none",
                "c,40,1,none,0,0,none"]


def write_csv(folder: Path, households=GOOD_HOUSEHOLDS, members=GOOD_MEMBERS,
              hheader=HOUSEHOLD_HEADER, mheader=MEMBER_HEADER):
    h, m = folder / "households.csv", folder / "members.csv"
    h.write_text("\n".join([hheader, *households]) + "\n", encoding="utf-8")
    m.write_text("\n".join([mheader, *members]) + "\n", encoding="utf-8")
    return h, m


def classify(tmp_path, *extra):
    h, m = write_csv(tmp_path) if not extra or extra[0] != "raw" else extra[1]
    out = tmp_path / "out.csv"
    args = ["classify", "--households", str(h), "--members", str(m), "--output", str(out),
            "--set", "policy.dibao_line=1000"]
    return main(args), out


def test_classify_writes_one_row_per_household(tmp_path, capsys):
    code, out = classify(tmp_path)
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["household_id"] for r in rows] == ["a", "b", "c"]
    assert [r["tier"] for r in rows] == ["dibao", "destitute", "none"]
    # a: (1000 − 250) × 2 + child add-on 0.1 × 1000
    assert float(rows[0]["basic_living"]) == pytest.approx(1600.0)
    # b: destitute line 1500 − 1200, plus care allowance 1000
    assert float(rows[1]["basic_living"]) == pytest.approx(1300.0)
    assert float(rows[2]["basic_living"]) == 0
    assert "classified 3 households" in capsys.readouterr().out


BAD_CSV = [
    ("households", [*GOOD_HOUSEHOLDS[:2], "c,9000,0,0,-5,1,20,0,0,0,108000,0,0,0,0,0"],
     "households.csv, line 4, column financial_assets: '-5'"),
    ("households", [*GOOD_HOUSEHOLDS[:2], "c,lots,0,0,0,1,20,0,0,0,108000,0,0,0,0,0"],
     "households.csv, line 4, column wages: 'lots' is not a number"),
    ("households", [*GOOD_HOUSEHOLDS, "d,1,0,0,0,1,20,0,0,0,12,0,0,0,0,0"],
     "household 'd' has no members in members.csv"),
    ("members", [*GOOD_MEMBERS, "zz,40,1,none,0,0,none"],
     "members.csv, line 6, column household_id: 'zz' is not in households.csv"),
    ("members", [*GOOD_MEMBERS[:3], "c,40,1,blind,0,0,none"],
     "members.csv, line 5, column disability: 'blind'; expected one of none, mild, severe"),
    ("members", [*GOOD_MEMBERS[:3], "c,40,2,none,0,0,none"],
     "members.csv, line 5, column works: '2'; expected 0 or 1"),
    ("hheader", HOUSEHOLD_HEADER.replace(",rent_12m", ""), "missing column(s) rent_12m"),
]


@pytest.mark.parametrize(("which", "content", "message"), BAD_CSV)
def test_malformed_csv_is_one_clear_error_and_nothing_is_written(tmp_path, capsys, which,
                                                                   content, message):
    kwargs = {which: content}
    files = write_csv(tmp_path, **kwargs)
    code, out = classify(tmp_path, "raw", files)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".classify-*"))


def test_missing_csv_file(tmp_path, capsys):
    code = main(["classify", "--households", str(tmp_path / "no.csv"), "--members",
                 str(tmp_path / "m.csv"), "--output", str(tmp_path / "o.csv")])
    assert code == 2
    assert "no.csv: file not found" in capsys.readouterr().err


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "reliefsim.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize(("args", "message"), [
    (["run", "baseline", "--set", "policy.dibao_lin=1400"],
     "did you mean 'policy.dibao_line'?"),
    (["run", "baseline", "--set", "policy.exit_period_months=\"six\""],
     "policy.exit_period_months = \"six\": expected a whole number between 0 and 60"),
    (["run", "baseline", "--set", "departments.finance.coverage=3"],
     "expected a number between 0 and 1"),
    (["run", "no_such_scenario"], "scenario file not found: no_such_scenario"),
    (["run", "baseline", "--households", "0"], "--households 0: expected a whole number ≥ 1"),
    (["run", "baseline", "--months", "2", "--db", "nosuchdialect://x"],
     "not a usable database URL"),
    (["run", "baseline", "--months", "2", "--db", "sqlite:////nonexistent/dir/r.db"],
     "cannot open the database"),
])
def test_run_bad_input_exit_2_no_traceback_nothing_written(tmp_path, args, message):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_run_prints_summary_stores_run_and_draws_figure(tmp_path):
    db = tmp_path / "r.db"
    fig = tmp_path / "f.png"
    result = run_cli("run", "baseline", "--households", "1500", "--months", "14", "--seed", "3",
                     "--db", f"sqlite:///{db}", "--figure", str(fig))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("missed_rate", "leakage_of_recipients", "leakage_of_money", "spend.total",
                 "warning_precision", "warning_recall", "days_to_payment.median",
                 "cliff_falls", "lookups.medical_insurance", "of recipients", "÷ all spending"):
        assert text in out
    assert fig.stat().st_size > 10_000
    engine = open_store(f"sqlite:///{db}")
    summary = load_metrics(engine, 1)
    assert summary["spend.total"] > 0
    assert len(load_metrics(engine, 1, month=13)) > 50


def test_help_has_examples():
    result = run_cli("run", "--help")
    assert "examples:" in result.stdout and "--set" in result.stdout


def test_every_help_page_prints(capsys):
    """``reliefsim --help`` and each command's ``--help`` print and exit 0 (no format errors)."""
    commands = ["run", "classify", "compare", "sweep", "forecast", "sensitivity", "results",
                "report", "calibrate", "validate", "app", "scenario"]
    for args in (["--help"], *[[c, "--help"] for c in commands]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0, args
        out = capsys.readouterr().out
        assert out.startswith("usage: reliefsim"), args
    for c in commands:
        assert c in run_cli("--help").stdout


def test_run_profile_prints_time_by_stage(capsys):
    assert main(["run", "baseline", "--households", "1500", "--months", "6", "--seed", "3",
                 "--no-store", "--profile"]) == 0
    out = capsys.readouterr().out
    assert "where the month's time goes (1,500 households × 6 months)" in out
    for stage in ("population", "shocks", "monitoring", "casework", "benefits", "metrics"):
        assert any(line.split()[:1] == [stage] and line.split()[1].replace(".", "").isdigit()
                   for line in out.splitlines()), stage


def test_short_run_says_the_warm_up_was_cut(capsys):
    assert main(["run", "baseline", "--households", "500", "--months", "5", "--no-store"]) == 0
    out = capsys.readouterr().out
    assert "summary over months 4+" in out
    assert "note: run.warmup_months is 12 but only 5 months were simulated" in out


def test_run_says_when_street_offices_are_pooled(capsys):
    # 3,000 households of 8 million: an office's 400 visits reach 0.15 simulated households a
    # month, so each district's streets make one office (16 districts)
    assert main(["run", "baseline", "--households", "3000", "--months", "2", "--no-store"]) == 0
    title = " ".join(capsys.readouterr().out.split("=" * 20)[0].split())
    assert "the 330 street offices are pooled by district into 16 at this sample size" in title
    assert main(["run", "baseline", "--households", "3000", "--months", "2", "--no-store",
                 "--set", "casework.min_simulated_visits=0"]) == 0
    assert "pooled" not in capsys.readouterr().out


def test_stored_runs_name_their_set_overrides(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/o.db"
    assert main(["run", "baseline", "--households", "400", "--months", "13", "--db", url,
                 "--set", "policy.marginal_multiplier=2.0"]) == 0
    capsys.readouterr()
    assert main(["results", "list", "--db", url]) == 0
    assert "run baseline [policy.marginal_multiplier=2.0]" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "behaviour.apply_prb=0.04:0.12", "--n", "2"],
     "--param: unknown key 'behaviour.apply_prb'; did you mean 'behaviour.apply_prob'?"),
    (["--param", "behaviour.apply_prob=0.12:0.04", "--n", "2"],
     "--param behaviour.apply_prob=0.12:0.04: empty range (LOW must be < HIGH)"),
    (["--param", "behaviour.apply_prob=0.04:0.12", "--method", "sobol", "--n", "3"],
     "--n 3: expected a power of 2 for --method sobol (Saltelli sampling), e.g. 2 or 4"),
])
def test_sensitivity_errors_name_the_flag_the_user_typed(capsys, args, message):
    assert main(["sensitivity", "baseline", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "--vary" not in err and "Traceback" not in err


def test_run_title_names_the_set_overrides(capsys):
    assert main(["run", "baseline", "--households", "500", "--months", "2", "--no-store",
                 "--set", "policy.marginal_multiplier=2.0"]) == 0
    title = " ".join(capsys.readouterr().out.split("=" * 20)[0].split())
    assert title.startswith("reliefsim run: baseline [policy.marginal_multiplier=2.0] — 500")


def test_compare_says_where_it_stored_the_experiment(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/c.db"
    assert main(["compare", "exit_0", "exit_12", "--reps", "2", "--households", "400",
                 "--months", "13", "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"stored as experiment 1 in {url}; see: reliefsim report 1 --db {url}" in out


def test_scenario_listing_shows_dated_values_and_uprating(capsys):
    assert main(["scenario", "baseline", "--grep", "policy.dibao_line"]) == 0
    out = capsys.readouterr().out
    # 1,320 from 2022-07, uprated 3 % for each whole year since: one by 2024-01, 1,359.6
    assert out.splitlines()[0].startswith("baseline: values in force in 2024-01")
    assert out.splitlines()[1].split()[:2] == ["policy.dibao_line", "1359.6"]
    assert "dated: 710.0 from 2015-01" in out
    assert "1320.0 from 2022-07, then +3.0% for each whole year" in out


def test_scenario_listing_at_a_month_shows_a_reform_year_by_year(capsys):
    """The issue's check: a reform from the start keeps the uprating; a dated one leaves earlier
    months at the scenario's values."""
    assert main(["scenario", "baseline", "--set", "policy.dibao_line=1400", "--at", "2028-01",
                 "--grep", "policy.dibao_line"]) == 0
    out = capsys.readouterr().out
    assert float(out.splitlines()[1].split()[1]) > 1400
    assert "reform (--set): policy.dibao_line = 1400.0" in out
    assert main(["scenario", "baseline", "--set", "policy.dibao_line=1400@2026-01", "--at",
                 "2025-06", "--grep", "policy.dibao_line"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:2] == ["policy.dibao_line", "1400.39"]   # 1320 × 1.03²


def test_a_negative_or_nan_line_in_any_month_exits_2_naming_key_and_month(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "baseline.toml"\n[policy.dibao_line]\ndated = { "2026-03" = -5 }\n'
                   'source = "x"\n', encoding="utf-8")
    assert main(["run", str(bad), "--no-store", "--households", "200", "--months", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "policy.dibao_line = -5" in err
    assert main(["run", "baseline", "--no-store", "--households", "200", "--months", "40",
                 "--set", "policy.dibao_line.uprating=nan"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "policy.dibao_line.uprating = nan" in err
    assert main(["run", "baseline", "--no-store", "--households", "200", "--months", "600",
                 "--set", "policy.dibao_line=90000@2030-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "policy.dibao_line = " in err and " in 20" in err


def test_run_progress_line_on_a_terminal_and_quiet_when_piped(tmp_path):
    import io

    from reliefsim.progress import MonthProgress

    out = io.StringIO()
    bar = MonthProgress("run baseline", out, force=True)
    bar(1, 4)
    bar.last = 0.0
    bar(2, 4)
    assert "run baseline: month 2/4 [########--------] 50 %" in out.getvalue()
    bar(4, 4)
    assert out.getvalue().endswith("\r")                     # the line is cleared at the end
    piped = MonthProgress("run baseline", io.StringIO())     # not a terminal: silent
    piped(1, 4)
    assert piped.stream.getvalue() == ""
    result = run_cli("run", "baseline", "--households", "500", "--months", "3", "--no-store")
    assert result.returncode == 0 and "month 1/3" not in result.stderr


def test_first_compile_is_announced_once(tmp_path, monkeypatch):
    import io

    from reliefsim import progress

    out = io.StringIO()
    monkeypatch.setattr(progress, "loops_compiled", lambda: False)
    assert progress.compile_note(out)
    assert "compiling the fast loops (numba) once after installing" in out.getvalue()
    assert len(out.getvalue().splitlines()) == 1
    monkeypatch.setattr(progress, "loops_compiled", lambda: True)
    assert not progress.compile_note(io.StringIO())


def test_run_summary_in_chinese(capsys):
    assert main(["run", "baseline", "--households", "500", "--months", "3", "--no-store",
                 "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    for text in ("reliefsim 运行", "漏保率", "错保率（按户）", "[missed_rate]", "百万元/年"):
        assert text in out, text


def test_a_seed_beyond_its_declared_range_is_refused_with_the_exact_bound(capsys):
    # the range [0, 2^63 - 1] is kept as whole numbers, not rounded through a float
    assert main(["run", "baseline", "--seed", str(2**63), "--households", "100", "--months",
                 "2", "--no-store"]) == 2
    assert "from 0 to 9,223,372,036,854,775,807" in capsys.readouterr().err
