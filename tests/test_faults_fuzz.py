"""Property-based fuzzing of the inputs: scenario files, ``--set`` values and the two CSV files.

Whatever the input, the command either runs (at a tiny size) or exits 2 with one line
``reliefsim: error: …`` — never a traceback, never the last-resort "internal error" — and a
refused classification writes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliefsim.cli import main
from reliefsim.microdata import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from reliefsim.scenario import load_scenario

BASE = load_scenario("baseline")
KEYS = sorted(BASE.params)
TINY = ["--households", "40", "--months", "2", "--no-store"]
FUZZ = settings(max_examples=30, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def run_main(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: a malformed command line exits 2, one line
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def assert_runs_or_one_line(code: int, err: str, args: list[str]) -> None:
    assert code in (0, 2), (code, err, args)
    assert "Traceback" not in err, err
    assert "internal error" not in err, (err, args)
    if code == 2:
        lines = [line for line in err.splitlines() if line.startswith("reliefsim: error:")]
        assert len(lines) == 1, (err, args)


# ---------------------------------------------------------------- values of every kind
numbers = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e-308, 2**63, 2**63 - 1, 5_000_000, 600]))
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def toml_value(depth: int = 0) -> st.SearchStrategy[str]:
    """A TOML value as text (lists nest a little)."""
    scalars = st.one_of(
        numbers.map(lambda x: _toml_number(x)),
        st.booleans().map(lambda b: "true" if b else "false"),
        texts.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
        st.sampled_from(['"2024-01"', '"1999-13"', '"medical"', '"dibao"', "[]", "{}",
                         "1979-05-27", '"none"', "inf", "-inf", "nan"]))
    if depth >= 2:
        return scalars
    return st.one_of(scalars, st.lists(toml_value(depth + 1), max_size=4).map(
        lambda items: "[" + ", ".join(items) + "]"))


def _toml_number(x: float) -> str:
    if isinstance(x, float):
        if x != x:
            return "nan"
        if x in (float("inf"), float("-inf")):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    return str(x)


def spec_value(key: str) -> st.SearchStrategy[str]:
    """Values of the declared type, at and near the ends of the declared range."""
    spec = BASE.params[key].spec
    if spec.kind in ("float", "int"):
        low = spec.low if spec.low is not None else -1e9
        high = spec.high if spec.high is not None else 1e9
        picks = st.sampled_from([low, high, (low + high) / 2, low + (high - low) * 1e-6])
        if spec.kind == "int":
            return picks.map(lambda x: str(int(x)))
        return picks.map(lambda x: repr(float(x)))
    if spec.kind == "bool":
        return st.sampled_from(["true", "false"])
    if spec.kind == "month":
        return st.sampled_from(['"1900-01"', '"2024-01"', '"2099-12"'])
    if spec.kind == "list[str]" and spec.choices:
        return st.lists(st.sampled_from(list(spec.choices)), unique=True, max_size=len(
            spec.choices)).map(lambda xs: "[" + ", ".join(f'"{x}"' for x in xs) + "]")
    value = BASE.params[key].value
    return st.just(repr(value).replace("'", '"').replace("True", "true").replace(
        "False", "false") if value is not None else "0")


# ---------------------------------------------------------------- --set
set_items = st.one_of(
    st.sampled_from(KEYS).flatmap(lambda k: spec_value(k).map(lambda v: f"{k}={v}")),
    st.sampled_from(KEYS).flatmap(lambda k: spec_value(k).map(lambda v: f"{k}={v}")),
    st.tuples(st.sampled_from(KEYS), toml_value()).map(lambda kv: f"{kv[0]}={kv[1]}"),
    st.tuples(st.sampled_from(KEYS), toml_value(), st.sampled_from(
        ["2025-01", "2023-12", "2030-06", "0000-00", "2024-1", "x"])).map(
        lambda kv: f"{kv[0]}={kv[1]}@{kv[2]}"),
    st.tuples(st.sampled_from(KEYS), numbers).map(lambda kv: f"{kv[0]}.uprating="
                                                             f"{_toml_number(kv[1])}"),
    texts,
    st.sampled_from(["=", "policy.dibao_line", "policy.dibao_line=", "=1",
                     "policy.dibao_line=" + "[" * 3000 + "]" * 3000,
                     "policy.rigid_items=" + "[" * 400,
                     "policy.dibao_line=1400@", "run.months=0", "run.households=-1"]))


@FUZZ
@given(items=st.lists(set_items, min_size=1, max_size=3))
def test_any_set_value_runs_or_is_one_clear_error(items):
    args = ["run", "baseline", *TINY]
    for item in items:
        args += ["--set", item]
    code, _, err = run_main(args)
    assert_runs_or_one_line(code, err, args)


# ---------------------------------------------------------------- scenario files
def leaf(key: str) -> st.SearchStrategy[str]:
    plain = st.one_of(toml_value(), spec_value(key), spec_value(key)).map(
        lambda v: f"[{key}]\nvalue = {v}\n")
    dated = st.lists(st.tuples(st.sampled_from(["2020-01", "2024-06", "2031-02", "20-1"]),
                               toml_value(1)), min_size=0, max_size=3).map(
        lambda items: f"[{key}]\ndated = {{ " + ", ".join(f'"{d}" = {v}' for d, v in items)
        + " }\n")
    rule = numbers.map(lambda x: f"[{key}]\nuprating = {_toml_number(x)}\n")
    bare = toml_value().map(lambda v: f'"{key}" = {v}\n')
    declared = st.sampled_from(['type = "int"', 'range = [0, 1]', 'unit = "x"',
                                'source = ""', 'colour = 3']).map(
        lambda extra: f"[{key}]\nvalue = 1\n{extra}\n")
    return st.one_of(plain, dated, rule, bare, declared)


scenario_texts = st.one_of(
    st.lists(st.sampled_from(KEYS).flatmap(leaf), min_size=0, max_size=4).map(
        lambda parts: 'extends = "baseline.toml"\n' + "".join(parts)),
    st.lists(st.sampled_from(KEYS).flatmap(leaf), min_size=0, max_size=2).map(
        lambda parts: 'extends = "baseline.toml"\n[reform]\n' + "".join(
            p.replace("[", "# [") for p in parts)),
    st.sampled_from([
        'extends = "baseline.toml"\n[reform]\n"policy.dibao_line" = { value = 1400, from = "x" }',
        'extends = "/etc/passwd"\n', 'extends = "../../x.toml"\n', 'extends = 3\n',
        'include = ["/etc/hostname"]\nextends = "baseline.toml"\n',
        'include = "calibrated/beijing.toml"\nextends = "baseline.toml"\n',
        'extends = "self.toml"\n', "a = " + "[" * 2000 + "]" * 2000 + "\n",
        "x = {" * 600 + "}" * 600, "[" + "a." * 3000 + "b]\nvalue = 1\n", "\x00", "",
        'extends = "baseline.toml"\n[policy]\ndibao_line = { value = 1, dated = {} }\n']),
    texts)


@FUZZ
@given(text=scenario_texts)
def test_any_scenario_file_runs_or_is_one_clear_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("scenario")
    path = folder / "self.toml"
    path.write_text(text, encoding="utf-8")
    args = ["run", str(path), *TINY]
    code, _, err = run_main(args)
    assert_runs_or_one_line(code, err, args)


def test_a_long_extends_chain_and_a_cycle_are_one_line(tmp_path):
    for k in range(40):
        (tmp_path / f"s{k}.toml").write_text(f'extends = "s{k + 1}.toml"\n', encoding="utf-8")
    (tmp_path / "s40.toml").write_text('extends = "baseline.toml"\n', encoding="utf-8")
    code, _, err = run_main(["run", str(tmp_path / "s0.toml"), *TINY])
    assert code == 2 and "'extends' chain longer than" in err and err.count("\n") == 1
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    code, _, err = run_main(["run", str(tmp_path / "a.toml"), *TINY])
    assert code == 2 and "makes a cycle" in err and err.count("\n") == 1


def test_extends_and_include_stay_in_the_scenario_folders(tmp_path):
    secret = tmp_path / "outside.toml"
    secret.write_text("[policy.dibao_line]\nvalue = 1\n", encoding="utf-8")
    inner = tmp_path / "inner"
    inner.mkdir()
    for line in ('extends = "../outside.toml"\n', f'extends = "{secret}"\n',
                 'extends = "baseline.toml"\ninclude = ["../outside.toml"]\n'):
        (inner / "s.toml").write_text(line, encoding="utf-8")
        code, _, err = run_main(["run", str(inner / "s.toml"), *TINY])
        assert code == 2 and "no absolute path, no '..'" in err, err


# ---------------------------------------------------------------- the two CSV files
cells = st.one_of(
    st.sampled_from(["0", "1", "2", "1.5", "-1", "-0", "128", "127", "255", "1e12", "1e13",
                     "1e400", "nan", "inf", "", " ", "0x10", "1_000", "３", "twelve",
                     "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "\t1", "\r1", '"', "a,b",
                     "none", "mild", "severe", "primary", "tertiary", "\n"]),
    numbers.map(_toml_number), texts)
row_counts = st.integers(min_value=0, max_value=6)


valid_money = st.one_of(st.integers(0, 20_000).map(str), st.floats(0, 1e12).map(repr),
                        st.sampled_from(["0", "0.0", "1e12", "1320", "1e-300"]))
valid = {"homes_owned": st.integers(0, 127).map(str), "car": st.sampled_from(["0", "1"]),
         "registered": st.sampled_from(["0", "1"]),
         "has_capable_supporter": st.sampled_from(["0", "1", "1.0"]),
         "weight": valid_money, "street": st.one_of(texts, st.sampled_from(["s1", "s2", ""])),
         "age": st.floats(0, 150).map(repr), "works": st.sampled_from(["0", "1"]),
         "serious_illness": st.sampled_from(["0", "1"]),
         "unable_self_care": st.sampled_from(["0", "1"]),
         "disability": st.sampled_from(["none", "mild", "severe", " mild "]),
         "student": st.sampled_from(["none", "primary", "secondary", "tertiary"])}


@st.composite
def csv_files(draw):
    """Mostly valid files of a few households, with 0-2 cells, a column or a row spoilt."""
    hcols = list(HOUSEHOLD_COLUMNS) + draw(st.lists(st.sampled_from(
        ["weight", "street", "registered", "extra"]), max_size=3, unique=True))
    if draw(st.integers(0, 19)) == 0:
        hcols.append(draw(st.sampled_from(hcols)))   # a column named twice
    mcols = list(MEMBER_COLUMNS)
    ids = draw(st.lists(st.one_of(st.sampled_from(["a", "b", "=cmd|' /C calc'!A0", "-5",
                                                   "@x", "\tx"]), texts),
                        min_size=0, max_size=5, unique=True))
    households = [[hid if c == "household_id" else draw(valid.get(c, valid_money))
                   for c in hcols] for hid in ids]
    members = [[hid if c == "household_id" else draw(valid[c]) for c in mcols]
               for hid in ids for _ in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(0, 2))):
        table = draw(st.sampled_from([households, members]))
        if not table:
            continue
        row = draw(st.integers(0, len(table) - 1))
        what = draw(st.integers(0, 9))
        if what == 0:   # a short or long row
            table[row] = table[row][: draw(st.integers(0, len(table[row])))] + draw(
                st.lists(cells, max_size=2))
        else:
            table[row][draw(st.integers(0, len(table[row]) - 1))] = draw(cells)
    if draw(st.integers(0, 9)) == 0:
        hcols = [c for c in hcols if c != draw(st.sampled_from(hcols))]
    if draw(st.integers(0, 9)) == 0:
        members.append(["zz", *["0"] * (len(mcols) - 1)])
    return hcols, households, mcols, members


def write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(files=csv_files())
def test_any_csv_files_classify_or_are_one_clear_error(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("csv")
    hcols, households, mcols, members = files
    h, m, out = folder / "households.csv", folder / "members.csv", folder / "tiers.csv"
    write_table(h, hcols, households)
    write_table(m, mcols, members)
    before = (h.read_bytes(), m.read_bytes())
    args = ["classify", "--households", str(h), "--members", str(m), "--output", str(out)]
    code, _, err = run_main(args)
    assert_runs_or_one_line(code, err, args)
    assert (h.read_bytes(), m.read_bytes()) == before
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    if code == 2:
        assert not out.exists()
        return
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len({r[0] for r in households})
    for row in rows:   # nothing a spreadsheet would run as a formula
        assert not row["household_id"].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_bytes_that_are_not_text_are_one_clear_error(tmp_path):
    h, m = tmp_path / "h.csv", tmp_path / "m.csv"
    h.write_bytes(b"household_id,\xff\xfe\x00\x01\n")
    m.write_text(",".join(MEMBER_COLUMNS) + "\n", encoding="utf-8")
    code, _, err = run_main(["classify", "--households", str(h), "--members", str(m),
                             "--output", str(tmp_path / "o.csv")])
    assert code == 2 and "not a UTF-8 text file" in err
    h.write_bytes(b",".join(c.encode() for c in HOUSEHOLD_COLUMNS) + b"\na\x00b\n")
    code, _, err = run_main(["classify", "--households", str(h), "--members", str(m),
                             "--output", str(tmp_path / "o.csv")])
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err


@pytest.mark.parametrize("sample", ["lhs:²", "lhs:-1", "lhs:0", "lhs:", "lhs:1e3", "grid:3",
                                    "lhs:99999999999999999999999999999"])
def test_odd_samples_are_one_line(sample):
    args = ["sweep", "baseline", "--vary", "policy.dibao_line=1200:1600", "--sample", sample,
            "--households", "40", "--months", "2", "--db", "sqlite:///:memory:"]
    code, _, err = run_main(args)
    assert code == 2 and err.count("\n") == 1 and "internal error" not in err, err
