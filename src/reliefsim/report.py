"""Readable output for a terminal: run summaries, comparisons, design points and fans."""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any

from reliefsim.indicators import INDICATORS, SECTIONS, indicator
from reliefsim.results import UNPAIRED_OFFSET
from reliefsim.scenario import settings_text

SUMMARY_SECTIONS = ("coverage", "caseload", "leakage", "budget", "warnings", "outcomes",
                    "population", "privacy")
"""The sections of a run's summary, in order (the ``detail`` section is left to exports)."""


def fmt(value: float, unit: str) -> str:
    """A number formatted for its unit (shares as %, money in million yuan)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit.startswith("share") or unit == "difference of shares":
        return f"{100 * value:.1f} %"
    if unit.startswith("yuan/person"):
        return f"{value:,.0f} {unit}"
    if unit.startswith("yuan"):
        return f"{value / 1e6:,.1f} M" + unit[4:]
    if unit == "ratio":
        return f"{value:.2f}"
    if unit.startswith("per 1,000"):
        return f"{value:.2f} ‰{unit[len('per 1,000'):].replace(' people', '')}"
    if unit == "people" and abs(value) < 100:
        return f"{value:.2f} people"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:,.0f} {unit}"


def format_stages(stage_seconds: dict[str, float], months: int, households: int,
                  total: float | None = None) -> str:
    """Where the month's time goes: seconds, share and milliseconds per month by stage.

    Args:
        stage_seconds: seconds per stage, summed over the run.
        months: months simulated.
        households: simulated households.
        total: wall-clock seconds of the whole run (set-up included), shown when given.
    """
    spent = sum(stage_seconds.values())
    lines = [f"where the month's time goes ({households:,} households × {months} months)",
             f"{'stage':<12} {'seconds':>9} {'share':>7} {'ms/month':>9}"]
    for stage, seconds in stage_seconds.items():
        share = seconds / spent if spent > 0 else 0.0
        lines.append(f"{stage:<12} {seconds:>9.2f} {share:>7.1%} "
                     f"{1000 * seconds / max(months, 1):>9.1f}")
    lines.append(f"{'all stages':<12} {spent:>9.2f} {1.0 if spent > 0 else 0.0:>7.1%} "
                 f"{1000 * spent / max(months, 1):>9.1f}")
    if total is not None:
        lines.append(f"(whole run {total:.2f} s, of which set-up and bookkeeping "
                     f"{max(total - spent, 0.0):.2f} s)")
    return "\n".join(lines)


def summary_rows(section: str) -> list[str]:
    """The indicators of a summary section, in registry order."""
    return [i.name for i in INDICATORS if i.section == section]


def format_summary(summary: dict[str, float], title: str) -> str:
    """The summary as aligned text, each number with its convention."""
    lines = [*textwrap.wrap(title, 78), "=" * min(len(title), 78)]
    for section in SUMMARY_SECTIONS:
        lines.append("")
        lines.append(SECTIONS[section][0])
        for name in summary_rows(section):
            ind = indicator(name)
            lines.append(f"  {name:<34} {fmt(summary.get(name, float('nan')), ind.unit):>20}")
            if ind.convention:
                lines.extend(textwrap.wrap(ind.convention, 76, initial_indent="      ",
                                           subsequent_indent="      "))
    return "\n".join(lines)


def format_table(frame: Any) -> str:
    """A DataFrame as right-aligned text columns (numbers to 4 significant digits)."""
    import pandas as pd

    def cell(x: Any) -> str:
        if isinstance(x, float):
            return "n/a" if math.isnan(x) else f"{x:,.4g}" if abs(x) < 1e5 else f"{x:,.0f}"
        if isinstance(x, pd.Timestamp):
            return x.strftime("%Y-%m-%d %H:%M")
        return str(x)

    cols = [str(c) for c in frame.columns]
    body = [[cell(x) for x in row] for row in frame.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[k]) for r in body]) for k, c in enumerate(cols)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(x.rjust(w) for x, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def format_comparison(result: Any) -> str:
    """A paired comparison as an 80-column table with its conventions."""
    has_unpaired = "unpaired_low" in result.table
    lines = [f"{result.b} − {result.a}: {result.reps} paired replications on common random "
             "numbers", "95 % interval of the mean paired difference (t distribution)", ""]
    head = f"{'indicator':<23}{'A':>10}{'B':>10}{'B − A':>10}  {'95 % interval':<24}"
    lines.append(head)
    for row in result.table.itertuples(index=False):
        unit = _kind(row.indicator)
        interval = f"[{fmt_short(row.low, unit)}, {fmt_short(row.high, unit)}]"
        lines.append(f"{row.indicator[:23]:<23}{fmt_short(row.a, unit):>10}"
                     f"{fmt_short(row.b, unit):>10}{fmt_short(row.diff, unit):>10}  {interval}")
        if has_unpaired:
            free = f"[{fmt_short(row.unpaired_low, unit)}, {fmt_short(row.unpaired_high, unit)}]"
            lines.append(f"{'':<23}{'':>10}{'':>10}{'unpaired':>10}  {free}")
    lines += ["", "shares in %, money in million yuan per year, counts per year"]
    return "\n".join(lines)


def _kind(name: str) -> str:
    """How ``fmt_short`` should show an indicator: share, yuan or count."""
    unit = indicator(name).unit
    if unit.startswith("share") or unit == "difference of shares":
        return "share"
    if unit.startswith("yuan"):
        return "yuan"
    return "count"


def fmt_short(value: float, unit: str) -> str:
    """A compact number for tables: % for shares, M for yuan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.2f}%"
    if unit == "yuan":
        return f"{value / 1e6:,.0f}M" if abs(value) >= 1e9 else f"{value / 1e6:,.1f}M"
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.1f}"


def format_forecast(table: Any, scenario: str, reps: int) -> str:
    """Forecast table: yuan per year (million) by programme with P10/P50/P90."""
    lines = [f"Budget forecast — {scenario}: million yuan per year, P10 / P50 / P90 over "
             f"{reps} replications", ""]
    years = list(dict.fromkeys(table["year"]))
    lines.append(f"{'programme':<14}" + "".join(f"{y:>13}" for y in years))
    for prog in dict.fromkeys(table["programme"]):
        sub = table[table["programme"] == prog]
        p50 = "".join(f"{v / 1e6:>13,.1f}" for v in sub["p50"])
        band = "".join(f"{f'{a / 1e6:,.0f}–{b / 1e6:,.0f}':>13}"
                       for a, b in zip(sub["p10"], sub["p90"], strict=True))
        lines.append(f"{prog:<14}{p50}")
        lines.append(f"{'  P10–P90':<14}{band}")
    return "\n".join(lines)


DESIGN_COLUMNS = (
    ("missed_rate", "missed"), ("leakage_of_recipients", "leak/rec"),
    ("leakage_of_money", "leak/money"), ("spend.total", "spend/yr"), ("cliff_falls", "cliffs/yr"),
)


def design_points(runs: list[dict]) -> list[tuple[str, str]]:
    """An experiment's designs, ``(scenario, point as sorted JSON)``, in the order first run.

    P1, P2, … in ``results show`` and in the report's figures follow this order.
    """
    return list(dict.fromkeys((r["scenario"], json.dumps(r["point"], sort_keys=True))
                              for r in runs))


def design_rows(frame: Any, design: tuple[str, str]) -> Any:
    """The rows of a metrics frame that belong to one design ``(scenario, point JSON)``."""
    scenario, point = design
    return frame[(frame["scenario"] == scenario) & (frame["point"] == point)]


def format_design(runs: list[dict], summary: Any) -> str:
    """Design points of an experiment and their headline means, within 80 columns."""
    points = design_points(runs)
    first = runs[0]
    unpaired = sum(r["replication"] >= UNPAIRED_OFFSET for r in runs)
    summary = summary[summary["replication"] < UNPAIRED_OFFSET]
    lines = [f"{len(runs)} runs, {len(points)} design point(s), {first['households']:,} "
             f"households × {first['months']} months, seed {first['seed']}", ""]
    if unpaired:
        lines.insert(1, f"({unpaired} unpaired runs on independent seeds, stored to show what "
                        "pairing buys, are left out of the means)")
    for k, (scen, point) in enumerate(points, start=1):
        settings = settings_text(json.loads(point))
        lines.extend(textwrap.wrap(f"P{k}: {scen} {settings}", 78, subsequent_indent="    "))
    lines.append("")
    lines.append(f"{'point':<6}{'reps':>5}" + "".join(f"{h:>13}" for _, h in DESIGN_COLUMNS))
    for k, design in enumerate(points, start=1):
        sub = design_rows(summary, design)
        means = sub.groupby("name")["value"].mean()
        reps = sub["replication"].nunique()
        cells = "".join(f"{fmt_short(means.get(name, float('nan')), _kind(name)):>13}"
                        for name, _ in DESIGN_COLUMNS)
        lines.append(f"{'P' + str(k):<6}{reps:>5}{cells}")
    lines += ["", "mean over replications; shares in %, money in yuan per year (M = million)"]
    return "\n".join(lines)
