"""Sizes checked before work: run counts against --max-runs, memory against what is available."""

from __future__ import annotations

import time

import pytest

from reliefsim import api, budgets
from reliefsim.cli import main
from reliefsim.errors import ReliefsimError
from test_cli import write_csv

GB = 1 << 30


@pytest.fixture
def machine(monkeypatch):
    """Pretend the machine has ``size`` bytes available."""
    def set_size(size: int | None) -> None:
        monkeypatch.setattr(budgets, "available_memory", lambda: size)

    return set_size


@pytest.mark.parametrize(("args", "message"), [
    (["sweep", "baseline", "--vary", "policy.dibao_line=1200:1600", "--sample",
      "lhs:100000000"], "sweep baseline: 100,000,000 runs (100,000,000 design points × 1 "
                        "replication) is more than --max-runs 5,000"),
    (["compare", "exit_0", "exit_12", "--reps", "100000000"],
     "compare exit_0 vs exit_12: 200,000,000 runs (2 × 100,000,000 replications)"),
    (["forecast", "baseline", "--reps", "100000", "--out", "fc"],
     "200,000 runs (100,000 replications and 100,000 parameter sets)"),
    (["sensitivity", "baseline", "--param", "behaviour.apply_prob=0.04:0.12", "--n",
      "1048576", "--method", "sobol"], "3,145,728 runs (1,048,576 base samples × 3 points)"),
    (["sweep", "baseline", "--vary", "policy.exit_period_months=0,1,2,3,4,5,6,7,8,9,10,11,12",
      "--vary", "policy.marginal_multiplier=1.5,1.6,1.7,1.8,1.9,2.0", "--vary",
      "departments.finance.coverage=0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0", "--reps", "10"],
     "7,800 runs (780 design points × 10 replications)"),
])
def test_run_counts_over_the_limit_are_refused_at_once(tmp_path, capsys, args, message):
    start = time.perf_counter()
    assert main([*args, "--db", f"sqlite:///{tmp_path / 's.db'}"] if args[0] in
                ("sweep", "compare") else args) == 2
    assert time.perf_counter() - start < 20           # refused before anything is built
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert "give --max-runs" in err
    assert list(tmp_path.iterdir()) == []


def test_max_runs_can_be_raised(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 's.db'}"
    args = ["sweep", "baseline", "--vary", "policy.exit_period_months=0,6,12", "--reps", "2",
            "--households", "60", "--months", "2", "--db", db]
    assert main([*args, "--max-runs", "5"]) == 2
    assert "6 runs (3 design points × 2 replications) is more than --max-runs 5; make the study" \
           " smaller, or give --max-runs 6" in capsys.readouterr().err
    assert main([*args, "--max-runs", "6"]) == 0
    assert main([*args, "--max-runs", "0"]) == 2
    assert "--max-runs 0: expected a whole number ≥ 1" in capsys.readouterr().err


def test_memory_past_what_is_available_is_refused_before_work(tmp_path, capsys, machine):
    machine(24 * GB)
    est = budgets.check_study("run", 1, 5_000_000, 60)          # the schema's maximum: fits
    assert 8 * GB < est.bytes < 11 * GB                          # measured: 8.2 GiB
    assert "about 10.4 GB of memory (5,000,000 households × 60 months, 24.0 GB available)" in \
        capsys.readouterr().err                                  # shown before the run
    with pytest.raises(ReliefsimError, match=r"needs about 4\d\.\d GB of memory \(4 workers.*"
                                             r"but 24.0 GB is available; give fewer --workers"):
        budgets.check_study("compare a vs b", 8, 5_000_000, 60, workers=4)
    machine(1 * GB)
    assert main(["run", "baseline", "--households", "1000000", "--months", "2", "--no-store"]
                ) == 2
    assert "needs about 2.3 GB of memory" in capsys.readouterr().err
    h, m = write_csv(tmp_path)
    machine(10 << 20)
    assert main(["classify", "--households", str(h), "--members", str(m), "--output",
                 str(tmp_path / "o.csv")]) == 2
    assert "classify: needs about" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_kept_results_count_in_memory(machine):
    machine(2 * GB)
    with pytest.raises(ReliefsimError, match="results kept"):
        budgets.check_study("compare", 20_000, 100, 600, kept=20_000, max_runs=20_000)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"months": 601}, "--months 601: expected a whole number from 1 to 600"),
    ({"months": 99_999_999}, "--months 99999999: expected a whole number from 1 to 600"),
    ({"households": 5_000_001}, "--households 5000001: expected a whole number from 1 to "
                                "5,000,000"),
    ({"seed": 2**64}, "--seed 18446744073709551616: expected a whole number from 0 to"),
])
def test_sizes_outside_the_declared_ranges_are_refused(kwargs, message):
    with pytest.raises(ReliefsimError, match=message):
        api.sweep("baseline", ["policy.exit_period_months=0,6"], db="sqlite:///:memory:",
                  progress=False, **{"households": 60, "months": 2, **kwargs})


def test_a_forecast_too_long_for_a_run_is_refused():
    with pytest.raises(ReliefsimError, match=r"--years 100000: the forecast would simulate "
                                             r"1,200,012 months .* so at most 49 years"):
        api.forecast("baseline", years=100_000, reps=2, households=60, progress=False)


def test_replication_numbers_stay_below_the_unpaired_offset(capsys):
    assert main(["run", "baseline", "--households", "60", "--months", "2", "--no-store",
                 "--replication", "99999999999999999999"]) == 2
    assert "expected a whole number from 0 to 999,999" in capsys.readouterr().err
