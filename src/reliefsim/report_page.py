"""``reliefsim report``: a self-contained HTML page plus PNG figures for a stored experiment.

The page is in English or Chinese (``lang``). For a sweep it shows the trade-off of every design
point (coloured by lever, with intervals) and details one point (``point``, P1 by default):
spending, the tier matrix, the warning funnel, timeliness, cliff falls, look-ups and results by
district. A comparison gets its one-screen summary with changes in points; a sensitivity
analysis its indices and plot.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from reliefsim import figures
from reliefsim.codes import DEPARTMENTS, TIER_NAMES
from reliefsim.errors import ReliefsimError
from reliefsim.i18n import district_label, pick, shown_unit, with_unit
from reliefsim.indicators import HEADLINE, TENTHS, convention, indicator, section_title
from reliefsim.report import SUMMARY_SECTIONS, design_points, design_rows, summary_rows
from reliefsim.results import UNPAIRED_OFFSET
from reliefsim.scenario import settings_text
from reliefsim.statistics import mean_interval
from reliefsim.store import (
    district_frame,
    experiment_runs,
    experiment_settings,
    list_experiments,
    metrics_frame,
)

DISTRICT_INDICATORS = ("missed_rate", "leakage_of_recipients", "missed_households",
                       "spend.total")
"""What the report shows per district."""


def _unit(name: str) -> str:
    return indicator(name).unit


def _label(point: str, lang: str = "en") -> str:
    return settings_text(json.loads(point), short=True) or pick("as specified", "按情景设定",
                                                                  lang)


def _img(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


REPORT_FILES = ("report.html", "tradeoff.png", "deciles.png", "spending.png", "confusion.png",
                "funnel.png", "timeliness.png", "cliffs.png", "lookups.png", "districts.png",
                "sensitivity.png")
"""The files a report may write into its folder."""


def check_report_folder(out: Path, force: bool = False, inputs: Any = None) -> Path:
    """Check the report's folder before any work (see :func:`reliefsim.outputs.check_folder`).

    Raises:
        ReliefsimError: when ``out`` is a file, link or device, cannot be written in, or holds
            one of the report's files (unless ``force``).
    """
    from reliefsim.outputs import check_folder

    return check_folder(out, "--out", REPORT_FILES, inputs=inputs, force=force)


def build_report(engine: Engine, exp_id: int, out: Path, lang: str = "en",
                 point: int | None = None, db: str | None = None, force: bool = False) -> Path:
    """Write ``report.html`` and the PNG figures of experiment ``exp_id`` into ``out``.

    Each file is written beside its place and renamed into it (:mod:`reliefsim.outputs`).

    Args:
        engine: the results store.
        exp_id: the experiment.
        out: the folder (created if needed).
        lang: ``en`` or ``zh``.
        point: the design point detailed (1 = P1, as ``results show`` numbers them); default 1.
        db: the store's URL (for a sensitivity analysis, whose indices are computed again).
        force: replace the files of an earlier report in ``out``.

    Raises:
        ReliefsimError: when the experiment does not exist, holds no runs, or has no such point,
            or ``out`` cannot take the report (:func:`check_report_folder`).
    """
    from reliefsim.outputs import write_text

    out = check_report_folder(Path(out), force)
    info = {e["id"]: e for e in list_experiments(engine)}
    if exp_id not in info:
        raise ReliefsimError(f"no experiment with id {exp_id} in this store "
                             "(see `reliefsim results list`)")
    runs = experiment_runs(engine, exp_id)
    if not runs:
        raise ReliefsimError(f"experiment {exp_id} holds no finished runs yet")
    exp = info[exp_id]
    designs = design_points(runs)
    chosen = 1 if point is None else point
    if exp["kind"] != "sensitivity" and not 1 <= chosen <= len(designs):
        raise ReliefsimError(f"--point {chosen}: experiment {exp_id} has design points "
                             f"P1…P{len(designs)} (see `reliefsim results show {exp_id}`)")
    frame = metrics_frame(engine, exp_id)
    frame = frame[frame["replication"] < UNPAIRED_OFFSET]  # paired runs only
    summary = frame[frame["month"] == -1]
    monthly = frame[frame["month"] >= 0]
    settings = experiment_settings(engine, exp_id)
    if exp["kind"] == "sensitivity":
        return _sensitivity_page(exp, runs, settings, out, lang, db)
    reference = designs[chosen - 1]
    ref_means = design_rows(summary, reference).groupby("name")["value"].mean()
    ref_monthly = design_rows(monthly, reference)
    series = {name: grp.groupby("month")["value"].mean().to_numpy()
              for name, grp in ref_monthly.groupby("name")}
    start = json.loads(reference[1]).get("run.start", settings.get("start", "the start"))
    sections: list[tuple[str, Path, str]] = []

    if len(designs) > 1 and exp["kind"] != "compare":
        pts = []
        for scen, pt in designs:  # P1, P2, … as in ``results show``
            rows = design_rows(summary, (scen, pt))
            text = _label(pt, lang) if scen == designs[0][0] else f"{scen}: {_label(pt, lang)}"
            levers = json.loads(pt)
            if len({s for s, _ in designs}) > 1:
                levers = {pick("scenario", "情景", lang): scen, **levers}
            pts.append(figures.DesignPoint(text, levers, _interval(rows, "missed_rate"),
                                           _interval(rows, "leakage_of_recipients")))
        sections.append((pick("Trade-off across the design", "各方案的权衡", lang),
                         figures.tradeoff(pts, out / "tradeoff.png", lang), pick(
            "Each point is one design, the mean of its replications with a 95 % interval in "
            "each direction; colour and marker give the levers. Missed = exclusion error (share "
            "of the truly eligible not enrolled); leakage = inclusion error of recipients "
            "(share of the enrolled not truly eligible, gradual exit excluded).",
            "每个点为一个方案，取各次重复的均值，横纵两向为 95% 置信区间；"
            "颜色与形状表示所调整的参数。"
            "漏保 = 排斥误差（应保而未纳入的比例）；错保 = 按户的纳入误差（在册而不应保的比例，"
            "不含渐退期）。", lang)))
    order = [settings.get(k) for k in ("a", "b")]
    paired = _paired(summary, order) if exp["kind"] == "compare" else None
    if paired is not None:
        sections.append(_comparison(paired, out, lang))

    sections.append((pick("Spending by programme", "分项目救助支出", lang), figures.spending(
        series, start, out / "spending.png", lang), pick(
        "Weighted yuan per month, all months including the warm-up; temporary and disaster aid "
        "are one-off payments.",
        "加权后的每月支出（含预热期）；临时救助与受灾人员救助为一次性发放。",
        lang)))
    matrix = np.array([[ref_means.get(f"confusion.{t}.{e}", 0.0) for e in TIER_NAMES]
                       for t in TIER_NAMES])
    sections.append((pick("True tier × enrolled tier", "真实档次 × 认定档次", lang),
                     figures.confusion(matrix, out / "confusion.png", lang), pick(
        "Monthly average after the warm-up. Off-diagonal cells above the diagonal are "
        "over-tiered or leakage; the 'none' column holds missed cases.",
        "预热期后的月均户数。对角线以外：认定高于真实为档次偏高或错保；“无”一列为漏保。", lang)))
    raised, visited, helped = (ref_means.get(k, 0.0) for k in
                               ("warnings", "warnings_visited", "warnings_helped"))
    sections.append((pick("The warning funnel", "预警漏斗", lang), figures.funnel(
        raised, visited, helped, out / "funnel.png", lang), pick(
        "Warnings raised, warnings whose household was visited, and warnings followed by help "
        "(new enrolment, a higher-paying tier or new one-off aid); grey: what stops at each "
        f"step. Precision = helped ÷ raised = {_pct(helped, raised)}; among visited "
        f"{_pct(helped, visited)}. Longwan 2025: 373 warnings, 103 households helped.",
        "发出的预警、其家庭已入户核查的预警、带来救助（新纳入、调高档次或新的一次性救助）的预警；"
        "灰色为各环节流失。各环节按发生月份折算为每年（预警在某月发出、"
        "在之后的月份核查），"
        "因此某一环节可能略多于上一环节。"
        f"预警精准率 = 带来救助 ÷ 发出 = {_pct(helped, raised)}；核查后 "
        f"{_pct(helped, visited)}。龙湾 2025 年：373 条预警，103 户获得救助。", lang)))
    sections.append((pick("Days from hardship to first payment", "陷入困难到首次发放的天数", lang),
                     figures.timeliness(
        {q: ref_means.get("days_to_payment.median" if q == 50 else f"days_to_payment.p{q}",
                          np.nan) for q in (10, 25, 50, 75, 90)},
        out / "timeliness.png", lang), pick(
        "Onset = the month the household became truly eligible (or its sudden hardship); "
        "payment = decision month plus casework.processing_days. The clock is monthly, so "
        "days move in steps of a month (30.44 days) and percentiles often coincide.",
        "起点 = 家庭真正符合条件（或突遭急难）的月份；发放 = 决定月份加 casework.processing_days。"
        "模型按月推进，天数以一个月（30.44 天）为步长，分位数常常重合。", lang)))
    sections.append((pick("Cliff falls at exit", "退出断崖", lang), figures.cliffs(
        series.get("cliff_falls", np.zeros(1)), start, out / "cliffs.png", lang), pick(
        "Households whose disposable income per capita fell by more than metrics.cliff_share "
        "in the month their basic living payment stopped (weighted).",
        "基本生活救助停发当月人均可支配收入下降超过 metrics.cliff_share 的家庭（加权）。", lang)))
    sections.append((pick("Data look-ups per department", "各部门数据查询", lang),
                     figures.lookups({d: ref_means.get(f"lookups.{d}", 0.0) for d in DEPARTMENTS},
                                     out / "lookups.png", lang), pick(
        "Each linked household is looked up once a month in each linked department "
        "(weighted): the privacy cost of the monitoring.",
        "每个已联通的家庭每月在每个联通部门被查询一次（加权）：动态监测的隐私成本。", lang)))
    district_table = ""
    by_district = district_frame(engine, exp_id)
    by_district = by_district[by_district["replication"] < UNPAIRED_OFFSET]
    ref_districts = design_rows(by_district, reference)
    if len(ref_districts):
        means = ref_districts.groupby(["district", "name"])["value"].mean()
        keys = list(dict.fromkeys(ref_districts["district"]))
        values = {n: [means.get((d, n), np.nan) for d in keys] for n in DISTRICT_INDICATORS}
        names = [district_label(d, lang) for d in keys]
        sections.append((pick("Results by district", "分区结果", lang), figures.districts(
            names, values, {n: _unit(n) for n in DISTRICT_INDICATORS}, out / "districts.png",
            pick(f"By district — P{chosen}", f"分区结果 — 方案 P{chosen}", lang), lang), pick(
            "Each district's indicators over the same months, mean over replications; counts "
            "and money of the districts add up to the city's.",
            "各区同期指标，取各次重复的均值；各区户数与金额之和等于全市。", lang)))
        district_table = _district_table(names, values, ref_means, lang)
    page = _html(exp, runs, ref_means, sections, reference, chosen, paired, district_table, lang)
    return write_text(out / "report.html", page)


def _pct(num: float, den: float) -> str:
    return f"{100 * num / den:.1f} %" if den else "n/a"


def _interval(rows: Any, name: str) -> tuple[float, float, float]:
    values = list(rows[rows["name"] == name]["value"].dropna())
    if not values:
        return (np.nan, np.nan, np.nan)
    iv = mean_interval(values)
    return (iv.mean, iv.low, iv.high)


def _paired(summary: Any, order: list[str | None]) -> tuple[str, str, Any] | None:
    """A and B of a comparison and its values, one row per (replication, indicator)."""
    scenarios = list(dict.fromkeys(summary["scenario"]))
    if all(order) and set(order) <= set(scenarios):
        a, b = order[0], order[1]
    elif len(scenarios) >= 2:
        a, b = scenarios[0], scenarios[1]
    else:
        return None
    wide = summary.pivot_table(index=["replication", "name"], columns="scenario",
                               values="value").reset_index()
    return a, b, wide  # type: ignore[return-value]


def _difference(wide: Any, a: str, b: str, name: str) -> tuple[Any, Any]:
    """One indicator's rows, and the mean paired difference B − A with its 95 % interval."""
    rows = wide[wide["name"] == name]
    return rows, mean_interval(list(rows[b] - rows[a]))


def _comparison(paired: tuple[str, str, Any], out: Path, lang: str) -> tuple[str, Path, str]:
    a, b, wide = paired
    intervals = [_difference(wide, a, b, f"transfers.decile_{d}")[1] for d in range(1, TENTHS + 1)]
    path = figures.deciles([iv.mean for iv in intervals], [iv.low for iv in intervals],
                           [iv.high for iv in intervals], out / "deciles.png",
                           pick(f"Change in transfers by income decile: {b} − {a}",
                                f"各收入组救助变化：{b} − {a}", lang), lang)
    return (pick(f"{b} − {a}: effect by income decile", f"{b} − {a}：分收入组的影响", lang), path,
            pick("Mean paired difference per decile of pre-transfer income per capita, with 95 % "
                 "intervals from the paired replications.",
                 "按转移前人均收入十等分组的配对差均值，及配对重复得到的 95% 置信区间。", lang))


def _comparison_table(paired: tuple[str, str, Any] | None, lang: str) -> str:
    if paired is None:
        return ""
    a, b, wide = paired
    rows = []
    for name in ("spend.total", *HEADLINE[:3], "cliff_falls", "poverty_headcount"):
        sub, iv = _difference(wide, a, b, name)
        unit = _unit(name)
        rows.append(f"<tr><td>{html.escape(indicator(name).label(lang))}</td>"
                    f"<td>{with_unit(sub[a].mean(), unit, lang)}</td>"
                    f"<td>{with_unit(sub[b].mean(), unit, lang)}</td>"
                    f"<td><b>{with_unit(iv.mean, unit, lang, change=True, sign=True)}</b></td>"
                    f"<td>[{with_unit(iv.low, unit, lang, change=True, sign=True)}, "
                    f"{with_unit(iv.high, unit, lang, change=True, sign=True)}]</td></tr>")
    return (f"<h2>{html.escape(pick(f'{b} against {a}', f'{b} 与 {a} 对比', lang))}</h2><p>"
            + pick("Paired replications on common random numbers; 95 % interval of the mean "
                   "difference. Changes of shares are in percentage points (pt).",
                   "共同随机数下的配对重复；配对差均值的 95% 置信区间。"
                   "比例的变化以百分点表示。", lang)
            + "</p><table><tr>"
            f"<th>{pick('indicator', '指标', lang)}</th><th>{html.escape(a)}</th>"
            f"<th>{html.escape(b)}</th><th>{pick('change', '变化', lang)}</th>"
            f"<th>{pick('95 % interval', '95% 置信区间', lang)}</th></tr>" + "".join(rows)
            + "</table>")


def _district_table(names: list[str], values: dict[str, list[float]], city: Any,
                    lang: str) -> str:
    head = "".join(f"<th>{html.escape(indicator(n).label(lang))}<br><small>"
                   f"{html.escape(shown_unit(_unit(n), lang))}</small></th>" for n in values)
    rows = []
    for k, d in enumerate(names):
        cells = "".join(f"<td>{_cell(values[n][k], n)}</td>" for n in values)
        rows.append(f"<tr><td>{html.escape(d)}</td>{cells}</tr>")
    cells = "".join(f"<td><b>{_cell(city.get(n, np.nan), n)}</b></td>" for n in values)
    rows.append(f"<tr><td><b>{pick('city', '全市', lang)}</b></td>{cells}</tr>")
    return (f"<table class=districts><tr><th>{pick('district', '区', lang)}</th>{head}</tr>"
            + "".join(rows) + "</table>")


def _cell(value: float, name: str) -> str:
    from reliefsim.i18n import number

    return number(value, _unit(name))


def _style() -> str:
    return """<style>body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 10px;
text-align:left;vertical-align:top}td.num{text-align:right}figure{margin:2em 0}img{max-width:100%}
figcaption{color:#555;font-size:90%}.name{color:#888;font-size:80%}
table.districts td{text-align:right}table.districts td:first-child{text-align:left}</style>"""


def _html(exp: dict, runs: list[dict], means: Any, sections: list[tuple[str, Path, str]],
          reference: tuple[str, str], chosen: int, paired: tuple[str, str, Any] | None,
          district_table: str, lang: str) -> str:
    table_rows = []
    for section in SUMMARY_SECTIONS:
        table_rows.append(f"<tr><th colspan=2>{html.escape(section_title(section, lang))}"
                          "</th></tr>")
        for name in summary_rows(section):
            unit = _unit(name)
            table_rows.append(
                f"<tr><td title='{html.escape(convention(name, lang))}'>"
                f"{html.escape(indicator(name).label(lang))} <span class=name>{name}</span>"
                f"</td><td class=num>{with_unit(means.get(name, np.nan), unit, lang)}</td></tr>")
    figs = "".join(
        f"<figure><h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
        f"src='data:image/png;base64,{_img(path)}'><figcaption>{html.escape(caption)}"
        "</figcaption></figure>" for title, path, caption in sections)
    n_points = len(design_points(runs))
    comparison = _comparison_table(paired, lang)
    name = html.escape(exp["name"])
    detail = (f"P{chosen}: <b>{html.escape(reference[0])}</b> "
              f"({html.escape(_label(reference[1], lang))})")
    intro = pick(
        f"Experiment {exp['id']} ({html.escape(exp['kind'])}), {len(runs)} runs, {n_points} "
        f"design point(s), {runs[0]['households']:,} simulated households × "
        f"{runs[0]['months']} months. Figures and the table below are for {detail}, averaged "
        "over replications (choose another with <code>--point N</code>). Household counts are "
        "weighted (real households) monthly averages after the warm-up; money is million yuan "
        "per year.",
        f"实验 {exp['id']}（{html.escape(exp['kind'])}），{len(runs)} 次运行，{n_points} 个方案，"
        f"{runs[0]['households']:,} 个模拟家庭 × {runs[0]['months']} 个月。以下图表为 {detail}"
        "各次重复的均值（用 <code>--point N</code> 选择其他方案）。户数为加权后（实际家庭）"
        "预热期后的月均值；金额单位为百万元/年。", lang)
    districts = (f"<h2>{pick('Results by district', '分区结果', lang)}</h2>{district_table}"
                 if district_table else "")
    title = pick("reliefsim report", "reliefsim 报告", lang)
    return f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head>
<meta charset="utf-8"><title>{title} — {name}</title>
{_style()}</head><body>
<h1>{title} — {name}</h1>
<p>{intro}</p>
{comparison}
<h2>{pick('Headline indicators', '主要指标', lang)}</h2><table>{''.join(table_rows)}</table>
{districts}
{figs}
</body></html>"""


def _sensitivity_page(exp: dict, runs: list[dict], settings: dict, out: Path, lang: str,
                      db: str | None) -> Path:
    from reliefsim.api import stored_sensitivity
    from reliefsim.outputs import write_text
    from reliefsim.report import format_sensitivity

    if db is None:
        raise ReliefsimError("a sensitivity report needs the store's URL")
    study = stored_sensitivity(db, exp["id"])
    units = {n: _unit(n) for n in study.table["indicator"]}
    path = figures.sensitivity(study.table, study.method, units, out / "sensitivity.png", lang)
    text = format_sensitivity(study.table, study.method, settings.get("scenario", ""), lang)
    title = pick("reliefsim report", "reliefsim 报告", lang)
    ranges = ", ".join(f"{k} {lo:g}–{hi:g}" for k, (lo, hi) in
                       zip(settings["names"], settings["bounds"], strict=True))
    intro = pick(f"Experiment {exp['id']}: {study.method} sensitivity of "
                 f"{html.escape(settings.get('scenario', ''))} over {html.escape(ranges)}; "
                 f"{len(runs)} runs of {runs[0]['households']:,} households × "
                 f"{runs[0]['months']} months, seed {settings.get('seed')}.",
                 f"实验 {exp['id']}：{html.escape(settings.get('scenario', ''))} 的 {study.method} "
                 f"敏感性分析，参数范围 {html.escape(ranges)}；{len(runs)} 次运行，每次 "
                 f"{runs[0]['households']:,} 户 × {runs[0]['months']} 个月，随机种子 "
                 f"{settings.get('seed')}。", lang)
    page = f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head>
<meta charset="utf-8"><title>{title} — {html.escape(exp['name'])}</title>{_style()}</head><body>
<h1>{title} — {html.escape(exp['name'])}</h1><p>{intro}</p>
<figure><img alt='sensitivity' src='data:image/png;base64,{_img(path)}'></figure>
<pre>{html.escape(text)}</pre></body></html>"""
    return write_text(out / "report.html", page)
