"""What goes into the workbooks: stored experiments, comparisons, forecasts and sensitivity.

Each function builds :class:`~reliefsim.workbook.Sheet` objects from results and writes them
with :func:`~reliefsim.workbook.write_workbook`. Design points are P1, P2, … in the order
``results show`` and the report number them, with one column per lever.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reliefsim.i18n import district_label, is_money, pick, shown_unit
from reliefsim.indicators import (
    HEADLINE,
    INDICATORS,
    PROGRAMMES,
    SERIES,
    indicator,
    programme_label,
)
from reliefsim.results import UNPAIRED_OFFSET
from reliefsim.statistics import mean_interval
from reliefsim.workbook import (
    COUNT_FORMAT,
    DECIMAL_FORMAT,
    MONEY_FORMAT,
    Column,
    Sheet,
    about_rows,
    indicator_column,
    shown_value,
    units_note,
    validation_note,
    value_format,
    write_workbook,
)

ALL = tuple(i.name for i in INDICATORS)


def lever_columns(points: Sequence[dict[str, Any]], scenario: str | None, lang: str
                  ) -> list[Column]:
    """One column per lever (scenario key) of the design points, with its unit if known."""
    keys = list(dict.fromkeys(k for p in points for k in p))
    units = _lever_units(scenario, keys)
    cols = []
    for key in keys:
        values = [p.get(key) for p in points]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values
                      if v is not None)
        unit = units.get(key, "")
        cols.append(Column(f"{key} ({unit})" if unit else key,
                           values if numeric else [json.dumps(v) if not isinstance(v, str) else v
                                                   for v in values],
                           DECIMAL_FORMAT if numeric and any(isinstance(v, float) for v in values)
                           else None, key, unit,
                           pick("a lever of the design (scenario key)", "方案调整的参数（情景键）",
                                lang)))
    return cols


def _lever_units(scenario: str | None, keys: list[str]) -> dict[str, str]:
    if not scenario or not keys:
        return {}
    try:
        from reliefsim.scenario import load_scenario

        sc = load_scenario(scenario)
        return {k: sc.params[k].unit for k in keys if k in sc.params}
    except Exception:
        return {}


# ---------------------------------------------------------------- stored experiments
def experiment_workbook(engine: Any, exp_id: int, path: str | Path, lang: str = "en",
                        by_district: bool = False, monthly: bool = False,
                        force: bool = True) -> Path:
    """Write a stored experiment as a workbook.

    Sheets: design points (levers, replications, every indicator's mean), 95 % intervals of
    the headline indicators per point, every run, for a comparison the paired differences with
    their intervals, per district (``by_district``: each district's mean per point, and the
    city), monthly series (``monthly``), the columns explained and what was run.
    """
    from reliefsim.report import design_points
    from reliefsim.store import (
        district_frame,
        experiment_runs,
        experiment_settings,
        list_experiments,
        metrics_frame,
    )

    info = {e["id"]: e for e in list_experiments(engine)}
    runs = experiment_runs(engine, exp_id)
    if not runs:
        from reliefsim.errors import ReliefsimError

        raise ReliefsimError(f"experiment {exp_id} holds no finished runs yet")
    exp, settings = info[exp_id], experiment_settings(engine, exp_id)
    designs = design_points(runs)
    frame = metrics_frame(engine, exp_id, summary_only=not monthly)
    frame = frame[frame["replication"] < UNPAIRED_OFFSET]
    summary = frame[frame["month"] == -1]
    pts = [json.loads(p) for _, p in designs]
    tags = [f"P{k}" for k in range(1, len(designs) + 1)]
    first_scenario = designs[0][0]
    levers = lever_columns(pts, first_scenario, lang)
    scen_col = Column(pick("scenario", "情景", lang), [s for s, _ in designs])
    per_design = [_by_name(summary, d) for d in designs]

    means_sheet = Sheet(pick("design points", "方案", lang), [
        Column(pick("point", "方案", lang), tags), scen_col, *levers,
        Column(pick("replications", "重复次数", lang),
               [len(g["replication"].unique()) for g in per_design], COUNT_FORMAT)])
    for name in ALL:
        means_sheet.columns.append(indicator_column(
            name, [g[g["name"] == name]["value"].mean() for g in per_design], lang))
    interval_sheet = Sheet(pick("intervals", "置信区间", lang),
                           [Column(pick("point", "方案", lang), tags), scen_col, *levers])
    for name in HEADLINE:
        ivs = [mean_interval(list(g[g["name"] == name]["value"].dropna())) for g in per_design]
        interval_sheet.columns += [
            indicator_column(name, [iv.mean for iv in ivs], lang),
            indicator_column(name, [iv.low for iv in ivs], lang, suffix=pick("95 % low",
                                                                             "95%下限", lang)),
            indicator_column(name, [iv.high for iv in ivs], lang, suffix=pick("95 % high",
                                                                              "95%上限", lang))]
    sheets = [means_sheet, interval_sheet]
    if exp["kind"] == "compare" and len(designs) >= 2:
        sheets.append(_stored_comparison(summary, settings, lang))
    sheets.append(_runs_sheet(summary, designs, tags, pts, first_scenario, lang))
    if by_district:
        sheets.append(_district_sheet(district_frame(engine, exp_id), summary, designs, tags,
                                      lang))
    if monthly:
        sheets.append(_monthly_sheet(frame[frame["month"] >= 0], designs, tags, lang))
    about = about_rows(
        lang, what=pick("a stored experiment", "已存储的实验", lang),
        experiment=f"{exp_id}: {exp['name']}", kind=exp["kind"],
        scenarios=", ".join(dict.fromkeys(s for s, _ in designs)),
        reforms=settings.get("overrides") or pick("none", "无", lang),
        levers=", ".join(dict.fromkeys(k for p in pts for k in p)) or None,
        seeds=", ".join(str(s) for s in sorted({r["seed"] for r in runs})),
        replications=max(r["replication"] for r in runs
                         if r["replication"] < UNPAIRED_OFFSET) + 1,
        households=runs[0]["households"], months=runs[0]["months"],
        start=settings.get("start"), created=str(exp["created"])[:16],
        validation=validation_note(_scenario_text(engine, exp_id), lang),
        units=units_note(lang))
    return write_workbook(path, sheets, about, lang, force=force)


def _scenario_text(engine: Any, exp_id: int) -> str | None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from reliefsim.store import RunRow, ScenarioRow

    with Session(engine) as session:
        return session.scalar(select(ScenarioRow.text).join(
            RunRow, RunRow.scenario_id == ScenarioRow.id).where(RunRow.experiment_id == exp_id))


def _by_name(frame: Any, design: tuple[str, str]) -> Any:
    scenario, point = design
    return frame[(frame["scenario"] == scenario) & (frame["point"] == point)]


def _runs_sheet(summary: Any, designs: list[tuple[str, str]], tags: list[str],
                pts: list[dict], scenario: str, lang: str) -> Sheet:
    wide = summary.pivot_table(index=["scenario", "point", "replication", "seed"],
                               columns="name", values="value", dropna=False).reset_index()
    order = {d: k for k, d in enumerate(designs)}
    wide["_p"] = [order.get((s, p), -1) for s, p in zip(wide["scenario"], wide["point"],
                                                        strict=True)]
    wide = wide[wide["_p"] >= 0].sort_values(["_p", "replication"], kind="stable")
    rows_pts = [pts[k] for k in wide["_p"]]
    sheet = Sheet(pick("runs", "各次运行", lang), [
        Column(pick("point", "方案", lang), [tags[k] for k in wide["_p"]]),
        Column(pick("scenario", "情景", lang), list(wide["scenario"])),
        *lever_columns(rows_pts, scenario, lang),
        Column(pick("replication", "重复", lang), [int(r) for r in wide["replication"]],
               COUNT_FORMAT),
        Column(pick("seed", "随机种子", lang), [int(s) for s in wide["seed"]], "0")])
    for name in ALL:
        sheet.columns.append(indicator_column(
            name, wide[name] if name in wide else [None] * len(wide), lang))
    return sheet


def _district_sheet(frame: Any, summary: Any, designs: list[tuple[str, str]], tags: list[str],
                    lang: str) -> Sheet:
    frame = frame[frame["replication"] < UNPAIRED_OFFSET]
    districts = list(dict.fromkeys(frame["district"]))
    rows: list[tuple[str, str, dict[str, float]]] = []
    for tag, design in zip(tags, designs, strict=True):
        sub = _by_name(frame, design)
        means = sub.groupby(["district", "name"])["value"].mean()
        for d in districts:
            rows.append((tag, district_label(d, lang), {n: means.get((d, n), np.nan)
                                                       for n in ALL}))
        city = _by_name(summary, design).groupby("name")["value"].mean()
        rows.append((tag, pick("city", "全市", lang), {n: city.get(n, np.nan) for n in ALL}))
    sheet = Sheet(pick("districts", "分区", lang), [
        Column(pick("point", "方案", lang), [r[0] for r in rows]),
        Column(pick("district", "区", lang), [r[1] for r in rows])])
    for name in ALL:
        sheet.columns.append(indicator_column(name, [r[2][name] for r in rows], lang))
    return sheet


def series_column(name: str, values: Sequence[float], lang: str) -> Column:
    """A column of one monthly series: label and unit per month."""
    s = SERIES[[x.name for x in SERIES].index(name)]
    per = pick("/month", "/月", lang)
    unit = shown_unit(s.unit, lang) + per
    cells = [shown_value(v, s.unit) for v in values]
    fmt = MONEY_FORMAT if is_money(s.unit) else COUNT_FORMAT
    return Column(f"{s.zh if lang == 'zh' else s.en} ({unit})", cells, fmt, name, unit,
                  pick("weighted total of the month", "当月加权合计", lang))


def _monthly_sheet(monthly: Any, designs: list[tuple[str, str]], tags: list[str],
                   lang: str) -> Sheet:
    order = {d: k for k, d in enumerate(designs)}
    wide = monthly.pivot_table(index=["scenario", "point", "replication", "month"],
                               columns="name", values="value").reset_index()
    wide["_p"] = [order.get((s, p), -1) for s, p in zip(wide["scenario"], wide["point"],
                                                        strict=True)]
    wide = wide[wide["_p"] >= 0].sort_values(["_p", "replication", "month"], kind="stable")
    sheet = Sheet(pick("monthly", "逐月", lang), [
        Column(pick("point", "方案", lang), [tags[k] for k in wide["_p"]]),
        Column(pick("replication", "重复", lang), [int(r) for r in wide["replication"]]),
        Column(pick("month", "月份序号", lang), [int(m) for m in wide["month"]])])
    for s in SERIES:
        if s.name in wide:
            sheet.columns.append(series_column(s.name, list(wide[s.name]), lang))
    return sheet


def _stored_comparison(summary: Any, settings: dict, lang: str) -> Sheet:
    scenarios = list(dict.fromkeys(summary["scenario"]))
    a, b = settings.get("a", scenarios[0]), settings.get("b", scenarios[1])
    wide = summary.pivot_table(index=["replication", "name"], columns="scenario",
                               values="value").reset_index()
    rows = []
    for name in ALL:
        sub = wide[wide["name"] == name]
        if a not in sub or b not in sub:
            continue
        iv = mean_interval(list((sub[b] - sub[a]).dropna()))
        rows.append({"indicator": name, "a": sub[a].mean(), "b": sub[b].mean(),
                     "diff": iv.mean, "low": iv.low, "high": iv.high})
    import pandas as pd

    return comparison_sheet(pd.DataFrame(rows), a, b, lang)


# ---------------------------------------------------------------- a comparison
def comparison_sheet(table: Any, a: str, b: str, lang: str = "en") -> Sheet:
    """One row per indicator: A, B, B − A and its 95 % interval, each cell in its unit."""
    names = list(table["indicator"])
    inds = [indicator(n) for n in names]

    def col(head: str, field: str, change: bool) -> Column:
        values = [shown_value(v, i.unit, change) for v, i in zip(table[field], inds, strict=True)]
        return Column(head, values, None, formats=[
            value_format(i.unit, change, lang, v) for v, i in zip(values, inds, strict=True)])

    cols = [Column(pick("indicator", "指标", lang), [i.label(lang) for i in inds]),
            Column(pick("name", "名称", lang), names),
            Column(pick("unit of A and B", "A、B 单位", lang),
                   [shown_unit(i.unit, lang) for i in inds]),
            Column(pick("unit of the change", "变化单位", lang),
                   [shown_unit(i.unit, lang, True) for i in inds]),
            col(f"A: {a}", "a", False), col(f"B: {b}", "b", False),
            col("B − A", "diff", True), col(pick("95 % low", "95% 下限", lang), "low", True),
            col(pick("95 % high", "95% 上限", lang), "high", True)]
    if "unpaired_low" in table:
        cols += [col(pick("unpaired 95 % low", "非配对 95% 下限", lang), "unpaired_low", True),
                 col(pick("unpaired 95 % high", "非配对 95% 上限", lang), "unpaired_high", True)]
    cols.append(Column(pick("convention", "口径", lang),
                       [indicator_column(n, [], lang).note for n in names]))
    return Sheet(pick("comparison", "对比", lang), cols)


def comparison_workbook(result: Any, path: str | Path, settings: dict[str, Any],
                        lang: str = "en", force: bool = True) -> Path:
    """A paired comparison as a workbook: every indicator with its interval, and every run."""
    import pandas as pd

    from reliefsim.indicators import check_names

    names = check_names(ALL)
    rows = []
    for name in names:
        xa = [r.summary[name] for r in result.results_a]
        xb = [r.summary[name] for r in result.results_b]
        iv = mean_interval([y - x for x, y in zip(xa, xb, strict=True)])
        rows.append({"indicator": name, "a": float(np.nanmean(xa)) if xa else np.nan,
                     "b": float(np.nanmean(xb)) if xb else np.nan,
                     "diff": iv.mean, "low": iv.low, "high": iv.high})
    table = pd.DataFrame(rows)
    if "unpaired_low" in result.table:
        extra = result.table.set_index("indicator")
        table["unpaired_low"] = [extra["unpaired_low"].get(n, np.nan) for n in names]
        table["unpaired_high"] = [extra["unpaired_high"].get(n, np.nan) for n in names]
    runs = Sheet(pick("runs", "各次运行", lang), [
        Column(pick("scenario", "情景", lang),
               [result.a] * len(result.results_a) + [result.b] * len(result.results_b)),
        Column(pick("replication", "重复", lang),
               [r.spec.replication for r in (*result.results_a, *result.results_b)], "0"),
        Column(pick("seed", "随机种子", lang),
               [r.spec.seed for r in (*result.results_a, *result.results_b)], "0")])
    for name in names:
        runs.columns.append(indicator_column(
            name, [r.summary[name] for r in (*result.results_a, *result.results_b)], lang))
    about = about_rows(lang, what=pick("a paired comparison (B − A on common random numbers)",
                                       "配对对比（共同随机数下的 B − A）", lang),
                       scenarios=f"A = {result.a}, B = {result.b}", **settings,
                       intervals=pick("95 % interval of the mean paired difference "
                                      "(t distribution)", "配对差均值的 95% 置信区间（t 分布）",
                                      lang), units=units_note(lang))
    return write_workbook(path, [comparison_sheet(table, result.a, result.b, lang), runs],
                          about, lang, force=force)


# ---------------------------------------------------------------- the forecast
def forecast_sheets(table: Any, lang: str = "en") -> list[Sheet]:
    """The forecast by programme (fixed order, then the total) and year, in million yuan."""
    present = set(table["programme"])
    progs = [p for p in (*PROGRAMMES, "total") if p in present]
    years = list(dict.fromkeys(table["year"]))
    numeric = all(isinstance(y, int | np.integer) or str(y).isdigit() for y in years)
    year_values = [int(y) for y in years] if numeric else [str(y) for y in years]
    long_rows = [(p, y) for p in progs for y in years]
    by = {(r.programme, r.year): r for r in table.itertuples(index=False)}
    money = pick("M yuan/year", "百万元/年", lang)

    def cells(field: str) -> list[float]:
        return [getattr(by[(p, y)], field) / 1e6 for p, y in long_rows]

    long = Sheet(pick("by programme and year", "分项目分年度", lang), [
        Column(pick("programme", "项目", lang), [programme_label(p, lang) for p, _ in long_rows]),
        Column(pick("code", "代码", lang), [p for p, _ in long_rows]),
        Column(pick("year", "年份", lang),
               [int(y) if numeric else str(y) for _, y in long_rows], "0" if numeric else None),
        *[Column(f"{q.upper()} ({money})", cells(q), MONEY_FORMAT)
          for q in ("p10", "p50", "p90")],
        Column(f"{pick('mean', '均值', lang)} ({money})", cells("mean"), MONEY_FORMAT),
        *[Column(f"{pick('parameters', '参数', lang)} {q.upper()} ({money})",
                 cells(f"param_{q}"), MONEY_FORMAT)
          for q in ("p10", "p50", "p90") if "param_p10" in table.columns]])
    wide = Sheet(pick("P50 by year", "P50 分年度", lang), [
        Column(f"{pick('programme', '项目', lang)} ({money})",
               [programme_label(p, lang) for p in progs])])
    for y, shown in zip(years, year_values, strict=True):
        wide.columns.append(Column(shown, [by[(p, y)].p50 / 1e6 for p in progs], MONEY_FORMAT))
    sheets = [wide, long]
    targets = table.attrs.get("spending_targets", [])
    if targets:
        sheets.append(Sheet(pick("validation", "校准检验", lang), [
            Column(pick("target", "目标", lang), [t["name"] for t in targets]),
            Column(pick("published", "公布值", lang), [t["published"] for t in targets]),
            Column(pick("tolerance", "容差", lang), [t["tolerance"] for t in targets]),
            Column(pick("simulated", "模拟值", lang), [t["simulated"] for t in targets]),
            Column(pick("within tolerance", "在容差内", lang),
                   [pick("yes", "是", lang) if t["within"] else pick("no", "否", lang)
                    for t in targets]),
            Column(pick("fitted", "参与拟合", lang),
                   [pick("yes", "是", lang) if t["fitted"] else pick("no", "否", lang)
                    for t in targets]),
            Column(pick("source", "来源", lang), [t["source"] for t in targets])]))
    return sheets


def forecast_workbook(table: Any, path: str | Path, settings: dict[str, Any],
                      lang: str = "en") -> Path:
    """The forecast as a workbook: P50 by programme × year, P10/P50/P90 per row, what was run."""
    about = about_rows(lang, what=pick("budget forecast: spending by programme and year",
                                       "预算预测：分项目分年度救助支出", lang), **settings,
                       intervals=pick("P10, P50 and P90 over the replications (chance); over "
                                      "parameter sets drawn from the calibration's estimates "
                                      "(parameters)",
                                      "各次重复的 P10、P50、P90（随机波动）；按校准估计抽取的参数组"
                                      "的 P10、P50、P90（参数不确定）", lang),
                       calibration=table.attrs.get("fit") or pick("none", "无", lang),
                       units=pick("million yuan per year (M yuan)", "百万元/年", lang))
    return write_workbook(path, forecast_sheets(table, lang), about, lang,
                          explain_columns=False)


# ---------------------------------------------------------------- sensitivity
def sensitivity_sheets(table: Any, method: str, samples: Any, lang: str = "en"
                       ) -> list[Sheet]:
    """The indices and the samples.

    Indices: one row per indicator and parameter, in the indicator's unit; samples: one row per
    model run, its parameters and indicators.
    """
    inds = [indicator(n) for n in table["indicator"]]
    head = [Column(pick("indicator", "指标", lang), [i.label(lang) for i in inds]),
            Column(pick("name", "名称", lang), list(table["indicator"])),
            Column(pick("parameter", "参数", lang), list(table["parameter"]))]
    if method == "morris":
        head.append(Column(pick("unit of μ* and σ", "μ*、σ 单位", lang),
                           [shown_unit(i.unit, lang, True) for i in inds]))

        def col(field: str, text: str) -> Column:
            values = [shown_value(v, i.unit, True) for v, i in zip(table[field], inds,
                                                                    strict=True)]
            return Column(text, values, formats=[value_format(i.unit, True, lang, v)
                                                 for v, i in zip(values, inds, strict=True)])

        head += [col("mu_star", "μ*"), col("mu_star_conf", pick("μ* ± (95 %)", "μ* ±（95%）",
                                                                 lang)), col("sigma", "σ")]
    else:
        for field in ("S1", "S1_conf", "ST", "ST_conf"):
            text = field.replace("_conf", pick(" ± (95 %)", " ±（95%）", lang))
            head.append(Column(text, list(table[field]), DECIMAL_FORMAT))
    sheets = [Sheet(pick("indices", "敏感性指数", lang), head)]
    if samples is not None and len(samples):
        cols = [Column(pick("run", "运行", lang), list(range(1, len(samples) + 1)), "0")]
        for key in [c for c in samples.columns if c not in ALL]:
            cols.append(Column(key, list(samples[key]), DECIMAL_FORMAT, key))
        for name in [c for c in samples.columns if c in ALL]:
            cols.append(indicator_column(name, list(samples[name]), lang))
        sheets.append(Sheet(pick("samples", "样本", lang), cols))
    return sheets


def sensitivity_workbook(table: Any, method: str, samples: Any, path: str | Path,
                         settings: dict[str, Any], lang: str = "en", force: bool = True) -> Path:
    """Sensitivity indices and samples as a workbook."""
    about = about_rows(lang, what=pick("global sensitivity analysis (SALib)",
                                       "全局敏感性分析（SALib）", lang), method=method, **settings,
                       units=pick("μ* and σ are changes of the indicator: percentage points for "
                                  "shares, million yuan for money; S1 and ST are shares of the "
                                  "indicator's variance",
                                  "μ* 与 σ 为指标的变化量：比例以百分点、金额以百万元表示；S1、ST "
                                  "为方差占比", lang))
    return write_workbook(path, sensitivity_sheets(table, method, samples, lang), about, lang,
                          force=force)
