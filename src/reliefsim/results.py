"""What one run is (:class:`RunSpec`) and what it gives back (:class:`RunResult`).

Plain data, passed between the executors, the results store, the report and the API.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reliefsim.scenario import Scenario

UNPAIRED_OFFSET = 1_000_000
"""Replication offset giving B its own random streams in an unpaired comparison; runs from it
on are stored only to show what pairing buys, and are left out of means and reports."""


@dataclass(frozen=True)
class RunSpec:
    """One run to do.

    Attributes:
        scenario: the validated scenario.
        households: simulated households.
        months: months to simulate.
        seed: root seed.
        replication: replication number (its own random streams).
        point: design-point overrides ``{dotted key: value}`` (reforms from the start).
    """

    scenario: Scenario
    households: int
    months: int
    seed: int
    replication: int = 0
    point: dict[str, Any] = field(default_factory=dict)

    @property
    def point_key(self) -> str:
        """Stable identifier of the design point."""
        return point_key(self.point)


@dataclass
class RunResult:
    """What a worker sends back.

    Attributes:
        spec: the run.
        summary: the city's indicators by name (:data:`reliefsim.indicators.INDICATORS`).
        districts: district names.
        by_district: every indicator per district (districts × indicators, registry order).
        monthly: the city's series, month by month.
        seconds: wall-clock seconds of the run.
        stage_seconds: time spent in each stage of the month (``reliefsim.model.STAGES``).
        offices: simulated street offices (fewer than the town's streets when a small sample
            pools them, ``casework.min_simulated_visits``).
    """

    spec: RunSpec
    summary: dict[str, float]
    districts: tuple[str, ...]
    by_district: np.ndarray
    monthly: dict[str, np.ndarray]
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    offices: int = 0

    def district_summary(self, district: int) -> dict[str, float]:
        """One district's indicators by name."""
        from reliefsim.indicators import INDICATORS

        return {i.name: float(x) for i, x in zip(INDICATORS, self.by_district[district],
                                                  strict=True)}


def stable_hash(obj: Any) -> str:
    """SHA-256 (hex) of ``obj`` as sorted JSON: the same on every machine and run."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def point_key(point: dict[str, Any]) -> str:
    """A short stable hash of a design point."""
    return stable_hash(point)[:16]
