"""Classroom app (Mesa SolaraViz): a small town, sliders for the thresholds, one family's story.

Run with ``reliefsim app [SCENARIO]`` (or ``make app``), which starts ``solara run`` on this
module; the scenario comes from the ``RELIEFSIM_APP_SCENARIO`` environment variable.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from reliefsim.codes import DEPARTMENTS
from reliefsim.metrics import error_rates
from reliefsim.model import ReliefModel
from reliefsim.scenario import Scenario, load_scenario

MAX_HOUSEHOLDS = 1500
"""A classroom-sized town keeps the page responsive."""
TOWN_STREETS = 9
STATUS_COLOURS = {
    "helped correctly": "#2ca02c", "missed": "#d62728", "leakage": "#ff7f0e",
    "gradual exit": "#1f77b4", "not eligible": "#d9d9d9",
}


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
        super().__init__(base, households=households, months=600, seed=int(seed),
                         overrides=overrides)
        rng = self.streams("town-map", -1)
        side = int(np.ceil(np.sqrt(TOWN_STREETS)))
        street = self.pop.street
        self.xy = np.column_stack([street % side + 0.08 + 0.84 * rng.random(self.pop.n),
                                   street // side + 0.08 + 0.84 * rng.random(self.pop.n)])

    def status(self) -> np.ndarray:
        """Per household: helped correctly, missed, leakage, gradual exit or not eligible."""
        eligible = self.spells.eligible
        t = max(self.month - 1, 0)
        in_exit = self.case.in_exit(t)
        enrolled = self.case.tier > 0
        return np.select([enrolled & eligible, eligible & ~enrolled & ~in_exit, in_exit,
                          enrolled & ~eligible], ["helped correctly", "missed", "gradual exit",
                                                  "leakage"], "not eligible")


@solara.component
def TownMap(model: ClassroomModel) -> None:
    """The town's households, coloured by true versus enrolled status."""
    update_counter.get()
    status = model.status()
    fig = Figure(figsize=(6, 6.6))
    ax = fig.subplots()
    for label, colour in STATUS_COLOURS.items():
        pick = status == label
        ax.scatter(model.xy[pick, 0], model.xy[pick, 1], s=14, c=colour,
                   label=f"{label} ({int(pick.sum())})")
    side = int(np.ceil(np.sqrt(TOWN_STREETS)))
    for k in range(side + 1):
        ax.axhline(k, color="0.8", lw=0.8)
        ax.axvline(k, color="0.8", lw=0.8)
    ax.set(xlim=(0, side), ylim=(0, side), xticks=[], yticks=[],
           title=f"The town in month {model.month}: each dot a household, each square a street")
    fig.legend(loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def LiveCharts(model: ClassroomModel) -> None:
    """Missed and leakage rates and monthly spending, month by month."""
    update_counter.get()
    s = model.ledger.city()
    fig = Figure(figsize=(7, 5.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    if model.ledger.months_done:
        months = np.arange(len(s["eligible"]))
        missed, leakage = error_rates(s)
        ax1.plot(months, 100 * missed, label="missed ÷ truly eligible")
        ax1.plot(months, 100 * leakage, label="leakage ÷ enrolled")
        ax2.plot(months, np.array(s["spend_total"]) / 1e3, color="tab:green")
    ax1.set(ylabel="%", title="Missed cases and leakage")
    ax1.legend(fontsize=8)
    ax2.set(xlabel="month", ylabel="thousand yuan per month", title="Spending")
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Numbers(model: ClassroomModel) -> None:
    """This month's headline numbers as text (also what the browser test reads)."""
    update_counter.get()
    s = model.ledger.city()
    if not model.ledger.months_done:
        solara.Markdown("**Month 0** — press *Step* to simulate a month.")
        return
    eligible, enrolled = s["eligible"][-1], s["enrolled"][-1]
    missed, leak = (rates[-1] for rates in error_rates(s))
    solara.Markdown(
        f"**Month {model.month}** — truly eligible {eligible:,.0f}, enrolled {enrolled:,.0f}, "
        f"missed {100 * missed:.1f} %, leakage {100 * leak:.1f} %, "
        f"spending {s['spend_total'][-1]:,.0f} yuan this month, "
        f"warnings {s['warnings'][-1]:,.0f}, visits {s['visits'][-1]:,.0f}")


@solara.component
def FamilyStory(model: ClassroomModel) -> None:
    """Pick a household and read its story month by month."""
    update_counter.get()
    default = int(np.argmax(model.case.tier > 0)) if (model.case.tier > 0).any() else 0
    chosen = solara.use_reactive(default)
    n = model.pop.n
    solara.InputInt(f"Household number (0–{n - 1})", value=chosen)
    i = int(min(max(chosen.value, 0), n - 1))
    view = model.household(i)
    members = ", ".join(f"{m['age']:.0f}" for m in view.facts["members"] if m["alive"])
    solara.Markdown(
        f"**Household {i}** — members aged {members or '(none left)'}; truly "
        f"**{view.true_tier}**, enrolled as **{view.enrolled_tier}**; income "
        f"{view.facts['wages'] + view.facts['pensions'] + view.facts['other_income']:,.0f} "
        "yuan/month")
    solara.Preformatted(view.timeline() or "nothing has happened yet")


def model_params() -> dict[str, Any]:
    """Bounded sliders for the classroom, starting where the scenario has each lever."""
    lv = lever_values(load_scenario(app_scenario()))
    return {
        "dibao_line": Slider("Dibao line (yuan/person)", lv["dibao_line"], 800, 2500, 20),
        "marginal_multiplier": Slider("Marginal line (× dibao)", lv["marginal_multiplier"],
                                      1.0, 3.0, 0.1),
        "rigid_ratio_threshold": Slider("Rigid threshold (× income)",
                                        lv["rigid_ratio_threshold"], 0.3, 1.2, 0.05),
        "exit_period_months": Slider("Gradual exit (months)", lv["exit_period_months"], 0, 24, 1),
        "data_coverage": Slider("Data coverage (share linked)", lv["data_coverage"], 0.0, 1.0,
                                0.05),
        "visits_per_month": Slider("Visits / street office / month (city scale)",
                                   lv["visits_per_month"], 0, 2000, 20),
        "households": Slider("Households in town", 600, 100, MAX_HOUSEHOLDS, 50),
        "seed": Slider("Seed", 1, 1, 100, 1),
    }


model = ClassroomModel()
page = SolaraViz(
    model,
    components=[(Numbers, 0), (TownMap, 0), (LiveCharts, 0), (FamilyStory, 0)],
    model_params=model_params(),
    name="reliefsim classroom: who is helped, who is missed",
)
