"""Input checks: every CSV value against what it is stored as, chunked reading, nesting."""

from __future__ import annotations

import pytest

from reliefsim import microdata
from reliefsim.cli import main
from reliefsim.errors import ReliefsimError
from reliefsim.microdata import read_microdata
from test_cli import GOOD_HOUSEHOLDS, GOOD_MEMBERS, HOUSEHOLD_HEADER, MEMBER_HEADER, write_csv


def household(hid: str, homes: str = "1", wages: str = "500") -> str:
    return f"{hid},{wages},0,0,0,{homes},20,0,0,0,6000,0,0,0,0,0"


@pytest.mark.parametrize(("homes", "ok"), [("127", True), ("128", False), ("1e3", False),
                                           ("-1", False), ("1.5", False), ("0", True)])
def test_homes_owned_is_checked_against_its_int8_storage(tmp_path, homes, ok):
    h, m = write_csv(tmp_path, households=[household("a", homes)], members=GOOD_MEMBERS[:2])
    if ok:
        assert int(read_microdata(h, m).facts.homes_owned[0]) == int(homes)
        return
    with pytest.raises(ReliefsimError, match=rf"line 2, column homes_owned: '{homes}'; "
                                             "expected a whole number from 0 to 127"):
        read_microdata(h, m)


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("wages", "1e13", "expected a number from 0 to 1e12"),
    ("wages", "inf", "expected a number from 0 to 1e12"),
    ("wages", "nan", "expected a number from 0 to 1e12"),
    ("age", "151", "expected a number from 0 to 150"),
    ("works", "0.5", "expected 0 or 1"),
    ("registered", "2", "expected 0 or 1"),
])
def test_numbers_are_checked_against_their_range(tmp_path, column, value, expected):
    hheader, households, members = HOUSEHOLD_HEADER, list(GOOD_HOUSEHOLDS), list(GOOD_MEMBERS)
    if column == "wages":
        households[1] = household("b", wages=value)
    elif column == "registered":
        hheader += ",registered"
        households = [f"{r},1" for r in households[:2]] + [f"{households[2]},{value}"]
    else:
        cells = members[2].split(",")
        cells[{"age": 1, "works": 2}[column]] = value
        members[2] = ",".join(cells)
    h, m = write_csv(tmp_path, households=households, members=members, hheader=hheader)
    with pytest.raises(ReliefsimError, match=f"column {column}: '{value}'; {expected}"):
        read_microdata(h, m)


def test_errors_name_the_right_line_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(microdata, "CHUNK_ROWS", 3)
    rows = [household(f"h{k}") for k in range(10)]
    rows[7] = household("h7", homes="300")
    members = [f"h{k},40,1,none,0,0,none" for k in range(10)]
    h, m = write_csv(tmp_path, households=rows, members=members)
    with pytest.raises(ReliefsimError, match="line 9, column homes_owned: '300'"):
        read_microdata(h, m)
    rows[7] = household("h7")
    members[8] = "h8,40,1,blind,0,0,none"
    h, m = write_csv(tmp_path, households=rows, members=members)
    with pytest.raises(ReliefsimError, match=r"members\.csv, line 10, column disability"):
        read_microdata(h, m)
    members[8] = "h8,40,1,none,0,0,none"
    h, m = write_csv(tmp_path, households=rows, members=members)
    pop = read_microdata(h, m)                       # ten households read across four chunks
    assert sorted(pop.text_ids) == sorted(f"h{k}" for k in range(10))


def test_a_column_named_twice_and_a_long_row_are_one_error(tmp_path):
    h, m = write_csv(tmp_path, hheader=HOUSEHOLD_HEADER + ",wages",
                     households=[f"{r},1" for r in GOOD_HOUSEHOLDS])
    with pytest.raises(ReliefsimError, match="column wages appears twice in the header"):
        read_microdata(h, m)
    h, m = write_csv(tmp_path, households=[*GOOD_HOUSEHOLDS[:2], GOOD_HOUSEHOLDS[2] + ",9"])
    with pytest.raises(ReliefsimError, match="line 4: more values than columns"):
        read_microdata(h, m)
    (tmp_path / "households.csv").write_text("", encoding="utf-8")
    with pytest.raises(ReliefsimError, match="empty file; expected a header line"):
        read_microdata(tmp_path / "households.csv", m)


def test_an_optional_registered_column_is_read(tmp_path):
    h, m = write_csv(tmp_path, hheader=HOUSEHOLD_HEADER + ",registered",
                     households=[f"{GOOD_HOUSEHOLDS[0]},0", f"{GOOD_HOUSEHOLDS[1]},1",
                                 f"{GOOD_HOUSEHOLDS[2]},1"], members=GOOD_MEMBERS)
    pop = read_microdata(h, m)
    registered = dict(zip(pop.text_ids, pop.facts.registered[: len(pop.text_ids)],
                          strict=True))
    assert registered == {"a": False, "b": True, "c": True}


def test_nesting_too_deep_is_one_line(tmp_path, capsys):
    deep = "[" * 5000 + "]" * 5000
    assert main(["run", "baseline", "--households", "40", "--months", "2", "--no-store",
                 "--set", f"policy.rigid_items={deep}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested too deeply" in err
    path = tmp_path / "deep.toml"
    path.write_text(f'extends = "baseline.toml"\nx = {deep}\n', encoding="utf-8")
    assert main(["run", str(path), "--households", "40", "--months", "2", "--no-store"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested too deeply" in err


def test_duplicate_vary_levels_are_refused(capsys):
    assert main(["sweep", "baseline", "--vary", "policy.exit_period_months=0,6,0",
                 "--db", "sqlite:///:memory:"]) == 2
    assert "level 0 given twice" in capsys.readouterr().err


def test_member_header_is_required(tmp_path):
    h, m = write_csv(tmp_path, mheader=MEMBER_HEADER.replace(",student", ""))
    with pytest.raises(ReliefsimError, match=r"missing column\(s\) student"):
        read_microdata(h, m)


def test_pipes_are_never_read_as_inputs(tmp_path, capsys):
    import os

    _, m = write_csv(tmp_path)
    os.mkfifo(tmp_path / "pipe")
    for args in (["check", str(tmp_path / "pipe")],
                 ["explain", "--households", str(tmp_path / "pipe"), "--members", str(m),
                  "--id", "a"]):
        assert main(args) == 2
        assert "pipe: is a named pipe, not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["run", "baseline", "--households", "abc"], ["nosuch"], [],
                                  ["run", "baseline", "--no-such-option"]])
def test_a_malformed_command_line_is_one_line(capsys, args):
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("reliefsim: error: ") and "--help" in err
