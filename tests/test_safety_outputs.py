"""Output files: checked before any work, never an input, folder, device, pipe, socket or link,
written through an exclusive temporary file beside the target, replaced only with --force."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reliefsim.calibrate import CALIBRATED_MARKER, check_calibrated_target
from reliefsim.cli import main
from reliefsim.errors import ReliefsimError
from special_files import occupied
from test_cli import GOOD_HOUSEHOLDS, HOUSEHOLD_HEADER, write_csv

TINY = ["--households", "60", "--months", "2"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "reliefsim.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("reliefsim: error: ") and "Traceback" not in err


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry of a folder: file bytes, link targets, kinds."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p)] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p)] = p.read_bytes()
        else:
            out[str(p)] = "dir" if p.is_dir() else "special"
    return out


def classify_args(h, m, out, *extra):
    return ["classify", "--households", str(h), "--members", str(m), "--output", str(out),
            *extra]


# ---------------------------------------------------------------- the checks themselves
def test_an_output_that_is_an_input_is_refused_by_path_and_by_inode(tmp_path, capsys):
    h, m = write_csv(tmp_path)
    twin = tmp_path / "twin.csv"
    os.link(h, twin)                                  # the same file under another name
    before = snapshot(tmp_path)
    for out in (h, m, tmp_path / "." / "households.csv", twin):
        assert main(classify_args(h, m, out, "--force")) == 2
        err = capsys.readouterr().err
        assert one_line(err) and "an input of this command" in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["folder", "fifo", "socket", "link", "dangling link"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, capsys,
                                                                          kind):
    h, m = write_csv(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    with occupied(tmp_path / "out.csv", kind, victim) as target:
        before = snapshot(tmp_path)
        assert main(classify_args(h, m, target, "--force")) == 2
        err = capsys.readouterr().err
        assert one_line(err) and f"--output {target}" in err, err
        assert snapshot(tmp_path) == before
        assert victim.read_text(encoding="utf-8") == "precious"


def test_an_existing_output_needs_force_and_is_then_replaced_whole(tmp_path, capsys):
    h, m = write_csv(tmp_path)
    out = tmp_path / "tiers.csv"
    out.write_text("old", encoding="utf-8")
    assert main(classify_args(h, m, out)) == 2
    assert "exists; give --force to replace it" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "old"
    assert main(classify_args(h, m, out, "--force")) == 0
    assert out.read_text(encoding="utf-8").startswith("household_id,tier")
    assert out.stat().st_mode & 0o777 != 0o600     # the usual permissions, not mkstemp's
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_file_size_limit_while_writing_is_one_line_and_nothing_is_left(tmp_path,
                                                                        tmp_path_factory):
    h, m = write_csv(tmp_path, households=[*GOOD_HOUSEHOLDS,
                                           *(f"x{k},1,0,0,0,1,20,0,0,0,12,0,0,0,0,0"
                                             for k in range(3000))],
                     members=[f"x{k},40,1,none,0,0,none" for k in range(3000)]
                     + ["a,35,1,none,0,0,none", "b,75,0,none,0,1,none", "c,40,1,none,0,0,none"])
    out = tmp_path / "tiers.csv"
    # numba's cache in a folder of the test's own, filled by a first run without the limit,
    # so the limit meets the file under test and not a cache file
    aside = tmp_path_factory.mktemp("warm")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(aside / "numba")}
    warm = f"from reliefsim.cli import main; main({classify_args(h, m, aside / 'warm.csv')!r})"
    subprocess.run([sys.executable, "-c", warm], capture_output=True, timeout=300, env=env)
    code = ("import resource, sys; from reliefsim.cli import main; "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000)); "
            f"sys.exit(main({classify_args(h, m, out)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 2 and one_line(result.stderr), result.stderr
    assert "cannot write (File too large)" in result.stderr
    assert not out.exists() and [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert {p.name for p in tmp_path.iterdir()} - {"numba"} == {"households.csv", "members.csv"}


# ---------------------------------------------------------------- before any work
@pytest.mark.parametrize(("args", "message"), [
    (["run", "baseline", *TINY, "--figure", "."], "--figure .: names a folder"),
    (["run", "baseline", *TINY, "--figure", "sub"], "--figure sub: is a folder"),
    (["run", "baseline", *TINY, "--figure", "store.db", "--db", "sqlite:///store.db"],
     "is the file of --db"),
    (["run", "baseline", *TINY, "--figure", "file.txt/f.png"], "file.txt is a regular file, "
                                                               "not a folder"),
    (["forecast", "baseline", "--households", "60", "--reps", "2", "--years", "1", "--out",
      "file.txt"], "--out file.txt: is a regular file; expected a folder"),
    (["forecast", "baseline", "--households", "60", "--reps", "2", "--years", "1", "--out",
      "file.txt/fc"], "file.txt is a regular file, not a folder"),
    (["report", "1", "--db", "sqlite:///store.db", "--out", "file.txt/r"],
     "file.txt is a regular file, not a folder"),
    (["results", "export", "1", "--db", "sqlite:///store.db", "--out", "sub"],
     "--out sub: is a folder"),
    (["results", "export", "1", "--db", "sqlite:///store.db", "--out", "store.db", "--force"],
     "is the file of --db"),
    (["results", "export", "1", "--db", "sqlite:///store.db", "--format", "xlsx", "--out",
      "file.txt"], "--out file.txt: exists; give --force"),
    (["compare", "exit_0", "exit_12", "--reps", "2", *TINY, "--xlsx", "sub"],
     "--xlsx sub: is a folder"),
    (["sweep", "baseline", "--vary", "policy.exit_period_months=0,6", *TINY, "--db",
      "sqlite:///store.db", "--xlsx", "store.db", "--force"], "is the file of --db"),
    (["sensitivity", "baseline", "--param", "behaviour.apply_prob=0.04:0.12", "--n", "2",
      *TINY, "--no-store", "--figure", "file.txt"], "--figure file.txt: exists; give --force"),
    (["sensitivity", "baseline", "--param", "behaviour.apply_prob=0.04:0.12", "--n", "2",
      *TINY, "--no-store", "--figure", "f.png", "--xlsx", "f.png"], "both name f.png"),
])
def test_output_problems_are_found_before_any_work(tmp_path, monkeypatch, capsys, args,
                                                   message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "file.txt").write_text("keep", encoding="utf-8")
    if args[0] in ("report", "results") or "sqlite:///store.db" in args:
        assert main(["run", "baseline", *TINY, "--db", f"sqlite:///{tmp_path / 'store.db'}"]
                    ) == 0
    capsys.readouterr()
    before = snapshot(tmp_path)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert one_line(err) and message in err, err
    assert "runs" not in err and out == ""    # no run started
    assert snapshot(tmp_path) == before


def test_forecast_and_report_refuse_their_own_earlier_files_without_force(tmp_path, capsys):
    fc = tmp_path / "fc"
    args = ["forecast", "baseline", "--households", "60", "--reps", "2", "--years", "1",
            "--out", str(fc)]
    assert main(args) == 0
    first = snapshot(fc)
    assert sorted(Path(p).name for p in first) == ["forecast.csv", "forecast.png",
                                                   "forecast.xlsx", "forecast_validation.csv"]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "forecast.csv: exists; give --force" in err and "runs" not in err
    assert snapshot(fc) == first
    assert main([*args, "--force"]) == 0
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["run", "baseline", *TINY, "--db", db]) == 0
    report = tmp_path / "rep"
    assert main(["report", "1", "--db", db, "--out", str(report)]) == 0
    capsys.readouterr()
    assert main(["report", "1", "--db", db, "--out", str(report)]) == 2
    assert "report.html: exists; give --force" in capsys.readouterr().err
    assert main(["report", "1", "--db", db, "--out", str(report), "--force"]) == 0


def test_export_csv_neutralises_formula_text(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["sweep", "baseline", "--vary", "policy.exit_period_months=0,6", *TINY,
                 "--db", db, "--name", "=HYPERLINK(\"http://evil\")"]) == 0
    out = tmp_path / "e.csv"
    assert main(["results", "export", "1", "--db", db, "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["experiment"] for r in rows} == {"'=HYPERLINK(\"http://evil\")"}


def test_classify_output_neutralises_formula_ids(tmp_path, capsys):
    rows = ['"=HYPERLINK(""http://x"")",500,0,0,0,1,20,0,0,0,6000,0,0,0,0,0',
            "-5,500,0,0,0,1,20,0,0,0,6000,0,0,0,0,0", "@x,500,0,0,0,1,20,0,0,0,6000,0,0,0,0,0",
            "plain,500,0,0,0,1,20,0,0,0,6000,0,0,0,0,0"]
    members = ['"=HYPERLINK(""http://x"")",35,1,none,0,0,none', "-5,35,1,none,0,0,none",
               "@x,35,1,none,0,0,none", "plain,35,1,none,0,0,none"]
    h, m = write_csv(tmp_path, households=rows, members=members, hheader=HOUSEHOLD_HEADER)
    out = tmp_path / "tiers.csv"
    assert main(classify_args(h, m, out)) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        ids = [r["household_id"] for r in csv.DictReader(fh)]
    assert ids == ["'=HYPERLINK(\"http://x\")", "'-5", "'@x", "plain"]


def test_calibrate_writes_only_its_own_files_or_with_force(tmp_path):
    calibration = tmp_path / "cal.toml"
    calibration.write_text("x = 1\n", encoding="utf-8")
    scenario = tmp_path / "mine.toml"
    scenario.write_text('extends = "baseline.toml"\n', encoding="utf-8")
    for target in (calibration, scenario):
        with pytest.raises(ReliefsimError, match="an input of this command"):
            check_calibrated_target(target, calibration, str(scenario), force=True)
    ours = tmp_path / "calibrated.toml"
    ours.write_text(f"{CALIBRATED_MARKER} cal.toml` on 2026-01-01.\n", encoding="utf-8")
    assert check_calibrated_target(ours, calibration, str(scenario)) == ours
    (tmp_path / "calibrated.fit.json").symlink_to(tmp_path / "elsewhere.json")  # its record
    with pytest.raises(ReliefsimError, match=r"calibrated\.fit\.json: is a symbolic link"):
        check_calibrated_target(ours, calibration, str(scenario), force=True)
    notes = tmp_path / "notes.toml"
    notes.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(ReliefsimError, match="exists; give --force"):
        check_calibrated_target(notes, calibration, str(scenario))
    assert check_calibrated_target(notes, calibration, str(scenario), force=True) == notes
    os.mkfifo(tmp_path / "pipe.toml")                  # never opened (that would block)
    with pytest.raises(ReliefsimError, match="named pipe"):
        check_calibrated_target(tmp_path / "pipe.toml", calibration, str(scenario), force=True)


def test_inputs_that_are_not_regular_files_are_refused_without_reading(tmp_path, capsys):
    _, m = write_csv(tmp_path)
    os.mkfifo(tmp_path / "pipe.csv")
    assert main(classify_args(tmp_path / "pipe.csv", m, tmp_path / "o.csv")) == 2
    assert "pipe.csv: is a named pipe, not a regular file" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "pipe.csv")]) == 2
    assert "is a named pipe, not a regular file" in capsys.readouterr().err
