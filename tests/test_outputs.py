"""reliefsim.outputs: the checks an output path gets before any work, and atomic writing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reliefsim import outputs
from reliefsim.errors import ReliefsimError
from special_files import occupied


def test_check_file_refuses_inputs_by_path_and_by_inode(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x", encoding="utf-8")
    twin = tmp_path / "twin.csv"
    os.link(data, twin)
    for out in (data, tmp_path / "." / "data.csv", twin):
        with pytest.raises(ReliefsimError, match="an input of this command"):
            outputs.check_file(out, "--output", inputs={"--households": data}, force=True)
    store = tmp_path / "store.db"            # an input still to be made (a new store) counts
    with pytest.raises(ReliefsimError, match="is the file of --db"):
        outputs.check_file(store, "--figure", inputs={"--db": [store]}, force=True)


@pytest.mark.parametrize(("kind", "message"), [
    ("folder", "is a folder"), ("fifo", "is a named pipe, not a regular file"),
    ("socket", "is a socket, not a regular file"), ("link", "is a symbolic link"),
    ("dangling link", "is a symbolic link"), ("file", "exists; give --force")])
def test_check_file_refuses_what_must_not_be_replaced(tmp_path, kind, message):
    victim = tmp_path / "victim"
    victim.write_text("v", encoding="utf-8")
    with occupied(tmp_path / "out.csv", kind, victim) as target, \
            pytest.raises(ReliefsimError, match=message):
        outputs.check_file(target, "--output", force=kind != "file")


def test_check_file_finds_an_unusable_folder_before_any_work(tmp_path):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ReliefsimError, match=r"file\.txt is a regular file, not a folder"):
        outputs.check_file(tmp_path / "file.txt" / "deeper" / "o.csv", "--output")
    with pytest.raises(ReliefsimError, match="names a folder"):
        outputs.check_file(f"{tmp_path}/new/", "--output")
    with pytest.raises(ReliefsimError, match="longer than this file system allows"):
        outputs.check_file(tmp_path / ("x" * 300), "--output")
    assert outputs.check_file(tmp_path / "new" / "deeper" / "o.csv", "--output")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]   # nothing made yet


def test_check_folder_checks_each_file_it_will_write(tmp_path):
    folder = tmp_path / "fc"
    assert outputs.check_folder(folder, "--out", ["a.csv", "b.png"]) == folder
    folder.mkdir()
    (folder / "b.png").write_text("old", encoding="utf-8")
    with pytest.raises(ReliefsimError, match=r"b\.png: exists; give --force"):
        outputs.check_folder(folder, "--out", ["a.csv", "b.png"])
    outputs.check_folder(folder, "--out", ["a.csv", "b.png"], force=True)
    (folder / "a.csv").mkdir()
    with pytest.raises(ReliefsimError, match="is a folder"):
        outputs.check_folder(folder, "--out", ["a.csv"], force=True)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ReliefsimError, match="is a regular file; expected a folder"):
        outputs.check_folder(tmp_path / "file", "--out", ["a.csv"])


def test_the_temporary_file_never_follows_a_link_planted_beside_the_target(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "export.csv"
    for name in (".export.csv.partial", ".export.csv.tmp", "export.csv.partial"):
        (tmp_path / name).symlink_to(victim)     # the names an attacker would guess
    outputs.write_text(target, "data\n", force=False)
    assert target.read_text(encoding="utf-8") == "data\n" and not target.is_symlink()
    assert victim.read_text(encoding="utf-8") == "precious"
    assert target.stat().st_mode & 0o777 != 0o600     # the usual permissions, not mkstemp's


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "new" / "deeper" / "out.bin"
    with pytest.raises(RuntimeError), outputs.replacing(target) as fh:
        fh.write(b"half")
        raise RuntimeError("the writer failed")
    assert list(tmp_path.iterdir()) == []          # no temporary file, no folders made for it


def test_writing_refuses_what_appeared_meanwhile(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(ReliefsimError, match="is a folder"), outputs.replacing(target) as fh:
        fh.write(b"x")
        target.mkdir()
    assert target.is_dir() and list(target.iterdir()) == []
    other = tmp_path / "later.csv"
    with pytest.raises(ReliefsimError, match="exists"), \
            outputs.replacing(other, force=False) as fh:
        fh.write(b"x")
        other.write_text("someone else's", encoding="utf-8")
    assert other.read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["later.csv", "out.csv"]


def test_inputs_must_be_regular_files(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ReliefsimError, match="is a named pipe, not a regular file"):
        outputs.check_input(tmp_path / "pipe", "--households")
    with pytest.raises(ReliefsimError, match="file not found"):
        outputs.check_input(tmp_path / "none.csv")
    (tmp_path / "real.csv").write_text("x", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    assert outputs.check_input(tmp_path / "link.csv") == Path(tmp_path / "link.csv")


def test_text_cells_are_neutralised_for_spreadsheets():
    import pandas as pd

    assert [outputs.neutralise(v) for v in ("=1+1", "+1", "-5", "@SUM(A1)", "\tx", "\rx",
                                            "plain", 3, -2.5, None)] == [
        "'=1+1", "'+1", "'-5", "'@SUM(A1)", "'\tx", "'\rx", "plain", 3, -2.5, None]
    frame = pd.DataFrame({"id": ["=cmd", "ok"], "value": [-1.0, 2.0]})
    out = outputs.neutralise_frame(frame)
    assert list(out["id"]) == ["'=cmd", "ok"] and list(out["value"]) == [-1.0, 2.0]
    assert list(frame["id"]) == ["=cmd", "ok"]          # the caller's frame is left alone


def test_a_text_cell_holding_a_line_break_reads_back_as_one_cell(tmp_path):
    import csv

    import pandas as pd

    frame = pd.DataFrame({"household_id": ["0\r0", "a\nb", "c"], "tier": ["dibao", "none", "x"]})
    path = outputs.write_csv(frame, tmp_path / "tiers.csv")
    assert path.read_bytes().startswith(b"household_id,tier\r\n")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["household_id"], r["tier"]) for r in rows] == [
        ("0\r0", "dibao"), ("a\nb", "none"), ("c", "x")]
