"""Classroom app (Mesa SolaraViz): a small town, sliders for the thresholds, one family's story.

Run with ``reliefsim app [SCENARIO]`` (or ``make app``), which starts ``solara run`` on this
module; the scenario comes from the ``RELIEFSIM_APP_SCENARIO`` environment variable and the
page's first language from ``RELIEFSIM_LANG`` (a switch on the page changes it).

The town is a town of its own: every simulated household is one household (weight exactly 1,
no over-sampling), so the counts in the page's text are the dots of its map. Each slider shows
its value and unit; a calculator panel explains one household's tier and payments under the
levers in force.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization import solara_viz as _viz
from mesa.visualization.utils import update_counter

from reliefsim.codes import DEPARTMENTS
from reliefsim.figures import FONT  # noqa: F401  (registers the CJK font with matplotlib)
from reliefsim.i18n import default_lang, pick
from reliefsim.indicators import tier_label
from reliefsim.metrics import error_rates
from reliefsim.model import ReliefModel
from reliefsim.population import Population, synthesize
from reliefsim.rng import Streams
from reliefsim.scenario import Scenario, load_scenario

MAX_HOUSEHOLDS = 1500
"""A classroom-sized town keeps the page responsive."""
TOWN_STREETS = 9
STATUS_COLOURS = {
    "helped correctly": "#2ca02c", "missed": "#d62728", "leakage": "#ff7f0e",
    "gradual exit": "#1f77b4", "not eligible": "#d9d9d9",
}
STATUS_ZH = {"helped correctly": "应保已保", "missed": "漏保", "leakage": "错保",
             "gradual exit": "渐退期", "not eligible": "不符合条件"}


LEVERS: dict[str, tuple[str, type]] = {
    "dibao_line": ("policy.dibao_line", float),
    "marginal_multiplier": ("policy.marginal_multiplier", float),
    "rigid_ratio_threshold": ("policy.rigid_ratio_threshold", float),
    "exit_period_months": ("policy.exit_period_months", int),
    "visits_per_month": ("casework.visits_per_month", float),
}
"""The classroom's levers (keyword → scenario key, type); data coverage sets every department."""


def app_scenario() -> str:
    """The scenario the app runs (``reliefsim app SCENARIO`` sets it; default baseline)."""
    return os.environ.get("RELIEFSIM_APP_SCENARIO", "baseline")


def lever_values(scenario: Scenario) -> dict[str, float]:
    """Where the scenario has each lever at its start (coverage: the departments' mean)."""
    v = scenario.values(0)
    out = {name: v[key] for name, (key, _) in LEVERS.items()}
    out["data_coverage"] = round(float(np.mean([v.departments[d].coverage
                                                for d in DEPARTMENTS])), 2)
    return out


def town_visits(scenario: Scenario, city_visits: float, households: int) -> float:
    """Home visits per town street office that visit the same share of households as the city's.

    A city street office serves ``households_represented / streets`` households (8 million /
    330 ≈ 24,000 in the baseline) with ``city_visits`` a month; a town street serves
    ``households / TOWN_STREETS`` (600 / 9 ≈ 67), so it gets the same visits per household:
    400 in the city is about 1.1 a month in the town.

    Args:
        scenario: the city scenario (its population at the start month).
        city_visits: visits per street office per month in the city.
        households: households in the town.
    """
    city = scenario.values(0).population
    per_city_office = city.households_represented / city.streets
    return float(city_visits) * (households / TOWN_STREETS) / per_city_office


def town_population(scenario: Scenario, households: int) -> Population:
    """The town's households, each one household of the town (weight exactly 1).

    They are drawn as a city sample is, with low-income households more common
    (``population.oversample_low_income``), from the same random streams the model would use;
    then each counts as one household, so the town is a town of its own (poorer than the city)
    whose every count is a count of its dots.
    """
    v = scenario.values(0)
    pop = synthesize(v, households, Streams(v.run.seed, 0))
    pop.weight = np.where(pop.occupied, 1.0, 0.0)
    pop.unit_weights = True
    return pop


class ClassroomModel(ReliefModel):
    """A small town under a scenario, with the classroom's levers as plain keyword arguments.

    Args:
        dibao_line: yuan per person per month.
        marginal_multiplier: marginal line as a multiple of the dibao line.
        rigid_ratio_threshold: rigid expenditure as a share of income.
        exit_period_months: gradual-exit period.
        data_coverage: share of households linked, the same for every department.
        visits_per_month: home visits per street office per month at the city's scale (the
            scenario's unit); the town gets the same share of its households visited, so the
            lever binds as it does in the city (see :func:`town_visits`).
        households: simulated households (at most ``MAX_HOUSEHOLDS``).
        seed: root seed.
        scenario: scenario name or path.
    """

    def __init__(self, dibao_line: float | None = None, marginal_multiplier: float | None = None,
                 rigid_ratio_threshold: float | None = None,
                 exit_period_months: int | None = None, data_coverage: float | None = None,
                 visits_per_month: float | None = None, households: int = 600, seed: int = 1,
                 scenario: str | None = None) -> None:
        households = int(min(max(households, 50), MAX_HOUSEHOLDS))
        base = load_scenario(scenario or app_scenario())
        levers = lever_values(base)
        chosen = {"dibao_line": dibao_line, "marginal_multiplier": marginal_multiplier,
                  "rigid_ratio_threshold": rigid_ratio_threshold,
                  "exit_period_months": exit_period_months, "data_coverage": data_coverage}
        overrides: dict[str, Any] = {
            "population.streets": TOWN_STREETS,
            "population.district_names": ["town"],
            "population.district_shares": [1.0],
            # each dot one household: as many real households as simulated ones, and no
            # over-sampling of low-income households, so every weight is exactly 1
            "population.households_represented": float(households),
            "run.warmup_months": 0,
        }
        # a lever left where the scenario has it keeps the scenario's own value (a dated and
        # uprated dibao line, each department's coverage); a moved lever overrides it. Visits
        # are always set: the city's capacity scaled to the town (its start value, if left)
        overrides["casework.visits_per_month"] = town_visits(
            base, levers["visits_per_month"] if visits_per_month is None else visits_per_month,
            households)
        for name, value in chosen.items():
            if value is None or value == levers[name]:
                continue
            if name == "data_coverage":
                overrides.update({f"departments.{d}.coverage": float(value)
                                  for d in DEPARTMENTS})
            else:
                key, kind = LEVERS[name]
                overrides[key] = kind(value)
                if base.params[key].uprating:  # the classroom's line stays where it is set
                    overrides[f"{key}.uprating"] = 0.0
        town = base.with_overrides({**overrides, "run.seed": int(seed)}, origin="classroom")
        super().__init__(base, households=households, months=600, seed=int(seed),
                         overrides=overrides, population=town_population(town, households))
        rng = self.streams("town-map", -1)
        side = int(np.ceil(np.sqrt(TOWN_STREETS)))
        street = self.pop.street
        self.xy = np.column_stack([street % side + 0.08 + 0.84 * rng.random(self.pop.n),
                                   street // side + 0.08 + 0.84 * rng.random(self.pop.n)])

    def status(self) -> np.ndarray:
        """Per household slot: helped correctly, missed, leakage, gradual exit or not eligible.

        An empty slot (a household that moved away, not yet replaced) is ``""``: not a dot.
        """
        eligible = self.spells.eligible
        t = max(self.month - 1, 0)
        in_exit = self.case.in_exit(t)
        enrolled = self.case.tier > 0
        status = np.select([enrolled & eligible, eligible & ~enrolled & ~in_exit, in_exit,
                            enrolled & ~eligible], ["helped correctly", "missed", "gradual exit",
                                                    "leakage"], "not eligible")
        return np.where(self.pop.occupied, status, "")


LANG = solara.reactive(default_lang())
"""The page's language (``en`` or ``zh``), changed by the switch."""


def _status_label(status: str, lang: str) -> str:
    return STATUS_ZH[status] if lang == "zh" else status


def town_counts(model: ClassroomModel) -> dict[str, int]:
    """Households (dots) per status this month: the text and the map count the same."""
    status = model.status()
    return {label: int((status == label).sum()) for label in STATUS_COLOURS}


@solara.component
def LanguageSwitch() -> None:
    """中文 / English: the page's language."""
    names = {"zh": "中文", "en": "English"}
    solara.ToggleButtonsSingle(value=names[LANG.value], values=list(names.values()),
                               on_value=lambda name: LANG.set("zh" if name == "中文" else "en"),
                               dense=True)


def town_figure(model: ClassroomModel, lang: str = "en") -> Figure:
    """The town's map: each household a dot, coloured by true versus enrolled status."""
    status = model.status()
    fig = Figure(figsize=(4.6, 5.0), dpi=100)
    ax = fig.subplots()
    for label, colour in STATUS_COLOURS.items():
        pick_ = status == label
        ax.scatter(model.xy[pick_, 0], model.xy[pick_, 1], s=9, c=colour,
                   label=f"{_status_label(label, lang)} ({int(pick_.sum())})")
    side = int(np.ceil(np.sqrt(TOWN_STREETS)))
    for k in range(side + 1):
        ax.axhline(k, color="0.8", lw=0.8)
        ax.axvline(k, color="0.8", lw=0.8)
    ax.set(xlim=(0, side), ylim=(0, side), xticks=[], yticks=[], aspect="equal")
    ax.set_title(pick(f"The town in month {model.month}: each dot a household, each square a "
                      "street", f"第 {model.month} 个月的小镇：每个点一户，每个方格一个街道", lang),
                 fontsize=9, wrap=True)
    fig.legend(loc="lower center", ncol=3, fontsize=7.5, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


@solara.component
def TownMap(model: ClassroomModel) -> None:
    """The town's households, coloured by true versus enrolled status."""
    update_counter.get()
    solara.FigureMatplotlib(town_figure(model, LANG.value), format="png")


def charts_figure(model: ClassroomModel, lang: str = "en") -> Figure:
    """Missed and leakage rates and monthly spending, month by month."""
    s = model.ledger.city() if model.ledger.months_done else {}
    fig = Figure(figsize=(6.4, 5.0), dpi=100)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    if s:
        months = np.arange(len(s["eligible"]))
        missed, leakage = error_rates(s)
        ax1.plot(months, 100 * missed, marker="o", ms=3,
                 label=pick("missed ÷ truly eligible", "漏保 ÷ 应保", lang))
        ax1.plot(months, 100 * leakage, marker="o", ms=3,
                 label=pick("leakage ÷ enrolled", "错保 ÷ 在册", lang))
        ax2.plot(months, np.array(s["spend_total"]) / 1e3, color="tab:green", marker="o", ms=3)
    ax1.set(ylabel="%", title=pick("Missed cases and leakage", "漏保与错保", lang))
    ax1.legend(fontsize=8)
    ax2.set(xlabel=pick("month", "月份", lang), ylabel=pick("thousand yuan per month",
                                                            "千元/月", lang),
            title=pick("Spending", "救助支出", lang))
    fig.tight_layout()
    return fig


@solara.component
def LiveCharts(model: ClassroomModel) -> None:
    """Missed and leakage rates and monthly spending, month by month."""
    update_counter.get()
    solara.FigureMatplotlib(charts_figure(model, LANG.value), format="png")


@solara.component
def Numbers(model: ClassroomModel) -> None:
    """This month's headline numbers as text, counted on the map's dots (what the test reads)."""
    update_counter.get()
    lang = LANG.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        LanguageSwitch()
        s = model.ledger.city() if model.ledger.months_done else {}
        if not s:
            solara.Markdown(pick("**Month 0** — press *Step* to simulate a month.",
                                 "**第 0 月** — 按 *Step* 模拟一个月。", lang))
            return
        c = town_counts(model)
        eligible = c["helped correctly"] + c["missed"] + c["gradual exit"]
        enrolled = c["helped correctly"] + c["leakage"] + c["gradual exit"]
        tiered = c["helped correctly"] + c["leakage"]
        missed = 100 * c["missed"] / eligible if eligible else 0.0
        leak = 100 * c["leakage"] / tiered if tiered else 0.0
        spend = s["spend_total"][-1]
        solara.Markdown(pick(
            f"**Month {model.month}** — truly eligible {eligible:,}, enrolled {enrolled:,}, "
            f"missed {c['missed']:,} of {eligible:,} ({missed:.1f} %), leakage "
            f"{c['leakage']:,} of {tiered:,} enrolled in a tier ({leak:.1f} %), gradual exit "
            f"{c['gradual exit']:,}; spending {spend:,.0f} yuan this month, warnings "
            f"{s['warnings'][-1]:,.0f}, visits {s['visits'][-1]:,.0f} (households of the map, "
            "each dot one household)",
            f"**第 {model.month} 月** — 应保 {eligible:,} 户，在保 {enrolled:,} 户，漏保 "
            f"{c['missed']:,} / {eligible:,} 户（{missed:.1f}%），错保 {c['leakage']:,} / "
            f"{tiered:,} 户（{leak:.1f}%），渐退期 {c['gradual exit']:,} 户；本月支出 "
            f"{spend:,.0f} 元，预警 {s['warnings'][-1]:,.0f} 条，入户核查 "
            f"{s['visits'][-1]:,.0f} 次（即地图上的点，每点一户）", lang))


@solara.component
def FamilyStory(model: ClassroomModel) -> None:
    """Pick a household and read its story month by month."""
    update_counter.get()
    lang = LANG.value
    default = int(np.argmax(model.case.tier > 0)) if (model.case.tier > 0).any() else 0
    chosen = solara.use_reactive(default)
    n = model.pop.n
    solara.InputInt(pick(f"Household number (0–{n - 1})", f"家庭编号（0–{n - 1}）", lang),
                    value=chosen)
    i = int(min(max(chosen.value, 0), n - 1))
    view = model.household(i)
    members = ", ".join(f"{m['age']:.0f}" for m in view.facts["members"] if m["alive"])
    income = view.facts['wages'] + view.facts['pensions'] + view.facts['other_income']
    solara.Markdown(pick(
        f"**Household {i}** — members aged {members or '(none left)'}; truly "
        f"**{view.true_tier}**, enrolled as **{view.enrolled_tier}**; income {income:,.0f} "
        "yuan/month",
        f"**家庭 {i}** — 成员年龄 {members or '（无）'}；真实档次 "
        f"**{tier_label(view.true_tier, 'zh')}**，认定档次 "
        f"**{tier_label(view.enrolled_tier, 'zh')}**；收入 {income:,.0f} 元/月", lang))
    solara.Preformatted(view.timeline() or pick("nothing has happened yet", "尚无事件", lang))


@solara.component
def Calculator(model: ClassroomModel) -> None:
    """The calculator that explains, under the rules in force in the town this month."""
    update_counter.get()
    lang = LANG.value
    adults, elderly = solara.use_reactive(1), solara.use_reactive(1)
    children, disabled = solara.use_reactive(1), solara.use_reactive(0)
    wages, pensions = solara.use_reactive(1200.0), solara.use_reactive(0.0)
    assets, rent = solara.use_reactive(0.0), solara.use_reactive(0.0)
    medical = solara.use_reactive(0.0)
    solara.Markdown(pick("**Calculator**: one household under the rules in force in the town "
                         "this month (the levers after *Reset*)",
                         "**救助计算器**：按小镇本月适用的规则（*Reset* 后的参数）计算一户", lang))
    with solara.Row(style={"flex-wrap": "wrap"}):
        for value, en, zh in ((adults, "adults 16–59", "16–59 岁成年人"),
                              (elderly, "aged 60+", "60 岁及以上"),
                              (children, "children under 16", "16 岁以下儿童"),
                              (disabled, "with a severe disability", "重度残疾成员")):
            solara.InputInt(pick(en, zh, lang), value=value, style={"max-width": "9em"})
    with solara.Row(style={"flex-wrap": "wrap"}):
        for value, en, zh in ((wages, "wages, yuan/month", "工资（元/月）"),
                              (pensions, "pensions, yuan/month", "养老金（元/月）"),
                              (assets, "savings, yuan", "存款（元）"),
                              (rent, "rent, yuan/month", "房租（元/月）"),
                              (medical, "medical costs, yuan/month", "医疗自付（元/月）")):
            solara.InputFloat(pick(en, zh, lang), value=value, style={"max-width": "10em"})
    text = calculator_text(model, adults.value, elderly.value, children.value, disabled.value,
                           wages.value, pensions.value, assets.value, rent.value, medical.value,
                           lang)
    import html

    solara.HTML(tag="pre", unsafe_innerHTML=html.escape(text),
                style="white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px")


def calculator_text(model: ClassroomModel, adults: int, elderly: int, children: int,
                    disabled: int, wages: float, pensions: float, assets: float, rent: float,
                    medical: float, lang: str = "en") -> str:
    """The calculator panel's explanation (the rules of the town's scenario this month)."""
    from reliefsim.errors import ReliefsimError
    from reliefsim.explain import explain, explain_text, household_facts
    from reliefsim.parameters import add_months

    members = ([{"age": 40, "works": 1 if k == 0 and wages > 0 else 0}
                for k in range(max(adults, 0))]
               + [{"age": 70} for _ in range(max(elderly, 0))]
               + [{"age": 10, "student": "primary"} for _ in range(max(children, 0))]
               + [{"age": 40, "disability": "severe"} for _ in range(max(disabled, 0))])
    t = max(model.month - 1, 0)
    period = add_months(model.scenario.start, t)
    v = model.scenario.values(t)
    try:
        f = household_facts([{"wages": wages, "pensions": pensions, "financial_assets": assets,
                              "rent": rent, "medical_oop_12m": 12 * medical}], [members],
                            [pick("the household", "该家庭", lang)], tuple(v.policy.rigid_items))
    except ReliefsimError as exc:
        return str(exc)
    return explain_text(explain(f, v, period), 0, lang, "", model.scenario.name, width=72)


LEVER_TEXT: dict[str, tuple[str, str, str, str, str]] = {
    "dibao_line": ("Dibao line", "低保标准", "yuan/person/month", "元/人/月", "{:,.0f}"),
    "marginal_multiplier": ("Marginal line", "低保边缘标准", "× dibao line", "× 低保标准",
                            "{:.1f}"),
    "rigid_ratio_threshold": ("Rigid-expenditure threshold", "刚性支出门槛", "of income",
                              "× 收入", "{:.2f}"),
    "exit_period_months": ("Gradual exit", "渐退期", "months", "个月", "{:.0f}"),
    "data_coverage": ("Data coverage", "数据联通覆盖率", "share of households linked",
                      "已联通家庭占比", "{:.2f}"),
    "visits_per_month": ("Home visits", "入户核查", "per street office per month, city scale",
                         "次/街道/月（城市口径）", "{:,.0f}"),
    "households": ("Households in town", "小镇家庭数", "households", "户", "{:,.0f}"),
    "seed": ("Seed", "随机种子", "", "", "{:.0f}"),
}
"""Each lever's label, unit (English, Chinese) and number format."""


def lever_label(name: str, value: float, lang: str = "en") -> str:
    """A slider's label with its value and unit: ``Dibao line: 1,360 yuan/person/month``."""
    en, zh, unit_en, unit_zh, fmt = LEVER_TEXT[name]
    unit = unit_zh if lang == "zh" else unit_en
    return f"{zh if lang == 'zh' else en}: {fmt.format(value)} {unit}".rstrip()


@solara.component
def LeverSlider(name: str, options: Slider, on_change: Any) -> None:
    """A Mesa slider whose label shows its value and unit, in the page's language."""
    value = solara.use_reactive(options.value)
    lang = LANG.value

    def changed(x: float) -> None:
        value.set(x)
        on_change(name, x)

    kind = solara.SliderFloat if options.is_float_slider else solara.SliderInt
    text = lever_label(name, value.value, lang) if name in LEVER_TEXT else options.label
    with solara.Column(gap="0px", style={"margin-bottom": "4px"}):
        solara.Text(text, classes=["lever-label"], style={"font-size": "0.9em"})
        kind("", value=value.value, on_value=changed, min=options.min, max=options.max,
             step=options.step)


_MESA_INPUTS = _viz.UserInputs


@solara.component
def ClassroomInputs(user_params: dict, on_change: Any = None) -> None:
    """Mesa's model inputs, with each slider's value and unit in its label."""
    sliders = {k: o for k, o in user_params.items() if isinstance(o, Slider)}
    for name, options in sliders.items():
        LeverSlider(name, options, on_change)
    rest = {k: o for k, o in user_params.items() if k not in sliders}
    if rest:
        _MESA_INPUTS(rest, on_change=on_change)


LAYOUT = [
    {"i": 0, "x": 0, "y": 0, "w": 12, "h": 3},    # numbers and the language switch
    {"i": 1, "x": 0, "y": 3, "w": 5, "h": 14},    # the town: whole, at 1400 × 1000
    {"i": 2, "x": 5, "y": 3, "w": 7, "h": 14},    # live charts
    {"i": 3, "x": 0, "y": 17, "w": 7, "h": 36},   # the calculator
    {"i": 4, "x": 7, "y": 17, "w": 5, "h": 36},   # one family's story
]
"""Where each panel sits on the page (12 columns, rows of 30 px)."""
_MESA_LAYOUT = _viz.make_initial_grid_layout


def classroom_layout(num_components: int) -> list[dict]:
    """The page's layout (Mesa's own for another number of panels)."""
    if num_components != len(LAYOUT):
        return _MESA_LAYOUT(num_components)
    return [{**item, "moved": False} for item in LAYOUT]


_viz.UserInputs = ClassroomInputs
_viz.make_initial_grid_layout = classroom_layout


def model_params(lang: str = "en") -> dict[str, Any]:
    """Bounded sliders for the classroom, starting where the scenario has each lever."""
    lv = lever_values(load_scenario(app_scenario()))

    def label(name: str) -> str:
        en, zh, *_ = LEVER_TEXT[name]
        return zh if lang == "zh" else en

    return {
        "dibao_line": Slider(label("dibao_line"), lv["dibao_line"], 800, 2500, 20),
        "marginal_multiplier": Slider(label("marginal_multiplier"), lv["marginal_multiplier"],
                                      1.0, 3.0, 0.1),
        "rigid_ratio_threshold": Slider(label("rigid_ratio_threshold"),
                                        lv["rigid_ratio_threshold"], 0.3, 1.2, 0.05),
        "exit_period_months": Slider(label("exit_period_months"), lv["exit_period_months"],
                                     0, 24, 1),
        "data_coverage": Slider(label("data_coverage"), lv["data_coverage"], 0.0, 1.0, 0.05),
        "visits_per_month": Slider(label("visits_per_month"), lv["visits_per_month"], 0, 2000,
                                   20),
        "households": Slider(label("households"), 600, 100, MAX_HOUSEHOLDS, 50),
        "seed": Slider(label("seed"), 1, 1, 100, 1),
    }


model = ClassroomModel()


@solara.component
def Page() -> None:
    """The classroom page: title, language switch, sliders, the town, charts, calculator."""
    lang = LANG.value
    solara.Title("reliefsim")
    SolaraViz(
        model,
        components=[(Numbers, 0), (TownMap, 0), (LiveCharts, 0), (Calculator, 0),
                    (FamilyStory, 0)],
        model_params=model_params(lang),
        name=pick("reliefsim — classroom: who is helped, who is missed",
                  "reliefsim — 课堂：谁得到救助，谁被漏掉", lang),
    )
