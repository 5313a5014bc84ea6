"""``reliefsim report``: a self-contained HTML page plus PNG figures for a stored experiment."""

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
from reliefsim.indicators import HEADLINE, SECTIONS, TENTHS, indicator
from reliefsim.report import SUMMARY_SECTIONS, design_points, design_rows, fmt, summary_rows
from reliefsim.results import UNPAIRED_OFFSET
from reliefsim.scenario import settings_text
from reliefsim.statistics import mean_interval
from reliefsim.store import (
    experiment_runs,
    experiment_settings,
    list_experiments,
    metrics_frame,
)


def _unit(name: str) -> str:
    return indicator(name).unit


def _label(point: str) -> str:
    return settings_text(json.loads(point), short=True) or "as specified"


def _img(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def build_report(engine: Engine, exp_id: int, out: Path) -> Path:
    """Write ``report.html`` and the PNG figures of experiment ``exp_id`` into ``out``.

    Raises:
        ReliefsimError: when the experiment does not exist or holds no runs.
    """
    info = {e["id"]: e for e in list_experiments(engine)}
    if exp_id not in info:
        raise ReliefsimError(f"no experiment with id {exp_id} in this store "
                             "(see `reliefsim results list`)")
    runs = experiment_runs(engine, exp_id)
    if not runs:
        raise ReliefsimError(f"experiment {exp_id} holds no finished runs yet")
    frame = metrics_frame(engine, exp_id)
    frame = frame[frame["replication"] < UNPAIRED_OFFSET]  # paired runs only
    summary = frame[frame["month"] == -1]
    monthly = frame[frame["month"] >= 0]
    out.mkdir(parents=True, exist_ok=True)
    exp = info[exp_id]
    designs = design_points(runs)
    reference = designs[0]  # the first design run
    ref_means = design_rows(summary, reference).groupby("name")["value"].mean()
    ref_monthly = design_rows(monthly, reference)
    series = {name: grp.groupby("month")["value"].mean().to_numpy()
              for name, grp in ref_monthly.groupby("name")}
    settings = experiment_settings(engine, exp_id)
    # the reference design's first month (stores written before it was kept say "the start")
    start = json.loads(reference[1]).get("run.start", settings.get("start", "the start"))
    sections: list[tuple[str, Path, str]] = []

    if len(designs) > 1 and exp["kind"] != "compare":
        pts = []
        for scen, point in designs:  # P1, P2, … as in ``results show``
            means = design_rows(summary, (scen, point)).groupby("name")["value"].mean()
            label = _label(point) if scen == reference[0] else f"{scen}: {_label(point)}"
            pts.append((label, means.get("missed_rate", np.nan),
                        means.get("leakage_of_recipients", np.nan)))
        sections.append(("Trade-off across the design", figures.tradeoff(
            pts, out / "tradeoff.png"), "Each point is one design, averaged over its "
            "replications. Missed = exclusion error (share of the truly eligible not enrolled); "
            "leakage = inclusion error of recipients (share of the enrolled not truly eligible,"
            " gradual exit excluded)."))
    order = [settings.get(k) for k in ("a", "b")]
    paired = _paired(summary, order) if exp["kind"] == "compare" else None
    if paired is not None:
        sections.append(_comparison(paired, out))

    sections.append(("Spending by programme", figures.spending(
        series, start, out / "spending.png"),
        "Weighted yuan per month, all months including the warm-up; temporary and disaster aid "
        "are one-off payments."))
    matrix = np.array([[ref_means.get(f"confusion.{t}.{e}", 0.0) for e in TIER_NAMES]
                       for t in TIER_NAMES])
    sections.append(("True tier × enrolled tier", figures.confusion(
        matrix, out / "confusion.png"), "Monthly average after the warm-up. Off-diagonal cells "
        "above the diagonal are over-tiered or leakage; the 'none' column holds missed cases."))
    sections.append(("The warning funnel", figures.funnel(
        ref_means.get("warnings", 0.0), ref_means.get("warnings_visited", 0.0),
        ref_means.get("warnings_helped", 0.0), out / "funnel.png"),
        "Warnings raised, warnings whose household was visited, and warnings followed by help "
        "(enrolment, continued enrolment or one-off aid). Precision = helped ÷ visited; "
        "Longwan 2025: 373 warnings, 103 households helped."))
    sections.append(("Days from hardship to first payment", figures.timeliness(
        {q: ref_means.get("days_to_payment.median" if q == 50 else f"days_to_payment.p{q}",
                          np.nan) for q in (10, 25, 50, 75, 90)},
        out / "timeliness.png"), "Onset = the month the household became truly eligible (or "
        "its sudden hardship); payment = decision month plus casework.processing_days."))
    sections.append(("Cliff falls at exit", figures.cliffs(
        series.get("cliff_falls", np.zeros(1)), start, out / "cliffs.png"),
        "Households whose disposable income per capita fell by more than metrics.cliff_share "
        "in the month their basic living payment stopped (weighted)."))
    sections.append(("Data look-ups per department", figures.lookups(
        {d: ref_means.get(f"lookups.{d}", 0.0) for d in DEPARTMENTS}, out / "lookups.png"),
        "Each linked household is looked up once a month in each linked department "
        "(weighted): the privacy cost of the monitoring."))
    page = _html(exp, runs, ref_means, sections, reference, paired)
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


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


def _comparison(paired: tuple[str, str, Any], out: Path) -> tuple[str, Path, str]:
    a, b, wide = paired
    intervals = [_difference(wide, a, b, f"transfers.decile_{d}")[1] for d in range(1, TENTHS + 1)]
    path = figures.deciles([iv.mean for iv in intervals], [iv.low for iv in intervals],
                           [iv.high for iv in intervals], out / "deciles.png",
                           f"Change in transfers by income decile: {b} − {a}")
    return (f"{b} − {a}: effect by income decile", path,
            "Mean paired difference per decile of pre-transfer income per capita, with 95 % "
            "intervals from the paired replications.")


def _comparison_table(paired: tuple[str, str, Any] | None) -> str:
    if paired is None:
        return ""
    a, b, wide = paired
    rows = []
    for name in ("spend.total", *HEADLINE[:3], "cliff_falls", "poverty_headcount"):
        sub, iv = _difference(wide, a, b, name)
        unit = _unit(name)
        rows.append(f"<tr><td>{name}</td><td>{fmt(sub[a].mean(), unit)}</td>"
                    f"<td>{fmt(sub[b].mean(), unit)}</td><td><b>{fmt(iv.mean, unit)}</b></td>"
                    f"<td>[{fmt(iv.low, unit)}, {fmt(iv.high, unit)}]</td></tr>")
    return (f"<h2>{html.escape(b)} against {html.escape(a)}</h2><p>Paired replications on "
            "common random numbers; 95 % interval of the mean difference.</p><table><tr>"
            f"<th>indicator</th><th>{html.escape(a)}</th><th>{html.escape(b)}</th>"
            "<th>change</th><th>95 % interval</th></tr>" + "".join(rows) + "</table>")


def _html(exp: dict, runs: list[dict], means: Any, sections: list[tuple[str, Path, str]],
          reference: tuple[str, str], paired: tuple[str, str, Any] | None) -> str:
    table_rows = []
    for section in SUMMARY_SECTIONS:
        heading = SECTIONS[section][0]
        table_rows.append(f"<tr><th colspan=2>{html.escape(heading)}</th></tr>")
        for name in summary_rows(section):
            unit = _unit(name)
            table_rows.append(f"<tr><td>{name}</td><td>{fmt(means.get(name, np.nan), unit)}"
                              "</td></tr>")
    figs = "".join(
        f"<figure><h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
        f"src='data:image/png;base64,{_img(path)}'><figcaption>{html.escape(caption)}"
        "</figcaption></figure>" for title, path, caption in sections)
    n_points = len(design_points(runs))
    comparison = _comparison_table(paired)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>reliefsim report — {html.escape(exp['name'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border-bottom:1px solid #ddd;padding:3px 10px;
text-align:left}}figure{{margin:2em 0}}img{{max-width:100%}}figcaption{{color:#555;font-size:90%}}
</style></head><body>
<h1>reliefsim report — {html.escape(exp['name'])}</h1>
<p>Experiment {exp['id']} ({html.escape(exp['kind'])}), {len(runs)} runs, {n_points} design
point(s), {runs[0]['households']:,} simulated households × {runs[0]['months']} months.
Figures and the table below are for <b>{html.escape(reference[0])}</b>
({html.escape(_label(reference[1]))}), averaged over replications. Household counts are weighted
(real households) monthly averages after the warm-up; money is yuan per year.</p>
{comparison}
<h2>Headline indicators</h2><table>{''.join(table_rows)}</table>
{figs}
</body></html>"""
