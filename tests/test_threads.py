"""Pieces of a month side by side: the same numbers with one thread or two."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from reliefsim import threads
from reliefsim.errors import ReliefsimError
from reliefsim.model import ReliefModel
from reliefsim.processes import stop_pool, worker_pool


@pytest.fixture
def thread_count():
    """Set the process's thread count for one test, then put the old one back."""
    before = threads.threads()
    yield threads.set_threads
    threads.set_threads(before)


def test_together_returns_the_results_in_the_calls_order(thread_count):
    thread_count(2)
    assert threads.together(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]
    assert threads.together() == []
    assert threads.together(lambda: "alone") == ["alone"]


def test_two_threads_run_the_pieces_at_once(thread_count):
    thread_count(2)
    barrier = threading.Barrier(2, timeout=10)  # each piece waits for the other to start
    names = threads.together(lambda: (barrier.wait(), threading.current_thread().name)[1],
                             lambda: (barrier.wait(), threading.current_thread().name)[1])
    assert names[0] == threading.current_thread().name
    assert names[1].startswith("reliefsim")


def test_one_thread_runs_the_pieces_in_order_in_the_calling_thread(thread_count):
    thread_count(1)
    seen = []
    threads.together(lambda: seen.append(threading.current_thread().name),
                     lambda: seen.append(threading.current_thread().name))
    assert seen == [threading.current_thread().name] * 2


def test_a_piece_inside_the_pool_runs_its_own_pieces_in_order(thread_count):
    """A piece that calls together() again never waits on the pool it runs in."""
    thread_count(2)

    def nested():
        return threads.together(lambda: threading.current_thread().name,
                                lambda: threading.current_thread().name)

    _, inner = threads.together(lambda: None, nested)
    assert inner[0] == inner[1] and inner[0].startswith("reliefsim")


def test_an_error_is_raised_after_every_piece_has_finished(thread_count):
    thread_count(2)
    finished = []

    def slow():
        time.sleep(0.2)
        finished.append(True)

    def fail():
        raise ValueError("first piece")

    with pytest.raises(ValueError, match="first piece"):
        threads.together(fail, slow)
    assert finished == [True]
    with pytest.raises(KeyError):
        threads.together(lambda: None, lambda: {}["missing"])


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5"])
def test_a_bad_thread_count_is_refused(monkeypatch, text):
    monkeypatch.setenv(threads.ENV, text)
    with pytest.raises(ReliefsimError, match=f"{threads.ENV}={text!r}: expected a whole number"):
        threads._default()
    with pytest.raises(ReliefsimError):
        threads.set_threads(0)


def test_the_default_is_the_usable_cores_up_to_two(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    assert threads._default() == max(1, min(threads.MOST, len(os.sched_getaffinity(0))))
    monkeypatch.setenv(threads.ENV, "3")
    assert threads._default() == 3


def test_a_bad_thread_count_stops_a_run_before_any_work(monkeypatch, tmp_path, capsys):
    from reliefsim.cli import main

    monkeypatch.setenv(threads.ENV, "none")
    monkeypatch.setitem(threads._state, "threads", None)
    out = tmp_path / "run.db"
    assert main(["run", "baseline", "--households", "300", "--months", "3",
                 "--db", f"sqlite:///{out}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"reliefsim: error: {threads.ENV}='none': expected a whole number of at least 1"]
    assert not out.exists()


def _worker_threads() -> int:
    return threads.threads()


def test_a_sweeps_worker_process_uses_one_thread():
    pool = worker_pool(1)
    try:
        assert pool.submit(_worker_threads).result(timeout=60) == 1
    finally:
        stop_pool(pool)


@pytest.mark.parametrize("scenario", ["baseline", "integrated_data"])
def test_one_thread_and_two_give_the_same_month_to_the_last_bit(thread_count, scenario):
    ledgers = []
    for n in (1, 2):
        thread_count(n)
        model = ReliefModel(scenario, households=3000, months=14, seed=4, story=False)
        model.side_by_side = True  # as a city of MIN_HOUSEHOLDS or more does
        model.run()
        ledgers.append((model.ledger.data.copy(), model.truth.wage.copy(),
                        model.admin.income_window.copy(), model.case.tier.copy()))
    for one, two in zip(*ledgers, strict=True):
        assert np.array_equal(one, two)


def test_a_small_city_runs_its_pieces_in_order_and_a_large_one_side_by_side(thread_count):
    thread_count(2)
    assert not ReliefModel("baseline", households=2000, months=2, story=False).side_by_side
    seen = []
    with threads.side_by_side(False):
        threads.together(lambda: seen.append(threading.current_thread().name),
                         lambda: seen.append(threading.current_thread().name))
    assert seen == [threading.current_thread().name] * 2
    assert threads.together(lambda: None, lambda: threading.current_thread().name)[1] != (
        threading.current_thread().name)


def test_a_call_never_waits_for_a_pool_another_thread_occupies(thread_count):
    """The pool busy with one thread's piece, another thread runs all its pieces itself."""
    thread_count(2)
    started, release = threading.Event(), threading.Event()

    def occupy():
        started.set()
        release.wait(timeout=30)

    other = threading.Thread(target=threads.together, args=(lambda: None, occupy))
    other.start()
    try:
        assert started.wait(timeout=30)
        names = threads.together(lambda: threading.current_thread().name,
                                 lambda: threading.current_thread().name)
        assert names == [threading.current_thread().name] * 2
    finally:
        release.set()
        other.join(timeout=30)
    assert threads.together(lambda: None, lambda: threading.current_thread().name)[1] != (
        threading.current_thread().name)  # idle again
