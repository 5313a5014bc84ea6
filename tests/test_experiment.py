"""Replications, paired comparisons, sweeps that survive SIGKILL, executors, forecast, SALib."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from reliefsim import api
from reliefsim.cli import main
from reliefsim.designs import check_vary, design_points, parse_vary
from reliefsim.errors import ReliefsimError
from reliefsim.scenario import load_scenario
from reliefsim.statistics import mean_interval, welch_interval
from reliefsim.store import metrics_frame, open_store

BASE = load_scenario("baseline")

SMALL = {"households": 1500, "months": 24, "seed": 5}


def test_paired_comparison_narrows_the_interval_and_excludes_zero():
    result = api.compare("exit_0", "exit_12", reps=20, households=1500, months=30, seed=3,
                         unpaired=True, progress=False)
    row = result.table.set_index("indicator").loc["spend.total"]
    assert row["diff"] > 0
    assert row["low"] > 0                                  # interval excludes zero
    paired = row["high"] - row["low"]
    unpaired = row["unpaired_high"] - row["unpaired_low"]
    assert paired < unpaired / 2                           # pairing narrows it a lot
    # the same runs, replication by replication, see the same shocks
    a0, b0 = result.results_a[0], result.results_b[0]
    assert (a0.monthly["households"] == b0.monthly["households"]).all()


def test_statistics_by_hand():
    iv = mean_interval([1.0, 2.0, 3.0])
    assert iv.mean == 2.0
    assert iv.half_width == pytest.approx(4.302652729 * 1 / np.sqrt(3))
    w = welch_interval([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    assert w.mean == 1.0 and w.low < 1.0 < w.high


def test_design_grid_and_latin_hypercube():
    grid = design_points(BASE, parse_vary(BASE, ["policy.marginal_multiplier=1.5,1.75,2.0",
                                                 "policy.exit_period_months=0,6,12"]), None, 1)
    assert len(grid) == 9
    assert {"policy.marginal_multiplier": 1.75, "policy.exit_period_months": 6} in grid
    lhs = design_points(BASE, parse_vary(BASE, ["policy.dibao_line=1200:1600",
                                                "policy.exit_period_months=0:12"]), "lhs:10", 1)
    assert len(lhs) == 10
    lines = sorted(p["policy.dibao_line"] for p in lhs)
    assert all(1200 <= x <= 1600 for x in lines)
    # one sample per stratum: every tenth of the range holds exactly one point
    assert sorted(int((x - 1200) // 40) for x in lines) == list(range(10))
    assert all(isinstance(p["policy.exit_period_months"], int) for p in lhs)


@pytest.mark.parametrize(("vary", "message"), [
    (["policy.marginal_multiplyer=1.5,2"], "did you mean 'policy.marginal_multiplier'"),
    (["policy.marginal_multiplier="], "empty range"),
    (["policy.marginal_multiplier=2:1.5"], "empty range"),
    (["departments.finance.coverage=0.5,1.5"], "expected a number between 0 and 1"),
    (["policy.exit_period_months=0,6,0"], "level 0 given twice"),
    (["policy.exit_period_months=0", "policy.exit_period_months=6"], "given twice"),
])
def test_bad_vary(vary, message):
    with pytest.raises(ReliefsimError, match=message):
        parse_vary(BASE, vary)


def sweep_cmd(db, *extra):
    return [sys.executable, "-m", "reliefsim.cli", "sweep", "baseline",
            "--vary", "policy.exit_period_months=0,6,12",
            "--vary", "policy.marginal_multiplier=1.5,2.0", "--reps", "2",
            "--households", "2500", "--months", "24", "--db", f"sqlite:///{db}", *extra]


def count_runs(db):
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute("select count(*) from run").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sweep_killed_twice_resumes_with_no_run_lost_duplicated_or_half_written(tmp_path):
    db = tmp_path / "killed.db"
    for threshold in (2, 6):
        proc = subprocess.Popen(sweep_cmd(db), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while count_runs(db) < threshold and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert count_runs(db) < 12, "the sweep finished before it could be killed"
    finished = subprocess.run(sweep_cmd(db), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    with sqlite3.connect(db) as con:
        cells = con.execute("select point_key, replication, count(*) from run "
                            "group by point_key, replication").fetchall()
        orphans = con.execute("select count(*) from metric where run_id not in "
                              "(select id from run)").fetchone()[0]
        per_run = {n for (n,) in con.execute("select count(*) from metric group by run_id")}
    assert len(cells) == 12 and all(n == 1 for _, _, n in cells)
    assert orphans == 0 and len(per_run) == 1               # every run complete
    clean = tmp_path / "clean.db"
    assert subprocess.run(sweep_cmd(clean), capture_output=True).returncode == 0
    a = metrics_frame(open_store(f"sqlite:///{db}"), 1)
    b = metrics_frame(open_store(f"sqlite:///{clean}"), 1)
    assert a.equals(b)


def test_serial_processes_and_dask_give_identical_indicators(tmp_path):
    from distributed import LocalCluster

    vary = ["policy.exit_period_months=0,12", "policy.dibao_line=1300,1500"]
    frames = []
    serial = api.sweep("baseline", vary, reps=1, **SMALL, db=f"sqlite:///{tmp_path}/s.db",
                       progress=False)
    frames.append(serial.frame(summary_only=False))
    procs = api.sweep("baseline", vary, reps=1, **SMALL, workers=2,
                      db=f"sqlite:///{tmp_path}/p.db", progress=False)
    frames.append(procs.frame(summary_only=False))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = api.sweep("baseline", vary, reps=1, **SMALL, dask=cluster.scheduler_address,
                         db=f"sqlite:///{tmp_path}/d.db", progress=False)
        frames.append(dask.frame(summary_only=False))
    assert len(frames[0]) > 1000
    assert frames[0].equals(frames[1])
    assert frames[0].equals(frames[2])


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "baseline", "--vary", "policy.nope=1,2"], "unknown key 'policy.nope'"),
    (["sweep", "baseline", "--vary", "policy.marginal_multiplier="], "empty range"),
    (["sweep", "baseline", "--vary", "policy.exit_period_months=0,6", "--db",
      "postgresql+psycopg://nobody@127.0.0.1:1/none"], "cannot open the database"),
    (["sweep", "baseline", "--vary", "policy.exit_period_months=0,6", "--dask",
      "tcp://127.0.0.1:1"], "no Dask scheduler reachable"),
    (["compare", "baseline", "exit_12", "--dask", "tcp://127.0.0.1:1"],
     "no Dask scheduler reachable"),
    (["compare", "baseline", "baseline"], "same scenario"),
    (["results", "show", "99"], "no experiment with id 99"),
])
def test_bad_experiment_input_exit_2_and_store_unchanged(tmp_path, capsys, args, message):
    db = tmp_path / "store.db"
    url = f"sqlite:///{db}"
    api.sweep("baseline", ["policy.exit_period_months=0"], households=500, months=13,
              db=url, progress=False)
    before = db.read_bytes() if not db.with_suffix(".db-wal").exists() else None
    rows_before = metrics_frame(open_store(url), 1)
    if "--db" not in args:
        args = [*args, "--db", url]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert metrics_frame(open_store(url), 1).equals(rows_before)
    assert before is None or before == db.read_bytes()


def test_forecast_writes_table_csv_workbook_and_fan_chart(tmp_path, capsys):
    code = main(["forecast", "baseline", "--years", "2", "--reps", "3", "--households", "800",
                 "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "P50 and the band from chance" in out and "from the calibrated parameters" in out
    assert "  parameters" in out and "Calibration (" in out
    import pandas as pd

    table = pd.read_csv(tmp_path / "forecast.csv")
    assert set(table["programme"]) >= {"basic_living", "medical", "total"}
    for band in ("", "param_"):
        assert (table[f"{band}p10"] <= table[f"{band}p50"]).all()
        assert (table[f"{band}p50"] <= table[f"{band}p90"]).all()
    total = table[table["programme"] == "total"]
    assert (total["param_p90"] > total["param_p10"]).all()   # the parameters do move spending
    assert list(dict.fromkeys(table["year"])) == [2025, 2026]   # after the 12-month warm-up
    validation = pd.read_csv(tmp_path / "forecast_validation.csv")
    assert {"published", "simulated", "within", "fitted"} <= set(validation.columns)
    sheet = pd.read_excel(tmp_path / "forecast.xlsx", sheet_name=None)
    assert list(sheet) == ["P50 by year", "by programme and year", "validation", "about"]
    assert (tmp_path / "forecast.png").stat().st_size > 10_000


def test_morris_sensitivity_ranks_the_parameter_that_matters():
    table = api.sensitivity("baseline", ["policy.dibao_line=1000:2000",
                                         "metrics.cliff_share=0.1:0.3"], method="morris", n=4,
                            households=800, months=14, seed=2, progress=False)
    spend = table[table["indicator"] == "spend.total"].set_index("parameter")
    assert spend.loc["policy.dibao_line", "mu_star"] > 0
    assert spend.loc["metrics.cliff_share", "mu_star"] == 0     # a reporting convention only
    assert {"mu_star_conf", "sigma"} <= set(table.columns)


def test_ema_model_function_returns_outcomes():
    f = api.ema_model("baseline", households=500, months=13, seed=1)
    out = f(policy__marginal_multiplier=2.0, policy__exit_period_months=3.0)
    assert set(out) >= {"missed_rate", "spend.total"}


def test_progress_line_keeps_both_ends_of_a_long_label_within_80_columns():
    import io

    from reliefsim.experiment import Progress

    for label in ("compare exit_0 vs exit_12", "compare integrated_data vs siloed_data"):
        out = io.StringIO()
        bar = Progress(200, label, out)
        bar.start -= 120.0  # as if the 200 runs took two minutes
        bar.step(200)
        line = out.getvalue().splitlines()[-1]
        assert line.startswith(label[:12]) and label[-13:] in line
        assert len(line) <= 80 and "200/200 runs" in line


def test_results_show_leaves_unpaired_runs_out_of_the_means(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/c.db"
    api.compare("exit_0", "exit_12", reps=2, households=400, months=13, unpaired=True, db=url,
                progress=False)
    capsys.readouterr()
    assert main(["results", "show", "1", "--db", url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("6 runs, 2 design point(s)")
    assert "(2 unpaired runs on independent seeds" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("P1 ", "P2 "))]
    assert [r[1] for r in rows] == ["2", "2"]  # paired replications only


def test_intervals_of_indicators_with_no_values_are_nan_without_warnings():
    import math
    import warnings

    nan = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none = welch_interval([nan, nan], [1.0, 2.0])
        assert math.isnan(none.mean) and math.isnan(none.low) and math.isnan(none.high)
        one = welch_interval([1.0], [3.0, 4.0])
        assert one.mean == 2.5 and math.isnan(one.low) and math.isnan(one.high)
        assert math.isnan(mean_interval([nan]).mean)
        both = welch_interval([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
        assert both.mean == 1.0 and both.low < 1.0 < both.high


def test_vary_takes_list_valued_levels_from_text_and_from_a_dict():
    text = parse_vary(BASE, ['policy.rigid_items=["medical"],["medical", "rent"]',
                             "policy.exit_period_months=0,6"])
    assert text == {"policy.rigid_items": [["medical"], ["medical", "rent"]],
                    "policy.exit_period_months": [0, 6]}
    assert check_vary(BASE, "policy.rigid_items", [["medical"], ["medical", "rent"]]) == \
        text["policy.rigid_items"]
    assert check_vary(BASE, "policy.dibao_line", (1200, 1600)) == (1200.0, 1600.0)
    for key, levels, message in (
            ("policy.rigid_items", [["food"]], 'level ["food"]: expected a list of strings'),
            ("policy.dibao_lin", [1300], "did you mean 'policy.dibao_line'"),
            ("policy.dibao_line", (1600, 1200), "empty range"),
            ("policy.dibao_line", [], "empty range")):
        with pytest.raises(ReliefsimError, match=re.escape(message)):
            check_vary(BASE, key, levels)
