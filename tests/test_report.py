"""`reliefsim report` on stored experiments: the HTML page, the figures, and bad input."""

import re

import pytest

from reliefsim import api
from reliefsim.cli import main
from reliefsim.model import ReliefModel
from reliefsim.report import format_summary


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('store')}/r.db"
    api.sweep("baseline", ["policy.marginal_multiplier=1.5,2.0",
                           "policy.exit_period_months=0,12"], reps=2, households=1200,
              months=20, db=url, progress=False)
    api.compare("exit_0", "exit_12", reps=4, households=1200, months=20, db=url,
                progress=False)
    return url


def test_sweep_report_has_every_figure(store, tmp_path, capsys):
    assert main(["report", "1", "--db", store, "--out", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    for name in ("tradeoff", "spending", "confusion", "funnel", "timeliness", "cliffs",
                 "lookups", "districts"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5_000
    assert page.count("data:image/png;base64,") == 8           # self-contained
    assert "leakage_of_recipients" in page and "missed_rate" in page
    assert "Longwan" in page                                   # conventions are stated
    assert re.search(r"4 design\s+point", page)


def test_comparison_report_has_the_one_screen_summary(store, tmp_path):
    assert main(["report", "2", "--db", store, "--out", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert "exit_12 against exit_0" in page and "95 % interval" in page
    assert (tmp_path / "deciles.png").exists()


def test_report_for_unknown_experiment(store, tmp_path, capsys):
    assert main(["report", "42", "--db", store, "--out", str(tmp_path / "x")]) == 2
    assert "no experiment with id 42" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_summary_fits_80_columns():
    model = ReliefModel("baseline", households=500, months=14, seed=1, story=False)
    text = format_summary(model.run(), "title")
    assert max(len(line) for line in text.splitlines()) <= 80


def test_design_settings_show_sampled_floats_to_six_digits():
    from reliefsim.scenario import display_value, settings_text

    point = {"policy.dibao_line": 1532.0557232287172, "policy.exit_period_months": 6}
    assert settings_text(point) == "policy.dibao_line=1532.06, policy.exit_period_months=6"
    assert settings_text(point, short=True) == "dibao_line=1532.06, exit_period_months=6"
    assert settings_text({}) == ""
    assert display_value(8_000_000.0) == "8000000.0"  # not 8e+06
    assert display_value(True) == "true"
    assert display_value(["medical", "rent"]) == '["medical", "rent"]'
    assert display_value([0.30000000000000004, 2]) == "[0.3, 2]"
    assert display_value("2024-01") == '"2024-01"'


def test_report_time_axes_start_at_the_scenarios_first_month(store, tmp_path, monkeypatch):
    from reliefsim import figures

    seen = []
    original = figures.spending
    monkeypatch.setattr(figures, "spending",
                        lambda series, start, path, lang: seen.append(start) or original(
                            series, start, path, lang))
    assert main(["report", "1", "--db", store, "--out", str(tmp_path)]) == 0
    assert seen == ["2024-01"]  # the baseline's run.start, kept in the experiment's settings


def test_trade_off_numbers_designs_as_results_show_does(store, tmp_path, monkeypatch, capsys):
    from reliefsim import figures

    labels = []
    original = figures.tradeoff
    monkeypatch.setattr(figures, "tradeoff", lambda points, path, lang: labels.extend(
        p.label for p in points) or original(points, path, lang))
    assert main(["report", "1", "--db", store, "--out", str(tmp_path)]) == 0
    assert main(["results", "show", "1", "--db", store]) == 0
    shown = [line.split(": baseline ", 1)[1] for line in capsys.readouterr().out.splitlines()
             if re.match(r"P\d: baseline ", line)]
    assert len(shown) == 4
    # the same designs in the same order (the report names keys by their last part)
    assert labels == [s.replace("policy.", "") for s in shown]
    assert labels[1] == "exit_period_months=12, marginal_multiplier=1.5"  # run order, not text


def test_report_in_chinese_with_chinese_figures(store, tmp_path, capsys):
    assert main(["report", "1", "--db", store, "--out", str(tmp_path), "--lang", "zh"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for text in ("漏保率", "错保率（按户）", "渐退期户数", "预警漏斗", "分区结果", "朝阳区",
                 "全市"):
        assert text in page, text
    assert page.count("data:image/png;base64,") == 8


def test_report_in_chinese_from_the_environment(store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RELIEFSIM_LANG", "zh")
    assert main(["report", "2", "--db", store, "--out", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "exit_12 与 exit_0 对比" in page
    assert "百分点" in page                                      # changes of shares in points


def test_comparison_report_shows_changes_in_points(store, tmp_path, capsys):
    assert main(["report", "2", "--db", store, "--out", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = page.split("exit_12 against exit_0", 1)[1].split("</table>", 1)[0]
    assert re.search(r"<b>[+-]\d+\.\d\d pt</b>", table)        # missed rate's change
    assert not re.search(r"<b>[+-]\d+\.\d+ %</b>", table)


def test_report_details_the_point_asked_for(store, tmp_path, capsys):
    assert main(["report", "1", "--db", store, "--out", str(tmp_path), "--point", "3"]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "P3: <b>baseline</b> (exit_period_months=0, marginal_multiplier=2.0)" in page
    assert main(["report", "1", "--db", store, "--out", str(tmp_path / "x"),
                 "--point", "9"]) == 2
    assert "--point 9: experiment 1 has design points P1…P4" in capsys.readouterr().err


def test_funnel_shows_what_is_lost_at_each_step(tmp_path, monkeypatch):
    from matplotlib.text import Text

    from reliefsim import figures

    seen = []
    original = Text.draw
    monkeypatch.setattr(Text, "draw", lambda self, r: seen.append(self.get_text())
                        or original(self, r))
    figures.funnel(373, 300, 103, tmp_path / "f.png")
    assert "not visited: 73 (20 %)" in seen
    assert "visited, not helped: 197 (66 %)" in seen


def test_timeliness_labels_coinciding_percentiles_once(tmp_path, monkeypatch):
    from matplotlib.text import Text

    from reliefsim import figures

    seen = []
    original = Text.draw
    monkeypatch.setattr(Text, "draw", lambda self, r: seen.append(self.get_text())
                        or original(self, r))
    figures.timeliness({10: 45.4, 25: 45.4, 50: 45.4, 75: 75.9, 90: 106.3},
                       tmp_path / "t.png")
    assert "P10 = P25 = median: 45     P75: 76     P90: 106 days" in seen
