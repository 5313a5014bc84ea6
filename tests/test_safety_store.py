"""Store faults as one-line messages, reading commands that never write, and concurrent sweeps.

Every test works in a temporary folder on files it made; PostgreSQL tests make (and drop) a
database of their own on the server RELIEFSIM_TEST_POSTGRES_URL names.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reliefsim import api
from reliefsim.cli import main
from reliefsim.errors import ReliefsimError
from reliefsim.store import experiment_id, open_store, save_result

PG_URL = os.environ.get("RELIEFSIM_TEST_POSTGRES_URL")
VARY = ["--vary", "policy.exit_period_months=0,6,12"]
SMALL = ["--households", "300", "--months", "3", "--reps", "2"]


def cli(*args, cwd=None, limit_bytes=None, env=None):
    def limit():
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "reliefsim.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, preexec_fn=limit,
                          env={**os.environ, **(env or {})})


def run_main(*args: str) -> tuple[int, str]:
    """The command in this process (faster than a new one), its exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def one_line(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.startswith("reliefsim:")]
    return (len(lines) == 1 and lines[0].startswith("reliefsim: error: ")
            and "Traceback" not in err and "internal error" not in err)


def state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def runs_in(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        cells = con.execute("select experiment_id, point_key, replication from run "
                            "order by 1, 2, 3").fetchall()
    con.close()
    return cells


def made_store(folder: Path, name: str = "s.db") -> Path:
    db = folder / name
    result = cli("sweep", "baseline", *VARY, *SMALL, "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    return db


# ---------------------------------------------------------------- files that are not our store
READS = (["results", "list"], ["results", "show", "1"], ["results", "export", "1"],
         ["report", "1"])
WRITES = (["run", "baseline", "--households", "60", "--months", "2"],
          ["sweep", "baseline", *VARY, *SMALL])


@pytest.mark.parametrize("kind", ["random bytes", "foreign tables", "newer schema", "empty"])
def test_a_file_that_is_not_our_store_is_refused_and_left_as_it_was(tmp_path, monkeypatch,
                                                                     kind):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "x.db"
    if kind == "random bytes":
        db.write_bytes(random.Random(1).randbytes(5000))
    elif kind == "foreign tables":
        with sqlite3.connect(db) as con:
            con.execute("create table patients (name text)")
    elif kind == "newer schema":
        made_store(tmp_path, "x.db")
        with sqlite3.connect(db) as con:
            con.execute("update alembic_version set version_num = '0099'")
        con.close()
    else:
        db.write_bytes(b"")
    before = state(tmp_path)
    expected = {"random bytes": "not a SQLite database", "foreign tables": "not a reliefsim "
                "store (it holds other tables: patients)", "newer schema": "schema revision "
                "'0099' is unknown to this reliefsim", "empty": "empty file"}[kind]
    for args in READS + (WRITES if kind != "empty" else ()):
        code, err = run_main(*args, "--db", f"sqlite:///{db}")
        assert code == 2 and one_line(err), (args, err)
        assert expected in err, (args, err)
        assert state(tmp_path) == before, args        # not a table added, no -wal, no export


def test_a_damaged_store_is_one_line_and_stays_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = made_store(tmp_path)
    size = db.stat().st_size
    with db.open("r+b") as fh:                       # spoil every page after the schema
        for offset in range(3 * 4096, size, 4096):
            fh.seek(offset)
            fh.write(b"\xa5" * 4096)
    before = state(tmp_path)
    for args in (["results", "export", "1", "--out", "e.csv"], ["report", "1"],
                 ["sweep", "baseline", *VARY, "--households", "300", "--months", "3",
                  "--reps", "3"]):
        code, err = run_main(*args, "--db", f"sqlite:///{db}")
        assert code == 2 and one_line(err), (args, err)
        assert "damaged" in err or "malformed" in err, err
        assert state(tmp_path) == before


def test_reading_commands_never_write_to_a_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = made_store(tmp_path)
    before, stamp = state(tmp_path), db.stat().st_mtime_ns
    for args in (["results", "list"], ["results", "show", "1"], ["results", "show", "7"]):
        code, err = run_main(*args, "--db", f"sqlite:///{db}")
        assert code in (0, 2) and "Traceback" not in err, err
    assert state(tmp_path) == before and db.stat().st_mtime_ns == stamp


def test_a_read_only_store_can_be_listed(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    db = made_store(folder)
    before = state(folder)
    prefix: list[str] = []
    if os.geteuid() == 0:     # root writes anywhere: drop the capabilities that let it
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux) to drop root's rights")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    folder.chmod(0o555)
    db.chmod(0o444)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "reliefsim.cli", "results", "list", "--db",
             f"sqlite:///{db}"], capture_output=True, text=True, timeout=120, cwd=folder)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "sweep baseline" in result.stdout
    assert state(folder) == before


def test_a_refused_run_leaves_no_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "new.db"
    for args in (["run", "baseline", "--set", "policy.dibao_line=-1"],
                 ["run", "baseline", "--households", "0"],
                 ["compare", "exit_0", "exit_12", "--reps", "100000000"],
                 ["sweep", "baseline", "--vary", "policy.dibao_line=1:2", "--sample",
                  "lhs:100000000"],
                 ["sweep", "baseline", *VARY, "--name", "x" * 201]):
        code, err = run_main(*args, "--db", f"sqlite:///{db}")
        assert code == 2 and one_line(err), (args, err)
        assert list(tmp_path.iterdir()) == [], args


def test_a_full_disk_stops_the_sweep_with_a_message_and_the_sweep_resumes(tmp_path):
    db = tmp_path / "full.db"
    args = ["sweep", "baseline", *VARY, *SMALL, "--db", f"sqlite:///{db}"]
    # numba's cache of compiled loops in a folder of the test's own, so the size limit meets
    # the store and not a cache file grown by earlier runs
    cache = {"NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    stopped = cli(*args, cwd=tmp_path, limit_bytes=700_000, env=cache)  # a small size limit
    assert stopped.returncode == 2 and one_line(stopped.stderr), stopped.stderr
    assert "cannot write to the store" in stopped.stderr
    assert "runs of experiment 1 are stored" in stopped.stderr
    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone() == ("ok",)
    kept = len(runs_in(db))
    assert kept < 6
    resumed = cli(*args, cwd=tmp_path, env=cache)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{6 - kept} runs done now, {kept} already stored" in resumed.stdout
    assert len(runs_in(db)) == len(set(runs_in(db))) == 6


def test_a_name_longer_than_the_column_is_refused_before_any_work(tmp_path, capsys):
    db = tmp_path / "n.db"
    assert main(["sweep", "baseline", *VARY, *SMALL, "--db", f"sqlite:///{db}",
                 "--name", "é" * 201]) == 2
    assert "201 characters; the store holds names of at most 200" in capsys.readouterr().err
    assert not db.exists()
    long_sets = [f"--set=policy.rigid_items={['medical', 'care', 'rent', 'rehab'] * 1}"] * 1
    assert main(["sweep", "baseline", *VARY, "--households", "60", "--months", "2",
                 "--db", f"sqlite:///{db}", "--name", "é" * 200, *long_sets]) == 0


def test_passwords_are_masked_in_every_message(tmp_path, capsys):
    secret = "s3cr3t-" + uuid.uuid4().hex[:6]
    for args in (["results", "list"], ["run", "baseline", "--households", "60", "--months",
                                       "2"], ["report", "1"]):
        assert main([*args, "--db", f"postgresql+psycopg://bob:{secret}@127.0.0.1:1/x"]) == 2
        err = capsys.readouterr().err
        assert secret not in err and "bob:***@127.0.0.1" in err, err
    assert main(["results", "list", "--db", f"nosuchdialect://bob:{secret}@h/x"]) == 2
    assert secret not in capsys.readouterr().err


def test_storing_the_same_cell_twice_keeps_one_run(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    done = api.run("baseline", households=60, months=2)
    first = experiment_id(engine, "k", "n", "sweep", {})
    assert experiment_id(engine, "k", "other name", "sweep", {}) == first
    assert save_result(engine, first, done.result) is not None
    assert save_result(engine, first, done.result) is None
    with engine.connect() as con:
        assert con.execute(text("select count(*) from run")).scalar() == 1


# ---------------------------------------------------------------- two sweeps at once
def two_sweeps(url: str, cwd: Path, extra: tuple[str, ...] = ()) -> None:
    args = [sys.executable, "-m", "reliefsim.cli", "sweep", "baseline", *VARY, *SMALL,
            "--db", url, *extra]
    procs = [subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=cwd) for a in (args, [*args, "--workers", "2"])]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "sweep stored as experiment" in out


def test_two_sweeps_at_once_on_a_fresh_sqlite_file_store_every_run_once(tmp_path):
    db = tmp_path / "fresh.db"
    two_sweeps(f"sqlite:///{db}", tmp_path)
    cells = runs_in(db)
    assert len(cells) == len(set(cells)) == 6
    two_sweeps(f"sqlite:///{db}", tmp_path, ("--reps", "3"))      # on the existing store
    cells = runs_in(db)
    assert len(cells) == len(set(cells)) == 6 + 9


# ---------------------------------------------------------------- PostgreSQL
@pytest.fixture
def pg_db():
    """A database of this test's own on the test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("RELIEFSIM_TEST_POSTGRES_URL is not set: no PostgreSQL server was given "
                    "(.ci/run starts one)")
    name = f"reliefsim_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_cells(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return [tuple(r) for r in con.execute(text(
                "select point_key, replication from run order by 1, 2"))]
    finally:
        engine.dispose()


def test_two_sweeps_at_once_on_postgresql_store_every_run_once(tmp_path, pg_db):
    two_sweeps(pg_db, tmp_path)
    cells = pg_cells(pg_db)
    assert len(cells) == len(set(cells)) == 6


class Proxy:
    """A TCP relay to the database server that can be cut, as a server that goes away."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)

    def cut(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accepting thread
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()


def test_postgresql_lost_mid_sweep_is_a_message_and_the_sweep_resumes(tmp_path, pg_db):
    url = make_url(pg_db)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    via = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    args = ["sweep", "baseline", *VARY, "--households", "6000", "--months", "24", "--reps",
            "3"]
    proc = subprocess.Popen([sys.executable, "-m", "reliefsim.cli", *args, "--db", via],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        try:
            if len(pg_cells(pg_db)) >= 1:
                break
        except Exception:  # the tables are not there yet
            pass
        time.sleep(0.2)
    proxy.cut()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and one_line(err), err
    assert "lost the connection to the database" in err, err
    assert "runs of experiment 1 are stored" in err
    kept = len(pg_cells(pg_db))
    assert 1 <= kept < 9
    resumed = cli(*args, "--db", pg_db)
    assert resumed.returncode == 0, resumed.stderr
    cells = pg_cells(pg_db)
    assert len(cells) == len(set(cells)) == 9


def test_postgresql_passwords_are_masked_on_success_too(tmp_path, pg_db):
    secret = "pw-" + uuid.uuid4().hex[:8]      # the test server trusts its clients
    url = make_url(pg_db).set(password=secret).render_as_string(hide_password=False)
    result = cli("sweep", "baseline", *VARY, "--households", "60", "--months", "2",
                 "--db", url)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr and ":***@" in result.stdout


def test_postgresql_a_read_only_command_adds_no_tables(tmp_path, pg_db):
    engine = create_engine(pg_db)
    with engine.begin() as con:
        con.execute(text("create table patients (name text)"))
    result = cli("results", "list", "--db", pg_db)
    assert result.returncode == 2 and "not a reliefsim store" in result.stderr
    with engine.connect() as con:
        tables = con.execute(text("select tablename from pg_tables where schemaname = "
                                  "'public'")).scalars().all()
    engine.dispose()
    assert tables == ["patients"]


def test_an_unreachable_store_is_refused_before_any_run(tmp_path):
    with pytest.raises(ReliefsimError, match="cannot open the database"):
        api.sweep("baseline", ["policy.exit_period_months=0,6"], households=60, months=2,
                  db="postgresql+psycopg://nobody@127.0.0.1:1/none", progress=False)
