"""Report figures (matplotlib): each titled, axes labelled with units, conventions in captions.

Every function takes plain data (dicts, arrays) and a path, writes one PNG and returns the path.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from reliefsim.codes import DEPARTMENTS, TIER_NAMES
from reliefsim.indicators import PROGRAMMES
from reliefsim.metrics import error_rates


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def tradeoff(points: Sequence[tuple[str, float, float]], path: Path) -> Path:
    """Missed rate against leakage of recipients, one numbered point per design.

    Points are marked P1, P2, … (short marks do not collide where designs crowd; designs that
    land on the same spot share one mark) and the key beside the axes gives each one's
    settings; the figure grows taller with the key.
    """
    key_lines: list[str] = []
    for k, (label, _, _) in enumerate(points, start=1):
        tag = f"P{k}  "
        key_lines += textwrap.wrap(tag + label, 48, subsequent_indent=" " * len(tag))
    height = max(5.5, 0.16 * len(key_lines) + 1.0)
    fig = plt.figure(figsize=(10, height), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, width_ratios=[3, 2], height_ratios=[5.5, height - 5.5 + 1e-6])
    ax = fig.add_subplot(grid[0, 0])  # the chart keeps its size; a long key runs on below it
    key = fig.add_subplot(grid[:, 1])
    xs = [100 * p[1] for p in points]
    ys = [100 * p[2] for p in points]
    ax.scatter(xs, ys, s=40, zorder=3)
    # points within 2 % of the data's spread of each other share one mark: "P2, P8"
    spread_x = (max(xs) - min(xs) if xs else 0.0) or 1.0
    spread_y = (max(ys) - min(ys) if ys else 0.0) or 1.0
    marks: list[tuple[float, float, list[int]]] = []
    for k, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        near = [m for m in marks if abs(m[0] - x) <= 0.02 * spread_x
                and abs(m[1] - y) <= 0.02 * spread_y]
        if near:
            near[0][2].append(k)
        else:
            marks.append((x, y, [k]))
    for x, y, ks in marks:
        ax.annotate(", ".join(f"P{k}" for k in ks), (x, y), textcoords="offset points",
                    xytext=(5, 4), fontsize=8)
    key.axis("off")
    key.text(0.0, 1.0, "\n".join(key_lines), va="top", ha="left", fontsize=7.5,
             family="monospace", transform=key.transAxes)
    ax.margins(0.12)
    ax.set(title="Missed cases versus leakage across the designs",
           xlabel="missed: truly eligible not enrolled ÷ truly eligible (%)",
           ylabel="leakage: enrolled not eligible ÷ enrolled (%)")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def spending(series: dict[str, np.ndarray], start: str, path: Path) -> Path:
    """Spending by programme, month by month, stacked."""
    fig, ax = plt.subplots(figsize=(8, 4.8), constrained_layout=True)
    _stacked_spending(ax, series, start)
    return _save(fig, path)


def confusion(matrix: np.ndarray, path: Path) -> Path:
    """True tier × enrolled tier (thousand households, monthly average)."""
    fig, ax = plt.subplots(figsize=(7, 5.5), constrained_layout=True)
    shown = matrix / 1e3
    others = shown.copy()
    others[0, 0] = 0.0          # the big 'none × none' cell would wash out the colours
    top = max(float(others.max()), 1e-9)
    im = ax.imshow(np.minimum(shown, top), cmap="Blues", vmin=0, vmax=top)
    for i in range(len(TIER_NAMES)):
        for j in range(len(TIER_NAMES)):
            ax.text(j, i, f"{shown[i, j]:,.1f}", ha="center", va="center", fontsize=8,
                    color="white" if min(shown[i, j], top) > top / 2 else "black")
    ax.set_xticks(range(len(TIER_NAMES)), TIER_NAMES, rotation=30, ha="right")
    ax.set_yticks(range(len(TIER_NAMES)), TIER_NAMES)
    ax.set(title="True tier × enrolled tier (thousand households)", xlabel="enrolled tier",
           ylabel="true tier")
    fig.colorbar(im, ax=ax, label="thousand households (none × none off the scale)")
    return _save(fig, path)


def funnel(warnings: float, visited: float, helped: float, path: Path) -> Path:
    """Warnings → visited → helped, per year (as Longwan reports 373 → 103)."""
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    values = [warnings, visited, helped]
    labels = ["warnings raised", "warnings visited", "followed by help"]
    ax.barh(labels[::-1], values[::-1], color=["#2ca02c", "#1f77b4", "#9ecae1"])
    for k, val in enumerate(values[::-1]):
        ax.text(val, k, f" {val:,.0f}", va="center", fontsize=8)
    ax.set(title="The warning funnel", xlabel="warnings per year")
    ax.set_xlim(0, 1.2 * max(max(values), 1e-9))
    return _save(fig, path)


def timeliness(quantiles: dict[int, float], path: Path) -> Path:
    """Days from onset of hardship to first payment: P10, P25, median, P75, P90."""
    fig, ax = plt.subplots(figsize=(7, 3), constrained_layout=True)
    q = {k: v for k, v in quantiles.items() if np.isfinite(v)}
    if q:
        ax.hlines(0, q.get(10, 0), q.get(90, 0), color="0.5")
        ax.barh(0, q.get(75, 0) - q.get(25, 0), left=q.get(25, 0), height=0.4,
                color="#9ecae1")
        ax.vlines(q.get(50, 0), -0.2, 0.2, color="#08519c", lw=3)
        for k, val in q.items():
            ax.annotate(f"P{k}: {val:.0f}", (val, 0.25), ha="center", fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.6, 0.6)
    ax.set(title="Days from onset of hardship to first payment",
           xlabel="days (box: P25–P75, line: median, whiskers: P10–P90)")
    return _save(fig, path)


def cliffs(series: np.ndarray, start: str, path: Path) -> Path:
    """Cliff falls at exit, month by month."""
    fig, ax = plt.subplots(figsize=(8, 3.8), constrained_layout=True)
    ax.bar(np.arange(len(series)), np.asarray(series), color="#d62728")
    ax.set(title="Cliff falls at exit", xlabel=f"month since {start}",
           ylabel="households per month")
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def lookups(per_department: dict[str, float], path: Path) -> Path:
    """Data look-ups per department per year."""
    fig, ax = plt.subplots(figsize=(7.5, 4), constrained_layout=True)
    values = [per_department.get(d, 0.0) / 1e6 for d in DEPARTMENTS]
    ax.barh(list(DEPARTMENTS)[::-1], values[::-1], color="#756bb1")
    ax.set(title="Personal-data look-ups by department", xlabel="million look-ups per year")
    return _save(fig, path)


def deciles(diff: Sequence[float], low: Sequence[float], high: Sequence[float],
            path: Path, title: str) -> Path:
    """Change in transfers by pre-transfer income decile, with 95 % intervals."""
    fig, ax = plt.subplots(figsize=(7.5, 4), constrained_layout=True)
    x = np.arange(1, 11)
    d = np.asarray(diff) / 1e6
    err = np.vstack([d - np.asarray(low) / 1e6, np.asarray(high) / 1e6 - d])
    ax.bar(x, d, yerr=err, capsize=3, color=np.where(d >= 0, "#2ca02c", "#d62728"))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set(title=title, xlabel="pre-transfer income decile (1 = poorest)",
           ylabel="change in transfers, million yuan/year", xticks=x)
    return _save(fig, path)


def demo_figure(series: dict[str, list[float]], warmup: int, start: str, path: Path,
                title: str) -> Path:
    """Four panels: caseload vs need, missed & leakage, spending by programme, warnings."""
    s = {k: np.asarray(v, dtype=float) for k, v in series.items()}
    months = np.arange(len(s["eligible"]))
    when = f"month since {start}"
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    fig.suptitle(title)
    _lines(axes[0, 0], months, [
        (s["eligible"] / 1e3, "truly eligible"),
        (s["enrolled"] / 1e3, "enrolled (incl. gradual exit)"),
        (s["missed"] / 1e3, "missed (eligible, not enrolled)"),
        (s["leak_households"] / 1e3, "leakage (enrolled, not eligible)")],
        "Households: need and help", when, "thousand households")
    missed, leakage = error_rates(series)
    _lines(axes[0, 1], months, [
        (100 * missed, "missed ÷ truly eligible"),
        (100 * leakage, "leakage ÷ enrolled (of recipients)")],
        "Exclusion and inclusion errors", when, "%")
    _stacked_spending(axes[1, 0], s, start)
    _lines(axes[1, 1], months, [
        (s["warnings"] / 1e3, "warnings raised"), (s["applications"] / 1e3, "applications"),
        (s["visits"] / 1e3, "home visits"), (s["backlog"] / 1e3, "cases waiting")],
        "Finding people: warnings, applications, visits", when, "thousand per month")
    for a in axes.flat:
        a.axvspan(0, warmup, color="0.9", zorder=0)
        a.grid(alpha=0.3)
    axes[0, 0].text(0.5, 0.02, "grey: warm-up", transform=axes[0, 0].transAxes, fontsize=7)
    return _save(fig, path)


def _lines(ax: plt.Axes, x: np.ndarray, lines: list[tuple[np.ndarray, str]], title: str,
           xlabel: str, ylabel: str) -> None:
    for y, label in lines:
        ax.plot(x, y, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=8)


def _stacked_spending(ax: plt.Axes, series: dict[str, np.ndarray], start: str) -> None:
    stack = [np.asarray(series[f"spend_{p}"]) / 1e6 for p in PROGRAMMES]
    months = np.arange(len(stack[0]))
    ax.stackplot(months, stack, labels=PROGRAMMES)
    top = float(np.max(np.sum(stack, axis=0))) if len(months) else 1.0
    ax.set_ylim(0, 1.45 * max(top, 1e-9))
    ax.set(title="Spending by programme", xlabel=f"month since {start}",
           ylabel="million yuan per month")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    ax.grid(alpha=0.3)


def fan_chart(table: Any, path: Path, title: str) -> Path:
    """Total spending per year: P50 line with the P10–P90 band; P50 by programme stacked."""
    years = list(dict.fromkeys(table["year"]))
    x = np.arange(len(years))
    total = table[table["programme"] == "total"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    fig.suptitle(title)
    ax = axes[0]
    ax.fill_between(x, total["p10"] / 1e6, total["p90"] / 1e6, alpha=0.3, label="P10–P90")
    ax.plot(x, total["p50"] / 1e6, marker="o", label="P50")
    ax.set(title="Total spending", xlabel="year", ylabel="million yuan per year",
           xticks=x, xticklabels=years)
    ax.set_ylim(bottom=0)
    ax.legend()
    ax = axes[1]
    progs = [p for p in dict.fromkeys(table["programme"]) if p != "total"]
    stack = [table[table["programme"] == p]["p50"].to_numpy() / 1e6 for p in progs]
    ax.stackplot(x, stack, labels=progs)
    ax.set(title="By programme (P50)", xlabel="year", ylabel="million yuan per year",
           xticks=x, xticklabels=years)
    top = float(np.max(np.sum(stack, axis=0)))
    ax.set_ylim(0, 1.5 * max(top, 1e-9))
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    return _save(fig, path)
