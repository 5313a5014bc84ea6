"""Workbooks as planners use them, read back with pandas and openpyxl: values and formats."""

import re

import openpyxl
import pandas as pd
import pytest

from reliefsim import api
from reliefsim.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('wb')}/r.db"
    api.sweep("baseline", ["policy.exit_period_months=0,12"], reps=2, households=1200,
              months=20, db=url, progress=False)
    return url


def about(path, sheet="about"):
    ws = openpyxl.load_workbook(path)[sheet]
    assert [ws.cell(1, 1).value, ws.cell(1, 2).value] in (["item", "value"], ["项目", "内容"])
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}


def column(ws, header):
    heads = [c.value for c in ws[1]]
    k = heads.index(header) + 1
    return [ws.cell(r, k) for r in range(2, ws.max_row + 1)]


def test_results_export_xlsx_is_wide_with_units_formats_and_what_was_run(store, tmp_path,
                                                                          capsys):
    out = tmp_path / "sweep.xlsx"
    assert main(["results", "export", "1", "--db", store, "--format", "xlsx",
                 "--out", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["design points", "intervals", "runs", "columns", "about"]
    points = sheets["design points"]
    assert list(points["point"]) == ["P1", "P2"]
    assert list(points["policy.exit_period_months (months)"]) == [0, 12]   # a lever column
    assert list(points["replications"]) == [2, 2]
    for head in ("missed rate (%)", "leakage, of recipients (%)", "all spending (M yuan/year)",
                 "missed households (households)"):
        assert pd.api.types.is_float_dtype(points[head]), head
    runs = sheets["runs"]
    assert len(runs) == 4 and set(runs["replication"]) == {0, 1}
    # the design point's mean is the mean of its runs, stored as a fraction shown in %
    p1 = runs[runs["point"] == "P1"]["missed rate (%)"].mean()
    assert points["missed rate (%)"][0] == pytest.approx(p1)
    assert 0 < p1 < 1
    book = openpyxl.load_workbook(out)
    ws = book["design points"]
    assert ws.freeze_panes == "A2"
    assert {c.number_format for c in column(ws, "missed rate (%)")} == {"0.0%"}
    assert {c.number_format for c in column(ws, "all spending (M yuan/year)")} == {"#,##0.0"}
    spend = runs[runs["point"] == "P1"]["all spending (M yuan/year)"].mean()
    assert 100 < spend < 100_000                                          # million yuan
    interval = sheets["intervals"]
    low, high = "missed rate 95 % low (%)", "missed rate 95 % high (%)"
    assert (interval[low] <= interval["missed rate (%)"]).all()
    assert (interval["missed rate (%)"] <= interval[high]).all()
    info = about(out)
    assert pd.read_excel(out, sheet_name="about").columns.tolist() == ["item", "value"]
    assert info["simulated households"] == 1200 and info["months simulated"] == 20
    assert info["replications"] == 2 and info["first month"] == "2024-01"
    assert "reliefsim version" in info and "seeds" in info and "validation" in info
    explained = sheets["columns"].set_index("column")
    assert explained.loc["missed rate (%)", "name"] == "missed_rate"
    assert "exclusion error" in explained.loc["missed rate (%)", "convention"]


def test_export_by_district_adds_up_to_the_city(store, tmp_path, capsys):
    out = tmp_path / "districts.xlsx"
    assert main(["results", "export", "1", "--db", store, "--format", "xlsx", "--by",
                 "district", "--out", str(out)]) == 0
    table = pd.read_excel(out, sheet_name="districts")
    p1 = table[table["point"] == "P1"]
    districts, city = p1[p1["district"] != "city"], p1[p1["district"] == "city"]
    assert len(districts) == 16 and len(city) == 1
    for head in ("missed households (households)", "enrolled households (households)",
                 "all spending (M yuan/year)", "truly eligible households (households)"):
        assert districts[head].sum() == pytest.approx(float(city[head].iloc[0]), rel=1e-6)
    csv_out = tmp_path / "districts.csv"
    assert main(["results", "export", "1", "--db", store, "--by", "district",
                 "--out", str(csv_out)]) == 0
    assert set(pd.read_csv(csv_out)["district"]) == set(districts["district"])


def test_export_in_chinese(store, tmp_path, capsys):
    out = tmp_path / "zh.xlsx"
    assert main(["results", "export", "1", "--db", store, "--format", "xlsx", "--lang", "zh",
                 "--out", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["方案", "置信区间", "各次运行", "列说明", "运行信息"]
    assert "漏保率 (%)" in sheets["方案"].columns
    assert "支出合计 (百万元/年)" in sheets["方案"].columns


def test_compare_xlsx_has_every_indicator_with_its_interval_in_points(tmp_path, capsys):
    out = tmp_path / "compare.xlsx"
    assert main(["compare", "exit_0", "exit_12", "--reps", "3", "--households", "1000",
                 "--months", "16", "--xlsx", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"missed rate .* [+-]\d+\.\d\dpt  \[[+-]\d+\.\d\dpt, ", printed)
    table = pd.read_excel(out, sheet_name="comparison")
    row = table.set_index("name").loc["missed_rate"]
    assert row["unit of the change"] == "pt" and row["unit of A and B"] == "%"
    assert row["95 % low"] <= row["B − A"] <= row["95 % high"]
    assert 0 < row["A: exit_0"] < 1                               # a fraction shown in %
    assert row["B − A"] == pytest.approx(100 * (row["B: exit_12"] - row["A: exit_0"]),
                                         abs=1e-9)                 # the change in points
    spend = table.set_index("name").loc["spend.total"]
    assert spend["unit of the change"] == "M yuan/year"
    ws = openpyxl.load_workbook(out)["comparison"]
    heads = [c.value for c in ws[1]]
    k = [c.value for c in column(ws, "name")].index("missed_rate") + 2
    assert ws.cell(k, heads.index("B − A") + 1).number_format == '+0.00" pt";-0.00" pt";0.00" pt"'
    assert ws.cell(k, heads.index("A: exit_0") + 1).number_format == "0.0%"
    runs = pd.read_excel(out, sheet_name="runs")
    assert len(runs) == 6
    info = about(out)
    assert info["replications"] == 3 and info["simulated households"] == 1000


def test_forecast_workbook_years_as_numbers_programmes_in_order(tmp_path, capsys):
    assert main(["forecast", "baseline", "--years", "2", "--reps", "3", "--households", "800",
                 "--out", str(tmp_path), "--lang", "zh"]) == 0
    long = pd.read_excel(tmp_path / "forecast.xlsx", sheet_name="分项目分年度")
    assert list(dict.fromkeys(long["代码"])) == ["basic_living", "gradual_exit", "medical",
                                                "education", "housing", "employment", "heating",
                                                "temporary", "disaster", "total"]
    assert list(dict.fromkeys(long["年份"])) == [2025, 2026]
    assert pd.api.types.is_integer_dtype(long["年份"])
    assert long["项目"].iloc[0] == "基本生活救助"
    csv = pd.read_csv(tmp_path / "forecast.csv")
    first = csv[(csv["programme"] == "total") & (csv["year"] == 2025)]["p50"].iloc[0]
    total = long[(long["代码"] == "total") & (long["年份"] == 2025)]
    assert float(total["P50 (百万元/年)"].iloc[0]) == pytest.approx(first / 1e6)
    book = openpyxl.load_workbook(tmp_path / "forecast.xlsx")
    wide = book["P50 分年度"]
    assert wide.freeze_panes == "A2"
    assert [c.value for c in wide[1]][1:] == [2025, 2026]           # years as numbers
    assert wide.cell(2, 2).number_format == "#,##0.0"
    info = about(tmp_path / "forecast.xlsx", "运行信息")
    assert info["重复次数"] == 3 and info["模拟家庭户数"] == 800


def test_sensitivity_is_stored_plotted_and_exported(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/s.db"
    args = ["sensitivity", "baseline", "--param", "policy.dibao_line=1000:2000",
            "--param", "metrics.cliff_share=0.1:0.3", "--n", "2", "--households", "600",
            "--months", "13", "--indicator", "missed_rate", "--indicator", "spend.total",
            "--db", url, "--figure", str(tmp_path / "s.png"), "--xlsx", str(tmp_path / "s.xlsx")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "μ*" in out and "(pt)" in out and "(M yuan/year)" in out
    assert "stored as experiment 1" in out
    assert (tmp_path / "s.png").stat().st_size > 10_000
    indices = pd.read_excel(tmp_path / "s.xlsx", sheet_name="indices")
    assert set(indices["name"]) == {"missed_rate", "spend.total"}
    spend = indices[indices["name"] == "spend.total"].set_index("parameter")
    assert spend.loc["policy.dibao_line", "μ*"] > 0
    assert spend.loc["metrics.cliff_share", "μ*"] == 0              # a reporting convention
    assert set(indices["unit of μ* and σ"]) == {"pt", "M yuan/year"}
    samples = pd.read_excel(tmp_path / "s.xlsx", sheet_name="samples")
    assert len(samples) == 2 * 3 and "policy.dibao_line" in samples
    # stored: the indices again from the store, the same; exported and reported from there
    again = api.stored_sensitivity(url, 1)
    assert list(again.table["mu_star"]) == pytest.approx(
        list(api.stored_sensitivity(url, 1).table["mu_star"]))
    assert main(["results", "export", "1", "--db", url, "--format", "xlsx",
                 "--out", str(tmp_path / "e.xlsx")]) == 0
    exported = pd.read_excel(tmp_path / "e.xlsx", sheet_name="indices")
    assert list(exported["μ*"]) == pytest.approx(list(indices["μ*"]))
    assert main(["report", "1", "--db", url, "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "sensitivity.png").exists()
    # a second run of the same command resumes: nothing is run again
    assert main([*args, "--force"]) == 0     # the figure and workbook again: --force
    assert "runs" not in capsys.readouterr().err


def test_sensitivity_indicator_is_checked_against_the_registry(capsys):
    assert main(["sensitivity", "baseline", "--param", "policy.dibao_line=1000:2000",
                 "--indicator", "missed_rat", "--no-store"]) == 2
    assert "unknown indicator 'missed_rat'; did you mean 'missed_rate'?" in \
        capsys.readouterr().err


def test_sweep_writes_its_workbook(tmp_path, capsys):
    out = tmp_path / "sweep.xlsx"
    assert main(["sweep", "baseline", "--vary", "policy.dibao_line=1300,1500", "--households",
                 "500", "--months", "13", "--db", f"sqlite:///{tmp_path}/s.db",
                 "--xlsx", str(out)]) == 0
    points = pd.read_excel(out, sheet_name="design points")
    assert list(points["policy.dibao_line (yuan/person/month)"]) == [1300, 1500]
    assert points["truly eligible households (households)"].is_monotonic_increasing
