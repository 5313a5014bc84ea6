"""Chinese and English for everything a person reads: the language chosen, units as shown, texts.

The language comes from ``--lang zh|en`` or, when it is not given, the ``RELIEFSIM_LANG``
environment variable (default English). Indicator and series labels come from the registry
(:mod:`reliefsim.indicators`); this module holds the units as they are shown (shares in %,
money in million yuan, changes of shares in percentage points) and the texts of tables,
figures, pages and the app, each in both languages.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata

from reliefsim.errors import ReliefsimError

LANGS: tuple[str, ...] = ("en", "zh")
ENV = "RELIEFSIM_LANG"


def default_lang() -> str:
    """The language of ``RELIEFSIM_LANG`` (``en`` when unset).

    Raises:
        ReliefsimError: when the variable holds another value.
    """
    value = os.environ.get(ENV, "").strip().lower()
    if not value:
        return "en"
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    raise ReliefsimError(f"{ENV}={value!r}: expected zh or en")


def resolve(lang: str | None) -> str:
    """``lang`` checked (``en`` or ``zh``), or the default language when None.

    Raises:
        ReliefsimError: for another language.
    """
    if lang is None:
        return default_lang()
    if lang not in LANGS:
        raise ReliefsimError(f"--lang {lang!r}: expected zh or en")
    return lang


# ---------------------------------------------------------------- units as shown
UNIT_ZH: dict[str, str] = {
    "share": "比例", "share of people": "占人口比例", "share per quarter": "每季度比例",
    "difference of shares": "比例之差", "households": "户", "people": "人",
    "households/year": "户/年", "yuan/year": "元/年", "yuan": "元", "yuan/person/month": "元/人/月",
    "yuan/person/year": "元/人/年", "days": "天", "ratio": "比值",
    "per 1,000 people/year": "‰/年", "visits/year": "次/年", "warnings/year": "条/年",
    "warnings/10,000 households/year": "条/万户/年", "look-ups/year": "次/年",
    "look-ups": "次", "warnings": "条", "visits": "次",
}
"""Registry units in Chinese."""


def is_share(unit: str) -> bool:
    """Whether values of ``unit`` are shares (shown in %, changes in points)."""
    return unit.startswith("share") or unit == "difference of shares"


def is_money(unit: str) -> bool:
    """Whether values of ``unit`` are money totals (shown in million yuan)."""
    return unit.startswith("yuan") and not unit.startswith("yuan/person")


def factor(unit: str) -> float:
    """The factor from the registry's unit to the shown one.

    × 100 for shares (% and points), ÷ 10⁶ for money totals (million yuan), else 1.
    """
    if is_money(unit):
        return 1e-6
    if is_share(unit):
        return 100.0
    return 1.0


def shown_unit(unit: str, lang: str = "en", change: bool = False) -> str:
    """The unit as tables, headers and axes show it.

    Shares are shown in %, and a change of shares in percentage points (pt, 百分点); money
    totals in million yuan (M yuan, 百万元); the rest as the registry says.

    Args:
        unit: the registry's unit.
        lang: ``en`` or ``zh``.
        change: the values are differences (B − A).
    """
    zh = lang == "zh"
    if is_share(unit):
        if change:
            return "百分点" if zh else "pt"
        if unit == "share per quarter":
            return "%/季度" if zh else "% per quarter"
        return "%"
    if is_money(unit):
        rest = unit[len("yuan"):]
        if zh:
            return "百万元" + ("/年" if rest == "/year" else rest)
        return "M yuan" + rest
    if unit == "per 1,000 people/year":
        return "‰/年" if zh else "‰ per year"
    return UNIT_ZH.get(unit, unit) if zh else unit


def digits_for(unit: str, shown: float, change: bool = False) -> int:
    """Decimals a value of ``unit`` is shown with (``shown`` is already in the shown unit)."""
    if is_share(unit):
        return 2 if change else 1
    if is_money(unit):
        return 0 if abs(shown) >= 1000 else 1
    if unit == "ratio" or unit.startswith("per 1,000") or (unit == "people" and abs(shown) < 100):
        return 2
    if unit == "days" or abs(shown) >= 100:
        return 0
    return 1


def number(value: float | None, unit: str, change: bool = False, digits: int | None = None,
           sign: bool = False) -> str:
    """A value in its shown unit, without the unit (``12.3`` for a share of 0.123).

    Args:
        value: in the registry's unit.
        unit: the registry's unit.
        change: a difference B − A (a change of shares is shown in points).
        digits: decimals (default :func:`digits_for`).
        sign: always show the sign.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    x = float(value) * factor(unit)
    if digits is None:
        digits = digits_for(unit, x, change)
    text = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    if float(text.replace(",", "")) == 0:  # no "-0.0"
        text = text.replace("-", "+" if sign else "")
    return text


def with_unit(value: float | None, unit: str, lang: str = "en", change: bool = False,
              sign: bool = False) -> str:
    """A value with its shown unit: ``11.6 %``, ``-0.21 pt``, ``4,028 M yuan/year``."""
    text = number(value, unit, change, sign=sign)
    if text == "n/a":
        return "—" if lang == "zh" else "n/a"
    return f"{text} {shown_unit(unit, lang, change)}"


# ---------------------------------------------------------------- texts
TEXT: dict[str, tuple[str, str]] = {
    # tiers of the calculator and the tables
    "yes": ("yes", "是"), "no": ("no", "否"), "n/a": ("n/a", "—"),
    "indicator": ("indicator", "指标"), "unit": ("unit", "单位"),
    "convention": ("convention", "口径"), "value": ("value", "数值"),
    "interval": ("95 % interval", "95% 置信区间"), "change": ("change", "变化"),
    "mean": ("mean", "均值"), "low": ("95 % low", "95% 下限"), "high": ("95 % high", "95% 上限"),
    "unpaired": ("unpaired", "非配对"), "point": ("point", "方案"), "reps": ("reps", "重复次数"),
    "district": ("district", "区"), "city": ("city", "全市"), "year": ("year", "年份"),
    "programme": ("programme", "项目"), "total": ("total", "合计"),
    "parameter": ("parameter", "参数"), "replication": ("replication", "重复"),
    "seed": ("seed", "随机种子"), "scenario": ("scenario", "情景"),
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text ``key`` in ``lang``, formatted with ``values``."""
    en, zh = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def text_width(text: str) -> int:
    """Columns a text takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` terminal columns: words kept whole, Chinese broken anywhere."""
    tokens = re.findall(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff"
                        r"\uff00-\uffef\u3000-\u303f]+|\s+", text)
    lines, line = [], ""
    for tok in tokens:
        if tok.isspace():
            if line:
                line += " "
            continue
        if line and text_width(line) + text_width(tok) > width:
            lines.append(line.rstrip())
            line = ""
        line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


BEIJING_DISTRICTS_ZH = {
    "Dongcheng": "东城区", "Xicheng": "西城区", "Chaoyang": "朝阳区", "Fengtai": "丰台区",
    "Shijingshan": "石景山区", "Haidian": "海淀区", "Mentougou": "门头沟区", "Fangshan": "房山区",
    "Tongzhou": "通州区", "Shunyi": "顺义区", "Changping": "昌平区", "Daxing": "大兴区",
    "Huairou": "怀柔区", "Pinggu": "平谷区", "Miyun": "密云区", "Yanqing": "延庆区",
}
"""Beijing's sixteen districts in Chinese, by the names the scenarios give them."""


def district_label(name: str, lang: str = "en") -> str:
    """A district's name in ``lang``: Chaoyang is 朝阳区, a numbered ``district 3`` 第3区."""
    if lang != "zh":
        return name
    match = re.fullmatch(r"district (\d+)", name)
    return f"第{match[1]}区" if match else BEIJING_DISTRICTS_ZH.get(name, name)


def pick(en: str, zh: str, lang: str) -> str:
    """``zh`` when the language is Chinese, else ``en`` (for one-off texts)."""
    return zh if lang == "zh" else en
