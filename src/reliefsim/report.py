"""Readable output: the run summary for a terminal and the demo figure."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from reliefsim.metrics import Indicator, Ledger
from reliefsim.payments import PROGRAMMES

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Who should be helped, and who is", (
        "truly_eligible_households", "enrolled_households", "missed_households", "missed_rate",
        "missed_rate.destitute", "missed_rate.dibao", "missed_rate.marginal",
        "missed_rate.rigid_hardship", "missed_money")),
    ("Leakage (two conventions)", (
        "leakage_of_recipients", "leakage_of_money", "over_tiered_households",
        "gradual_exit_spending")),
    ("Budget", (*(f"spend.{p}" for p in PROGRAMMES), "spend.total", "visits", "visit_cost")),
    ("Warnings and casework", (
        "warnings", "warning_precision", "warning_recall", "applications", "backlog",
        "days_to_payment.median", "days_to_payment.p90")),
    ("Outcomes", ("poverty_headcount", "poverty_gap", "cliff_falls", "targeting_differential",
                  "coady_grosh_hoddinott")),
    ("Privacy exposure (data look-ups)", (
        "lookups.medical_insurance", "lookups.human_resources", "lookups.public_security",
        "lookups.education", "lookups.disability_federation", "lookups.emergency_management",
        "lookups.housing", "lookups.finance", "lookups_per_household_helped")),
)


def fmt(value: float, unit: str) -> str:
    """A number formatted for its unit (shares as %, money in million yuan)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit.startswith("share") or unit == "difference of shares":
        return f"{100 * value:.1f} %"
    if unit.startswith("yuan"):
        return f"{value / 1e6:,.1f} M" + unit[4:]
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:,.0f} {unit}"


def format_summary(indicators: list[Indicator], title: str) -> str:
    """The summary as aligned text, each number with its convention."""
    by_name = {i.name: i for i in indicators}
    lines = [title, "=" * min(len(title), 78)]
    for heading, names in SECTIONS:
        lines.append("")
        lines.append(heading)
        for name in names:
            ind = by_name[name]
            lines.append(f"  {name:<30} {fmt(ind.value, ind.unit):>20}")
            if ind.convention:
                lines.extend(textwrap.wrap(ind.convention, 76, initial_indent="      ",
                                           subsequent_indent="      "))
    return "\n".join(lines)


def demo_figure(ledger: Ledger, warmup: int, start: str, path: Path, title: str) -> Path:
    """Four panels: caseload vs need, missed & leakage, spending by programme, warnings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = ledger.series
    months = np.arange(ledger.months())
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    fig.suptitle(title)
    ax = axes[0, 0]
    ax.plot(months, np.array(s["eligible"]) / 1e3, label="truly eligible")
    ax.plot(months, np.array(s["enrolled"]) / 1e3, label="enrolled (incl. gradual exit)")
    ax.plot(months, np.array(s["missed"]) / 1e3, label="missed (eligible, not enrolled)")
    ax.plot(months, np.array(s["leak_households"]) / 1e3, label="leakage (enrolled, not eligible)")
    ax.set(title="Households: need and help", xlabel=f"month since {start}",
           ylabel="thousand households")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    elig = np.maximum(np.array(s["eligible"]), 1e-9)
    tiered = np.maximum(np.array(s["enrolled_tiered"]), 1e-9)
    ax.plot(months, 100 * np.array(s["missed"]) / elig, label="missed ÷ truly eligible")
    ax.plot(months, 100 * np.array(s["leak_households"]) / tiered,
            label="leakage ÷ enrolled (of recipients)")
    ax.set(title="Exclusion and inclusion errors", xlabel=f"month since {start}",
           ylabel="%")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    stack = [np.array(s[f"spend_{p}"]) / 1e6 for p in PROGRAMMES]
    ax.stackplot(months, stack, labels=PROGRAMMES)
    top = float(np.max(np.sum(stack, axis=0))) if len(months) else 1.0
    ax.set_ylim(0, 1.5 * max(top, 1e-9))
    ax.set(title="Spending by programme", xlabel=f"month since {start}",
           ylabel="million yuan per month")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    ax = axes[1, 1]
    ax.plot(months, np.array(s["warnings"]) / 1e3, label="warnings raised")
    ax.plot(months, np.array(s["applications"]) / 1e3, label="applications")
    ax.plot(months, np.array(s["visits"]) / 1e3, label="home visits")
    ax.plot(months, np.array(s["backlog"]) / 1e3, label="cases waiting")
    ax.set(title="Finding people: warnings, applications, visits", xlabel=f"month since {start}",
           ylabel="thousand per month")
    ax.legend(fontsize=8)
    for a in axes.flat:
        a.axvspan(0, warmup, color="0.9", zorder=0)
        a.grid(alpha=0.3)
    axes[0, 0].text(0.5, 0.02, "grey: warm-up", transform=axes[0, 0].transAxes, fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
