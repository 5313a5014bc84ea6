"""One household's story, month by month: shocks, warnings, visits, decisions and payments.

The model logs sparse events as arrays per month (no Python object per household);
:class:`HouseholdView` reads them back for one household, for teaching and debugging.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reliefsim.codes import TIER_NAMES


@dataclass
class StoryLog:
    """Sparse event log: per month, arrays of (household, event name index, amount)."""

    names: list[str] = field(default_factory=list)
    months: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    def log(self, t: int, households: np.ndarray, event: str,
            amounts: np.ndarray | None = None) -> None:
        """Record ``event`` for the given households (index array or mask) in month ``t``."""
        idx = np.flatnonzero(households) if households.dtype == bool else households
        if len(idx) == 0:
            return
        if event not in self.names:
            self.names.append(event)
        code = np.full(len(idx), self.names.index(event), dtype=np.int16)
        amt = np.zeros(len(idx)) if amounts is None else np.asarray(amounts, dtype=float)
        self.months.append((t, idx.astype(np.int64), code, amt))

    def month(self, t: int, events: Any, warned: dict[str, np.ndarray], work: Any,
              pay: np.ndarray, moves: Any) -> None:
        """Log a month.

        Births, deaths and moves, shocks, warnings, applications, visits, decisions, payments.
        """
        from reliefsim.indicators import PROGRAMMES

        hh = events.household
        for name, members in (("born", moves.born), ("died", moves.died)):
            self.log(t, np.unique(hh[members]), f"a member {name}")
        for name in ("moved_out", "dissolved", "formed", "moved_in"):
            self.log(t, getattr(moves, name), name.replace("_", " "))
        for name in ("job_loss", "reemployed", "illness_onset", "recovered", "disability_onset",
                     "disability_recovered", "self_care_loss"):
            members = getattr(events, name)
            if members.any():
                self.log(t, np.unique(hh[members]), name.replace("_", " "))
        self.log(t, events.disaster > 0, "disaster", events.disaster_cost[events.disaster > 0])
        for rule, mask in warned.items():
            self.log(t, mask, f"warning: {rule}")
        out = work.outcome
        self.log(t, work.applying, "application")
        self.log(t, out.visited, "home visit")
        for k, name in ((out.newly_enrolled, "enrolled"), (out.gradual, "gradual exit starts"),
                        (out.exits, "exit")):
            self.log(t, out.visited[k], name)
        changed = (out.old_tier != out.new_tier) & (out.old_tier > 0) & (out.new_tier > 0)
        for code, tier in enumerate(TIER_NAMES[1:], start=1):
            self.log(t, out.visited[changed & (out.new_tier == code)], f"tier → {tier}")
        for prog, amount in zip(PROGRAMMES, pay, strict=True):
            paid = amount > 0
            self.log(t, paid, f"paid {prog}", amount[paid])

    def events(self, household: int) -> list[dict[str, Any]]:
        """Every event of one household, in time order."""
        out = []
        for t, idx, code, amt in self.months:
            for k in np.flatnonzero(idx == household):
                item: dict[str, Any] = {"month": t, "event": self.names[code[k]]}
                if amt[k]:
                    item["amount"] = round(float(amt[k]), 2)
                out.append(item)
        return out


@dataclass(frozen=True)
class HouseholdView:
    """Read-only view of one household: its facts now and its story.

    Attributes:
        index: household index.
        facts: true facts now (household fields and a list of members).
        seen: the same facts as the administration sees them.
        true_tier: tier by the true facts this month.
        enrolled_tier: tier the household is enrolled in.
        weight: real households it represents.
        story: events in time order (dicts with month, event, amount).
    """

    index: int
    facts: dict[str, Any]
    seen: dict[str, Any]
    true_tier: str
    enrolled_tier: str
    weight: float
    story: list[dict[str, Any]]

    def timeline(self) -> str:
        """The story as readable lines, one per event."""
        lines = []
        for e in self.story:
            amount = f"  {e['amount']:,.0f} yuan" if "amount" in e else ""
            lines.append(f"month {e['month']:>3}: {e['event']}{amount}")
        return "\n".join(lines)
