"""Readable output for a terminal: run summaries, comparisons, design points and fans."""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any

from reliefsim.i18n import is_money, is_share, number, pick, shown_unit, text_width, with_unit, wrap
from reliefsim.indicators import (
    INDICATORS,
    PROGRAMMES,
    convention,
    indicator,
    programme_label,
    section_title,
)
from reliefsim.results import UNPAIRED_OFFSET
from reliefsim.scenario import settings_text

SUMMARY_SECTIONS = ("coverage", "caseload", "leakage", "budget", "warnings", "outcomes",
                    "population", "privacy")
"""The sections of a run's summary, in order (the ``detail`` section is left to exports)."""


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


def format_summary(summary: dict[str, float], title: str, lang: str = "en") -> str:
    """The summary as aligned text.

    Each indicator's label and value in its unit, and below it the indicator's name (for
    ``--indicator`` and exports) and its convention.
    """
    lines = [*textwrap.wrap(title, 78), "=" * min(text_width(title), 78)]
    for section in SUMMARY_SECTIONS:
        lines.append("")
        lines.append(section_title(section, lang))
        for name in summary_rows(section):
            ind = indicator(name)
            text = ind.label(lang)
            value = with_unit(summary.get(name, float("nan")), ind.unit, lang)
            pad = 56 - text_width(text) - text_width(value)
            lines.append(f"  {text}{' ' * max(pad, 2)}{value}")
            lines.extend("      " + line for line in wrap(f"[{name}] {convention(name, lang)}",
                                                                  72))
    return "\n".join(lines)


def _ljust(text: str, width: int) -> str:
    return text + " " * max(width - text_width(text), 0)


def _rjust(text: str, width: int) -> str:
    return " " * max(width - text_width(text), 0) + text


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
    widths = [max([text_width(c)] + [text_width(r[k]) for r in body])
              for k, c in enumerate(cols)]
    lines = ["  ".join(_rjust(c, w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(_rjust(x, w) for x, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def format_comparison(result: Any, lang: str = "en") -> str:
    """A paired comparison as an 80-column table: label, A, B, B − A and its 95 % interval.

    Shares are shown in %, their changes in percentage points (pt); money in million yuan.
    """
    has_unpaired = "unpaired_low" in result.table
    zh = lang == "zh"
    lines = [pick(f"{result.b} − {result.a}: {result.reps} paired replications on common "
                  "random numbers",
                  f"{result.b} − {result.a}：{result.reps} 次配对重复（共同随机数）", lang),
             pick("95 % interval of the mean paired difference (t distribution)",
                  "配对差均值的 95% 置信区间（t 分布）", lang), ""]
    head = (_ljust(pick("indicator", "指标", lang), 28) + _rjust("A", 9) + _rjust("B", 9)
            + _rjust("B − A", 11) + "  " + pick("95 % interval", "95% 置信区间", lang))
    lines.append(head)
    for row in result.table.itertuples(index=False):
        unit = indicator(row.indicator).unit
        name = indicator(row.indicator).label(lang)
        if text_width(name) > 27:
            name = name[: 13 if zh else 26] + "…"
        interval = (f"[{_short(row.low, unit, True)}, {_short(row.high, unit, True)}]")
        lines.append(_ljust(name, 28) + _rjust(_short(row.a, unit), 9)
                     + _rjust(_short(row.b, unit), 9) + _rjust(_short(row.diff, unit, True), 11)
                     + "  " + interval)
        if has_unpaired:
            free = (f"[{_short(row.unpaired_low, unit, True)}, "
                    f"{_short(row.unpaired_high, unit, True)}]")
            lines.append(_ljust("", 28) + _rjust("", 18)
                         + _rjust(pick("unpaired", "非配对", lang), 11) + "  " + free)
    lines += ["", *wrap(pick("levels of shares in %, their changes in percentage points "
                             "(pt); money in million yuan per year (M); counts per year",
                             "比例以 % 表示，其变化以百分点（pt）表示；金额单位为百万元/年（M）；"
                             "计数为每年", lang), 78)]
    return "\n".join(lines)


def _short(value: float, unit: str, change: bool = False) -> str:
    """A compact number for tables: 11.56% and +0.21pt for shares, 4,028M for money."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if is_share(unit):
        return f"{number(value, unit, change, 2, sign=change)}{'pt' if change else '%'}"
    if is_money(unit):
        return f"{number(value, unit, change, sign=change)}M"
    x = float(value)
    digits = 0 if abs(x) >= 1e4 else 1
    if round(x, digits) == 0:
        x = 0.0  # no "-0.0"
    return f"{x:+,.{digits}f}" if change else f"{x:,.{digits}f}"


def format_forecast(table: Any, scenario: str, reps: int, lang: str = "en") -> str:
    """Forecast table: million yuan per year by programme, P50 and two bands.

    The band from chance (P10–P90 over replications) and the band from parameters (P10–P90
    over parameter sets drawn from the calibration's estimates), then the validation status
    of the spending targets.
    """
    sets = int(table.attrs.get("parameter_sets", 0))
    lines = [pick(f"Budget forecast — {scenario}: million yuan per year; P50 and the band from "
                  f"chance (P10–P90 over {reps} replications)"
                  + (f" and from the calibrated parameters (P10–P90 over {sets} parameter sets "
                     "drawn from the fit's estimates, on the same random numbers)" if sets
                     else ""),
                  f"预算预测 — {scenario}：百万元/年；P50 与随机波动区间（{reps} 次重复的 P10–P90）"
                  + (f"及参数不确定区间（按校准估计的抽样分布抽取 {sets} 组参数、同一随机数下的 "
                     "P10–P90）" if sets else ""), lang), ""]
    years = [str(y) for y in dict.fromkeys(table["year"])]
    width = 2 + max(text_width(programme_label(p, lang)) for p in (*PROGRAMMES, "total"))
    lines.append(_ljust(pick("programme", "项目", lang), width)
                 + "".join(_rjust(y, 13) for y in years))
    present = set(table["programme"])
    for prog in (*[p for p in PROGRAMMES if p in present], "total"):
        if prog not in present:
            continue
        sub = table[table["programme"] == prog]
        p50 = "".join(_rjust(f"{v / 1e6:,.1f}", 13) for v in sub["p50"])
        band = "".join(_rjust(f"{a / 1e6:,.0f}–{b / 1e6:,.0f}", 13)
                       for a, b in zip(sub["p10"], sub["p90"], strict=True))
        lines.append(_ljust(programme_label(prog, lang), width) + p50)
        lines.append(_ljust(pick("  chance", "  随机波动", lang), width) + band)
        if sets:
            pband = "".join(_rjust(f"{a / 1e6:,.0f}–{b / 1e6:,.0f}", 13)
                            for a, b in zip(sub["param_p10"], sub["param_p90"], strict=True))
            lines.append(_ljust(pick("  parameters", "  参数不确定", lang), width) + pband)
    lines += ["", *validation_lines(table, lang)]
    return "\n".join(lines)


def validation_lines(table: Any, lang: str = "en") -> list[str]:
    """How the calibration met the published spending figures (from the forecast's fit record)."""
    fit = table.attrs.get("fit")
    if not fit:
        return [pick("Not calibrated: the scenario includes no calibrated values with a fit "
                     "record, so the levels are the scenario's own and the band from parameters "
                     "is missing.",
                     "未校准：情景未包含带拟合记录的校准值，水平为情景自身设定，且无参数不确定区间。",
                     lang)]
    out = [pick(f"Calibration ({fit}): the spending targets on fresh seeds",
                f"校准（{fit}）：支出目标在新随机种子下的检验", lang)]
    for t in table.attrs.get("spending_targets", []):
        verdict = (pick("within", "在容差内", lang) if t["within"]
                   else pick("NOT within", "超出容差", lang))
        fitted = pick("fitted", "参与拟合", lang) if t["fitted"] else pick(
            "not fitted", "未参与拟合", lang)
        out.append(f"  {t['name']}: {pick('published', '公布', lang)} {t['published'] / 1e6:,.1f}"
                   f" ± {t['tolerance'] / 1e6:,.1f}, {pick('simulated', '模拟', lang)} "
                   f"{t['simulated'] / 1e6:,.1f} M — {verdict} ({fitted})"
                   if t["published"] >= 1e5 else
                   f"  {t['name']}: {pick('published', '公布', lang)} {t['published']:,.0f} ± "
                   f"{t['tolerance']:,.0f}, {pick('simulated', '模拟', lang)} "
                   f"{t['simulated']:,.0f} — {verdict} ({fitted})")
    return out


def format_sensitivity(table: Any, method: str, scenario: str, lang: str = "en") -> str:
    """Sensitivity indices per indicator, effects in the indicator's shown unit.

    Morris μ* and σ are changes of the indicator (points for shares, million yuan for money);
    Sobol S1 and ST are shares of its variance. ``±`` is the 95 % confidence half-width.
    """
    lines = [pick(f"{method} sensitivity of {scenario}; ± = 95 % confidence half-width",
                  f"{scenario} 的 {method} 敏感性分析；± 为 95% 置信区间半宽", lang)]
    for name, rows in table.groupby("indicator", sort=False):
        ind = indicator(name)
        lines.append("")
        if method == "morris":
            u = shown_unit(ind.unit, lang, change=True)
            lines.append(f"{ind.label(lang)} [{name}] — μ*, σ ({u})")
            for r in rows.itertuples(index=False):
                lines.append("  " + _ljust(r.parameter, 40)
                             + _rjust(f"μ* {number(r.mu_star, ind.unit, True)}", 14)
                             + _rjust(f"± {number(r.mu_star_conf, ind.unit, True)}", 12)
                             + _rjust(f"σ {number(r.sigma, ind.unit, True)}", 14))
        else:
            lines.append(f"{ind.label(lang)} [{name}] — S1, ST "
                         + pick("(share of variance)", "（方差占比）", lang))
            for r in rows.itertuples(index=False):
                lines.append("  " + _ljust(r.parameter, 40)
                             + _rjust(f"S1 {r.S1:.2f} ± {r.S1_conf:.2f}", 18)
                             + _rjust(f"ST {r.ST:.2f} ± {r.ST_conf:.2f}", 18))
    return "\n".join(lines)


DESIGN_COLUMNS = ("missed_rate", "leakage_of_recipients", "leakage_of_money", "spend.total",
                  "cliff_falls")
"""The headline indicators ``results show`` gives for each design point."""
DESIGN_HEADS = {"en": ("missed", "leak/rec", "leak/money", "spend/yr", "cliffs/yr"),
                "zh": ("漏保率", "错保率(户)", "错保率(资金)", "支出/年", "退出断崖/年")}


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


def format_design(runs: list[dict], summary: Any, lang: str = "en") -> str:
    """Design points of an experiment and their headline means, within 80 columns."""
    points = design_points(runs)
    first = runs[0]
    unpaired = sum(r["replication"] >= UNPAIRED_OFFSET for r in runs)
    summary = summary[summary["replication"] < UNPAIRED_OFFSET]
    lines = [pick(f"{len(runs)} runs, {len(points)} design point(s), {first['households']:,} "
                  f"households × {first['months']} months, seed {first['seed']}",
                  f"{len(runs)} 次运行，{len(points)} 个方案，{first['households']:,} 户 × "
                  f"{first['months']} 个月，随机种子 {first['seed']}", lang), ""]
    if unpaired:
        lines.insert(1, pick(f"({unpaired} unpaired runs on independent seeds, stored to show "
                             "what pairing buys, are left out of the means)",
                             f"（{unpaired} 次独立种子的非配对运行仅用于显示配对的好处，"
                             "不计入均值）", lang))
    for k, (scen, point) in enumerate(points, start=1):
        settings = settings_text(json.loads(point))
        lines.extend(textwrap.wrap(f"P{k}: {scen} {settings}", 78, subsequent_indent="    "))
    lines.append("")
    lines.append(_ljust(pick("point", "方案", lang), 6) + _rjust(pick("reps", "重复", lang), 5)
                 + "".join(_rjust(h, 13) for h in DESIGN_HEADS[lang]))
    for k, design in enumerate(points, start=1):
        sub = design_rows(summary, design)
        means = sub.groupby("name")["value"].mean()
        reps = sub["replication"].nunique()
        cells = "".join(_rjust(_short(means.get(name, float("nan")), indicator(name).unit), 13)
                        for name in DESIGN_COLUMNS)
        lines.append(f"{'P' + str(k):<6}{reps:>5}{cells}")
    lines += ["", pick("mean over replications; shares in %, money in million yuan per year (M)",
                       "各次重复的均值；比例以 % 表示，金额单位为百万元/年（M）", lang)]
    return "\n".join(lines)
