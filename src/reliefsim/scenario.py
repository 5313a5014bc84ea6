"""Scenario files: read, follow ``extends`` and ``include``, apply reforms, validate.

A scenario file is TOML. ``scenarios/baseline.toml`` declares every parameter (type, range, unit,
source, value: :mod:`reliefsim.parameters`); another scenario starts from it with
``extends = "baseline.toml"`` and changes only what differs:

- a bare value or a table with ``value`` (and its own ``source``) replaces the value from the
  run's start, keeping the parameter's uprating;
- a table with ``dated`` values adds dated steps: the base's steps before the first new date
  stay, later ones are replaced, and the uprating is kept unless the table gives one;
- a table with ``uprating`` changes the rule;
- a ``[reform]`` table holds reforms exactly as ``--set`` gives them::

      [reform]
      policy.dibao_line = 1400                                  # from the start, uprating kept
      policy.marginal_multiplier = { value = 2.0, from = "2026-01" }
      "policy.dibao_line.uprating" = 0.05                      # the rule itself

``include = ["calibrated/beijing.toml"]`` reads values from another file after the file's own.
``extends`` and ``include`` name files beside the scenario or in ``scenarios/``; absolute paths
and paths that leave those folders are refused.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reliefsim.errors import ReliefsimError
from reliefsim.parameters import (
    MONTH_PATTERN,
    Param,
    Reform,
    Schedule,
    add_months,
    check_uprating,
    month_index,
    parse_reform,
    reformed,
    spec_from_declaration,
    to_toml,
)

DECLARATION_FIELDS = frozenset({"type", "range", "choices", "length", "sums_to", "increasing"})
LEAF_FIELDS = frozenset({"value", "dated", "uprating", "unit", "source", "description"}
                        | DECLARATION_FIELDS)
SCENARIO_DIRS = (Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios")
CANONICAL = "baseline"
"""The scenario that declares every parameter the engine reads."""
SHARED_DRAWS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("a household's month of events (birth, partnering, joining children, moving out, "
     "settling) is one draw", (("demography.birth_rate",), ("demography.partner",),
                               ("demography.join_children",),
                               ("demography.out_registered", "demography.out_unregistered"),
                               ("demography.settle",))),
    ("a member's month of health events is one draw",
     (("shocks.serious_illness_60plus", "shocks.serious_illness_under60",
       "shocks.serious_illness_recovery"), ("shocks.chronic_onset_60plus",),
      ("shocks.disability_onset_60plus", "shocks.disability_onset_under60",
       "shocks.disability_recovery"), ("shocks.self_care_loss_75plus",))),
    ("a household's month of purchases and sales is one draw",
     (("economy.car_purchase",), ("economy.home_purchase",), ("economy.car_sale",),
      ("economy.home_sale",))),
)
"""Monthly probabilities that take intervals of one uniform draw: per group, the largest of each
tuple, summed, may not exceed 1."""
MAX_CHAIN = 16
"""Most files an ``extends`` chain may hold."""
MAX_DEPTH = 8
"""Deepest table nesting a scenario file may use (``policy.addon_share.elderly`` is 3)."""

__all__ = ["MONTH_PATTERN", "Param", "Reform", "Scenario", "Values", "add_months",
           "display_value", "find_scenario", "load_scenario", "month_index", "parse_set",
           "settings_text"]


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
    """A validated scenario: declared parameters, the reforms on top, and the texts read.

    Attributes:
        name: short name (file stem).
        params: every parameter by dotted key, as the files left it.
        reforms: reforms applied on top, in order (``--set``, ``[reform]``, design points).
        text: the files' texts and the reforms, as stored with results.
    """

    name: str
    params: Mapping[str, Param]
    text: str
    reforms: tuple[Reform, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __reduce__(self) -> tuple:
        """Pickle without the per-month cache (for process and Dask workers)."""
        return (Scenario, (self.name, dict(self.params), self.text, self.reforms))

    @property
    def hash(self) -> str:
        """SHA-256 of the scenario text (identifies a scenario in the results store)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def start(self) -> str:
        """The first simulated month, "YYYY-MM"."""
        if "start" not in self._cache:
            start = self.params["run.start"].value
            for r in self.reforms:
                if r.key == "run.start":
                    start = r.value
            self._cache["start"] = start
        return self._cache["start"]

    def schedule(self, key: str) -> Schedule:
        """The value of ``key`` as a function of the month, reforms applied."""
        schedules = self._cache.setdefault("schedules", {})
        if key not in schedules:
            schedules[key] = self._build_schedule(key)
        return schedules[key]

    def _build_schedule(self, key: str) -> Schedule:
        param = self.params[key]
        for r in self.reforms:
            if r.key == key and r.rule:
                param = replace(param, uprating=r.value)
        start = self.start

        def base(month: str, p: Param = param) -> Any:
            return p.at(month, start)

        schedule: Schedule = base
        changes = [p for p in self.reforms if p.key == key and not p.rule]
        dated_reforms: list[str] = []

        def varies(month: str) -> bool:
            # the base's own changes, and the dated reforms' months so far
            return param.varies_after(month) or any(m > month for m in dated_reforms)

        for r in changes:
            schedule = reformed(schedule, param.spec, r, start, varies)
            if r.month is not None:
                dated_reforms.append(r.month)
        return schedule

    def varies(self, key: str) -> bool:
        """Whether ``key`` can take different values in different months."""
        p = self.params[key]
        return bool(p.dated) or bool(p.uprating) or any(
            r.key == key and (r.month is not None or (r.rule and r.value)) for r in self.reforms)

    def values_at(self, month: str) -> Values:
        """All parameter values in force in ``month`` ("YYYY-MM")."""
        cache = self._cache.setdefault("values", {})
        if month not in cache:
            cache[month] = Values({k: self.schedule(k)(month) for k in self.params})
        return cache[month]

    def values(self, t: int = 0) -> Values:
        """Values in force in simulated month ``t`` (0 = ``run.start``)."""
        return self.values_at(add_months(self.start, t))

    def value(self, key: str) -> Any:
        """The value of ``key`` in the first simulated month."""
        return self.values(0).get(key)

    def spec(self, key: str) -> Any:
        """The declared :class:`~reliefsim.parameters.Spec` of ``key`` (checked known)."""
        self.check_key(key, "")
        return self.params[key].spec

    def check_key(self, key: str, where: str) -> None:
        """Raise a ReliefsimError for an unknown key, with the nearest known one."""
        if key in self.params:
            return
        raise ReliefsimError(f"{where + ': ' if where else ''}unknown key {key!r}"
                             f"{_did_you_mean(key, self.params)}")

    def with_reforms(self, reforms: Iterable[Reform], record: bool = True) -> Scenario:
        """A new scenario with reforms added, validated.

        Args:
            reforms: the reforms, applied after the scenario's own, in order.
            record: add them to the scenario's text (False for a file's own ``[reform]``
                table, which its text already holds).
        """
        reforms = tuple(reforms)
        if not reforms:
            return self
        checked = []
        for r in reforms:
            self.check_key(r.key, r.origin)
            spec = self.params[r.key].spec
            if r.rule:
                checked.append(replace(r, value=check_uprating(r.key, r.value, spec, r.origin)))
                continue
            if r.month is not None and r.key.startswith("run."):
                raise ReliefsimError(f"{r.origin}: {r.key}: run settings take no month "
                                     f"(@{r.month})")
            value = spec.coerce(r.value)
            problem = spec.problem(value)
            if problem is not None:
                raise ReliefsimError(f"{r.origin}: {r.key} = {to_toml(r.value)}: expected "
                                     f"{spec.describe()}{problem}")
            checked.append(replace(r, value=value))
        lines = "".join(f"\n# {r.origin}\n{r.text()}" for r in checked) if record else ""
        scenario = Scenario(self.name, self.params, self.text + lines,
                            self.reforms + tuple(checked))
        _check_consistency(scenario, checked[-1].origin)
        scenario.check_months(1)
        return scenario

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "--set") -> Scenario:
        """A new scenario with ``{key: value}`` reforms from the start (``KEY.uprating`` too)."""
        reforms = []
        for key, value in overrides.items():
            rule = key.endswith(".uprating") and key not in self.params
            reforms.append(Reform(key[: -len(".uprating")] if rule else key, value, None, rule,
                                  origin))
        return self.with_reforms(reforms)

    def held(self) -> Scenario:
        """The scenario with every parameter held at its value in the run's first month.

        No uprating, no later dated step, no later reform: policy and prices as they stand at
        the start, for ever (a frozen policy, as stationarity is checked under).
        """
        start = self.start
        params = {k: replace(p, value=self.schedule(k)(start), dated=(), uprating=0.0)
                  for k, p in self.params.items()}
        return Scenario(self.name, params, self.text + f"\n# held at its values of {start}\n")

    def check_months(self, months: int, first: int = 0) -> None:
        """Check every value in force in months ``first`` … ``first + months − 1`` of a run.

        Raises:
            ReliefsimError: naming the key, the month and what was expected.
        """
        keys = [k for k in self.params if self.varies(k)]
        if first == 0:
            self._check_month(self.start, list(self.params))
        for t in range(max(first, 1), first + months):
            self._check_month(add_months(self.start, t), keys)

    def _check_month(self, month: str, keys: list[str]) -> None:
        for key in keys:
            p = self.params[key]
            value = self.schedule(key)(month)
            problem = p.spec.problem(value)
            if problem is not None:
                origin = next((r.origin for r in reversed(self.reforms) if r.key == key),
                              p.origin)
                shown = (display_value(value) if isinstance(value, float | int)
                         and not isinstance(value, bool) else to_toml(value))
                raise ReliefsimError(f"{origin}: {key} = {shown} in {month}: expected "
                                     f"{p.spec.describe()}{problem}")
        changed = set(keys)
        for what, parts in SHARED_DRAWS:
            names = [k for part in parts for k in part]
            if not changed.intersection(names) or not all(k in self.params for k in names):
                continue
            total = sum(max(float(self.schedule(k)(month)) for k in part) for part in parts)
            if total > 1.0:
                raise ReliefsimError(
                    f"{self.name}: in {month} {', '.join(names)} add up to {total:.4g}; "
                    f"expected at most 1 ({what})")


def standalone_text(scenario: Scenario, description: str) -> str:
    """A scenario as one self-contained file: every parameter declared, reforms in ``[reform]``.

    The file loads to the same values as the scenario (used to freeze a scenario for tests).
    """
    lines = [f"description = {to_toml(description)}", ""]
    for key, p in scenario.params.items():
        s = p.spec
        lines.append(f"[{key}]")
        lines.append(f"type = {to_toml(s.kind)}")
        if s.numeric or s.kind in ("list[int]", "list[float]"):
            lows = "-inf" if s.low is None else _number(s.low)
            highs = "inf" if s.high is None else _number(s.high)
            lines.append(f"range = [{lows}, {highs}]")
        if s.choices:
            lines.append(f"choices = {to_toml(list(s.choices))}")
        for name, value in (("length", s.length), ("sums_to", s.sums_to)):
            if value is not None:
                lines.append(f"{name} = {to_toml(value)}")
        if s.increasing:
            lines.append("increasing = true")
        if p.dated:
            lines.append("dated = { " + ", ".join(f'"{d}" = {to_toml(v)}' for d, v in p.dated)
                         + " }")
        else:
            lines.append(f"value = {to_toml(p.value)}")
        if p.uprating:
            lines.append(f"uprating = {to_toml(p.uprating)}")
        lines += [f"unit = {to_toml(p.unit)}", f"source = {to_toml(p.source)}"]
        if p.description:
            lines.append(f"description = {to_toml(p.description)}")
        lines.append("")
    if scenario.reforms:
        lines.append("[reform]")
        for r in scenario.reforms:
            target = f"{r.key}.uprating" if r.rule else r.key
            value = (f"{{ value = {to_toml(r.value)}, from = {to_toml(r.month)} }}"
                     if r.month else to_toml(r.value))
            lines.append(f"{to_toml(target)} = {value}")
    return "\n".join(lines) + "\n"


def _number(x: float) -> str:
    """A bound as TOML: whole numbers without a fraction (``2e9`` stays a float)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 2**53 else to_toml(float(x))


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


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        last = key.rsplit(".", 1)[-1]
        close = [k for k in known if k.rsplit(".", 1)[-1] == last][:1]
    return f"; did you mean {close[0]!r}?" if close else ""


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


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


def parse_set(items: Iterable[str], flag: str = "--set") -> list[Reform]:
    """Parse ``--set`` items (``KEY=VALUE``, ``KEY=VALUE@YYYY-MM``, ``KEY.uprating=RATE``).

    Keys are checked when the reforms are applied to a scenario (:meth:`Scenario.with_reforms`).

    Raises:
        ReliefsimError: on an item without ``=``, with a malformed month or nested too deeply.
    """
    reforms = []
    for item in items:
        try:
            reforms.append(parse_reform(item, flag))
        except RecursionError:
            shown = item if len(item) <= 40 else item[:40] + "…"
            raise ReliefsimError(f"{flag} {shown}: lists nested too deeply") from None
    return reforms


def load_scenario(name: str | Path, overrides: Mapping[str, Any] | Iterable[Reform] | None = None
                  ) -> Scenario:
    """Load a scenario file, follow ``extends``, apply reforms and validate everything.

    Args:
        name: a path, or a name found in ``scenarios/`` (``"baseline"``).
        overrides: reforms (from :func:`parse_set`), or ``{dotted key: value}`` from the start.

    Returns:
        The validated scenario.

    Raises:
        ReliefsimError: naming the file, the key and what was expected.
    """
    path = find_scenario(name)
    params, reforms, text = _read_chain(path)
    scenario = Scenario(path.stem, params, text)
    _validate(scenario, str(path))
    scenario = scenario.with_reforms(reforms, record=False)  # the file's text holds them
    if isinstance(overrides, Mapping):
        scenario = scenario.with_overrides(overrides)
    elif overrides:
        scenario = scenario.with_reforms(overrides)
    return scenario


@functools.cache
def canonical_keys() -> frozenset[str]:
    """The parameters ``scenarios/baseline.toml`` declares (every key the engine reads)."""
    params, _, _ = _read_chain(find_scenario(CANONICAL))
    return frozenset(params)


def _read_chain(path: Path) -> tuple[dict[str, Param], tuple[Reform, ...], str]:
    """Read a file and the files it extends (root first); the merged parameters and reforms."""
    chain: list[Path] = []
    current = path.resolve()
    while True:
        if current in chain:
            raise ReliefsimError(f"{current}: 'extends' makes a cycle through {chain[-1].name}")
        if len(chain) >= MAX_CHAIN:
            raise ReliefsimError(f"{path}: 'extends' chain longer than {MAX_CHAIN} files")
        chain.append(current)
        _, data = _read_toml(current, "scenario file")
        base = data.get("extends")
        if base is None:
            break
        if not isinstance(base, str):
            raise ReliefsimError(f"{current}: 'extends' must be a file name string")
        current = _resolve(current, base, "extends")
    params: dict[str, Param] = {}
    reforms: list[Reform] = []
    text = ""
    for k, file in enumerate(reversed(chain)):
        raw_text, data = _read_toml(file, "scenario file")
        data.pop("extends", None)
        data.pop("description", None)
        includes = data.pop("include", [])
        reform_table = data.pop("reform", {})
        if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
            raise ReliefsimError(f"{file}: 'include' must be a list of file names")
        text += f"\n# ---- {file.name}\n{raw_text}"
        _merge_leaves(params, data, file, root=k == 0)
        reforms.extend(_reform_table(reform_table, file))
        for name in includes:
            inc = _resolve(file, name, "include")
            inc_text, inc_data = _read_toml(inc, "included file")
            inc_data.pop("description", None)
            if {"extends", "include", "reform"} & set(inc_data):
                raise ReliefsimError(f"{inc}: an included file holds values only (no 'extends',"
                                     " 'include' or 'reform')")
            text += f"\n# ---- {inc.name} (included by {file.name})\n{inc_text}"
            _merge_leaves(params, inc_data, inc, root=False)
    return params, tuple(reforms), text


def source_files(name: str | Path) -> tuple[list[Path], list[Path]]:
    """The files a scenario is read from: its ``extends`` chain and the files they include.

    Used to refuse an output that would replace one of them. Files that cannot be found are
    left out (loading the scenario reports them).

    Returns:
        (the chain, the scenario's own file first; the included files).
    """
    chain: list[Path] = []
    included: list[Path] = []
    try:
        current = find_scenario(name).resolve()
    except ReliefsimError:
        return chain, included
    while current not in chain and len(chain) < MAX_CHAIN:
        chain.append(current)
        try:
            _, data = _read_toml(current, "scenario file")
            for inc in data.get("include", []) if isinstance(data.get("include"), list) else []:
                if isinstance(inc, str):
                    included.append(_resolve(current, inc, "include"))
            base = data.get("extends")
            if not isinstance(base, str):
                break
            current = _resolve(current, base, "extends")
        except ReliefsimError:
            break
    return chain, included


def _resolve(file: Path, name: str, what: str) -> Path:
    """The file ``extends`` or ``include`` names: beside ``file`` or in ``scenarios/``."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ReliefsimError(f"{file}: '{what}' names {name}: give a file name beside it or in "
                             "scenarios/ (no absolute path, no '..')")
    folders = [file.parent.resolve(), *(d.resolve() for d in SCENARIO_DIRS if d.is_dir())]
    for folder in folders:
        candidate = (folder / name).resolve()
        if candidate.is_file() and _inside(candidate, folders):
            return candidate
    raise ReliefsimError(f"{file}: '{what}' names {name}, which does not exist in "
                         f"{file.parent} or in scenarios/")


def _read_toml(path: Path, what: str) -> tuple[str, dict[str, Any]]:
    """A TOML file's text and data; unreadable or invalid files are a ReliefsimError."""
    try:
        if not path.is_file():
            raise ReliefsimError(f"{path}: not a regular file")
        raw_text = path.read_text(encoding="utf-8")
        return raw_text, tomllib.loads(raw_text)
    except OSError as exc:
        raise ReliefsimError(f"{path}: cannot read {what} ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReliefsimError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ReliefsimError(f"{path}: not a UTF-8 text file") from None
    except RecursionError:
        raise ReliefsimError(f"{path}: tables nested too deeply") from None


def _merge_leaves(params: dict[str, Param], data: Mapping[str, Any], path: Path,
                  root: bool) -> None:
    """Check each parameter of a file's data and merge it over ``params``."""
    for key, leaf in _leaves(data, "", path, params, 0):
        declares = bool(DECLARATION_FIELDS & set(leaf))
        if key not in params and not root:
            known = params if params else canonical_keys()
            if key in known:  # declared in the baseline, but this file's chain does not declare it
                raise ReliefsimError(f"{path}: {key} is not declared by the scenarios this file "
                                     "extends; start it with extends = \"baseline.toml\"")
            raise ReliefsimError(f"{path}: unknown key {key!r}{_did_you_mean(key, known)}")
        if key in params and declares:
            raise ReliefsimError(f"{path}: {key} is declared in {params[key].origin}; a scenario "
                                 "changes its value, not its type or range")
        params[key] = _merge(params.get(key), key, leaf, path)


def _leaves(data: Mapping[str, Any], prefix: str, path: Path, params: Mapping[str, Param],
            depth: int) -> Iterable[tuple[str, dict[str, Any]]]:
    if depth > MAX_DEPTH:
        raise ReliefsimError(f"{path}: tables nested deeper than {MAX_DEPTH} levels "
                             f"({prefix.rstrip('.')})")
    for name, item in data.items():
        key = prefix + name
        is_leaf = isinstance(item, dict) and bool(
            {"value", "dated", "type", "uprating"} & set(item)) and not any(
            isinstance(v, dict) and k not in ("dated",) for k, v in item.items())
        if is_leaf:
            extra = set(item) - LEAF_FIELDS
            if extra:
                raise ReliefsimError(f"{path}: {key} has unknown field(s) {sorted(extra)}; "
                                     f"expected {sorted(LEAF_FIELDS)}")
            yield key, item
        elif isinstance(item, dict):
            if key in params:
                raise ReliefsimError(f"{path}: {key} needs a 'value' (or 'dated') field, "
                                     f"found {sorted(item) or 'nothing'}")
            yield from _leaves(item, key + ".", path, params, depth + 1)
        else:
            yield key, {"value": item}


def _merge(old: Param | None, key: str, leaf: Mapping[str, Any], path: Path) -> Param:
    where = str(path)
    if old is None:
        spec = spec_from_declaration(key, dict(leaf), where)
        if "value" not in leaf and "dated" not in leaf:
            raise ReliefsimError(f"{where}: {key} has no 'value' (or 'dated')")
        base = Param(key, spec)
    else:
        base = old
    spec = base.spec
    value, dated = base.value, base.dated
    if "value" in leaf:
        value, dated = spec.coerce(leaf["value"]), ()
    if "dated" in leaf:
        new = _dated(leaf["dated"], key, where)
        first = new[0][0]
        kept = tuple((d, v) for d, v in base.dated if d < first)
        dated = kept + tuple((d, spec.coerce(v)) for d, v in new)
        value = None
    uprating = base.uprating
    if "uprating" in leaf:
        uprating = check_uprating(key, leaf["uprating"], spec, where)
    changed = bool({"value", "dated", "uprating"} & set(leaf))
    source = leaf.get("source", f"set in {path.name}" if changed and old else base.source)
    return Param(key=key, spec=spec, value=value, dated=dated, uprating=uprating,
                 unit=leaf.get("unit", base.unit), source=source,
                 description=leaf.get("description", base.description), origin=path.name)


def _dated(raw: Any, key: str, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(raw, dict) or not raw:
        raise ReliefsimError(f"{where}: {key}.dated must be a table of "
                             '"YYYY-MM" = value, e.g. { "2022-07" = 1320 }')
    for date in raw:
        if not MONTH_PATTERN.match(date):
            raise ReliefsimError(f"{where}: {key}.dated has date {date!r}; expected 'YYYY-MM'")
    return tuple(sorted(raw.items()))


def _reform_table(table: Any, path: Path) -> list[Reform]:
    """The reforms of a file's ``[reform]`` table (nested or quoted dotted keys)."""
    if not isinstance(table, dict):
        raise ReliefsimError(f"{path}: 'reform' must be a table of KEY = VALUE")
    out: list[Reform] = []

    def walk(data: Mapping[str, Any], prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ReliefsimError(f"{path}: [reform] nested deeper than {MAX_DEPTH} levels")
        for name, item in data.items():
            key = prefix + name
            if isinstance(item, dict) and "value" in item:
                extra = set(item) - {"value", "from"}
                month = item.get("from")
                if extra or (month is not None and (not isinstance(month, str)
                                                    or not MONTH_PATTERN.match(month))):
                    raise ReliefsimError(f"{path}: [reform] {key}: expected VALUE or "
                                         '{ value = VALUE, from = "YYYY-MM" }')
                out.append(Reform(key, item["value"], month, False, path.name))
            elif isinstance(item, dict):
                walk(item, key + ".", depth + 1)
            elif key.endswith(".uprating"):
                out.append(Reform(key[: -len(".uprating")], item, None, True, path.name))
            else:
                out.append(Reform(key, item, None, False, path.name))

    walk(table, "", 0)
    return out


def _validate(scenario: Scenario, where: str) -> None:
    """Check a scenario's declared parameters (before any reform)."""
    params = scenario.params
    if scenario.name != CANONICAL:
        missing = sorted(canonical_keys() - set(params))
        if missing:
            raise ReliefsimError(f"{where}: missing key(s) {', '.join(missing[:5])}"
                                 f"{' …' if len(missing) > 5 else ''} (add them or extend "
                                 "baseline.toml)")
    for key, param in params.items():
        if not param.unit:
            raise ReliefsimError(f"{where}: {key} has no 'unit'")
        if not param.source:
            raise ReliefsimError(f"{where}: {key} has no 'source' (write the source or "
                                 "'assumption')")
        values = [v for _, v in param.dated] if param.dated else [param.value]
        for value in values:
            problem = param.spec.problem(value)
            if problem is not None:
                raise ReliefsimError(f"{where}: {key} = {to_toml(value)}: expected "
                                     f"{param.spec.describe()}{problem}")
    _check_consistency(scenario, where)
    scenario.check_months(1)


def _check_consistency(scenario: Scenario, where: str) -> None:
    """Cross-key checks that one parameter's declaration cannot express."""
    v = scenario.values(0)
    pop = v.population
    for low, high in (("population.newcomer_head_age_min", "population.newcomer_head_age_max"),
                      ("demography.fertile_age_min", "demography.fertile_age_max"),
                      ("demography.leave_age_min", "demography.leave_age_max"),
                      ("demography.partner_age_min", "demography.partner_age_max"),
                      ("demography.join_host_age_min", "demography.join_host_age_max")):
        if v.get(low) > v.get(high):
            raise ReliefsimError(f"{where}: {low} = {v.get(low)} exceeds {high} = {v.get(high)}")
    if len(pop.district_names) != len(pop.district_shares):
        raise ReliefsimError(f"{where}: population.district_names has {len(pop.district_names)} "
                             f"names but population.district_shares {len(pop.district_shares)} "
                             "shares (one per district)")
    if pop.streets < len(pop.district_names):
        raise ReliefsimError(f"{where}: population.streets = {pop.streets} is fewer than the "
                             f"{len(pop.district_names)} districts (each needs a street office)")
