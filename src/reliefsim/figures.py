"""Report figures (matplotlib): each titled, axes labelled with units, in English or Chinese.

Every function takes plain data (dicts, arrays), a path and a language (``en`` or ``zh``),
writes one PNG and returns the path. Labels and units come from the indicator registry
(:mod:`reliefsim.indicators`) and :mod:`reliefsim.i18n`. Chinese text is drawn with Noto Sans
CJK SC, the font file the ``mplfonts`` package ships (or Debian's ``fonts-noto-cjk``), so a fresh
machine renders it without empty boxes.
"""

from __future__ import annotations

import importlib.util
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from reliefsim.codes import DEPARTMENTS, TIER_NAMES
from reliefsim.i18n import factor, pick, shown_unit
from reliefsim.indicators import PROGRAMMES, department_label, label, programme_label, tier_label
from reliefsim.metrics import error_rates

CJK_FONT = "Noto Sans CJK SC"
DEBIAN_CJK = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",)


def cjk_font_file() -> Path | None:
    """The CJK font file figures use: from the ``mplfonts`` package, else Debian's, else None."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / (
            "NotoSansCJKsc-Regular.otf")
        if path.is_file():
            return path
    return next((Path(p) for p in DEBIAN_CJK if Path(p).is_file()), None)


def use_cjk_font() -> str | None:
    """Register the CJK font with matplotlib as the fallback of every text; its name, or None."""
    path = cjk_font_file()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    # a list of families: each glyph comes from the first that has it (Latin from DejaVu,
    # Chinese from the CJK font); a generic family like "sans-serif" would pick one font only
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", name]
    mono = [f for f in matplotlib.rcParams["font.monospace"] if f != name]
    matplotlib.rcParams["font.monospace"] = ["DejaVu Sans Mono", name, *mono]
    return name


FONT = use_cjk_font()


def _save(fig: plt.Figure, path: Path) -> Path:
    """Write the figure as PNG beside ``path`` and rename it into place (reliefsim.outputs).

    The commands check ``path`` (not a folder, link, device or input; replaced only with
    ``--force``) before their work starts.
    """
    from reliefsim.outputs import replacing

    try:
        with replacing(path) as fh:
            fig.savefig(fh, format="png", dpi=110)
    finally:
        plt.close(fig)
    return Path(path)


def _month_axis(start: str, lang: str) -> str:
    return pick(f"month since {start}", f"自 {start} 起的月份", lang)


# ---------------------------------------------------------------- the trade-off
@dataclass
class DesignPoint:
    """One design of a sweep, as the trade-off shows it.

    Attributes:
        label: its settings as text (``exit_period_months=12, marginal_multiplier=1.5``).
        levers: the levers' values by key.
        missed: mean, 95 % low and high of the missed rate (shares).
        leakage: the same for leakage of recipients.
    """

    label: str
    levers: dict[str, Any] = field(default_factory=dict)
    missed: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    leakage: tuple[float, float, float] = (np.nan, np.nan, np.nan)


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def tradeoff(points: Sequence[DesignPoint], path: Path, lang: str = "en") -> Path:
    """Missed rate against leakage of recipients, one numbered point per design.

    Each point has its 95 % intervals over replications as error bars; its colour gives the
    first lever's value and its marker the second's. Points are marked P1, P2, … (designs that
    land on the same spot share one mark) and the key beside the axes gives each one's
    settings; the figure grows taller with the key.
    """
    key_lines: list[str] = []
    for k, p in enumerate(points, start=1):
        tag = f"P{k}  "
        key_lines += textwrap.wrap(tag + p.label, 48, subsequent_indent=" " * len(tag))
    height = max(5.8, 0.16 * len(key_lines) + 1.0)
    fig = plt.figure(figsize=(10.5, height), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, width_ratios=[3, 2], height_ratios=[5.8, height - 5.8 + 1e-6])
    ax = fig.add_subplot(grid[0, 0])
    key = fig.add_subplot(grid[:, 1])
    levers = list(dict.fromkeys(k for p in points for k in p.levers))
    colour_key = levers[0] if levers else None
    marker_key = levers[1] if len(levers) > 1 else None
    colour_levels = sorted({p.levers.get(colour_key) for p in points}, key=_order)
    marker_levels = sorted({p.levers.get(marker_key) for p in points}, key=_order)
    cmap = plt.get_cmap("viridis")

    def colour(p: DesignPoint) -> Any:
        if colour_key is None or len(colour_levels) < 2:
            return "#1f77b4"
        return cmap(0.9 * colour_levels.index(p.levers.get(colour_key)) / (len(colour_levels) - 1))

    xs = np.array([100 * p.missed[0] for p in points])
    ys = np.array([100 * p.leakage[0] for p in points])
    for p, x, y in zip(points, xs, ys, strict=True):
        err_x = [[max(x - 100 * p.missed[1], 0)], [max(100 * p.missed[2] - x, 0)]]
        err_y = [[max(y - 100 * p.leakage[1], 0)], [max(100 * p.leakage[2] - y, 0)]]
        has_interval = np.all(np.isfinite(err_x)) and np.all(np.isfinite(err_y))
        marker = MARKERS[marker_levels.index(p.levers.get(marker_key)) % len(MARKERS)]
        ax.errorbar(x, y, xerr=err_x if has_interval else None,
                    yerr=err_y if has_interval else None, fmt=marker, color=colour(p),
                    ms=7, capsize=2, elinewidth=0.8, zorder=3)
    finite = np.isfinite(xs) & np.isfinite(ys)
    spread_x = (np.ptp(xs[finite]) if finite.any() else 0.0) or 1.0
    spread_y = (np.ptp(ys[finite]) if finite.any() else 0.0) or 1.0
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
                    xytext=(6, 5), fontsize=8)
    handles = []
    if colour_key is not None and len(colour_levels) > 1:
        short = colour_key.split(".")[-1]
        for level in colour_levels:
            handles.append(plt.Line2D([], [], ls="", marker="o", color=colour(
                DesignPoint("", {colour_key: level})), label=f"{short} = {_level(level)}"))
    if marker_key is not None and len(marker_levels) > 1:
        short = marker_key.split(".")[-1]
        for k, level in enumerate(marker_levels):
            handles.append(plt.Line2D([], [], ls="", marker=MARKERS[k % len(MARKERS)],
                                      color="0.3", label=f"{short} = {_level(level)}"))
    if handles:
        ax.legend(handles=handles, fontsize=7.5, loc="best", framealpha=0.85)
    key.axis("off")
    key.text(0.0, 1.0, "\n".join(key_lines), va="top", ha="left", fontsize=7.5,
             family=["DejaVu Sans Mono", FONT or "DejaVu Sans Mono"], transform=key.transAxes)
    ax.margins(0.12)
    ax.set(title=pick("Missed cases versus leakage across the designs (95 % intervals)",
                      "各方案的漏保与错保（95% 置信区间）", lang),
           xlabel=pick("missed: truly eligible not enrolled ÷ truly eligible (%)",
                       f"{label('missed_rate', lang)}：应保未保 ÷ 应保（%）", lang),
           ylabel=pick("leakage: enrolled not eligible ÷ enrolled (%)",
                       f"{label('leakage_of_recipients', lang)}：在册不应保 ÷ 在册（%）", lang))
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _order(x: Any) -> tuple:
    return (0, x, "") if isinstance(x, int | float) else (1, 0, str(x))


def _level(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


# ---------------------------------------------------------------- spending, tiers
def spending(series: dict[str, np.ndarray], start: str, path: Path, lang: str = "en") -> Path:
    """Spending by programme, month by month, stacked."""
    fig, ax = plt.subplots(figsize=(8, 4.8), constrained_layout=True)
    _stacked_spending(ax, series, start, lang)
    return _save(fig, path)


def confusion(matrix: np.ndarray, path: Path, lang: str = "en") -> Path:
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
    names = [tier_label(t, lang) for t in TIER_NAMES]
    ax.set_xticks(range(len(TIER_NAMES)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(TIER_NAMES)), names)
    ax.set(title=pick("True tier × enrolled tier (thousand households)",
                      "真实档次 × 认定档次（千户）", lang),
           xlabel=pick("enrolled tier", "认定档次", lang),
           ylabel=pick("true tier", "真实档次", lang))
    fig.colorbar(im, ax=ax, label=pick("thousand households (none × none off the scale)",
                                       "千户（无 × 无 超出色标）", lang))
    return _save(fig, path)


# ---------------------------------------------------------------- warnings and timeliness
def funnel(warnings: float, visited: float, helped: float, path: Path,
           lang: str = "en") -> Path:
    """Warnings raised → visited → followed by help, per year, with what is lost at each step.

    Each bar is split into what goes on (coloured) and what stops there (grey, labelled with
    its count and its share of the step before), so equal bars read as "nothing lost".
    """
    fig, ax = plt.subplots(figsize=(8, 3.8), constrained_layout=True)
    labels = [pick("raised", "发出预警", lang), pick("visited", "入户核查", lang),
              pick("followed by help", "带来救助", lang)]
    values = [warnings, visited, helped]
    colours = ["#2ca02c", "#1f77b4", "#08519c"]
    top = max(max(values), 1e-9)
    for k, val in enumerate(values):
        y = len(values) - 1 - k
        ax.barh(y, val, color=colours[k], height=0.6)
        ax.text(val, y, f" {val:,.0f}", va="center", ha="left", fontsize=9)
        if k:
            lost = values[k - 1] - val
            share = lost / values[k - 1] if values[k - 1] > 0 else np.nan
            ax.barh(y, max(lost, 0.0), left=val, color="0.85", height=0.6, hatch="//",
                    edgecolor="0.6")
            text = (pick(f"not visited: {lost:,.0f} ({100 * share:.0f} %)",
                         f"未核查：{lost:,.0f}（{100 * share:.0f}%）", lang) if k == 1 else
                    pick(f"visited, not helped: {lost:,.0f} ({100 * share:.0f} %)",
                         f"核查后未获救助：{lost:,.0f}（{100 * share:.0f}%）", lang))
            if lost <= 0:
                text = pick("none lost at this step (each step is counted in its own month: "
                            "visits include warnings raised earlier)",
                            "此环节无流失（各环节按发生月份计：核查含此前发出的预警）", lang)
            ax.text(values[k - 1] if lost > 0 else val, y - 0.42, text, va="top",
                    ha="right" if lost > 0 else "left", fontsize=8, color="0.25")
    ax.set_yticks(range(len(values)), labels[::-1])
    ax.set(title=pick("The warning funnel: raised → visited → helped",
                      "预警漏斗：发出 → 核查 → 救助", lang),
           xlabel=pick("warnings per year", "预警数（条/年）", lang))
    ax.set_xlim(0, 1.25 * top)
    ax.set_ylim(-0.9, len(values) - 0.5)
    return _save(fig, path)


def timeliness(quantiles: dict[int, float], path: Path, lang: str = "en") -> Path:
    """Days from onset of hardship to first payment: P10, P25, median, P75, P90.

    The box and whiskers are drawn on the axis; the values are written in a row below it,
    percentiles that coincide sharing one label (``P10 = P25 = P50: 45``), so labels never
    overprint.
    """
    fig, ax = plt.subplots(figsize=(8, 3.2), constrained_layout=True)
    q = {k: v for k, v in sorted(quantiles.items()) if np.isfinite(v)}
    if q:
        lo, hi = q.get(10, min(q.values())), q.get(90, max(q.values()))
        ax.hlines(0, lo, hi, color="0.5")
        ax.vlines([lo, hi], -0.12, 0.12, color="0.5")
        ax.barh(0, q.get(75, hi) - q.get(25, lo), left=q.get(25, lo), height=0.4,
                color="#9ecae1")
        ax.vlines(q.get(50, lo), -0.2, 0.2, color="#08519c", lw=3)
        groups: dict[int, list[int]] = {}
        for k, val in q.items():
            groups.setdefault(round(val), []).append(k)
        names = {50: pick("median", "中位数", lang)}
        parts = [" = ".join(names.get(k, f"P{k}") for k in ks) + f": {val:,}"
                 for val, ks in sorted(groups.items())]
        ax.text(0.5, -0.3, "     ".join(parts) + pick(" days", " 天", lang),
                transform=ax.transAxes, ha="center", va="top", fontsize=9)
        span = max(hi - lo, 30.0)
        ax.set_xlim(max(lo - 0.15 * span, 0), hi + 0.15 * span)
    else:
        ax.text(0.5, 0.5, pick("no payments after hardship in the measured months",
                               "统计期内无困难后首次发放", lang), ha="center",
                transform=ax.transAxes)
    ax.set_yticks([])
    ax.set_ylim(-0.5, 0.5)
    ax.set(title=pick("Days from onset of hardship to first payment",
                      "陷入困难到首次发放的天数", lang),
           xlabel=pick("days (box: P25–P75, line: median, whiskers: P10–P90)",
                       "天（箱：25–75 分位，线：中位数，须：10–90 分位）", lang))
    return _save(fig, path)


def cliffs(series: np.ndarray, start: str, path: Path, lang: str = "en") -> Path:
    """Cliff falls at exit, month by month."""
    fig, ax = plt.subplots(figsize=(8, 3.8), constrained_layout=True)
    ax.bar(np.arange(len(series)), np.asarray(series), color="#d62728")
    ax.set(title=label("cliff_falls", lang) if lang == "zh" else "Cliff falls at exit",
           xlabel=_month_axis(start, lang), ylabel=pick("households per month", "户/月", lang))
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def lookups(per_department: dict[str, float], path: Path, lang: str = "en") -> Path:
    """Data look-ups per department per year."""
    fig, ax = plt.subplots(figsize=(7.5, 4), constrained_layout=True)
    values = [per_department.get(d, 0.0) / 1e6 for d in DEPARTMENTS]
    ax.barh([department_label(d, lang) for d in DEPARTMENTS][::-1], values[::-1],
            color="#756bb1")
    ax.set(title=pick("Personal-data look-ups by department", "各部门个人数据查询", lang),
           xlabel=pick("million look-ups per year", "百万次/年", lang))
    return _save(fig, path)


def deciles(diff: Sequence[float], low: Sequence[float], high: Sequence[float],
            path: Path, title: str, lang: str = "en") -> Path:
    """Change in transfers by pre-transfer income decile, with 95 % intervals."""
    fig, ax = plt.subplots(figsize=(7.5, 4), constrained_layout=True)
    x = np.arange(1, 11)
    d = np.asarray(diff) / 1e6
    err = np.vstack([d - np.asarray(low) / 1e6, np.asarray(high) / 1e6 - d])
    ax.bar(x, d, yerr=err, capsize=3, color=np.where(d >= 0, "#2ca02c", "#d62728"))
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set(title=title, xlabel=pick("pre-transfer income decile (1 = poorest)",
                                    "转移前收入十等分组（1 = 最低）", lang),
           ylabel=pick("change in transfers, million yuan/year", "救助变化（百万元/年）", lang),
           xticks=x)
    return _save(fig, path)


def districts(names: Sequence[str], values: Mapping[str, Sequence[float]], units: Mapping[
        str, str], path: Path, title: str, lang: str = "en") -> Path:
    """Indicators by district: one panel of horizontal bars per indicator, in its shown unit.

    Args:
        names: district names.
        values: indicator name → one value per district (registry units).
        units: indicator name → registry unit.
        path: the PNG.
        title: the figure's title.
        lang: ``en`` or ``zh``.
    """
    n = len(values)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 1.5, 0.28 * len(names) + 1.8),
                             constrained_layout=True, sharey=True, squeeze=False)
    y = np.arange(len(names))[::-1]
    for ax, (name, vals) in zip(axes[0], values.items(), strict=True):
        shown = np.asarray(vals, dtype=float) * factor(units[name])
        ax.barh(y, np.nan_to_num(shown), color="#3182bd")
        ax.set_title(f"{label(name, lang)}\n({shown_unit(units[name], lang)})", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    axes[0, 0].set_yticks(y, list(names), fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


# ---------------------------------------------------------------- sensitivity
def sensitivity(table: Any, method: str, units: Mapping[str, str], path: Path,
                lang: str = "en") -> Path:
    """Sensitivity indices, one panel per indicator.

    Morris: each parameter at (μ*, σ), μ* with its 95 % confidence half-width, in the
    indicator's shown unit (points for shares, million yuan for money). Sobol: first-order
    (S1) and total (ST) indices as bars with their 95 % confidence half-widths.

    Args:
        table: DataFrame as :func:`reliefsim.api.sensitivity` gives it.
        method: ``morris`` or ``sobol``.
        units: indicator name → registry unit.
        path: the PNG.
        lang: ``en`` or ``zh``.
    """
    indicators = list(dict.fromkeys(table["indicator"]))
    n = len(indicators)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, 4.0 * rows),
                             constrained_layout=True, squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, name in zip(axes.flat, indicators, strict=False):
        sub = table[table["indicator"] == name]
        params = [p.split(".")[-1] for p in sub["parameter"]]
        unit = units[name]
        if method == "morris":
            f = factor(unit)
            mu, conf, sigma = (sub[c].to_numpy() * f for c in ("mu_star", "mu_star_conf",
                                                                 "sigma"))
            ax.errorbar(mu, sigma, xerr=conf, fmt="o", capsize=3)
            for x, y, p in zip(mu, sigma, params, strict=True):
                ax.annotate(p, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
            shown = shown_unit(unit, lang, change=True)
            ax.set(xlabel=f"μ* ({shown})", ylabel=f"σ ({shown})")
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
            ax.margins(0.2)
        else:
            x = np.arange(len(params))
            ax.bar(x - 0.18, sub["S1"], 0.36, yerr=sub["S1_conf"], capsize=3,
                   label=pick("first order S1", "一阶 S1", lang))
            ax.bar(x + 0.18, sub["ST"], 0.36, yerr=sub["ST_conf"], capsize=3,
                   label=pick("total ST", "总效应 ST", lang))
            ax.set_xticks(x, params, rotation=20, ha="right", fontsize=8)
            ax.set_ylabel(pick("share of variance", "方差占比", lang))
            ax.axhline(0, color="0.3", lw=0.6)
            ax.legend(fontsize=7.5)
        ax.set_title(label(name, lang), fontsize=10)
        ax.grid(alpha=0.3)
    title = (pick("Morris screening: mean absolute effect μ* and its spread σ",
                  "Morris 筛选：平均绝对效应 μ* 与离散度 σ", lang) if method == "morris" else
             pick("Sobol indices with 95 % intervals", "Sobol 指数（95% 置信区间）", lang))
    fig.suptitle(title)
    return _save(fig, path)


# ---------------------------------------------------------------- a run's four panels
def demo_figure(series: dict[str, list[float]], warmup: int, start: str, path: Path,
                title: str, lang: str = "en") -> Path:
    """Four panels: caseload vs need, missed & leakage, spending by programme, warnings."""
    s = {k: np.asarray(v, dtype=float) for k, v in series.items()}
    months = np.arange(len(s["eligible"]))
    when = _month_axis(start, lang)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    fig.suptitle(title)
    _lines(axes[0, 0], months, [
        (s["eligible"] / 1e3, pick("truly eligible", "应保", lang)),
        (s["enrolled"] / 1e3, pick("enrolled (incl. gradual exit)", "在保（含渐退期）", lang)),
        (s["missed"] / 1e3, pick("missed (eligible, not enrolled)", "漏保（应保未保）", lang)),
        (s["leak_households"] / 1e3, pick("leakage (enrolled, not eligible)",
                                          "错保（在册不应保）", lang))],
        pick("Households: need and help", "家庭：需要与救助", lang), when,
        pick("thousand households", "千户", lang))
    missed, leakage = error_rates(series)
    _lines(axes[0, 1], months, [
        (100 * missed, pick("missed ÷ truly eligible", "漏保 ÷ 应保", lang)),
        (100 * leakage, pick("leakage ÷ enrolled (of recipients)", "错保 ÷ 在册（按户）", lang))],
        pick("Exclusion and inclusion errors", "漏保与错保", lang), when, "%")
    _stacked_spending(axes[1, 0], s, start, lang)
    _lines(axes[1, 1], months, [
        (s["warnings"] / 1e3, pick("warnings raised", "预警", lang)),
        (s["applications"] / 1e3, pick("applications", "主动申请", lang)),
        (s["visits"] / 1e3, pick("home visits", "入户核查", lang)),
        (s["backlog"] / 1e3, pick("cases waiting", "待核查案件", lang))],
        pick("Finding people: warnings, applications, visits",
             "找到困难群众：预警、申请、核查", lang), when,
        pick("thousand per month", "千/月", lang))
    for a in axes.flat:
        a.axvspan(0, warmup, color="0.9", zorder=0)
        a.grid(alpha=0.3)
    axes[0, 0].text(0.5, 0.02, pick("grey: warm-up", "灰色：预热期", lang),
                    transform=axes[0, 0].transAxes, fontsize=7)
    return _save(fig, path)


def _lines(ax: plt.Axes, x: np.ndarray, lines: list[tuple[np.ndarray, str]], title: str,
           xlabel: str, ylabel: str) -> None:
    for y, text in lines:
        ax.plot(x, y, label=text)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=8)


def _stacked_spending(ax: plt.Axes, series: dict[str, np.ndarray], start: str,
                      lang: str = "en") -> None:
    stack = [np.asarray(series[f"spend_{p}"]) / 1e6 for p in PROGRAMMES]
    months = np.arange(len(stack[0]))
    ax.stackplot(months, stack, labels=[programme_label(p, lang) for p in PROGRAMMES])
    top = float(np.max(np.sum(stack, axis=0))) if len(months) else 1.0
    ax.set_ylim(0, 1.45 * max(top, 1e-9))
    ax.set(title=pick("Spending by programme", "分项目救助支出", lang),
           xlabel=_month_axis(start, lang),
           ylabel=pick("million yuan per month", "百万元/月", lang))
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    ax.grid(alpha=0.3)


def fan_chart(table: Any, path: Path, title: str, lang: str = "en") -> Path:
    """Total spending per year: P50 line with the P10–P90 band; P50 by programme stacked."""
    years = [str(y) for y in dict.fromkeys(table["year"])]
    x = np.arange(len(years))
    total = table[table["programme"] == "total"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    fig.suptitle(title)
    ax = axes[0]
    if "param_p10" in total and total["param_p10"].notna().all():
        ax.fill_between(x, total["param_p10"] / 1e6, total["param_p90"] / 1e6, alpha=0.2,
                        color="tab:orange",
                        label=pick("P10–P90, parameters", "P10–P90，参数不确定", lang))
    ax.fill_between(x, total["p10"] / 1e6, total["p90"] / 1e6, alpha=0.3,
                    label=pick("P10–P90, chance", "P10–P90，随机波动", lang))
    ax.plot(x, total["p50"] / 1e6, marker="o", label="P50")
    money = pick("million yuan per year", "百万元/年", lang)
    year = pick("year", "年份", lang)
    ax.set(title=pick("Total spending", "支出合计", lang), xlabel=year, ylabel=money,
           xticks=x, xticklabels=years)
    ax.set_ylim(bottom=0)
    ax.legend()
    ax = axes[1]
    progs = [p for p in PROGRAMMES if p in set(table["programme"])]
    stack = [table[table["programme"] == p]["p50"].to_numpy() / 1e6 for p in progs]
    ax.stackplot(x, stack, labels=[programme_label(p, lang) for p in progs])
    ax.set(title=pick("By programme (P50)", "分项目（P50）", lang), xlabel=year, ylabel=money,
           xticks=x, xticklabels=years)
    top = float(np.max(np.sum(stack, axis=0)))
    ax.set_ylim(0, 1.5 * max(top, 1e-9))
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    return _save(fig, path)
