"""Load and validate scenario files into frozen objects.

A scenario file is TOML. Each parameter is a table with ``value`` (or ``dated``), ``unit`` and
``source`` (or the word ``assumption``), optionally ``description`` and ``uprating``::

    [policy.dibao_line]
    unit = "yuan/person/month"
    source = "Beijing Daily 2022-07-28"
    dated = { "2021-07" = 1245, "2022-07" = 1320 }
    uprating = 0.03            # annual, applied past the last dated value

A scenario may start from another with ``extends = "baseline.toml"`` and then override keys, either
with a full table or with a bare value (``marginal_multiplier = 2.0`` under ``[policy]``). Command
lines add ``--set KEY=VALUE`` overrides, VALUE being a TOML value.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from reliefsim.errors import ReliefsimError
from reliefsim.schema import SCHEMA, Spec

LEAF_FIELDS = frozenset({"value", "dated", "uprating", "unit", "source", "description"})
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SCENARIO_DIRS = (Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios")


@dataclass(frozen=True)
class Param:
    """One scenario parameter with its provenance.

    Attributes:
        key: dotted name, e.g. ``policy.dibao_line``.
        value: the value, or None when the parameter is given by ``dated`` values.
        unit: unit of the value.
        source: published source, or ``assumption``.
        description: free text, including choices made where the rules are silent.
        dated: ``(("YYYY-MM", value), ...)`` in date order, or empty.
        uprating: annual growth applied past the last dated value, or 0.
        origin: the file (or ``--set``) that last set the value.
    """

    key: str
    value: Any
    unit: str = ""
    source: str = ""
    description: str = ""
    dated: tuple[tuple[str, Any], ...] = ()
    uprating: float = 0.0
    origin: str = ""

    def at(self, month: str) -> Any:
        """The value in force in ``month`` ("YYYY-MM")."""
        if not self.dated:
            return self.value
        current_date, current = self.dated[0]
        for date, value in self.dated:
            if date <= month:
                current_date, current = date, value
        if self.uprating and month > self.dated[-1][0]:
            years = month_index(month, current_date) // 12
            return current * (1.0 + self.uprating) ** years
        return current


def month_index(month: str, start: str) -> int:
    """Months from ``start`` to ``month`` (both "YYYY-MM")."""
    y1, m1 = int(month[:4]), int(month[5:])
    y0, m0 = int(start[:4]), int(start[5:])
    return (y1 - y0) * 12 + (m1 - m0)


def add_months(start: str, months: int) -> str:
    """The month ``months`` after ``start`` as "YYYY-MM"."""
    y, m = int(start[:4]), int(start[5:]) - 1 + months
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


class Values:
    """Read-only, attribute-style view of resolved parameter values (``v.policy.dibao_line``)."""

    __slots__ = ("_flat", "_groups", "_prefix")

    def __init__(self, flat: Mapping[str, Any], prefix: str = "",
                 groups: frozenset[str] | None = None) -> None:
        if groups is None:
            groups = frozenset(k.rsplit(".", i)[0] for k in flat
                               for i in range(1, k.count(".") + 1))
        object.__setattr__(self, "_flat", flat)
        object.__setattr__(self, "_groups", groups)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        key = self._prefix + name
        if key in self._flat:
            return self._flat[key]
        if key in self._groups:
            return Values(self._flat, key + ".", self._groups)
        raise AttributeError(f"no scenario key {key!r}")

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("scenario values are read-only")

    def get(self, dotted: str) -> Any:
        """The value of a full dotted key below this view."""
        return self._flat[self._prefix + dotted]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: parameters with provenance, plus the texts it was read from.

    Attributes:
        name: short name (file stem).
        params: every parameter by dotted key.
        text: the files' texts and the overrides, as stored with results.
    """

    name: str
    params: Mapping[str, Param]
    text: str
    _cache: dict[str, Values] = field(default_factory=dict, compare=False, repr=False)

    def __reduce__(self) -> tuple:
        """Pickle without the per-month cache (for process and Dask workers)."""
        return (Scenario, (self.name, dict(self.params), self.text))

    @property
    def hash(self) -> str:
        """SHA-256 of the scenario text (identifies a scenario in the results store)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def start(self) -> str:
        """The first simulated month, "YYYY-MM"."""
        return self.params["run.start"].value

    def values_at(self, month: str) -> Values:
        """All parameter values in force in ``month`` ("YYYY-MM")."""
        if month not in self._cache:
            self._cache[month] = Values({k: p.at(month) for k, p in self.params.items()})
        return self._cache[month]

    def values(self, t: int = 0) -> Values:
        """Values in force in simulated month ``t`` (0 = ``run.start``)."""
        return self.values_at(add_months(self.start, t))

    def value(self, key: str) -> Any:
        """The value of ``key`` in the first simulated month."""
        return self.values(0).get(key)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "--set") -> Scenario:
        """A new scenario with some values replaced, validated."""
        params = dict(self.params)
        for key, value in overrides.items():
            _check_known(key, origin)
            params[key] = replace(params[key], value=value, dated=(), uprating=0.0,
                                  origin=origin, source=f"set by {origin}")
        lines = "".join(f"\n# {origin}\n{k} = {_to_toml(v)}" for k, v in overrides.items())
        scenario = Scenario(self.name, params, self.text + lines)
        _validate(scenario, origin)
        return scenario


def display_value(value: Any) -> str:
    """A parameter value for people: floats to 6 significant digits, the rest as JSON.

    ``1532.0557232287172`` → ``1532.06``, ``8000000.0`` → ``8000000.0``, ``True`` → ``true``,
    ``["medical", "rent"]`` → ``["medical", "rent"]`` (floats inside lists rounded too).
    """
    if isinstance(value, float):
        return repr(float(f"{value:.6g}"))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def settings_text(point: Mapping[str, Any], short: bool = False) -> str:
    """Settings as ``key=value, …`` (values by :func:`display_value`).

    Args:
        point: ``{dotted key: value}``, e.g. a design point or ``--set`` overrides.
        short: name each key by its last part only (``dibao_line`` for ``policy.dibao_line``).
    """
    return ", ".join(f"{k.split('.')[-1] if short else k}={display_value(v)}"
                     for k, v in point.items())


def _to_toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_to_toml(v) for v in value) + "]"
    return repr(value)


def find_scenario(name: str | Path) -> Path:
    """Find a scenario file by path or by name in ``scenarios/``.

    Raises:
        ReliefsimError: when no such file exists.
    """
    path = Path(name)
    if path.is_file():
        return path
    stem = path.name if path.suffix == ".toml" else path.name + ".toml"
    if len(path.parts) == 1:
        for folder in SCENARIO_DIRS:
            if (folder / stem).is_file():
                return folder / stem
    known = sorted({p.stem for d in SCENARIO_DIRS if d.is_dir() for p in d.glob("*.toml")})
    hint = f" (known scenarios: {', '.join(known)})" if known else ""
    raise ReliefsimError(f"scenario file not found: {name}{hint}")


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings (VALUE a TOML value; bare words are taken as strings).

    Raises:
        ReliefsimError: on an item without ``=`` or with an unknown key.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, raw = split_assignment(item, "--set", "KEY=VALUE, e.g. policy.dibao_line=1400")
        out[key] = parse_value(raw)
    return out


def split_assignment(item: str, flag: str, expected: str) -> tuple[str, str]:
    """Split ``KEY=TEXT`` and check that KEY is a scenario key.

    Raises:
        ReliefsimError: without ``=``, or for an unknown key (with a "did you mean").
    """
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ReliefsimError(f"{flag} {item!r}: expected {expected}")
    _check_known(key, flag)
    return key, raw.strip()


def parse_value(text: str) -> Any:
    """A command-line value read as TOML (``1.5``, ``true``, ``[1, 2]``); bare words as strings."""
    try:
        return tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def load_scenario(name: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario file, follow ``extends``, apply overrides and validate everything.

    Args:
        name: a path, or a name found in ``scenarios/`` (``"baseline"``).
        overrides: ``{dotted key: value}`` applied last (from ``--set``).

    Returns:
        The validated scenario.

    Raises:
        ReliefsimError: naming the file, the key and what was expected.
    """
    path = find_scenario(name)
    params, text = _read_chain(path, ())
    scenario = Scenario(path.stem, params, text)
    _validate(scenario, str(path))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def _read_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Param], str]:
    path = path.resolve()
    if path in seen:
        raise ReliefsimError(f"{path}: 'extends' makes a cycle through {seen[-1].name}")
    raw_text, data = _read_toml(path, "scenario file")
    params: dict[str, Param] = {}
    text = ""
    base = data.pop("extends", None)
    data.pop("description", None)
    if base is not None:
        if not isinstance(base, str):
            raise ReliefsimError(f"{path}: 'extends' must be a file name string")
        base_path = path.parent / base
        if not base_path.is_file():
            try:
                base_path = find_scenario(base)
            except ReliefsimError:
                raise ReliefsimError(f"{path}: 'extends' names {base}, which does not exist "
                                     f"in {path.parent} or in scenarios/") from None
        params, text = _read_chain(base_path, (*seen, path))
    includes = data.pop("include", [])
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ReliefsimError(f"{path}: 'include' must be a list of file names")
    text += f"\n# ---- {path.name}\n{raw_text}"
    _merge_leaves(params, data, path)
    for name in includes:
        inc = path.parent / name
        if not inc.is_file():
            raise ReliefsimError(f"{path}: 'include' names {name}, which does not exist in "
                                 f"{path.parent}")
        inc_text, inc_data = _read_toml(inc, "included file")
        inc_data.pop("description", None)
        if "extends" in inc_data or "include" in inc_data:
            raise ReliefsimError(f"{inc}: an included file holds values only (no 'extends' "
                                 "or 'include')")
        text += f"\n# ---- {inc.name} (included by {path.name})\n{inc_text}"
        _merge_leaves(params, inc_data, inc)
    return params, text


def _read_toml(path: Path, what: str) -> tuple[str, dict[str, Any]]:
    """A TOML file's text and data; unreadable or invalid files are a ReliefsimError."""
    try:
        raw_text = path.read_text(encoding="utf-8")
        return raw_text, tomllib.loads(raw_text)
    except OSError as exc:
        raise ReliefsimError(f"{path}: cannot read {what} ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReliefsimError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ReliefsimError(f"{path}: not a UTF-8 text file") from None


def _merge_leaves(params: dict[str, Param], data: Mapping[str, Any], path: Path) -> None:
    """Check each parameter of a file's data and merge it over ``params``."""
    for key, leaf in _leaves(data, "", path):
        _check_known(key, str(path))
        params[key] = _merge(params.get(key), key, leaf, path)


def _leaves(data: Mapping[str, Any], prefix: str, path: Path) -> Iterable[tuple[str, Any]]:
    for name, item in data.items():
        key = prefix + name
        if isinstance(item, dict) and ("value" in item or "dated" in item):
            extra = set(item) - LEAF_FIELDS
            if extra:
                raise ReliefsimError(f"{path}: {key} has unknown field(s) {sorted(extra)}; "
                                     f"expected {sorted(LEAF_FIELDS)}")
            yield key, item
        elif isinstance(item, dict):
            if not item and key in SCHEMA:
                raise ReliefsimError(f"{path}: {key} has no 'value'")
            if key in SCHEMA:
                raise ReliefsimError(f"{path}: {key} needs a 'value' (or 'dated') field, "
                                     f"found {sorted(item)}")
            yield from _leaves(item, key + ".", path)
        else:
            yield key, {"value": item}


def _merge(old: Param | None, key: str, leaf: Mapping[str, Any], path: Path) -> Param:
    dated_raw = leaf.get("dated")
    dated: tuple[tuple[str, Any], ...] = ()
    if dated_raw is not None:
        if not isinstance(dated_raw, dict) or not dated_raw:
            raise ReliefsimError(f"{path}: {key}.dated must be a table of "
                                 '"YYYY-MM" = value, e.g. { "2022-07" = 1320 }')
        for date in dated_raw:
            if not MONTH_PATTERN.match(date):
                raise ReliefsimError(f"{path}: {key}.dated has date {date!r}; expected 'YYYY-MM'")
        dated = tuple(sorted(dated_raw.items()))
    uprating = leaf.get("uprating", old.uprating if old and "value" not in leaf else 0.0)
    if isinstance(uprating, bool) or not isinstance(uprating, int | float):
        raise ReliefsimError(f"{path}: {key}.uprating must be a number (annual rate, e.g. 0.03)")
    bare = set(leaf) == {"value"}
    base = old or Param(key, None)
    return Param(
        key=key,
        value=leaf.get("value"),
        unit=leaf.get("unit", base.unit),
        source=leaf.get("source", f"set in {path.name}" if bare and old else base.source),
        description=leaf.get("description", base.description),
        dated=dated,
        uprating=float(uprating) if dated else 0.0,
        origin=path.name,
    )


def _check_known(key: str, where: str) -> None:
    if key in SCHEMA:
        return
    close = difflib.get_close_matches(key, SCHEMA.keys(), n=1, cutoff=0.6)
    if not close:
        last = key.rsplit(".", 1)[-1]
        close = [k for k in SCHEMA if k.rsplit(".", 1)[-1] == last][:1]
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ReliefsimError(f"{where}: unknown key {key!r}{hint}")


def _validate(scenario: Scenario, where: str) -> None:
    missing = [k for k in SCHEMA if k not in scenario.params]
    if missing:
        raise ReliefsimError(f"{where}: missing key(s) {', '.join(missing[:5])}"
                             f"{' …' if len(missing) > 5 else ''} (add them or extend "
                             "baseline.toml)")
    for key, param in scenario.params.items():
        origin = param.origin if param.origin.startswith("--") else where
        if not param.unit:
            raise ReliefsimError(f"{origin}: {key} has no 'unit'")
        if not param.source:
            raise ReliefsimError(f"{origin}: {key} has no 'source' (write the source or "
                                 "'assumption')")
        spec = SCHEMA[key]
        values = [v for _, v in param.dated] if param.dated else [param.value]
        if param.value is None and not param.dated:
            raise ReliefsimError(f"{origin}: {key} has no value")
        for value in values:
            problem = _check_value(value, spec)
            if problem is not None:
                raise ReliefsimError(f"{origin}: {key} = {_to_toml(value)}: expected "
                                     f"{spec.describe()}{problem}")
    _check_consistency(scenario, where)


def _check_value(value: Any, spec: Spec) -> str | None:
    """Return None when ``value`` fits ``spec``, else an explanation suffix (may be '')."""
    kind = spec.kind
    if kind.startswith("list["):
        if not isinstance(value, list):
            return ""
        item_spec = Spec(kind[5:-1], spec.low, spec.high, spec.choices)
        for item in value:
            problem = _check_value(item, item_spec)
            if problem is not None:
                return f" (bad item {_to_toml(item)})"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else ""
    if kind in ("str", "month"):
        if not isinstance(value, str):
            return ""
        if kind == "month" and not MONTH_PATTERN.match(value):
            return ""
        if spec.choices and value not in spec.choices:
            return ""
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if kind == "int" and not isinstance(value, int):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        return ""
    return None


def _check_consistency(scenario: Scenario, where: str) -> None:
    """Cross-key checks that a per-key range cannot express."""
    p = scenario.params
    for key in ("population.size_probs", "population.homes_probs", "shocks.disaster_damage_probs"):
        total = sum(p[key].value)
        if abs(total - 1.0) > 1e-6:
            raise ReliefsimError(f"{where}: {key} must sum to 1 (sums to {total:g})")
    if len(p["population.homes_probs"].value) != 3:
        raise ReliefsimError(f"{where}: population.homes_probs needs 3 shares (0, 1, 2 homes)")
    if len(p["shocks.disaster_damage_probs"].value) != 3:
        raise ReliefsimError(f"{where}: shocks.disaster_damage_probs needs 3 shares "
                             "(minor, damaged, collapsed)")
    if p["population.head_age_min"].value > p["population.head_age_max"].value:
        raise ReliefsimError(f"{where}: population.head_age_min exceeds head_age_max")
    ages = p["population.school_ages"].value
    if len(ages) != 4 or any(b <= a for a, b in pairwise(ages)):
        raise ReliefsimError(f"{where}: population.school_ages needs 4 rising ages (primary, "
                             f"secondary and tertiary start, tertiary end), got {ages}")
