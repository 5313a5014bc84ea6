"""Import household microdata (RULES.md §7: ``households.csv`` + ``members.csv``) as facts.

Every problem is reported as one :class:`ReliefsimError` naming the file, the line and the
column; nothing is half-read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reliefsim.codes import DISABILITY_LEVELS, RIGID_ITEMS, STUDENT_LEVELS
from reliefsim.errors import ReliefsimError
from reliefsim.facts import Facts
from reliefsim.population import Population

HOUSEHOLD_MONEY = ("wages", "pensions", "other_income", "financial_assets", "floor_space_pc",
                   "rent", "income_12m", "medical_oop_12m", "care_12m", "rent_12m", "rehab_12m",
                   "education_12m")
HOUSEHOLD_FLAGS = ("car", "has_capable_supporter")
HOUSEHOLD_COLUMNS = ("household_id", *HOUSEHOLD_MONEY[:5], "homes_owned", "car", "rent",
                     "has_capable_supporter", *HOUSEHOLD_MONEY[6:])
MEMBER_COLUMNS = ("household_id", "age", "works", "disability", "serious_illness",
                  "unable_self_care", "student")
ITEM_COLUMNS = {item: f"{'medical_oop' if item == 'medical' else item}_12m"
                for item in RIGID_ITEMS}


MAX_AMOUNT = 1e12
"""Largest money amount (and weight, floor space) a file may hold: far above any household's,
and small enough that sums over a city stay finite."""
MAX_AGE = 150.0
INT8_MAX = int(np.iinfo(np.int8).max)
"""``homes_owned`` is stored as int8."""
CHUNK_ROWS = 100_000
"""Rows converted to columns at a time (memory stays linear in the rows, small per row)."""


@contextmanager
def _reader_errors(path: Path) -> Iterator[None]:
    """Turn a failure to read ``path`` into one clear error."""
    try:
        yield
    except FileNotFoundError:
        raise ReliefsimError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ReliefsimError(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise ReliefsimError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise ReliefsimError(f"{path}: malformed CSV ({exc})") from None
    except OSError as exc:
        raise ReliefsimError(f"{path}: cannot read ({exc.strerror or exc})") from None


@dataclass
class _Column:
    """How to read one column.

    ``kind`` is ``money`` (a number from 0 to MAX_AMOUNT), ``age``, ``int8``, ``flag`` (0 or 1),
    ``text`` (stripped) or ``choice`` (one of ``choices``, read as its index).
    """

    kind: str
    choices: tuple[str, ...] = ()


def _scan(path: Path, required: tuple[str, ...], columns: dict[str, _Column]
          ) -> dict[str, np.ndarray]:
    """Read the wanted columns of a CSV file, ``CHUNK_ROWS`` rows at a time.

    Rows are numbered as lines from 2 (the header is line 1), blank lines skipped. Optional
    columns absent from the header are left out of the result.
    """
    from reliefsim.outputs import check_input

    check_input(path)  # a pipe or a device is never read (it may never end)
    parts: dict[str, list[np.ndarray]] = {}
    with _reader_errors(path), path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ReliefsimError(f"{path}: empty file; expected a header line with "
                                 f"{', '.join(required)}")
        missing = [c for c in required if c not in header]
        if missing:
            raise ReliefsimError(f"{path}: missing column(s) {', '.join(missing)} "
                                 f"(expected {', '.join(required)})")
        twice = sorted({c for c in header if header.count(c) > 1 and c in columns})
        if twice:
            raise ReliefsimError(f"{path}: column {twice[0]} appears twice in the header")
        where = {name: header.index(name) for name in columns if name in header}
        parts = {name: [] for name in where}
        width = len(header)
        chunk: list[list[str]] = []
        first = 0
        for row in reader:
            if not row:
                continue
            if len(row) > width:
                raise ReliefsimError(f"{path}, line {reader.line_num}: more values than "
                                     f"columns in the header")
            if len(row) < width:
                row = row + [""] * (width - len(row))
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                _convert(path, chunk, first, where, columns, parts)
                first += len(chunk)
                chunk = []
        _convert(path, chunk, first, where, columns, parts)
    return {name: (np.concatenate(p) if p else np.zeros(0)) for name, p in parts.items()}


def _convert(path: Path, rows: list[list[str]], first: int, where: dict[str, int],
             columns: dict[str, _Column], parts: dict[str, list[np.ndarray]]) -> None:
    """Check and convert one chunk of rows, column by column."""
    if not rows:
        return
    by_column = list(zip(*rows, strict=True))  # rows were padded to the header's width
    for name, index in where.items():
        parts[name].append(_values(path, first, name, by_column[index], columns[name]))


def _values(path: Path, first: int, column: str, texts: tuple[str, ...], how: _Column
            ) -> np.ndarray:
    if how.kind == "text":
        return np.array([t.strip() for t in texts], dtype=object)
    if how.kind == "choice":
        code = {c: k for k, c in enumerate(how.choices)}
        codes = np.array([code.get(t, code.get(t.strip(), -1)) for t in texts], dtype=np.int8)
        bad = np.flatnonzero(codes < 0)
        if len(bad):
            k = int(bad[0])
            raise ReliefsimError(f"{path}, line {first + k + 2}, column {column}: {texts[k]!r}; "
                                 f"expected one of {', '.join(how.choices)}")
        return codes
    expected = {"flag": "0 or 1", "int8": f"a whole number from 0 to {INT8_MAX}",
                "age": f"a number from 0 to {MAX_AGE:g}"}.get(
                    how.kind, f"a number from 0 to {MAX_AMOUNT:.0e}".replace("e+", "e"))
    try:
        values = np.array(texts, dtype=np.float64)
    except ValueError:  # find the first text that is not a number, as float() reads them
        for k, text in enumerate(texts):
            line = first + k + 2
            if not text.strip():
                raise ReliefsimError(f"{path}, line {line}, column {column}: empty; expected "
                                     f"{expected}") from None
            try:
                float(text)
            except ValueError:
                raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r} is not a "
                                     f"number; expected {expected}") from None
        raise  # pragma: no cover - numpy and float() agree on what a number is
    high = {"flag": 1.0, "int8": float(INT8_MAX), "age": MAX_AGE}.get(how.kind, MAX_AMOUNT)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values < 0) | (values > high)
        if how.kind in ("flag", "int8"):
            bad |= values != np.floor(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ReliefsimError(f"{path}, line {first + k + 2}, column {column}: {texts[k]!r}; "
                             f"expected {expected}")
    if how.kind == "flag":
        return values.astype(bool)
    if how.kind == "int8":
        return values.astype(np.int8)
    return values


def build_facts(hh: np.ndarray, house: dict[str, np.ndarray], member: dict[str, np.ndarray],
                rigid_items: tuple[str, ...] | list[str] = RIGID_ITEMS) -> Facts:
    """Facts of households given as columns named as in the CSV files (RULES.md §7).

    Money is yuan per month except the ``_12m`` columns (sums over the last 12 months): they
    become the rigid-expenditure window (the items in ``rigid_items``) and its income, and this
    month's medical, care, rehabilitation and education costs are their 12-month average.

    Args:
        hh: per member, its household's index (ascending).
        house: household columns (:data:`HOUSEHOLD_COLUMNS` but the identifier, plus
            ``registered`` and, optionally, this month's disaster ``damage`` code).
        member: member columns (:data:`MEMBER_COLUMNS` but the identifier), as numbers and
            codes, and optionally each member's own ``wage`` and ``pension``.
        rigid_items: the policy's rigid-expenditure items.
    """
    n = len(house["wages"])
    facts = Facts.zeros(np.asarray(hh, dtype=np.int64), n, 1)
    facts.age[:] = member["age"]
    facts.alive[:] = True
    for name in ("works", "serious_illness", "unable_self_care"):
        getattr(facts, name)[:] = np.asarray(member[name]).astype(bool)
    facts.disability[:] = member["disability"]
    facts.student[:] = member["student"]
    facts.smartphone[:] = True
    for name in ("wage", "pension"):  # a member's own income, where given
        if name in member:
            getattr(facts, name)[:] = member[name]
    for name in ("wages", "pensions", "other_income", "financial_assets", "floor_space_pc",
                 "rent", "homes_owned", "car", "has_capable_supporter", "registered"):
        getattr(facts, name)[:] = house[name]
    if "damage" in house:
        facts.damage[:] = house["damage"]
    facts.medical_oop[:] = house["medical_oop_12m"] / 12
    facts.care[:] = house["care_12m"] / 12
    facts.rehab[:] = house["rehab_12m"] / 12
    facts.education[:] = house["education_12m"] / 12
    facts.income_window[:] = house["income_12m"]
    facts.rigid_window[:] = sum((np.asarray(house[ITEM_COLUMNS[i]], dtype=float)
                                 for i in rigid_items), np.zeros(n))
    return facts


def read_microdata(households: str | Path, members: str | Path,
                   rigid_items: tuple[str, ...] = RIGID_ITEMS) -> Population:
    """Read the two CSV files into a population whose facts the rules can assess.

    Money is yuan per month except the ``_12m`` columns (sums over the last 12 months), which
    become the rigid-expenditure window sums; the month's rigid items are their 12-month average.
    Every value is checked against what it is stored as: amounts 0 to :data:`MAX_AMOUNT`,
    ``homes_owned`` a whole number 0 to 127 (int8), flags (``registered`` too) 0 or 1, ages 0 to
    150. Time and memory grow linearly with the rows (columns are converted :data:`CHUNK_ROWS`
    rows at a time).

    Raises:
        ReliefsimError: naming the file, line and column of the first problem found.
    """
    import pandas as pd

    hpath, mpath = Path(households), Path(members)
    money_col, flag_col = _Column("money"), _Column("flag")
    hcols = {"household_id": _Column("text"), **dict.fromkeys(HOUSEHOLD_MONEY, money_col),
             "homes_owned": _Column("int8"), **dict.fromkeys(HOUSEHOLD_FLAGS, flag_col),
             "registered": flag_col, "weight": money_col, "street": _Column("text")}
    mcols = {"household_id": _Column("text"), "age": _Column("age"),
             **dict.fromkeys(("works", "serious_illness", "unable_self_care"), flag_col),
             "disability": _Column("choice", DISABILITY_LEVELS),
             "student": _Column("choice", STUDENT_LEVELS)}
    house = _scan(hpath, HOUSEHOLD_COLUMNS, hcols)
    people = _scan(mpath, MEMBER_COLUMNS, mcols)
    hids = house["household_id"]
    n = len(hids)
    empty = np.flatnonzero(hids == "")
    if len(empty):
        raise ReliefsimError(f"{hpath}, line {int(empty[0]) + 2}, column household_id: empty")
    index = pd.Index(hids)
    repeated = np.flatnonzero(index.duplicated())
    if len(repeated):
        k = int(repeated[0])
        first = int(np.flatnonzero(hids == hids[k])[0])
        raise ReliefsimError(f"{hpath}, line {k + 2}, column household_id: {hids[k]!r} appears "
                             f"twice (first on line {first + 2})")
    money = {c: house[c] for c in HOUSEHOLD_MONEY}
    homes = house["homes_owned"].astype(np.int8)
    flags = {c: house[c].astype(bool) for c in HOUSEHOLD_FLAGS}
    registered = house["registered"].astype(bool) if "registered" in house else np.ones(n, bool)
    weight = house["weight"] if "weight" in house else np.ones(n)
    streets = house["street"] if "street" in house else np.full(n, "", dtype=object)
    codes, street_names = pd.factorize(pd.Series(streets, dtype=object), sort=True)
    street = codes.astype(np.int32)
    street_names = [str(name) for name in street_names]

    hh = index.get_indexer(pd.Index(people["household_id"])).astype(np.int64)
    unknown = np.flatnonzero(hh < 0)
    if len(unknown):
        k = int(unknown[0])
        raise ReliefsimError(f"{mpath}, line {k + 2}, column household_id: "
                             f"{people['household_id'][k]!r} is not in {hpath.name}")
    cols = {c: people[c] for c in MEMBER_COLUMNS[1:]}
    counts = np.bincount(hh, minlength=n)
    if n and (counts == 0).any():
        k = int(np.flatnonzero(counts == 0)[0])
        raise ReliefsimError(f"{hpath}, line {k + 2}, column household_id: household "
                             f"{hids[k]!r} has no members in {mpath.name}")
    # households street by street (each street a district of its own), members with them
    by_street = np.argsort(street, kind="stable")
    new_index = np.empty(n, dtype=np.int64)
    new_index[by_street] = np.arange(n)
    hh = new_index[hh]
    money = {c: col[by_street] for c, col in money.items()}
    homes, weight, street = homes[by_street], weight[by_street], street[by_street]
    flags = {c: col[by_street] for c, col in flags.items()}
    hids = hids[by_street]
    order = np.argsort(hh, kind="stable")
    m = len(hh)
    member = {c: np.asarray(v)[order] if m else np.zeros(0) for c, v in cols.items()}
    house = {**money, "homes_owned": homes, **flags, "registered": registered[by_street]}
    facts = build_facts(hh[order], house, member, rigid_items)
    return Population(facts, weight, street, street.copy(), np.zeros(n, dtype=bool),
                      np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.float32),
                      tuple(name or "(no street)" for name in street_names), by_street, hids)
