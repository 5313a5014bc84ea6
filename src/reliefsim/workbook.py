"""Excel workbooks as planners use them: wide tables, units in headers, numbers with formats.

Every sheet has one header row (frozen, with a filter), one column per lever and per
indicator, the unit in each header, and numbers stored as numbers with an Excel number format:
shares as fractions shown in % (``0.0%``), changes of shares in percentage points, money in
million yuan, counts with thousands separators, years as whole numbers. Each workbook has a sheet
saying what was run (:func:`about_rows`) and one explaining every column (name, unit,
convention). The file is written beside its target under a temporary name, then renamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reliefsim import __version__
from reliefsim.i18n import is_money, is_share, pick, shown_unit
from reliefsim.indicators import convention, indicator

SHARE_FORMAT = "0.0%"
MONEY_FORMAT = "#,##0.0"
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"


def points_format(lang: str = "en") -> str:
    """Excel's format for a change of shares in percentage points (stored as points)."""
    u = "百分点" if lang == "zh" else "pt"
    return f'+0.00" {u}";-0.00" {u}";0.00" {u}"'


@dataclass
class Column:
    """One column of a sheet.

    Attributes:
        header: the header cell (label and unit).
        values: the cells, top to bottom (numbers in the shown unit, or text).
        number_format: Excel number format of the cells (None for text or general).
        name: the machine name behind the column (an indicator, a lever key), if any.
        unit: the unit as shown.
        note: what the column holds (the indicator's convention).
        formats: a format per cell, when cells differ (a table with one indicator per row).
    """

    header: str
    values: list[Any]
    number_format: str | None = None
    name: str = ""
    unit: str = ""
    note: str = ""
    formats: list[str | None] | None = None


@dataclass
class Sheet:
    """A sheet: a title (at most 31 characters) and its columns."""

    title: str
    columns: list[Column] = field(default_factory=list)


def value_format(unit: str, change: bool = False, lang: str = "en",
                 value: float | None = None) -> str:
    """The Excel number format of a value of ``unit`` as :func:`shown_value` stores it.

    Args:
        unit: the registry's unit.
        change: a difference B − A.
        lang: ``en`` or ``zh`` (the points' unit).
        value: the value, where small counts (people per household) need decimals.
    """
    if is_share(unit):
        return points_format(lang) if change else SHARE_FORMAT
    if is_money(unit):
        return MONEY_FORMAT
    if unit == "days":
        return "0"
    if unit in ("ratio", "per 1,000 people/year", "warnings/10,000 households/year") or (
            value is not None and abs(value) < 100):
        return DECIMAL_FORMAT
    return COUNT_FORMAT


def shown_value(value: Any, unit: str, change: bool = False) -> float | None:
    """A value as stored in a workbook.

    Shares as fractions (points for a change), money in million yuan, the rest as it is; None
    for a missing value (an empty cell).
    """
    if value is None:
        return None
    x = float(value)
    if x != x:  # NaN: an empty cell
        return None
    if is_share(unit):
        return 100.0 * x if change else x
    if is_money(unit):
        return x / 1e6
    return x


def indicator_column(name: str, values: Iterable[Any], lang: str = "en", change: bool = False,
                     suffix: str = "") -> Column:
    """A column of one indicator: header ``label (unit)``, values in the shown unit."""
    ind = indicator(name)
    unit = shown_unit(ind.unit, lang, change)
    head = ind.label(lang) + (f" {suffix}" if suffix else "")
    cells = [shown_value(v, ind.unit, change) for v in values]
    formats = [value_format(ind.unit, change, lang, v) for v in cells]
    return Column(f"{head} ({unit})", cells, formats[0] if formats else None, name, unit,
                  convention(name, lang), formats)


def about_rows(lang: str = "en", **items: Any) -> list[tuple[str, Any]]:
    """The rows of the sheet saying what was run, with the version and the export's date.

    Keyword names are the keys of :data:`ABOUT` (others are shown as they are); None values
    are left out.
    """
    rows = [(ABOUT.get(k, (k, k))[lang == "zh"], v) for k, v in items.items() if v is not None]
    rows.append((ABOUT["version"][lang == "zh"], __version__))
    rows.append((ABOUT["exported"][lang == "zh"],
                 dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")))
    return rows


ABOUT: dict[str, tuple[str, str]] = {
    "what": ("what", "内容"), "experiment": ("experiment", "实验"),
    "kind": ("kind", "类型"), "scenario": ("scenario", "情景"),
    "scenarios": ("scenarios", "情景"), "reforms": ("reforms (--set)", "政策调整（--set）"),
    "levers": ("levers varied", "调整的参数"), "seed": ("seed", "随机种子"),
    "seeds": ("seeds", "随机种子"), "replications": ("replications", "重复次数"),
    "households": ("simulated households", "模拟家庭户数"),
    "months": ("months simulated", "模拟月数"), "start": ("first month", "起始月份"),
    "warmup": ("warm-up months (left out)", "预热月数（不计入）"),
    "created": ("run on", "运行时间"), "method": ("method", "方法"),
    "validation": ("validation", "校验"), "version": ("reliefsim version", "reliefsim 版本"),
    "exported": ("exported on", "导出时间"), "units": ("units", "单位"),
    "intervals": ("intervals", "区间"), "years": ("years", "年份"),
    "calibration": ("calibration (fit record)", "校准（拟合记录）"),
}
"""Keys of the sheet saying what was run → (English, Chinese)."""


def units_note(lang: str = "en") -> str:
    """How the workbook stores numbers (for the sheet saying what was run)."""
    return pick("shares as fractions shown in %; changes of shares in percentage points (pt); "
                "money in million yuan (M yuan); counts of real (weighted) households; means "
                "over replications",
                "比例以小数存储、按 % 显示；比例的变化以百分点表示；金额单位为百万元；"
                "户数为加权后的实际家庭数；均为各次重复的均值", lang)


def validation_note(scenario_text: str | None, lang: str = "en") -> str:
    """What is known of a scenario's validation against published figures."""
    calibrated = bool(scenario_text) and "calibrated/" in (scenario_text or "")
    if calibrated:
        return pick("calibrated to calibration/beijing.toml (7 of 9 published targets within "
                    "tolerance at 50,000 households; calibration/README.md); not re-validated "
                    "for this experiment: reliefsim validate SCENARIO calibration/beijing.toml",
                    "已按 calibration/beijing.toml 校准（50,000 户时 9 项公开指标中 7 项在容差内，"
                    "见 calibration/README.md）；本实验未重新校验：reliefsim validate 情景 "
                    "calibration/beijing.toml", lang)
    return pick("not validated against published figures (reliefsim validate)",
                "未与公开数据校验（reliefsim validate）", lang)


def columns_sheet(sheets: Sequence[Sheet], lang: str = "en") -> Sheet:
    """A sheet explaining every column of ``sheets`` that names an indicator or lever."""
    seen: dict[str, Column] = {}
    for sheet in sheets:
        for col in sheet.columns:
            if col.name and col.header not in seen:
                seen[col.header] = col
    cols = list(seen.values())
    return Sheet(pick("columns", "列说明", lang), [
        Column(pick("column", "列", lang), [c.header for c in cols]),
        Column(pick("name", "名称", lang), [c.name for c in cols]),
        Column(pick("unit", "单位", lang), [c.unit for c in cols]),
        Column(pick("convention", "口径", lang), [c.note for c in cols]),
    ])


def write_workbook(path: str | Path, sheets: Sequence[Sheet], about: Sequence[tuple[str, Any]],
                   lang: str = "en", explain_columns: bool = True, force: bool = True) -> Path:
    """Write the sheets, a sheet explaining the columns and the sheet saying what was run.

    Text cells that a spreadsheet would read as a formula (a leading ``= + - @``, tab or
    carriage return) are written with a leading ``'``; the file is written beside ``path`` and
    renamed into place (:mod:`reliefsim.outputs`).

    Args:
        path: the ``.xlsx`` file (its folder is made if missing).
        sheets: the data sheets, in order.
        about: (key, value) rows of the sheet saying what was run.
        lang: ``en`` or ``zh`` (sheet names of the added sheets).
        explain_columns: add the sheet explaining each column.
        force: replace an existing file (the commands check the path, and ``--force``, before
            their work starts).

    Returns:
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from reliefsim.outputs import replacing

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    every = list(sheets)
    if explain_columns:
        every.append(columns_sheet(sheets, lang))
    for sheet in every:
        ws = book.create_sheet(sheet.title[:31])
        for c, col in enumerate(sheet.columns, start=1):
            head = ws.cell(row=1, column=c, value=col.header)
            head.font = Font(bold=True)
            head.alignment = Alignment(wrap_text=True, vertical="top")
            for r, value in enumerate(col.values, start=2):
                cell = ws.cell(row=r, column=c, value=_plain(value))
                fmt = col.formats[r - 2] if col.formats is not None else col.number_format
                if fmt and isinstance(cell.value, int | float):
                    cell.number_format = fmt
            longest = max([len(str(col.header)) // 2 + 2]
                          + [min(len(str(v)), 60) for v in col.values[:200] if isinstance(v, str)]
                          + [10])
            ws.column_dimensions[get_column_letter(c)].width = min(max(longest, 10), 62)
        ws.freeze_panes = "A2"
        if sheet.columns and any(col.values for col in sheet.columns):
            ws.auto_filter.ref = (f"A1:{get_column_letter(len(sheet.columns))}"
                                  f"{1 + max(len(col.values) for col in sheet.columns)}")
        ws.row_dimensions[1].height = 45
    ws = book.create_sheet(pick("about", "运行信息", lang))
    for c, head in enumerate((pick("item", "项目", lang), pick("value", "内容", lang)), start=1):
        ws.cell(row=1, column=c, value=head).font = Font(bold=True)
    for r, (key, value) in enumerate(about, start=2):
        ws.cell(row=r, column=1, value=key).font = Font(bold=True)
        ws.cell(row=r, column=2, value=_plain(value))
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    with replacing(path, force=force) as fh:  # beside the target, renamed into place
        book.save(fh)
    return path


def _plain(value: Any) -> Any:
    """A cell value openpyxl stores: numpy numbers as Python numbers, NaN as an empty cell."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list | tuple | dict):
        return str(value)
    if isinstance(value, str):
        from reliefsim.outputs import neutralise

        return neutralise(value)
    return value
