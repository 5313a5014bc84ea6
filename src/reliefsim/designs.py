"""Experimental designs: grids of levels and Latin-hypercube samples of ranges.

A design point is a set of reforms from the run's start, ``{dotted key: value}``; every value is
checked against the parameter's declaration (:mod:`reliefsim.parameters`) before anything runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import numpy as np

from reliefsim.errors import ReliefsimError
from reliefsim.parameters import parse_value, to_toml
from reliefsim.scenario import Scenario

Levels = list[Any] | tuple[float, float]
"""A key's levels (a list) or its range for sampling (a ``(low, high)`` tuple)."""


def parse_vary(scenario: Scenario, items: Iterable[str], flag: str = "--vary"
               ) -> dict[str, Levels]:
    """Parse ``--vary KEY=v1,v2,…`` (levels) or ``--vary KEY=LOW:HIGH`` (a range for sampling).

    Levels are TOML values separated by commas outside brackets, so list-valued keys work:
    ``policy.rigid_items=["medical"],["medical","rent"]``. ``flag`` names the option in error
    messages (``--param`` for sensitivity).

    Raises:
        ReliefsimError: for unknown or repeated keys, empty, repeated or invalid values.
    """
    out: dict[str, Levels] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise ReliefsimError(f"{flag} {item!r}: expected KEY=v1,v2,… or KEY=LOW:HIGH")
        scenario.check_key(key, flag)
        if key in out:
            raise ReliefsimError(f"{flag} {key}: given twice; put all its levels in one "
                                 f"{flag} (KEY=v1,v2,…)")
        if not raw:
            raise ReliefsimError(f"{flag} {key}: empty range; give levels like 1.5,2.0 or a "
                                 "range like 1.5:2.0")
        if ":" in raw and scenario.spec(key).numeric:
            lo_text, _, hi_text = raw.partition(":")
            try:
                bounds = (float(lo_text), float(hi_text))
            except ValueError:
                raise ReliefsimError(f"{flag} {key}={raw}: expected LOW:HIGH numbers") from None
            out[key] = check_vary(scenario, key, bounds, flag)
            continue
        texts = _top_level_split(raw)
        if any(not text.strip() for text in texts):
            raise ReliefsimError(f"{flag} {key}={raw}: empty level")
        out[key] = check_vary(scenario, key, [parse_value(text) for text in texts], flag)
    return out


def check_vary(scenario: Scenario, key: str, levels: Levels, flag: str = "--vary") -> Levels:
    """Check one key's levels (a list) or range (a ``(low, high)`` tuple) against its declaration.

    Raises:
        ReliefsimError: for an unknown key, an empty list, a repeated level, a range with
            low ≥ high, or a value of the wrong type or out of range.
    """
    scenario.check_key(key, flag)
    spec = scenario.spec(key)
    if isinstance(levels, tuple):
        lo, hi = levels
        if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
            raise ReliefsimError(f"{flag} {key}={lo:g}:{hi:g}: empty range (LOW must be < HIGH)")
        for bound in (lo, hi):
            if spec.problem(spec.coerce(int(bound) if spec.kind == "int" else bound)) is not None:
                raise ReliefsimError(f"{flag} {key}={lo:g}:{hi:g}: expected {spec.describe()}")
        return (float(lo), float(hi))
    if not levels:
        raise ReliefsimError(f"{flag} {key}: empty range; give at least one level")
    seen: list[Any] = []
    for value in levels:
        value = spec.coerce(value)
        if spec.problem(value) is not None:
            raise ReliefsimError(f"{flag} {key}: level {to_toml(value)}: expected "
                                 f"{spec.describe()}")
        if value in seen:
            raise ReliefsimError(f"{flag} {key}: level {to_toml(value)} given twice")
        seen.append(value)
    return seen


def _top_level_split(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def sample_size(sample: str | None) -> int:
    """N of ``lhs:N`` (0 without a sample).

    Raises:
        ReliefsimError: for anything but ``lhs:N`` with N ≥ 1.
    """
    if not sample:
        return 0
    method, _, n_text = sample.partition(":")
    if method != "lhs" or not n_text.isdecimal() or int(n_text) < 1:
        raise ReliefsimError(f"--sample {sample!r}: expected lhs:N with N ≥ 1")
    return int(n_text)


def design_size(vary: dict[str, Levels], sample: str | None) -> int:
    """How many design points :func:`design_points` would make (checked before making them)."""
    grid = 1
    for levels in vary.values():
        if isinstance(levels, list):
            grid *= len(levels)
    return grid * max(sample_size(sample), 1)


def design_points(scenario: Scenario, vary: dict[str, Levels], sample: str | None,
                  seed: int) -> list[dict[str, Any]]:
    """Design points: the full grid of levels, or ``lhs:N`` Latin-hypercube samples of ranges.

    Levels given as lists are crossed with the sampled points.
    """
    grid_keys = [k for k, v in vary.items() if isinstance(v, list)]
    range_keys = [k for k, v in vary.items() if isinstance(v, tuple)]
    grid = [dict(zip(grid_keys, combo, strict=True))
            for combo in itertools.product(*(vary[k] for k in grid_keys))] or [{}]
    n = sample_size(sample)
    if not range_keys:
        if sample:
            raise ReliefsimError("--sample needs at least one --vary KEY=LOW:HIGH range")
        return grid
    if not n:
        raise ReliefsimError(f"--vary {range_keys[0]} gives a range: add --sample lhs:N")
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(range_keys), seed=seed).random(n)
    points = []
    for row in unit:
        p = {}
        for k, u in zip(range_keys, row, strict=True):
            lo, hi = vary[k]  # type: ignore[misc]
            p[k] = as_value(scenario, k, lo + u * (hi - lo))
        points.append(p)
    return [{**g, **p} for g in grid for p in points]


def as_value(scenario: Scenario, key: str, number: float) -> int | float:
    """A sampled number as the parameter's type (whole numbers for ``int`` parameters)."""
    return int(np.rint(number)) if scenario.spec(key).kind == "int" else float(number)
