"""Household facts as columns of numpy arrays (struct of arrays), for the truth and the admin view.

One :class:`Facts` holds every household slot and every member slot. A household slot owns a
fixed block of member slots (``hh`` maps a member slot to its household slot; blocks are stored
in household order), so per-household sums are one ``np.bincount`` and a household's members one
range. A member slot holds a living person (``alive``) or nobody (free for a birth or a newcomer).
The same class holds the *true* facts and the facts *as the administration sees them*; the rules
read either.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import partial

import numpy as np

from reliefsim.aggregates import advance_window, any_living, living_counts, member_incomes
from reliefsim.kernels import copy_at, copy_where, flatnonzero, ranges, repeat_index
from reliefsim.threads import together

MEMBER_FIELDS: tuple[str, ...] = (
    "age", "alive", "works", "wage", "wage_base", "pension", "disability",
    "disability_permanent", "serious_illness", "chronic", "unable_self_care", "student",
    "tertiary_track", "smartphone", "benefit", "benefit_months", "seeking",
)
HOUSEHOLD_FIELDS: tuple[str, ...] = (
    "wages", "pensions", "other_income", "financial_assets", "homes_owned", "floor_space_pc",
    "car", "rent", "has_capable_supporter", "registered", "medical_oop", "care", "rehab",
    "education", "damage", "income_window", "rigid_window",
)
RING_FIELDS: tuple[str, ...] = ("income_ring", "rigid_ring")
MEMBER_DTYPES: dict[str, type] = {
    "age": np.float32, "alive": np.bool_, "works": np.bool_, "wage": np.float32,
    "wage_base": np.float32, "pension": np.float32, "disability": np.int8,
    "disability_permanent": np.bool_, "serious_illness": np.bool_, "chronic": np.bool_,
    "unable_self_care": np.bool_, "student": np.int8, "tertiary_track": np.bool_,
    "smartphone": np.bool_, "benefit": np.float32, "benefit_months": np.int16,
    "seeking": np.bool_,
}
"""Member fields and their storage types (money and ages as float32: half the memory)."""
HOUSEHOLD_DTYPES: dict[str, type] = {
    "homes_owned": np.int8, "car": np.bool_, "has_capable_supporter": np.bool_,
    "registered": np.bool_, "damage": np.int8,
}
"""Household fields that are not float64."""
MILD, SEVERE = 1, 2
"""Disability codes of the ``disability`` member field (0 none)."""
ITEM_FIELDS: dict[str, str] = {
    "medical": "medical_oop", "care": "care", "rent": "rent", "rehab": "rehab",
    "education": "education",
}
"""Rigid-expenditure item name (RULES.md) → the monthly household field that holds it."""


@dataclass
class Facts:
    """All household and member slots; see module docstring.

    Household arrays have length H, member arrays length M, rings shape (W, H).
    Money is yuan per month unless the name says otherwise.
    """

    hh: np.ndarray  # member slot → household slot (ascending)
    age: np.ndarray
    alive: np.ndarray  # the member slot holds a living person
    works: np.ndarray
    wage: np.ndarray  # member's wage when working (yuan/month)
    wage_base: np.ndarray  # the member's permanent wage level (yuan/month)
    pension: np.ndarray
    disability: np.ndarray  # 0 none, 1 mild, 2 severe
    disability_permanent: np.ndarray  # a severe disability that never recovers
    serious_illness: np.ndarray
    chronic: np.ndarray
    unable_self_care: np.ndarray
    student: np.ndarray  # 0 none, 1 primary, 2 secondary, 3 tertiary
    tertiary_track: np.ndarray
    smartphone: np.ndarray
    benefit: np.ndarray  # unemployment benefit while unemployed (yuan/month)
    benefit_months: np.ndarray  # months of unemployment benefit left
    seeking: np.ndarray  # not working and looking for work (unemployed)
    wages: np.ndarray
    pensions: np.ndarray
    other_income: np.ndarray
    financial_assets: np.ndarray
    homes_owned: np.ndarray
    floor_space_pc: np.ndarray
    car: np.ndarray
    rent: np.ndarray
    has_capable_supporter: np.ndarray
    registered: np.ndarray  # holds the city's household registration (户籍)
    medical_oop: np.ndarray
    care: np.ndarray
    rehab: np.ndarray
    education: np.ndarray
    damage: np.ndarray  # 0 none, 1 minor, 2 damaged, 3 collapsed (this month)
    income_window: np.ndarray  # household income summed over the rigid window
    rigid_window: np.ndarray  # rigid expenditure (policy items) summed over the window
    income_ring: np.ndarray  # monthly income, the last W months (float32)
    rigid_ring: np.ndarray  # monthly rigid expenditure, the last W months (float32)

    @classmethod
    def zeros(cls, hh: np.ndarray, households: int, ring_months: int) -> Facts:
        """Facts for ``households`` vacant slots whose member slots ``hh`` gives."""
        m = len(hh)
        data = {name: np.zeros(m, dtype=MEMBER_DTYPES[name]) for name in MEMBER_FIELDS}
        data.update({name: np.zeros(households, dtype=HOUSEHOLD_DTYPES.get(name, np.float64))
                     for name in HOUSEHOLD_FIELDS})
        data.update({name: np.zeros((ring_months, households), dtype=np.float32)
                     for name in RING_FIELDS})
        return cls(hh=hh, **data)

    @property
    def n_households(self) -> int:
        """Number of household slots H."""
        return len(self.wages)

    def size(self, households: np.ndarray | None = None) -> np.ndarray:
        """Living members per household slot (0 for a vacant slot), or per given household."""
        counts = self.member_counts()
        return living_counts(self.alive, self._starts, counts, households, self.hh)

    def count(self, member_mask: np.ndarray) -> np.ndarray:
        """Per household, how many living members satisfy ``member_mask``."""
        return living_counts(member_mask & self.alive, self.member_starts(), self.member_counts(),
                             None, self.hh)

    def sum_members(self, members: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per household, the sum of ``values`` over the given member indices (ascending)."""
        return np.bincount(self.hh[members], weights=values, minlength=self.n_households)

    def sum_over(self, households: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per given household, the sum of ``values`` over its member slots.

        Args:
            households: household indices.
            values: one value per member slot of those households (``members_of`` order).
        """
        return np.bincount(self.owners(households), weights=values, minlength=len(households))

    def income(self, households: np.ndarray | int | None = None) -> np.ndarray:
        """Household monthly income before any disregard (wages + pensions + other).

        Args:
            households: only these household indices, or one (default every household slot).
        """
        if households is not None:
            return (self.wages[households] + self.pensions[households]
                    + self.other_income[households])
        total = self.wages + self.pensions
        total += self.other_income
        return total

    def refresh_incomes(self, households: np.ndarray | None = None) -> None:
        """Recompute household wages and pensions (with unemployment benefit) from the members.

        Args:
            households: only these household indices (ascending); the others keep their sums.
        """
        if households is not None:
            members = self.members_of(households)
            local = self.owners(households)
            alive, works = self.alive[members], self.works[members]
            earning = works & alive
            self.wages[households] = np.bincount(local[earning],
                                                 weights=self.wage[members][earning],
                                                 minlength=len(households))
            pension = np.where(alive, self.pension[members], 0.0)
            claim = ~works & (self.benefit_months[members] > 0) & alive
            pension[claim] += self.benefit[members][claim]
            self.pensions[households] = np.bincount(local, weights=pension,
                                                    minlength=len(households))
            return
        self.wages, self.pensions = member_incomes(
            self.hh, self.alive, self.works, self.wage, self.pension, self.benefit_months,
            self.benefit, self.n_households)

    def rigid_now(self, items: tuple[str, ...]) -> np.ndarray:
        """This month's rigid expenditure: the sum of the listed items' monthly fields."""
        total = np.zeros(self.n_households)
        for item in items:
            total += getattr(self, ITEM_FIELDS[item])
        return total

    def push_month(self, t: int, items: tuple[str, ...], window: int) -> None:
        """Record this month's income and rigid expenditure in the rings; update the window sums.

        The window sums run on: this month's values in, the values of ``window`` months ago
        out. (With a window as long as the ring they are the ring's row sums.)
        """
        months = self.income_ring.shape[0]
        slot = t % months
        old = (t - window) % months
        if getattr(self, "_window", window) != window:  # the window changed: sum it afresh
            self.income_ring[slot] = self.income().astype(np.float32)
            self.rigid_ring[slot] = self.rigid_now(items).astype(np.float32)
            self.update_windows(t, window)
            self._window = window
            return
        self._window = window
        leaving = old if window < months else slot
        for ring, now, total in ((self.income_ring, self.income(), "income_window"),
                                 (self.rigid_ring, self.rigid_now(items), "rigid_window")):
            # floored at 0: rounding never makes a sum negative
            setattr(self, total, advance_window(getattr(self, total), now, ring, slot, leaving))

    def update_windows(self, t: int, window: int) -> None:
        """Recompute the window sums from the rings (the last ``window`` months up to ``t``)."""
        months = self.income_ring.shape[0]
        slots = [(t - k) % months for k in range(window)]
        self.income_window = self.income_ring[slots].sum(axis=0, dtype=np.float64)
        self.rigid_window = self.rigid_ring[slots].sum(axis=0, dtype=np.float64)

    def fill_history(self, households: np.ndarray, items: tuple[str, ...], window: int) -> None:
        """The given households' past months as this one: rings and window sums."""
        income = self.income(households)
        rigid = np.zeros(len(households))
        for item in items:
            rigid += getattr(self, ITEM_FIELDS[item])[households]
        self.income_ring[:, households] = income.astype(np.float32)
        self.rigid_ring[:, households] = rigid.astype(np.float32)
        self.income_window[households] = window * income.astype(np.float32)
        self.rigid_window[households] = window * rigid.astype(np.float32)

    def copy(self) -> Facts:
        """A deep copy: every array copied but ``hh``, which never changes and is shared.

        The shared ``hh`` is made read-only, so that no in-place write can change both.
        """
        self.hh.flags.writeable = False
        return Facts(**{f.name: self.hh if f.name == "hh" else getattr(self, f.name).copy()
                        for f in fields(self)})

    def subset(self, households: np.ndarray) -> Facts:
        """The given households (ascending indices) and their member slots, as facts of their own.

        The monthly rings are left empty, shape (0, n): a subset is for reading this month's
        facts and window sums (assessments, entitlements), never for ``push_month``.

        Args:
            households: ascending household indices.
        """
        members = self.members_of(households)
        data = {name: getattr(self, name)[members] for name in MEMBER_FIELDS}
        data.update({name: getattr(self, name)[households] for name in HOUSEHOLD_FIELDS})
        data.update({name: np.empty((0, len(households)), dtype=np.float32)
                     for name in RING_FIELDS})
        hh = self.owners(households)
        return Facts(hh=hh, **data)

    def read_subset(self, households: np.ndarray) -> Facts:
        """:meth:`subset`, each field gathered from these facts when it is first read.

        For facts read at once, in part (an assessment reads about half the fields), before
        these facts change.

        Args:
            households: ascending household indices.
        """
        return _Subset(self, households)

    def members_of(self, households: np.ndarray) -> np.ndarray:
        """Indices of all member slots of the given households (ascending household indices)."""
        return ranges(self.member_starts()[households], self.member_counts()[households])

    def owners(self, households: np.ndarray) -> np.ndarray:
        """Per member slot of the given households (``members_of`` order), its household's place.

        The position, among ``households``, of the household each slot belongs to.
        """
        return repeat_index(self.member_counts()[households])

    def member_counts(self) -> np.ndarray:
        """Member slots per household; they never change during a run."""
        if getattr(self, "_starts", None) is None or len(self._starts) != self.n_households:
            counts = np.bincount(self.hh, minlength=self.n_households)
            self._counts = counts
            self._starts = np.cumsum(counts) - counts
        return self._counts

    def member_starts(self) -> np.ndarray:
        """Per household, the index of its first member slot."""
        self.member_counts()
        return self._starts

    def any_member(self, households: np.ndarray, test: np.ndarray) -> np.ndarray:
        """Per given household, whether ``test`` holds for any of its member slots.

        Args:
            households: ascending household indices.
            test: one boolean per member slot of those households (in ``members_of`` order).
        """
        owner = self.owners(households)
        out = np.zeros(len(households), dtype=bool)
        out[owner[test]] = True
        return out

    def any_living(self, households: np.ndarray, flags: np.ndarray) -> np.ndarray:
        """Per given household, whether any living member has the flag.

        Args:
            households: ascending household indices.
            flags: one boolean per member slot (all of them).
        """
        counts = self.member_counts()
        out = any_living(households, self._starts, counts, self.alive, flags)
        if out is None:
            members = self.members_of(households)
            out = self.any_member(households, flags[members].astype(bool) & self.alive[members])
        return out

    def reveal(self, source: Facts, households: np.ndarray,
               member_fields: tuple[str, ...] = MEMBER_FIELDS,
               household_fields: tuple[str, ...] = HOUSEHOLD_FIELDS + RING_FIELDS,
               members: np.ndarray | None = None) -> None:
        """Overwrite some fields of the given households with ``source``'s values.

        Args:
            source: facts to copy from (e.g. the truth, or a lagged snapshot of it).
            households: boolean mask over households, or ascending household indices.
            member_fields: member-level field names to copy.
            household_fields: household-level field names (rings copy whole columns).
            members: the member slots of ``households`` (indices), if already known.
        """
        idx = flatnonzero(households) if households.dtype == bool else households
        copies = []  # (index, values, target), each target its own array
        if member_fields:
            midx = self.members_of(idx) if members is None else members
            copies += [(midx, getattr(source, name), getattr(self, name))
                       for name in member_fields]
        for name in household_fields:
            target, values = getattr(self, name), getattr(source, name)
            if target.ndim == 2:  # a ring: row by row (NumPy's 2-D indexing is slower)
                copies += [(idx, row_values, row_target)
                           for row_target, row_values in zip(target, values, strict=True)]
            else:
                copies.append((idx, values, target))
        # every copy writes an array of its own: two halves side by side
        together(partial(_copy_each, copies[::2]), partial(_copy_each, copies[1::2]))


    def reveal_where(self, source: Facts, households: np.ndarray, members: np.ndarray | None,
                     member_fields: tuple[str, ...], household_fields: tuple[str, ...]) -> None:
        """:meth:`reveal` by masks: each field copied where its mask is set, in one pass.

        For many households at once (a department's linked households), where a pass over the
        whole column is quicker than one through the households' indices.

        Args:
            source: facts to copy from.
            households: boolean mask over households (for the household fields).
            members: boolean mask over member slots: the member slots of those households
                (None when no member field is copied).
            member_fields: member-level field names to copy.
            household_fields: household-level field names (not the rings).
        """
        for name in member_fields:
            copy_where(members, getattr(source, name), getattr(self, name))  # type: ignore[arg-type]
        for name in household_fields:
            copy_where(households, getattr(source, name), getattr(self, name))

class _Subset(Facts):
    """Some households of facts, each field gathered from the source when first read."""

    def __init__(self, source: Facts, households: np.ndarray) -> None:
        members = source.members_of(households)
        hh = source.owners(households)
        self.__dict__.update(hh=hh, _source=source, _households=households, _members=members)
        for name in RING_FIELDS:
            self.__dict__[name] = np.empty((0, len(households)), dtype=np.float32)

    def __getattr__(self, name: str) -> np.ndarray:
        """A field not read yet: gathered now (only called for attributes not yet set)."""
        if name in _MEMBER_SET:
            value = getattr(self._source, name)[self._members]
        elif name in _HOUSEHOLD_SET:
            value = getattr(self._source, name)[self._households]
        else:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.__dict__[name] = value
        return value


_MEMBER_SET = frozenset(MEMBER_FIELDS)
_HOUSEHOLD_SET = frozenset(HOUSEHOLD_FIELDS)


def _copy_each(copies: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """``target[index] = values[index]`` for each (index, values, target)."""
    for index, values, target in copies:
        copy_at(index, values, target)
