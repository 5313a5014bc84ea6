"""Import household microdata (RULES.md §7: ``households.csv`` + ``members.csv``) as facts.

Every problem is reported as one :class:`ReliefsimError` naming the file, the line and the
column; nothing is half-read.
"""

from __future__ import annotations

import csv
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


def _read(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise ReliefsimError(f"{path}: missing column(s) {', '.join(missing)} "
                                     f"(expected {', '.join(required)})")
            rows = []
            for row in reader:
                if None in row:
                    raise ReliefsimError(f"{path}, line {reader.line_num}: more values than "
                                         f"columns in the header")
                rows.append(row)
            return rows
    except FileNotFoundError:
        raise ReliefsimError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ReliefsimError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise ReliefsimError(f"{path}: malformed CSV ({exc})") from None


def _number(path: Path, line: int, column: str, text: str | None, *, integer: bool = False,
            flag: bool = False) -> float:
    what = "0 or 1" if flag else ("a whole number ≥ 0" if integer else "a number ≥ 0")
    if text is None or text.strip() == "":
        raise ReliefsimError(f"{path}, line {line}, column {column}: empty; expected {what}")
    try:
        value = float(text)
    except ValueError:
        raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r} is not a number; "
                             f"expected {what}") from None
    if not np.isfinite(value) or value < 0:
        raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r}; expected {what}")
    if (integer or flag) and value != int(value):
        raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r}; expected {what}")
    if flag and value not in (0, 1):
        raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r}; expected {what}")
    return value


def _choice(path: Path, line: int, column: str, text: str | None,
            choices: tuple[str, ...]) -> int:
    value = (text or "").strip()
    if value not in choices:
        raise ReliefsimError(f"{path}, line {line}, column {column}: {text!r}; expected one of "
                             f"{', '.join(choices)}")
    return choices.index(value)


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

    Raises:
        ReliefsimError: naming the file, line and column of the first problem found.
    """
    hpath, mpath = Path(households), Path(members)
    hrows = _read(hpath, HOUSEHOLD_COLUMNS)
    mrows = _read(mpath, MEMBER_COLUMNS)
    ids: dict[str, int] = {}
    for k, row in enumerate(hrows):
        hid = row["household_id"].strip()
        if not hid:
            raise ReliefsimError(f"{hpath}, line {k + 2}, column household_id: empty")
        if hid in ids:
            raise ReliefsimError(f"{hpath}, line {k + 2}, column household_id: {hid!r} appears "
                                 f"twice (first on line {ids[hid] + 2})")
        ids[hid] = k
    n = len(hrows)
    money = {c: np.array([_number(hpath, k + 2, c, r[c]) for k, r in enumerate(hrows)])
             for c in HOUSEHOLD_MONEY}
    homes = np.array([_number(hpath, k + 2, "homes_owned", r["homes_owned"], integer=True)
                      for k, r in enumerate(hrows)], dtype=np.int8)
    flags = {c: np.array([_number(hpath, k + 2, c, r[c], flag=True)
                          for k, r in enumerate(hrows)], dtype=bool) for c in HOUSEHOLD_FLAGS}
    has_registered = bool(hrows) and "registered" in hrows[0]
    registered = np.array([_number(hpath, k + 2, "registered", r["registered"], flag=True)
                           if has_registered else 1.0 for k, r in enumerate(hrows)], dtype=bool)
    has_weight = bool(hrows) and "weight" in hrows[0]
    weight = np.array([_number(hpath, k + 2, "weight", r["weight"]) if has_weight else 1.0
                       for k, r in enumerate(hrows)])
    streets = [(r.get("street") or "").strip() for r in hrows]
    street_names = sorted(set(streets))
    street_index = {name: k for k, name in enumerate(street_names)}
    street = np.array([street_index[s] for s in streets], dtype=np.int32)

    hh = np.zeros(len(mrows), dtype=np.int64)
    cols: dict[str, list] = {c: [] for c in MEMBER_COLUMNS[1:]}
    for k, row in enumerate(mrows):
        line = k + 2
        hid = row["household_id"].strip()
        if hid not in ids:
            raise ReliefsimError(f"{mpath}, line {line}, column household_id: {hid!r} is not in "
                                 f"{hpath.name}")
        hh[k] = ids[hid]
        cols["age"].append(_number(mpath, line, "age", row["age"]))
        for c in ("works", "serious_illness", "unable_self_care"):
            cols[c].append(_number(mpath, line, c, row[c], flag=True))
        cols["disability"].append(_choice(mpath, line, "disability", row["disability"],
                                          DISABILITY_LEVELS))
        cols["student"].append(_choice(mpath, line, "student", row["student"], STUDENT_LEVELS))
    counts = np.bincount(hh, minlength=n)
    if n and (counts == 0).any():
        k = int(np.flatnonzero(counts == 0)[0])
        raise ReliefsimError(f"{hpath}, line {k + 2}, column household_id: household "
                             f"{hrows[k]['household_id']!r} has no members in {mpath.name}")
    # households street by street (each street a district of its own), members with them
    by_street = np.argsort(street, kind="stable")
    new_index = np.empty(n, dtype=np.int64)
    new_index[by_street] = np.arange(n)
    hh = new_index[hh]
    money = {c: col[by_street] for c, col in money.items()}
    homes, weight, street = homes[by_street], weight[by_street], street[by_street]
    flags = {c: col[by_street] for c, col in flags.items()}
    hrows = [hrows[k] for k in by_street]
    order = np.argsort(hh, kind="stable")
    m = len(hh)
    member = {c: np.array(v)[order] if m else np.zeros(0) for c, v in cols.items()}
    house = {**{c: col for c, col in money.items()}, "homes_owned": homes, **flags,
             "registered": registered[by_street]}
    facts = build_facts(hh[order], house, member, rigid_items)
    ids = np.array([r["household_id"].strip() for r in hrows])
    return Population(facts, weight, street, street.copy(), np.zeros(n, dtype=bool),
                      np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.float32),
                      tuple(name or "(no street)" for name in street_names), by_street, ids)
