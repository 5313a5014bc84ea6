"""Indicators of a run (RULES.md §6), each with its name, unit and convention (denominator).

The model writes weighted monthly totals into a :class:`Ledger`; :func:`summarize` turns the
months after the warm-up into the headline indicators.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from reliefsim.deciles import BOTTOM_TENTHS, TENTHS
from reliefsim.payments import PROGRAMMES
from reliefsim.schema import DEPARTMENTS, TIER_NAMES, WARNING_RULES

DAYS_PER_MONTH = 30.44


@dataclass
class Indicator:
    """One headline number with how to read it."""

    name: str
    value: float
    unit: str
    convention: str


@dataclass
class Ledger:
    """Weighted monthly totals (``series[name][month]``) and per-event samples.

    Attributes:
        series: name → list of monthly values.
        days: days from onset of hardship to first payment, one entry per event.
        days_weight: weight of each entry in ``days``.
        confusion: true tier × enrolled tier, summed over months after the warm-up.
    """

    series: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    days: list[np.ndarray] = field(default_factory=list)
    days_weight: list[np.ndarray] = field(default_factory=list)
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((5, 5)))
    spells_total: float = 0.0
    spells_found: float = 0.0

    def add(self, month: int, values: dict[str, float]) -> None:
        """Append one month's values (every name must be given every month)."""
        for name, value in values.items():
            column = self.series[name]
            column.extend([0.0] * (month - len(column)))
            column.append(float(value))

    def months(self) -> int:
        """Months recorded."""
        return max((len(c) for c in self.series.values()), default=0)

    def mean(self, name: str, start: int) -> float:
        """Average monthly value from month ``start`` on."""
        return float(np.mean(self.series[name][start:])) if self.months() > start else 0.0

    def total(self, name: str, start: int) -> float:
        """Sum of monthly values from month ``start`` on."""
        return float(np.sum(self.series[name][start:]))


def _share(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def error_rates(series: dict[str, list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Month by month, the missed rate and the leakage of recipients.

    The same shares as the headline indicators (missed ÷ truly eligible; enrolled in a tier but
    not eligible ÷ enrolled in a tier), 0 in a month whose denominator is 0.
    """

    def share(num: str, den: str) -> np.ndarray:
        n, d = np.asarray(series[num], dtype=float), np.asarray(series[den], dtype=float)
        return np.divide(n, d, out=np.zeros(len(n)), where=d > 0)

    return share("missed", "eligible"), share("leak_households", "enrolled_tiered")


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` with ``weights`` (NaN when there are none)."""
    if len(values) == 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def summarize(ledger: Ledger, warmup: int) -> list[Indicator]:
    """Headline indicators over the months from ``warmup`` on.

    Household counts are monthly averages of weighted (real) households; money is yuan per year
    (12 × the monthly average) unless said otherwise.
    """
    s = warmup
    m = ledger.mean
    years = max(ledger.months() - s, 1) / 12.0
    out: list[Indicator] = []

    def add(name: str, value: float, unit: str, convention: str) -> None:
        out.append(Indicator(name, value, unit, convention))

    eligible = m("eligible", s)
    add("truly_eligible_households", eligible, "households", "monthly average, any tier")
    add("enrolled_households", m("enrolled", s), "households",
        "monthly average, a tier or the gradual-exit period")
    add("missed_households", m("missed", s), "households",
        "truly eligible, not enrolled; monthly average")
    add("missed_rate", _share(m("missed", s), eligible), "share",
        "exclusion error: missed ÷ truly eligible (household-months)")
    add("missed_money", 12 * m("missed_money", s), "yuan/year",
        "what missed households should have got (basic living + special)")
    for tier in TIER_NAMES[1:]:
        add(f"enrolled.{tier}", m(f"enrolled_{tier}", s), "households",
            f"enrolled as {tier} (excl. gradual exit at tier none); monthly average")
    low_income = sum(m(f"enrolled_{t}", s) for t in ("destitute", "dibao", "marginal"))
    add("caseload.low_income_households", low_income, "households",
        "enrolled destitute + dibao + marginal (Beijing's 'dibao, destitute and low-income')")
    add("caseload.low_income_people", m("low_income_people", s), "people",
        "members of households enrolled as destitute, dibao or marginal (or in gradual exit)")
    add("takeup_rate", _share(m("enrolled_eligible", s), eligible), "share",
        "truly eligible households enrolled ÷ truly eligible (1 − missed rate)")
    add("unemployment_rate", _share(m("unemployed", s), m("employed", s) + m("unemployed", s)),
        "share", "job seekers ÷ (workers + job seekers), people")
    add("che_rate", _share(m("che_households", s), m("households", s)), "share",
        "households whose 12-month medical out-of-pocket ≥ metrics.che_threshold × capacity "
        "to pay (income − subsistence)")
    add("dibao_churn_quarterly",
        _share(1.5 * (m("dibao_entries", s) + m("dibao_exits", s)), m("enrolled_dibao", s)),
        "share per quarter", "dibao entries and exits per quarter (average of the two) ÷ "
        "dibao caseload")
    for tier in TIER_NAMES[1:]:
        add(f"missed_rate.{tier}", _share(m(f"missed_{tier}", s), m(f"true_{tier}", s)),
            "share", f"truly {tier} households not enrolled ÷ truly {tier}")
    add("leakage_of_recipients", _share(m("leak_households", s), m("enrolled_tiered", s)),
        "share", "inclusion error, of recipients: enrolled but not truly eligible ÷ enrolled "
        "(households in their gradual-exit period excluded)")
    add("leakage_of_money", _share(m("leak_money", s), m("spend_total", s)), "share",
        "inclusion error, of money: spending to not-eligible households (and one-off aid "
        "with no true shock) ÷ all spending")
    add("over_tiered_households", m("over_tiered", s), "households",
        "enrolled in a more generous tier than their true one; monthly average")
    for prog in PROGRAMMES:
        add(f"spend.{prog}", m(f"spend_{prog}", s) * 12, "yuan/year", "monthly average × 12")
    add("spend.total", m("spend_total", s) * 12, "yuan/year", "all programmes")
    add("gradual_exit_spending", m("spend_gradual_exit", s) * 12, "yuan/year",
        "entitled by the rules: reported on its own line, not as leakage")
    add("visits", m("visits", s) * 12, "visits/year", "home visits")
    add("visit_cost", m("visit_cost", s) * 12, "yuan/year", "visits × casework.visit_cost")
    add("backlog", m("backlog", s), "households", "cases waiting at month end; monthly average")
    add("applications", m("applications", s) * 12, "households/year", "人找政策")
    warnings = ledger.total("warnings", s)
    add("warnings", warnings / years, "warnings/year", "all rules; each rule firing counts once")
    for rule in WARNING_RULES:
        add(f"warnings.{rule}", ledger.total(f"warnings_{rule}", s) / years, "warnings/year", "")
    add("warnings_visited", ledger.total("warnings_resolved", s) / years, "warnings/year",
        "warnings whose household was visited")
    add("warnings_helped", ledger.total("warnings_helped", s) / years, "warnings/year",
        "warnings followed by help (enrolment, continued enrolment or one-off aid)")
    add("warning_precision",
        _share(ledger.total("warnings_helped", s), ledger.total("warnings_resolved", s)),
        "share", "warnings whose visit led to help ÷ warnings visited (Longwan 103/373 = 0.276)")
    add("warning_recall", _share(ledger.spells_found, ledger.spells_total), "share",
        "newly eligible households warned during their spell ÷ newly eligible")
    days = np.concatenate(ledger.days) if ledger.days else np.zeros(0)
    dw = np.concatenate(ledger.days_weight) if ledger.days_weight else np.zeros(0)
    add("days_to_payment.median", weighted_quantile(days, dw, 0.5), "days",
        "onset of hardship → first payment (enrolment or temporary aid)")
    add("days_to_payment.p90", weighted_quantile(days, dw, 0.9), "days", "90th percentile")
    for q in (10, 25, 75):
        add(f"days_to_payment.p{q}", weighted_quantile(days, dw, q / 100), "days",
            f"{q}th percentile")
    add("poverty_headcount", _share(m("poor_people", s), m("people", s)), "share of people",
        "disposable income per capita < metrics.poverty_line_multiple × dibao line")
    add("poverty_gap", _share(m("poverty_gap", s), m("poverty_gap_max", s)), "share",
        "FGT(1): Σ people × gap ÷ Σ people × line")
    add("cliff_falls", ledger.total("cliff_falls", s) / years, "households/year",
        "leavers whose disposable income per capita fell > metrics.cliff_share that month")
    add("targeting_differential",
        _share(m("enrolled_eligible", s), eligible)
        - _share(m("enrolled", s) - m("enrolled_eligible", s), m("households", s) - eligible),
        "difference of shares", "participation among eligible − among not eligible (Ravallion)")
    bottom = BOTTOM_TENTHS / TENTHS
    add("coady_grosh_hoddinott", _share(m("transfers_bottom20", s), m("spend_total", s)) / bottom,
        "ratio", f"share of transfers to the poorest {bottom * 100:g} % (pre-transfer income "
        f"p.c.) ÷ {bottom:g}")
    for d in range(1, TENTHS + 1):
        add(f"transfers.decile_{d}", m(f"transfers_decile_{d}", s) * 12, "yuan/year",
            f"all transfers to pre-transfer income decile {d} (1 = poorest)")
    months = max(ledger.months() - s, 1)
    for i, true in enumerate(TIER_NAMES):
        for j, enrolled in enumerate(TIER_NAMES):
            add(f"confusion.{true}.{enrolled}", ledger.confusion[i, j] / months, "households",
                "true tier × enrolled tier, monthly average")
    helped = m("enrolled", s)
    for dept in DEPARTMENTS:
        add(f"lookups.{dept}", m(f"lookups_{dept}", s) * 12, "look-ups/year",
            "linked households queried each month (weighted)")
    add("lookups_per_household_helped", _share(m("lookups_total", s) * 12, helped),
        "look-ups/year", "all departments ÷ enrolled households")
    return out


@functools.cache
def indicator_units() -> dict[str, str]:
    """The unit of every indicator a run reports, by name (read off an empty run's summary)."""
    ledger = Ledger()
    ledger.add(0, {})
    return {i.name: i.unit for i in summarize(ledger, 0)}
