"""Every quantity a run reports, declared once: name, unit, convention, English and Chinese.

Two kinds:

- a **series** (:class:`Series`) is a weighted total the measurement records each month, per
  district: a *stock* (households enrolled this month) is read as a monthly average, a *flow*
  (yuan paid this month) as a total per year;
- an **indicator** (:class:`Indicator`) is a headline number computed from the series' averages
  over the measured months (after the warm-up), for the city or for one district.

A formula reads the series as attributes of its argument (``s.missed / s.eligible``), so a
misspelt name fails at once; :func:`indicator` and :func:`series` refuse unknown names and say
which known one is nearest. The report, the app, the command line's tables and the exports take
their labels and units from here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reliefsim.codes import DEPARTMENTS, ENROLMENT_STATES, WARNING_RULES
from reliefsim.errors import ReliefsimError

PROGRAMMES: tuple[str, ...] = (
    "basic_living", "gradual_exit", "medical", "education", "housing", "employment", "heating",
    "temporary", "disaster",
)
"""Spending programmes, in the order tables and workbooks show them."""
MONTHLY_PROGRAMMES = PROGRAMMES[:7]
ONE_OFF_PROGRAMMES = PROGRAMMES[7:]
TENTHS = 10
BOTTOM_TENTHS = 2
"""The poorest 20 % (of the Coady–Grosh–Hoddinott indicator)."""

TIER_ZH = {"none": "无", "rigid_hardship": "刚性支出困难", "marginal": "低保边缘",
           "dibao": "低保", "destitute": "特困", "individual": "单人保"}
TIER_EN = {"none": "none", "rigid_hardship": "rigid-expenditure hardship",
           "marginal": "marginal (near-dibao)", "dibao": "dibao", "destitute": "destitute",
           "individual": "individual enrolment"}
PROGRAMME_ZH = {"basic_living": "基本生活救助", "gradual_exit": "渐退期救助金",
                "medical": "医疗救助", "education": "教育救助", "housing": "住房救助",
                "employment": "就业救助", "heating": "取暖补贴", "temporary": "临时救助",
                "disaster": "受灾人员救助"}
PROGRAMME_EN = {"basic_living": "basic living", "gradual_exit": "gradual exit",
                "medical": "medical assistance", "education": "education assistance",
                "housing": "housing assistance", "employment": "employment assistance",
                "heating": "heating subsidy", "temporary": "temporary assistance",
                "disaster": "disaster relief"}
RULE_ZH = {"death_of_earner": "主要劳动力死亡", "disaster_hit": "受灾",
           "medical_surge": "医疗支出骤增", "income_drop": "收入骤降",
           "disability_onset": "新增重度残疾", "rigid_ratio": "刚性支出占比过高",
           "screening": "主动筛查"}
DEPARTMENT_ZH = {"medical_insurance": "医保", "human_resources": "人社",
                 "public_security": "公安", "education": "教育",
                 "disability_federation": "残联", "emergency_management": "应急管理",
                 "housing": "住建", "finance": "金融"}


@dataclass(frozen=True)
class Series:
    """A weighted total recorded each month, per district.

    Attributes:
        name: identifier (``missed``).
        unit: unit of one month's value (``households``, ``yuan``…).
        flow: a flow (summed over a year) rather than a stock (averaged over months).
        en: English label.
        zh: Chinese label.
    """

    name: str
    unit: str
    flow: bool
    en: str
    zh: str


@dataclass(frozen=True)
class Indicator:
    """A headline number, with how to read it.

    Attributes:
        name: identifier (``missed_rate``).
        unit: ``share``, ``households``, ``yuan/year``…
        convention: what is divided by what, or what is counted.
        en: English label.
        zh: Chinese label.
        section: the table section it belongs to.
        formula: computes it from a :class:`Means` (or from a run's events, see ``special``).
        special: computed from the run's event records, not the series (days to payment).
        convention_zh: the convention in Chinese (empty: detail rows, shown in English).
    """

    name: str
    unit: str
    convention: str
    en: str
    zh: str
    section: str
    formula: Callable[[Means], float]
    special: bool = False
    convention_zh: str = ""

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (``en`` or ``zh``)."""
        return self.zh if lang == "zh" else self.en


SECTIONS: dict[str, tuple[str, str]] = {
    "coverage": ("Who should be helped, and who is", "应保与在保"),
    "caseload": ("Caseload on one base (households and people)", "在保规模（户与人同口径）"),
    "leakage": ("Leakage (two conventions)", "错保（两种口径）"),
    "budget": ("Budget", "资金支出"),
    "warnings": ("Warnings and casework", "预警与经办"),
    "outcomes": ("Outcomes", "救助成效"),
    "population": ("The city", "城市人口"),
    "privacy": ("Privacy exposure (data look-ups)", "数据查询（隐私成本）"),
    "detail": ("Detail", "明细"),
}
"""Table sections: key → (English, Chinese) heading."""


def _s(name: str, unit: str, flow: bool, en: str, zh: str) -> Series:
    return Series(name, unit, flow, en, zh)


def _build_series() -> tuple[Series, ...]:
    s = [
        _s("households", "households", False, "households", "家庭户数"),
        _s("people", "people", False, "people", "人口"),
        _s("registered_households", "households", False, "households with local registration",
           "户籍家庭"),
        _s("registered_people", "people", False, "people in registered households",
           "户籍家庭人口"),
        _s("elderly_people", "people", False, "people aged 60 and over", "60岁及以上人口"),
        _s("old_people_65", "people", False, "people aged 65 and over", "65岁及以上人口"),
        _s("severe_disability_people", "people", False, "people with a severe disability",
           "重度残疾人口"),
        _s("births", "people", True, "births", "出生"),
        _s("deaths", "people", True, "deaths", "死亡"),
        _s("moved_in", "households", True, "households moving in", "迁入家庭"),
        _s("moved_out", "households", True, "households moving out", "迁出家庭"),
        _s("formed", "households", True, "households formed", "新组建家庭"),
        _s("dissolved", "households", True, "households dissolved", "解体家庭"),
        _s("income_people", "yuan", False, "disposable income of people (monthly sum)",
           "居民可支配收入（月合计）"),
        _s("income_wages", "yuan", False, "wages of people (monthly sum)", "工资性收入（月合计）"),
        _s("income_transfers", "yuan", False,
           "pensions, unemployment benefit and assistance (monthly sum)",
           "转移净收入（月合计）"),
        _s("income_bottom20", "yuan", False,
           "disposable income of the poorest fifth of households (monthly sum)",
           "最低20%家庭可支配收入（月合计）"),
        _s("people_bottom20", "people", False, "people of the poorest fifth of households",
           "最低20%家庭人口"),
        _s("disaster_households", "households", True, "households whose home a disaster damaged",
           "受灾家庭"),
        _s("eligible", "households", False, "truly eligible households", "应保家庭"),
        _s("enrolled", "households", False, "enrolled households (incl. gradual exit)",
           "在保家庭（含渐退期）"),
        _s("enrolled_tiered", "households", False, "households enrolled in a tier",
           "在册家庭（不含渐退期）"),
        _s("enrolled_eligible", "households", False, "enrolled and truly eligible",
           "在保且应保家庭"),
        _s("in_exit", "households", False, "households in the gradual-exit period",
           "渐退期家庭"),
        _s("enrolled_people", "people", False, "people in enrolled households",
           "在保人口"),
        _s("low_income_households", "households", False,
           "destitute, dibao and marginal households (incl. their gradual exit)",
           "特困、低保、低保边缘家庭"),
        _s("low_income_people", "people", False,
           "people of destitute, dibao and marginal households (incl. their gradual exit)",
           "特困、低保、低保边缘人口"),
        _s("missed", "households", False, "missed households (eligible, not enrolled)",
           "漏保家庭"),
        _s("missed_money", "yuan", True, "what missed households should have got",
           "漏保家庭应得救助金"),
        _s("leak_households", "households", False, "enrolled, not truly eligible", "错保家庭"),
        _s("over_tiered", "households", False, "enrolled above their true tier",
           "档次偏高家庭"),
        _s("leak_money", "yuan", True, "spending to households not truly eligible",
           "错保资金"),
        _s("spend_total", "yuan", True, "all spending", "救助支出合计"),
        _s("spend_caseload", "yuan", True,
           "monthly assistance paid to destitute, dibao and marginal households (incl. their "
           "gradual exit)", "特困、低保、低保边缘家庭的月度救助"),
        _s("visits", "visits", True, "home visits", "入户核查"),
        _s("visit_cost", "yuan", True, "cost of home visits", "入户核查成本"),
        _s("backlog", "households", False, "cases waiting at month end", "待办案件"),
        _s("applications", "households", True, "applications", "申请"),
        _s("warnings", "warnings", True, "warnings raised", "预警"),
        _s("warnings_visited", "warnings", True, "warnings whose household was visited",
           "已核查预警"),
        _s("warnings_helped", "warnings", True, "warnings that led to help",
           "带来救助的预警"),
        _s("spells_ended", "households", True, "spells of eligibility ended (or censored)",
           "结束的应保期"),
        _s("spells_found", "households", True, "spells warned while they lasted",
           "期间被预警的应保期"),
        _s("poor_people", "people", False, "people under the poverty line after transfers",
           "救助后低于贫困线人口"),
        _s("poverty_gap", "yuan", False, "people × shortfall below the line", "贫困缺口"),
        _s("poverty_gap_max", "yuan", False, "people × line", "贫困线总额"),
        _s("cliff_falls", "households", True, "cliff falls at exit", "退出断崖"),
        _s("transfers_bottom20", "yuan", True, "transfers to the poorest 20 %",
           "最低20%家庭所获救助"),
        _s("employed", "people", False, "people working", "就业人口"),
        _s("unemployed", "people", False, "people seeking work", "失业人口"),
        _s("che_households", "households", False,
           "households with catastrophic health expenditure", "灾难性卫生支出家庭"),
        _s("dibao_entries", "households", True, "households entering dibao", "新增低保"),
        _s("dibao_exits", "households", True, "households leaving dibao", "退出低保"),
        _s("lookups_total", "look-ups", True, "data look-ups, all departments",
           "数据查询合计"),
    ]
    for tier in ENROLMENT_STATES:
        s += [_s(f"true_{tier}", "households", False, f"truly {TIER_EN[tier]}",
                 f"应为{TIER_ZH[tier]}"),
              _s(f"enrolled_{tier}", "households", False, f"enrolled as {TIER_EN[tier]}",
                 f"认定为{TIER_ZH[tier]}"),
              _s(f"enrolled_people_{tier}", "people", False,
                 f"people enrolled as {TIER_EN[tier]}", f"{TIER_ZH[tier]}人数"),
              _s(f"missed_{tier}", "households", False, f"missed, truly {TIER_EN[tier]}",
                 f"漏保（应为{TIER_ZH[tier]}）")]
    for t_true in ENROLMENT_STATES:
        for t_enrolled in ENROLMENT_STATES:
            s.append(_s(f"confusion_{t_true}_{t_enrolled}", "households", False,
                        f"truly {t_true}, enrolled {t_enrolled}",
                        f"应为{TIER_ZH[t_true]}、认定为{TIER_ZH[t_enrolled]}"))
    for prog in PROGRAMMES:
        s.append(_s(f"spend_{prog}", "yuan", True, PROGRAMME_EN[prog], PROGRAMME_ZH[prog]))
    for d in range(1, TENTHS + 1):
        s.append(_s(f"transfers_decile_{d}", "yuan", True, f"transfers to income decile {d}",
                    f"收入第{d}组所获救助"))
    for rule in WARNING_RULES:
        s.append(_s(f"warnings_{rule}", "warnings", True, f"warnings: {rule.replace('_', ' ')}",
                    f"预警：{RULE_ZH[rule]}"))
    for dept in DEPARTMENTS:
        s.append(_s(f"lookups_{dept}", "look-ups", True,
                    f"look-ups: {dept.replace('_', ' ')}", f"数据查询：{DEPARTMENT_ZH[dept]}"))
    return tuple(s)


SERIES: tuple[Series, ...] = _build_series()
SERIES_INDEX: dict[str, int] = {s.name: k for k, s in enumerate(SERIES)}


class Means:
    """The series of one run, aggregated over its measured months (attributes by series name).

    A stock reads as its monthly average, a flow as its total per year.

    Args:
        values: per series (in :data:`SERIES` order), the aggregated value.
        days: days from hardship to first payment, one per event (for the timeliness
            indicators), and their weights.
    """

    __slots__ = ("_days", "_values")

    def __init__(self, values: Iterable[float], days: tuple | None = None) -> None:
        object.__setattr__(self, "_values", list(values))
        object.__setattr__(self, "_days", days)

    def __getattr__(self, name: str) -> float:
        try:
            return self._values[SERIES_INDEX[name]]
        except KeyError:
            raise AttributeError(f"no series {name!r}{_nearest(name, SERIES_INDEX)}") from None

    def get(self, name: str) -> float:
        """The aggregated value of series ``name``."""
        return self.__getattr__(name)

    @property
    def days(self) -> tuple:
        """``(days, weights)`` of the hardship-to-payment events."""
        return self._days if self._days is not None else ((), ())


def share(num: float, den: float) -> float:
    """``num / den``, NaN when the denominator is not positive."""
    return num / den if den > 0 else float("nan")


def weighted_quantile(values: Iterable[float], weights: Iterable[float], q: float) -> float:
    """The ``q`` quantile of ``values`` with ``weights`` (NaN when there are none)."""
    import numpy as np

    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def _days(q: float) -> Callable[[Means], float]:
    return lambda s: weighted_quantile(s.days[0], s.days[1], q)


def _i(name: str, unit: str, section: str, en: str, zh: str, convention: str,
       formula: Callable[[Means], float], special: bool = False,
       zh_convention: str = "") -> Indicator:
    return Indicator(name, unit, convention, en, zh, section, formula, special, zh_convention)


def _build_indicators() -> tuple[Indicator, ...]:
    ind = [
        _i("truly_eligible_households", "households", "coverage", "truly eligible households",
           "应保家庭数", "monthly average, any tier", lambda s: s.eligible,
           zh_convention="月均，任一档次"),
        _i("enrolled_households", "households", "coverage", "enrolled households",
           "在保家庭数", "monthly average, a tier or the gradual-exit period",
           lambda s: s.enrolled,
           zh_convention="月均，含在册各档次及渐退期"),
        _i("missed_households", "households", "coverage", "missed households", "漏保家庭数",
           "truly eligible, not enrolled; monthly average", lambda s: s.missed,
           zh_convention="应保未保家庭，月均"),
        _i("missed_rate", "share", "coverage", "missed rate", "漏保率",
           "exclusion error: missed ÷ truly eligible (household-months)",
           lambda s: share(s.missed, s.eligible),
           zh_convention="漏保（排斥误差）：应保未保 ÷ 应保（按户月）"),
    ]
    for tier in ENROLMENT_STATES[1:]:
        ind.append(_i(f"missed_rate.{tier}", "share", "coverage",
                      f"missed rate, {TIER_EN[tier]}", f"漏保率（{TIER_ZH[tier]}）",
                      f"truly {tier} households not enrolled ÷ truly {tier}",
                      lambda s, t=tier: share(s.get(f"missed_{t}"), s.get(f"true_{t}")),
                      zh_convention=f"应为{TIER_ZH[tier]}而未纳入的家庭 ÷ "
                                    f"应为{TIER_ZH[tier]}的家庭"))
    ind += [
        _i("missed_money", "yuan/year", "coverage", "money missed households should get",
           "漏保家庭应得未得金额",
           "basic living + special assistance by their true tier, on the month's facts as "
           "that month's payments were made",
           lambda s: s.missed_money,
           zh_convention="漏保家庭按真实档次、以当月发放时的实际情况计算应得的基本生活救助与专项救助"),
        _i("takeup_rate", "share", "coverage", "take-up among the eligible", "应保尽保率",
           "truly eligible households enrolled ÷ truly eligible (1 − missed rate)",
           lambda s: share(s.enrolled_eligible, s.eligible),
           zh_convention="应保且在保 ÷ 应保（= 1 − 漏保率）"),
    ]
    for tier in ENROLMENT_STATES[1:]:
        ind.append(_i(f"enrolled.{tier}", "households", "caseload",
                      f"households enrolled as {TIER_EN[tier]}", f"{TIER_ZH[tier]}户数",
                      f"enrolled as {tier} (gradual exit on its own line); monthly average",
                      lambda s, t=tier: s.get(f"enrolled_{t}"),
                      zh_convention=(
                          "无档次的户籍家庭中单人保成员所在家庭，每户计一次，月均"
                          if tier == "individual" else
                          f"认定为{TIER_ZH[tier]}的家庭（渐退期单列），月均")))
        ind.append(_i(f"enrolled_people.{tier}", "people", "caseload",
                      f"people enrolled as {TIER_EN[tier]}", f"{TIER_ZH[tier]}人数",
                      f"members enrolled as {tier} (for individual enrolment, the members "
                      "enrolled on their own); monthly average",
                      lambda s, t=tier: s.get(f"enrolled_people_{t}"),
                      zh_convention=f"认定为{TIER_ZH[tier]}家庭的人口（单人保只计单人保成员），月均"))
    ind += [
        _i("enrolled.gradual_exit", "households", "caseload",
           "households in the gradual-exit period", "渐退期户数",
           "enrolled households whose tier ended, still paid; monthly average",
           lambda s: s.in_exit,
           zh_convention="档次已终止、仍在领取的家庭，月均"),
        _i("enrolled_people.gradual_exit", "people", "caseload",
           "people in the gradual-exit period", "渐退期人数",
           "members of households in their gradual-exit period; monthly average",
           lambda s: s.enrolled_people - sum(s.get(f"enrolled_people_{t}")
                                             for t in ENROLMENT_STATES[1:]),
           zh_convention="渐退期家庭人口，月均"),
        _i("caseload.low_income_households", "households", "caseload",
           "destitute + dibao + marginal households", "特困、低保、低保边缘户数",
           "enrolled as destitute, dibao or marginal, their gradual exit, and households with "
           "individually enrolled members (Beijing's 'dibao, destitute and low-income')",
           lambda s: s.low_income_households,
           zh_convention="特困、低保、低保边缘在册家庭及其渐退期家庭，以及单人保家庭（北京“低保、特困和低收入”口径）"),
        _i("caseload.low_income_people", "people", "caseload",
           "destitute + dibao + marginal people", "特困、低保、低保边缘人数",
           "the same households' members (individually enrolled members only, for theirs); "
           "people ÷ households = mean size of these households",
           lambda s: s.low_income_people,
           zh_convention="上述家庭的人口（单人保家庭只计单人保成员）；人数 ÷ 户数 = 户均人数"),
        _i("caseload.mean_size", "people", "caseload", "people per low-income household",
           "低收入家庭户均人数", "caseload people ÷ caseload households (one base)",
           lambda s: share(s.low_income_people, s.low_income_households),
           zh_convention="低收入人数 ÷ 低收入户数（同一口径）"),
        _i("leakage_of_recipients", "share", "leakage", "leakage, of recipients",
           "错保率（按户）", "inclusion error, of recipients: on the rolls (a tier or individual "
           "members) but not truly eligible ÷ on the rolls (gradual exit excluded)",
           lambda s: share(s.leak_households, s.enrolled_tiered),
           zh_convention="错保（纳入误差，按户）：在册但不应保 ÷ 在册（不含渐退期）"),
        _i("leakage_of_money", "share", "leakage", "leakage, of money", "错保率（按资金）",
           "inclusion error, of money: spending to not-eligible households (and one-off aid "
           "without a true shock) ÷ all spending", lambda s: share(s.leak_money, s.spend_total),
           zh_convention="错保（纳入误差，按资金）：发给不应保家庭的资金"
                         "（及无真实急难的一次性救助）÷ 全部支出"),
        _i("over_tiered_households", "households", "leakage", "over-tiered households",
           "档次偏高户数", "enrolled in a more generous tier than their true one; monthly "
           "average", lambda s: s.over_tiered,
           zh_convention="认定档次高于真实档次的家庭，月均"),
        _i("gradual_exit_spending", "yuan/year", "leakage", "gradual-exit spending",
           "渐退期支出", "entitled by the rules: on its own line, not leakage",
           lambda s: s.spend_gradual_exit,
           zh_convention="按规定应发：单列，不计入错保"),
    ]
    for prog in PROGRAMMES:
        ind.append(_i(f"spend.{prog}", "yuan/year", "budget", PROGRAMME_EN[prog],
                      PROGRAMME_ZH[prog], "yuan per year", lambda s, p=prog: s.get(f"spend_{p}"),
                      zh_convention="元/年"))
    ind += [
        _i("spend.total", "yuan/year", "budget", "all spending", "支出合计", "all programmes",
           lambda s: s.spend_total,
           zh_convention="全部项目"),
        _i("spend.per_person_month", "yuan/person/month", "budget",
           "basic living per enrolled person", "人均月基本生活救助",
           "basic living + gradual exit ÷ people enrolled (incl. gradual exit) ÷ 12",
           lambda s: share(s.spend_basic_living + s.spend_gradual_exit, 12 * s.enrolled_people),
           zh_convention="（基本生活救助 + 渐退期救助金）÷ 在保人数（含渐退期）÷ 12"),
        _i("spend.monthly", "yuan/year", "budget", "monthly assistance to enrolled households",
           "在保家庭月度救助合计", "basic living, gradual exit and the monthly special "
           "programmes (medical, education, housing, employment, heating); not the one-off "
           "temporary and disaster aid",
           lambda s: sum(s.get(f"spend_{p}") for p in MONTHLY_PROGRAMMES),
           zh_convention="基本生活救助、渐退期救助金与按月专项救助（医疗、教育、住房、就业、取暖）；"
                         "不含一次性的临时救助与受灾救助"),
        _i("spend.monthly_per_person_month", "yuan/person/month", "budget",
           "monthly assistance per enrolled person", "人均月度救助",
           "monthly assistance (spend.monthly) ÷ people enrolled (incl. gradual exit) ÷ 12",
           lambda s: share(sum(s.get(f"spend_{p}") for p in MONTHLY_PROGRAMMES),
                           12 * s.enrolled_people),
           zh_convention="在保家庭月度救助合计 ÷ 在保人数（含渐退期）÷ 12"),
        _i("spend.caseload_monthly", "yuan/year", "budget",
           "monthly assistance to the caseload", "低收入在册家庭月度救助",
           "the monthly programmes (spend.monthly's) paid to destitute, dibao and marginal "
           "households and to those in their gradual exit: the base of "
           "caseload.low_income_households; not rigid-expenditure hardship households",
           lambda s: s.spend_caseload,
           zh_convention="特困、低保、低保边缘家庭（含其渐退期）所得的按月救助；不含刚性支出困难家庭"),
        _i("spend.caseload_per_person_month", "yuan/person/month", "budget",
           "monthly assistance per person of the caseload", "低收入在册人均月度救助",
           "spend.caseload_monthly ÷ caseload.low_income_people ÷ 12 (one base)",
           lambda s: share(s.spend_caseload, 12 * s.low_income_people),
           zh_convention="低收入在册家庭月度救助 ÷ 低收入在册人数 ÷ 12（同一口径）"),
        _i("visits", "visits/year", "budget", "home visits", "入户核查次数", "per year",
           lambda s: s.visits,
           zh_convention="每年"),
        _i("visit_cost", "yuan/year", "budget", "cost of home visits", "入户核查成本",
           "visits × casework.visit_cost", lambda s: s.visit_cost,
           zh_convention="入户核查次数 × casework.visit_cost"),
        _i("warnings", "warnings/year", "warnings", "warnings raised", "预警数",
           "all rules; each rule firing counts once", lambda s: s.warnings,
           zh_convention="全部预警规则；每条规则触发计一次"),
        _i("warnings_per_10k", "warnings/10,000 households/year", "warnings",
           "warnings per 10,000 households", "每万户预警数",
           "warnings per year ÷ households × 10,000 (Longwan ≈ 12)",
           lambda s: 1e4 * share(s.warnings, s.households),
           zh_convention="每年预警数 ÷ 家庭户数 × 10,000（龙湾约 12）"),
    ]
    for rule in WARNING_RULES:
        ind.append(_i(f"warnings.{rule}", "warnings/year", "detail",
                      f"warnings: {rule.replace('_', ' ')}", f"预警：{RULE_ZH[rule]}",
                      "per year", lambda s, r=rule: s.get(f"warnings_{r}")))
    ind += [
        _i("warnings_visited", "warnings/year", "warnings", "warnings visited",
           "已入户核查的预警", "warnings whose household was visited (any time after)",
           lambda s: s.warnings_visited,
           zh_convention="其家庭已入户核查的预警（预警后任意时间）"),
        _i("warnings_helped", "warnings/year", "warnings", "warnings that led to help",
           "带来救助的预警", "new enrolment, a higher-paying tier or new one-off aid within "
           "warnings.followup_months of the warning", lambda s: s.warnings_helped,
           zh_convention="预警后 warnings.followup_months 个月内新纳入、调高档次"
                         "或获得新的一次性救助"),
        _i("warning_precision", "share", "warnings", "warning precision", "预警精准率",
           "warnings that led to help ÷ warnings (Longwan 2025: 103 / 373 = 0.276)",
           lambda s: share(s.warnings_helped, s.warnings),
           zh_convention="带来救助的预警 ÷ 预警（龙湾 2025 年：103 / 373 = 0.276）"),
        _i("warning_precision_visited", "share", "warnings", "precision among visited",
           "核查后精准率", "warnings that led to help ÷ warnings visited",
           lambda s: share(s.warnings_helped, s.warnings_visited),
           zh_convention="带来救助的预警 ÷ 已核查预警"),
        _i("warning_recall", "share", "warnings", "warning recall", "预警覆盖率",
           "newly eligible households warned during their spell ÷ newly eligible",
           lambda s: share(s.spells_found, s.spells_ended),
           zh_convention="应保期内被预警的新应保家庭 ÷ 新应保家庭"),
        _i("applications", "households/year", "warnings", "applications", "主动申请数",
           "households applying (人找政策)", lambda s: s.applications,
           zh_convention="主动申请的家庭（人找政策）"),
        _i("backlog", "households", "warnings", "cases waiting", "待核查案件",
           "cases waiting at month end; monthly average", lambda s: s.backlog,
           zh_convention="月末待核查案件，月均"),
        _i("days_to_payment.median", "days", "warnings", "days to payment, median",
           "首次发放天数（中位数）", "onset of hardship → first payment (enrolment or "
           "temporary aid)", _days(0.5), special=True,
           zh_convention="陷入困难 → 首次发放（纳入救助或临时救助）"),
        _i("days_to_payment.p90", "days", "warnings", "days to payment, 90th pct",
           "首次发放天数（90分位）", "90th percentile", _days(0.9), special=True,
           zh_convention="90 分位"),
    ]
    for q in (10, 25, 75):
        ind.append(_i(f"days_to_payment.p{q}", "days", "detail",
                      f"days to payment, {q}th pct", f"首次发放天数（{q}分位）",
                      f"{q}th percentile", _days(q / 100), special=True))
    bottom = BOTTOM_TENTHS / TENTHS
    ind += [
        _i("poverty_headcount", "share of people", "outcomes", "poverty headcount",
           "贫困发生率", "disposable income per capita < metrics.poverty_line_multiple × "
           "dibao line, after transfers", lambda s: share(s.poor_people, s.people),
           zh_convention="救助后人均可支配收入 < metrics.poverty_line_multiple × 低保标准"),
        _i("poverty_gap", "share", "outcomes", "poverty gap", "贫困缺口率",
           "FGT(1): Σ people × gap ÷ Σ people × line",
           lambda s: share(s.poverty_gap, s.poverty_gap_max),
           zh_convention="FGT(1)：Σ 人数 × 缺口 ÷ Σ 人数 × 贫困线"),
        _i("cliff_falls", "households/year", "outcomes", "cliff falls at exit", "退出断崖户数",
           "leavers whose disposable income per capita fell > metrics.cliff_share that month",
           lambda s: s.cliff_falls,
           zh_convention="退出当月人均可支配收入下降超过 metrics.cliff_share 的家庭"),
        _i("targeting_differential", "difference of shares", "outcomes",
           "targeting differential", "瞄准差异",
           "participation among eligible − among not eligible (Ravallion)",
           lambda s: share(s.enrolled_eligible, s.eligible)
           - share(s.enrolled - s.enrolled_eligible, s.households - s.eligible),
           zh_convention="应保家庭的参与率 − 不应保家庭的参与率（Ravallion）"),
        _i("coady_grosh_hoddinott", "ratio", "outcomes", "Coady–Grosh–Hoddinott ratio",
           "瞄准效率比", f"share of transfers to the poorest {bottom * 100:g} % (pre-transfer "
           f"income p.c.) ÷ {bottom:g}",
           lambda s: share(s.transfers_bottom20, s.spend_total) / bottom,
           zh_convention="流向最穷 20 % 家庭（按转移前人均收入）的救助份额 ÷ 0.2"),
    ]
    for d in range(1, TENTHS + 1):
        ind.append(_i(f"transfers.decile_{d}", "yuan/year", "detail",
                      f"transfers to decile {d}", f"收入第{d}组所获救助",
                      f"all transfers to pre-transfer income decile {d} (1 = poorest)",
                      lambda s, k=d: s.get(f"transfers_decile_{k}")))
    ind += [
        _i("population.people", "people", "population", "resident people", "常住人口",
           "monthly average", lambda s: s.people,
           zh_convention="月均"),
        _i("population.households", "households", "population", "resident households",
           "常住家庭户", "monthly average", lambda s: s.households,
           zh_convention="月均"),
        _i("population.household_size", "people", "population", "people per household",
           "户均人数", "people ÷ households", lambda s: share(s.people, s.households),
           zh_convention="人口 ÷ 家庭户"),
        _i("population.registered_share", "share of people", "population",
           "people with local registration", "户籍人口占比",
           "people in registered households ÷ people",
           lambda s: share(s.registered_people, s.people),
           zh_convention="户籍家庭人口 ÷ 人口"),
        _i("population.share_60plus", "share of people", "population", "aged 60 and over",
           "60岁及以上占比", "people aged 60+ ÷ people",
           lambda s: share(s.elderly_people, s.people),
           zh_convention="60 岁及以上人口 ÷ 人口"),
        _i("population.share_65plus", "share of people", "population", "aged 65 and over",
           "65岁及以上占比", "people aged 65+ ÷ people",
           lambda s: share(s.old_people_65, s.people),
           zh_convention="65 岁及以上人口 ÷ 人口"),
        _i("population.severe_disability_share", "share of people", "population",
           "severe disability", "重度残疾占比", "people with a severe disability ÷ people",
           lambda s: share(s.severe_disability_people, s.people),
           zh_convention="重度残疾人口 ÷ 人口"),
        _i("population.birth_rate", "per 1,000 people/year", "population", "birth rate",
           "出生率", "births per year ÷ people × 1,000", lambda s: 1e3 * share(s.births, s.people),
           zh_convention="每年出生 ÷ 人口 × 1,000"),
        _i("population.death_rate", "per 1,000 people/year", "population", "death rate",
           "死亡率", "deaths per year ÷ people × 1,000", lambda s: 1e3 * share(s.deaths, s.people),
           zh_convention="每年死亡 ÷ 人口 × 1,000"),
        _i("population.moved_in", "households/year", "population", "households moving in",
           "迁入家庭", "per year", lambda s: s.moved_in,
           zh_convention="每年"),
        _i("population.moved_out", "households/year", "population", "households moving out",
           "迁出家庭", "per year", lambda s: s.moved_out,
           zh_convention="每年"),
        _i("income.per_capita_year", "yuan/person/year", "population",
           "disposable income per person", "人均可支配收入",
           "household income after transfers ÷ people × 12",
           lambda s: share(12 * s.income_people, s.people),
           zh_convention="救助后家庭收入 ÷ 人口 × 12"),
        _i("income.wage_share", "share", "population", "wages' share of disposable income",
           "工资性收入占比", "wages ÷ disposable income (after transfers), all households",
           lambda s: share(s.income_wages, s.income_people),
           zh_convention="工资性收入 ÷ 可支配收入（含转移），全体家庭"),
        _i("income.transfer_share", "share", "population",
           "transfers' share of disposable income", "转移净收入占比",
           "pensions, unemployment benefit and social assistance ÷ disposable income",
           lambda s: share(s.income_transfers, s.income_people),
           zh_convention="养老金、失业金与社会救助 ÷ 可支配收入"),
        _i("income.bottom_fifth_ratio", "ratio", "population",
           "poorest fifth's income per person ÷ the mean", "低收入组人均收入 ÷ 平均",
           "households ranked by disposable income per person; the poorest 20 % of households' "
           "income ÷ their people, over all households' income ÷ people (the statistics "
           "bureau's quintile groups)",
           lambda s: share(share(s.income_bottom20, s.people_bottom20),
                           share(s.income_people, s.people)),
           zh_convention="按人均可支配收入将家庭五等分：最低 20% 家庭的人均收入 ÷ 全体人均收入"),
        _i("disaster_rate", "share per year", "population", "households hit by disasters",
           "受灾家庭比例", "households whose home a disaster damaged per year ÷ households",
           lambda s: share(s.disaster_households, s.households),
           zh_convention="每年住房因灾受损的家庭 ÷ 家庭户"),
        _i("unemployment_rate", "share", "population", "unemployment rate", "失业率",
           "job seekers ÷ (workers + job seekers), people",
           lambda s: share(s.unemployed, s.employed + s.unemployed),
           zh_convention="求职者 ÷（就业者 + 求职者），按人"),
        _i("che_rate", "share", "outcomes", "catastrophic health expenditure",
           "灾难性卫生支出发生率", "households whose 12-month medical out-of-pocket ≥ "
           "metrics.che_threshold × capacity to pay (income − subsistence)",
           lambda s: share(s.che_households, s.households),
           zh_convention="近 12 个月医疗自付 ≥ metrics.che_threshold × 支付能力"
                         "（收入 − 基本生活）的家庭"),
        _i("dibao_churn_quarterly", "share per quarter", "caseload", "dibao churn",
           "低保季度进出率", "dibao entries and exits per quarter (average of the two) ÷ "
           "dibao caseload",
           lambda s: share((s.dibao_entries + s.dibao_exits) / 8, s.enrolled_dibao),
           zh_convention="每季度进入与退出低保户数（两者平均）÷ 低保户数"),
    ]
    for t_true in ENROLMENT_STATES:
        for t_enr in ENROLMENT_STATES:
            ind.append(_i(f"confusion.{t_true}.{t_enr}", "households", "detail",
                          f"truly {t_true}, enrolled {t_enr}",
                          f"应为{TIER_ZH[t_true]}、认定为{TIER_ZH[t_enr]}",
                          "true tier × enrolled tier, monthly average",
                          lambda s, a=t_true, b=t_enr: s.get(f"confusion_{a}_{b}")))
    for dept in DEPARTMENTS:
        ind.append(_i(f"lookups.{dept}", "look-ups/year", "privacy",
                      f"look-ups: {dept.replace('_', ' ')}", f"数据查询：{DEPARTMENT_ZH[dept]}",
                      "linked households queried each month (weighted)",
                      lambda s, d=dept: s.get(f"lookups_{d}"),
                      zh_convention="每月查询的已联通家庭（加权）"))
    ind.append(_i("lookups_per_household_helped", "look-ups/year", "privacy",
                  "look-ups per household helped", "每户在保家庭的数据查询",
                  "all departments ÷ enrolled households",
                  lambda s: share(s.lookups_total, s.enrolled),
           zh_convention="各部门查询合计 ÷ 在保家庭"))
    return tuple(ind)


INDICATORS: tuple[Indicator, ...] = _build_indicators()
BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

def label(name: str, lang: str = "en") -> str:
    """The label of indicator ``name`` in ``lang`` (see :func:`indicator`)."""
    return indicator(name).label(lang)


def convention(name: str, lang: str = "en") -> str:
    """The convention of indicator ``name`` in ``lang`` (English where no Chinese is kept)."""
    ind = indicator(name)
    return (ind.convention_zh or ind.convention) if lang == "zh" else ind.convention


def section_title(section: str, lang: str = "en") -> str:
    """A table section's heading in ``lang``."""
    en, zh = SECTIONS[section]
    return zh if lang == "zh" else en


def tier_label(tier: str, lang: str = "en") -> str:
    """A tier's name in ``lang`` (特困, 低保, 低保边缘, 刚性支出困难, 无)."""
    return TIER_ZH[tier] if lang == "zh" else TIER_EN[tier]


def programme_label(prog: str, lang: str = "en") -> str:
    """A programme's name in ``lang``; ``total`` is the sum of all."""
    if prog == "total":
        return "合计" if lang == "zh" else "total"
    return PROGRAMME_ZH[prog] if lang == "zh" else PROGRAMME_EN[prog]


def department_label(dept: str, lang: str = "en") -> str:
    """A department's name in ``lang``."""
    return DEPARTMENT_ZH[dept] if lang == "zh" else dept.replace("_", " ")


HEADLINE: tuple[str, ...] = (
    "missed_rate", "leakage_of_recipients", "leakage_of_money", "spend.total",
    "gradual_exit_spending", "cliff_falls", "warning_precision", "days_to_payment.median",
    "poverty_headcount",
)
"""The indicators a comparison shows unless asked for others."""


def _nearest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def indicator(name: str) -> Indicator:
    """The indicator called ``name``.

    Raises:
        ReliefsimError: for an unknown name, naming the nearest known one.
    """
    try:
        return BY_NAME[name]
    except KeyError:
        raise ReliefsimError(f"unknown indicator {name!r}{_nearest(name, BY_NAME)}") from None


def series(name: str) -> Series:
    """The series called ``name``.

    Raises:
        ReliefsimError: for an unknown name, naming the nearest known one.
    """
    try:
        return SERIES[SERIES_INDEX[name]]
    except KeyError:
        raise ReliefsimError(f"unknown series {name!r}{_nearest(name, SERIES_INDEX)}") from None


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names, each checked to be a known indicator (see :func:`indicator`)."""
    return tuple(indicator(n).name for n in names)


def evaluate(means: Means, names: Iterable[str] | None = None) -> dict[str, float]:
    """The indicators (all, or the named ones) computed from aggregated series."""
    chosen = INDICATORS if names is None else [indicator(n) for n in names]
    out = {}
    for ind in chosen:
        value = ind.formula(means)
        out[ind.name] = float(value) if (value is not None and math.isfinite(value)) or (
            isinstance(value, float) and math.isnan(value)) else float("nan")
    return out
