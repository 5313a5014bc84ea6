"""Parameters: what a valid value is, how a value moves over time, and how a reform changes it.

Every parameter is declared once, in the scenario file that introduces it (``scenarios/
baseline.toml``), with its type, range, unit, source and value::

    [policy.dibao_line]
    type = "float"
    range = [0, 100000]
    unit = "yuan/person/month"
    source = "Beijing Daily 2022-07-28"
    dated = { "2021-07" = 1245, "2022-07" = 1320 }
    uprating = 0.03            # a year's growth, applied past the last dated value

A value is in force from its date; ``value`` (instead of ``dated``) is in force from the run's
start. ``uprating`` multiplies the last value by (1 + uprating) for each whole year after it.

A **reform** changes a parameter from a month on and keeps its rule (:class:`Reform`): the
reformed value holds in that month, and afterwards the parameter moves as the scenario's own
would (its uprating and later dated steps, in proportion). A reform of ``KEY.uprating`` changes
the rule itself.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reliefsim.codes import VOCABULARIES
from reliefsim.errors import ReliefsimError

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KINDS = ("float", "int", "bool", "str", "month", "list[str]", "list[int]", "list[float]")
UPRATING_RANGE = (-0.5, 1.0)
"""Allowed annual uprating (a year's growth): from halving to doubling."""


def month_index(month: str, start: str) -> int:
    """Months from ``start`` to ``month`` (both "YYYY-MM")."""
    y1, m1 = int(month[:4]), int(month[5:])
    y0, m0 = int(start[:4]), int(start[5:])
    return (y1 - y0) * 12 + (m1 - m0)


def add_months(start: str, months: int) -> str:
    """The month ``months`` after ``start`` as "YYYY-MM"."""
    y, m = int(start[:4]), int(start[5:]) - 1 + months
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def to_toml(value: Any) -> str:
    """A value as TOML text (for messages and for the scenario text stored with results)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


@dataclass(frozen=True)
class Spec:
    """What a valid value of one parameter looks like (its declaration's ``type``, ``range``…).

    Attributes:
        kind: one of :data:`KINDS`.
        low: smallest allowed number (numbers and number lists), or None.
        high: largest allowed number, or None.
        choices: allowed strings (``str`` and ``list[str]``), or None.
        length: required length of a list, or None.
        sums_to: required sum of a number list, or None.
        increasing: a number list must rise strictly.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    length: int | None = None
    sums_to: float | None = None
    increasing: bool = False

    @property
    def numeric(self) -> bool:
        """A number (not a list, flag or text)."""
        return self.kind in ("float", "int")

    def describe(self) -> str:
        """Say in words what the spec expects, for error messages."""
        text = {"float": "a number", "int": "a whole number", "bool": "true or false",
                "str": "a string", "month": 'a month "YYYY-MM"',
                "list[str]": "a list of strings", "list[int]": "a list of whole numbers",
                "list[float]": "a list of numbers"}[self.kind]
        if self.length is not None:
            text = text.replace("a list of", f"a list of {self.length}")
        if self.low is not None and self.high is not None:
            text += f" between {self.low:g} and {self.high:g}"
        elif self.low is not None:
            text += f" ≥ {self.low:g}"
        elif self.high is not None:
            text += f" ≤ {self.high:g}"
        if self.choices:
            text += " from " + ", ".join(self.choices)
        if self.sums_to is not None:
            text += f", summing to {self.sums_to:g}"
        if self.increasing:
            text += ", rising"
        return text

    def problem(self, value: Any) -> str | None:
        """None when ``value`` fits, else a short explanation suffix (possibly empty)."""
        if self.kind.startswith("list["):
            if not isinstance(value, list):
                return ""
            item_spec = Spec(self.kind[5:-1], self.low, self.high, self.choices)
            for item in value:
                if item_spec.problem(item) is not None:
                    return f" (bad item {to_toml(item)})"
            if self.length is not None and len(value) != self.length:
                return f" (has {len(value)})"
            if self.sums_to is not None and abs(sum(value) - self.sums_to) > 1e-6:
                return f" (sums to {sum(value):g})"
            if self.increasing and any(b <= a for a, b in itertools.pairwise(value)):
                return " (not rising)"
            return None
        if self.kind == "bool":
            return None if isinstance(value, bool) else ""
        if self.kind in ("str", "month"):
            if not isinstance(value, str):
                return ""
            if self.kind == "month" and not MONTH_PATTERN.match(value):
                return ""
            if self.choices and value not in self.choices:
                return ""
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        if self.kind == "int" and not isinstance(value, int):
            return ""
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            return ""
        return None

    def coerce(self, value: Any) -> Any:
        """A whole number given for a ``float`` parameter becomes a float (1400 → 1400.0)."""
        if self.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if self.kind == "list[float]" and isinstance(value, list):
            return [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                    for v in value]
        return value


def spec_from_declaration(key: str, leaf: dict[str, Any], where: str) -> Spec:
    """The :class:`Spec` a declaration (``type``, ``range``, ``choices``, …) states.

    Raises:
        ReliefsimError: naming the file and key, for an unknown type or a malformed range.
    """
    kind = leaf.get("type")
    if kind is None:
        raise ReliefsimError(f"{where}: {key} declares no type; add type = \"float\" (or one of "
                             f"{', '.join(KINDS[1:])})")
    if kind not in KINDS:
        raise ReliefsimError(f"{where}: {key}.type = {to_toml(kind)}: expected one of "
                             f"{', '.join(KINDS)}")
    low = high = None
    if "range" in leaf:
        rng = leaf["range"]
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng)
                or any(math.isnan(x) for x in rng) or not rng[0] <= rng[1]):
            raise ReliefsimError(f"{where}: {key}.range must be [low, high] numbers with "
                                 "low ≤ high")
        # whole-number bounds of a whole-number parameter stay exact (a seed's 2^63 − 1)
        exact = kind == "int" and all(isinstance(b, int) for b in rng)
        low = None if math.isinf(rng[0]) else (rng[0] if exact else float(rng[0]))
        high = None if math.isinf(rng[1]) else (rng[1] if exact else float(rng[1]))
    elif kind in ("float", "int", "list[int]", "list[float]"):
        raise ReliefsimError(f"{where}: {key} declares no range; add range = [low, high]")
    choices = leaf.get("choices")
    if isinstance(choices, str):
        if choices not in VOCABULARIES:
            raise ReliefsimError(f"{where}: {key}.choices names {choices!r}; known "
                                 f"vocabularies: {', '.join(VOCABULARIES)}")
        choices = VOCABULARIES[choices]
    elif choices is not None:
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise ReliefsimError(f"{where}: {key}.choices must be a list of strings")
        choices = tuple(choices)
    length = leaf.get("length")
    if length is not None and (not isinstance(length, int) or isinstance(length, bool)
                               or length < 0):
        raise ReliefsimError(f"{where}: {key}.length must be a whole number")
    sums_to = leaf.get("sums_to")
    if sums_to is not None and (isinstance(sums_to, bool) or not isinstance(sums_to, int | float)):
        raise ReliefsimError(f"{where}: {key}.sums_to must be a number")
    return Spec(kind, low, high, choices, length,
                None if sums_to is None else float(sums_to), bool(leaf.get("increasing", False)))


@dataclass(frozen=True)
class Param:
    """One parameter: its declaration, its value over time and its provenance.

    Attributes:
        key: dotted name, e.g. ``policy.dibao_line``.
        spec: what a valid value looks like.
        value: the value from the run's start (None when ``dated`` gives the values).
        dated: ``(("YYYY-MM", value), ...)`` in date order, or empty.
        uprating: annual growth past the last dated value (or past the start for ``value``).
        unit: unit of the value.
        source: published source, or ``assumption``.
        description: free text, including choices made where the rules are silent.
        origin: the file that declared or last set it.
    """

    key: str
    spec: Spec
    value: Any = None
    dated: tuple[tuple[str, Any], ...] = ()
    uprating: float = 0.0
    unit: str = ""
    source: str = ""
    description: str = ""
    origin: str = ""

    def at(self, month: str, start: str) -> Any:
        """The value in force in ``month`` ("YYYY-MM") for a run that starts in ``start``."""
        if self.dated:
            anchor, current = self.dated[0]
            for date, value in self.dated:
                if date <= month:
                    anchor, current = date, value
        else:
            anchor, current = start, self.value
        last = self.dated[-1][0] if self.dated else start
        if self.uprating and month > anchor and anchor == last:
            return current * (1.0 + self.uprating) ** (month_index(month, anchor) // 12)
        return current

    def varies_after(self, month: str) -> bool:
        """Whether the value may change after ``month`` (a later dated value, or uprating)."""
        return bool(self.uprating) or any(date > month for date, _ in self.dated)


@dataclass(frozen=True)
class Reform:
    """A change to a parameter from a month on (``--set``, a ``[reform]`` table, a design point).

    Attributes:
        key: the parameter.
        value: the new value (or, with ``rule``, the new annual uprating).
        month: "YYYY-MM" from which it holds; None for the run's start.
        rule: the reform changes the uprating rule, not the value.
        origin: where it was given (``--set``, a file name, ``--vary``…).
    """

    key: str
    value: Any
    month: str | None = None
    rule: bool = False
    origin: str = "--set"

    def text(self) -> str:
        """The reform as a line of the stored scenario text."""
        when = f" @ {self.month}" if self.month else ""
        target = f"{self.key}.uprating" if self.rule else self.key
        return f"{target} = {to_toml(self.value)}{when}"


Schedule = Callable[[str], Any]
"""A parameter's value as a function of the month ("YYYY-MM")."""


def reformed(base: Schedule, spec: Spec, reform: Reform, start: str,
             varies: Callable[[str], bool]) -> Schedule:
    """The schedule after ``reform``: the old one before its month, the new value from it on.

    From the reform's month the value is the reform's, and afterwards it moves as the old schedule
    would: in proportion to the old values (a number whose old value is positive and changes later,
    through uprating or dated steps), else it stays.

    Args:
        base: the schedule before the reform.
        spec: the parameter's spec.
        reform: the reform.
        start: the run's first month (the month of a reform that names none).
        varies: whether the old schedule changes after a month.
    """
    since = reform.month or start
    new = reform.value
    old_then = base(since)
    proportional = (spec.kind == "float" and isinstance(old_then, int | float)
                    and old_then > 0 and varies(since))

    def schedule(month: str) -> Any:
        if month < since and reform.month is not None:
            return base(month)
        if proportional and month > since:
            return new * (base(month) / old_then)
        return new

    return schedule


def check_uprating(key: str, rate: Any, spec: Spec, where: str) -> float:
    """An uprating rate, checked: a finite number in :data:`UPRATING_RANGE`, for ``float`` only.

    Raises:
        ReliefsimError: naming where, the key and what was expected.
    """
    low, high = UPRATING_RANGE
    if (isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate)
            or not low <= rate <= high):
        raise ReliefsimError(f"{where}: {key}.uprating = {to_toml(rate)}: expected an annual "
                             f"rate between {low:g} and {high:g} (e.g. 0.03)")
    if rate and spec.kind != "float":
        raise ReliefsimError(f"{where}: {key}.uprating: only numbers of type float grow by "
                             f"uprating ({key} is {spec.kind})")
    return float(rate)


def parse_value(text: str) -> Any:
    """A command-line value read as TOML (``1.5``, ``true``, ``[1, 2]``); bare words as strings."""
    import tomllib

    try:
        return tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def parse_reform(item: str, flag: str = "--set") -> Reform:
    """``KEY=VALUE``, ``KEY=VALUE@YYYY-MM`` or ``KEY.uprating=RATE`` as a :class:`Reform`.

    The key is not checked here (that needs the scenario's declarations).

    Raises:
        ReliefsimError: without ``=``, or with a malformed month.
    """
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ReliefsimError(f"{flag} {item!r}: expected KEY=VALUE, e.g. policy.dibao_line=1400 "
                             "(or KEY=VALUE@YYYY-MM, or KEY.uprating=RATE)")
    text, at, month = raw.rpartition("@")
    if at and re.fullmatch(r"\s*\d{4}-\d{1,2}\s*", month):
        month = month.strip()
        if not MONTH_PATTERN.match(month):
            raise ReliefsimError(f"{flag} {item!r}: month {month!r}: expected YYYY-MM")
    else:
        text, month = raw, None
    rule = key.endswith(".uprating")
    if rule:
        key = key[: -len(".uprating")]
    return Reform(key, parse_value(text), month, rule, flag)
