"""Chinese and English: the language chosen, units as shown, figures that draw Chinese glyphs."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from reliefsim import figures
from reliefsim.cli import main
from reliefsim.i18n import default_lang, resolve, shown_unit, with_unit
from reliefsim.indicators import (
    INDICATORS,
    PROGRAMMES,
    SECTIONS,
    convention,
    label,
    programme_label,
    tier_label,
)


def test_language_from_option_or_environment(monkeypatch):
    monkeypatch.delenv("RELIEFSIM_LANG", raising=False)
    assert default_lang() == "en" and resolve(None) == "en"
    monkeypatch.setenv("RELIEFSIM_LANG", "zh_CN.UTF-8")
    assert resolve(None) == "zh" and resolve("en") == "en"
    monkeypatch.setenv("RELIEFSIM_LANG", "fr")
    with pytest.raises(Exception, match="RELIEFSIM_LANG='fr': expected zh or en"):
        default_lang()


def test_bad_environment_language_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("RELIEFSIM_LANG", "klingon")
    assert main(["scenario", "baseline", "--grep", "dibao_line"]) == 2
    assert "RELIEFSIM_LANG='klingon': expected zh or en" in capsys.readouterr().err


def test_registry_names_as_civil_affairs_documents_use_them():
    assert label("missed_rate", "zh") == "漏保率"
    assert label("leakage_of_recipients", "zh").startswith("错保率")
    assert label("enrolled.gradual_exit", "zh") == "渐退期户数"
    assert [tier_label(t, "zh") for t in ("destitute", "dibao", "marginal", "rigid_hardship")] \
        == ["特困", "低保", "低保边缘", "刚性支出困难"]
    assert programme_label("temporary", "zh") == "临时救助"
    # every indicator has both labels; every one the summary shows a Chinese convention
    assert all(i.en and i.zh for i in INDICATORS)
    assert all(i.convention_zh for i in INDICATORS if i.section != "detail")
    assert convention("missed_rate", "zh").startswith("漏保")
    assert all(zh for _, zh in SECTIONS.values())


def test_units_as_shown():
    assert with_unit(0.1156, "share") == "11.6 %"
    assert with_unit(-0.0021, "share", change=True, sign=True) == "-0.21 pt"
    assert with_unit(-0.0021, "share", "zh", change=True, sign=True) == "-0.21 百分点"
    assert with_unit(4.0283e9, "yuan/year") == "4,028 M yuan/year"
    assert with_unit(4.0283e9, "yuan/year", "zh") == "4,028 百万元/年"
    assert shown_unit("households", "zh") == "户"
    assert with_unit(float("nan"), "share") == "n/a"
    assert with_unit(-1e-9, "share", change=True, sign=True) == "+0.00 pt"   # never "-0.00"


def _every_figure(folder, lang):
    """Each figure of the package, drawn once, with Chinese or English text."""
    months = 14
    series = {f"spend_{p}": np.linspace(1e6, 2e6, months) for p in PROGRAMMES}
    series.update({k: np.linspace(1, 2, months) * 1e4 for k in (
        "eligible", "enrolled", "missed", "leak_households", "warnings", "applications",
        "visits", "backlog", "enrolled_tiered", "cliff_falls")})
    points = [figures.DesignPoint(f"exit_period_months={e}, marginal_multiplier={m}",
                                  {"policy.exit_period_months": e,
                                   "policy.marginal_multiplier": m},
                                  (0.1 + 0.01 * e, 0.09 + 0.01 * e, 0.11 + 0.01 * e),
                                  (0.03 * m, 0.028 * m, 0.032 * m))
              for e in (0, 6, 12) for m in (1.5, 2.0)]
    table = pd.DataFrame([{"programme": p, "year": y, "p10": 1e8, "p50": 2e8, "p90": 3e8,
                           "mean": 2e8} for p in (*PROGRAMMES, "total") for y in (2025, 2026)])
    morris = pd.DataFrame([{"indicator": i, "parameter": p, "mu_star": 0.01, "mu_star_conf":
                            0.002, "sigma": 0.005} for i in ("missed_rate", "spend.total")
                           for p in ("policy.dibao_line", "behaviour.apply_prob")])
    sobol = pd.DataFrame([{"indicator": "missed_rate", "parameter": p, "S1": 0.4,
                           "S1_conf": 0.1, "ST": 0.5, "ST_conf": 0.1}
                          for p in ("policy.dibao_line", "behaviour.apply_prob")])
    units = {"missed_rate": "share", "spend.total": "yuan/year"}
    return [
        figures.tradeoff(points, folder / "tradeoff.png", lang),
        figures.spending(series, "2024-01", folder / "spending.png", lang),
        figures.confusion(np.arange(25.0).reshape(5, 5) * 1e3, folder / "confusion.png", lang),
        figures.funnel(1000, 800, 300, folder / "funnel.png", lang),
        figures.timeliness({10: 45.4, 25: 45.4, 50: 45.4, 75: 75.9, 90: 106.3},
                           folder / "timeliness.png", lang),
        figures.cliffs(np.ones(months), "2024-01", folder / "cliffs.png", lang),
        figures.lookups({"finance": 1e6}, folder / "lookups.png", lang),
        figures.deciles(np.ones(10), np.zeros(10), np.full(10, 2.0), folder / "deciles.png",
                        "变化", lang),
        figures.districts(["东城区", "西城区"], {"missed_rate": [0.1, 0.2]}, units,
                          folder / "districts.png", "分区", lang),
        figures.sensitivity(morris, "morris", units, folder / "morris.png", lang),
        figures.sensitivity(sobol, "sobol", units, folder / "sobol.png", lang),
        figures.demo_figure(series, 3, "2024-01", folder / "demo.png", "演示", lang),
        figures.fan_chart(table, folder / "fan.png", "预算预测", lang),
    ]


def test_every_figure_draws_its_chinese_text_with_a_font_that_has_the_glyphs(tmp_path):
    assert figures.FONT == "Noto Sans CJK SC", "the CJK font of the mplfonts package"
    with warnings.catch_warnings():
        # matplotlib warns "Glyph 28431 (\\N{...}) missing from font(s) DejaVu Sans." and
        # draws an empty box: here that is an error
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        paths = _every_figure(tmp_path, "zh")
    assert all(p.stat().st_size > 5_000 for p in paths)


def test_a_missing_glyph_would_fail_the_figure_test(tmp_path):
    """The warning the test above turns into an error is what a font without CJK gives."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("漏保率", family="DejaVu Sans")
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        fig.savefig(tmp_path / "boxes.png")
    plt.close(fig)


def test_english_figures_have_no_chinese(tmp_path):
    from matplotlib.text import Text

    seen = []
    original = Text.draw

    def draw(self, renderer):
        seen.append(self.get_text())
        return original(self, renderer)

    Text.draw = draw
    try:
        _every_figure(tmp_path, "en")
    finally:
        Text.draw = original
    chinese = [t for t in seen if re.search(r"[\u4e00-\u9fff]", t)
               and t not in ("变化", "分区", "演示", "预算预测", "东城区", "西城区")]
    assert chinese == []


def test_help_shows_every_default(capsys):
    for command, needle in (("compare", "(default: 10)"), ("forecast", "(default: 20)"),
                            ("sweep", "(default: sqlite:///reliefsim.db)"),
                            ("sensitivity", "(default: morris)"), ("app", "(default: 8765)"),
                            ("run", "(default: the scenario's run.households)")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert needle in out, (command, needle)
        assert "--lang" in out and "RELIEFSIM_LANG" in out
