"""Children die with their parent: sweep workers on SIGKILL, SIGTERM and Ctrl-C, and the
classroom app's server when the command is stopped; an interrupted sweep stores what finished
and says how to resume."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reliefsim.errors import ReliefsimError
from reliefsim.processes import Interrupted, check_port

SWEEP = ["sweep", "baseline", "--vary", "policy.exit_period_months=0,6,12", "--reps", "3",
         "--households", "2000", "--months", "15", "--workers", "2"]


def session_members(sid: int) -> list[int]:
    """Every live process whose session is ``sid`` (the command started as its own session)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # the fields after the name: state, ppid, pgrp, session
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            kids += [int(k) for k in task.read_text().split()]
    return kids


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
            n = con.execute("select count(*) from run").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def gone(pids: list[int], within: float = 15.0) -> list[int]:
    """The pids still alive after ``within`` seconds."""
    deadline = time.time() + within
    alive = list(pids)
    while alive and time.time() < deadline:
        alive = [p for p in alive if Path(f"/proc/{p}").exists()
                 and "Z" not in (Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1][:3])]
        time.sleep(0.1)
    return alive


def start_sweep(db: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "reliefsim.cli", *SWEEP, "--db",
                             f"sqlite:///{db}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if stored(db) >= 1 and len(children(proc.pid)) >= 2:
            break
        time.sleep(0.05)
    kids = children(proc.pid)
    assert proc.poll() is None and len(kids) >= 2, "the sweep ended before it could be stopped"
    return proc, kids


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "Ctrl-C"])
def test_a_stopped_sweep_leaves_no_process_and_resumes(tmp_path, how):
    db = tmp_path / "s.db"
    proc, kids = start_sweep(db)
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)       # the terminal signals the whole group
    else:
        os.kill(proc.pid, getattr(signal, how))  # only the command itself
    _, err = proc.communicate(timeout=120)
    assert gone(kids) == [], f"workers outlived the command ({how})"
    assert session_members(proc.pid) == []
    expected = {"SIGKILL": -9, "SIGTERM": 128 + 15, "Ctrl-C": 128 + 2}[how]
    assert proc.returncode == expected, err
    kept = stored(db)
    assert 1 <= kept < 9
    if how != "SIGKILL":
        last = err.strip().splitlines()[-1]
        assert last == (f"reliefsim: sweep interrupted: {kept} of 9 runs of experiment 1 are "
                        f"stored in sqlite:///{db}; run the same command again to resume "
                        "(stored runs are skipped)"), err
        assert "Traceback" not in err
    if how != "SIGTERM":
        return          # resuming is the same after each; test_experiment resumes after kill -9
    resumed = subprocess.run([sys.executable, "-m", "reliefsim.cli", *SWEEP, "--db",
                              f"sqlite:///{db}"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{9 - kept} runs done now, {kept} already stored" in resumed.stdout
    with sqlite3.connect(db) as con:
        cells = con.execute("select point_key, replication from run").fetchall()
    con.close()
    assert len(cells) == len(set(cells)) == 9


def test_workers_ask_to_die_with_their_parent():
    code = ("import ctypes, sys; from reliefsim.processes import die_with_parent; "
            "assert die_with_parent(15); libc = ctypes.CDLL(None); sig = ctypes.c_int(); "
            "libc.prctl(2, ctypes.byref(sig)); print(sig.value)")       # PR_GET_PDEATHSIG
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "15", out.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_app_leaves_no_server_listening(sig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reliefsim.cli", "app", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the app did not start within 120 s")
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        assert gone(session_members(proc.pid)) == []
        assert not listening(port)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_port_in_use_is_one_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ReliefsimError, match=f"--port {port} on 127.0.0.1: already in use"):
            check_port("127.0.0.1", port)
    for bad in (0, 70000):
        with pytest.raises(ReliefsimError, match="expected a whole number from 1 to 65535"):
            check_port("127.0.0.1", bad)


def test_an_interruption_carries_its_exit_code():
    assert Interrupted(signal.SIGTERM).exit_code == 143
    assert Interrupted().exit_code == 130


def test_a_stopped_sensitivity_analysis_stores_what_finished(tmp_path):
    db = tmp_path / "s.db"
    args = [sys.executable, "-m", "reliefsim.cli", "sensitivity", "baseline", "--param",
            "behaviour.apply_prob=0.04:0.12", "--param", "policy.dibao_line=1200:1600", "--n",
            "3", "--households", "2000", "--months", "15", "--workers", "2", "--db",
            f"sqlite:///{db}"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and stored(db) < 1:
        time.sleep(0.05)
    kids = children(proc.pid)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert gone(kids) == [] and session_members(proc.pid) == []
    assert proc.returncode == 143, err
    kept = stored(db)
    last = re.fullmatch(r"reliefsim: morris sensitivity interrupted: (\d+) of (\d+) runs of "
                        r"experiment 1 are stored in sqlite:///\S+; run the same command again "
                        r"to resume \(stored runs are skipped\)", err.strip().splitlines()[-1])
    assert last is not None and int(last[1]) == kept < int(last[2]), err


def test_a_signal_while_a_run_is_stored_waits_until_it_is_stored():
    """With another thread idle (a process pool's), the kernel hands it the signal; it waits."""
    import threading

    from reliefsim.processes import signals_held, stop_on_signals

    idle = threading.Event()
    other = threading.Thread(target=idle.wait)
    other.start()
    steps: list = []
    try:
        with stop_on_signals(), pytest.raises(Interrupted) as caught:
            with signals_held():
                os.kill(os.getpid(), signal.SIGTERM)
                for i in range(200):          # Python would run a handler between these
                    steps.append(i)
                    time.sleep(0.001)
            steps.append("after")
    finally:
        idle.set()
        other.join()
    assert steps == list(range(200))
    assert caught.value.signum == signal.SIGTERM
