"""Results store (SQLAlchemy 2 + Alembic): experiment → scenario → run → metric.

A SQLite file by default (WAL journal, busy timeout), PostgreSQL by URL
(``postgresql+psycopg://user@host/db``). The schema is created and upgraded by Alembic migrations
(``reliefsim/migrations``). A run and all its metrics are written in one transaction, so a store
never holds a half-written run, and a design cell (experiment, scenario, point, replication) holds
at most one run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import os
import re
import sqlite3
import stat
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

from reliefsim import __version__
from reliefsim.errors import ReliefsimError
from reliefsim.results import RunResult


class Base(DeclarativeBase):
    """Declarative base of the results tables."""


class ExperimentRow(Base):
    """A group of runs (a single run, a comparison, a sweep…) identified by ``key``."""

    __tablename__ = "experiment"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    created: Mapped[dt.datetime] = mapped_column(DateTime)
    settings: Mapped[dict] = mapped_column(JSON)


class ScenarioRow(Base):
    """A scenario's full text, identified by its hash."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)


class RunRow(Base):
    """One simulation run: a design point and replication of an experiment."""

    __tablename__ = "run"
    __table_args__ = (UniqueConstraint("experiment_id", "scenario_id", "point_key",
                                       "replication", name="one_run_per_design_cell"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiment.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id"))
    point: Mapped[dict] = mapped_column(JSON)
    point_key: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(BigInteger)
    replication: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    code_version: Mapped[str] = mapped_column(String(40))
    seconds: Mapped[float] = mapped_column(Float)
    finished: Mapped[dt.datetime] = mapped_column(DateTime)


class MetricRow(Base):
    """One value of one indicator: per month (``month`` ≥ 0) or a summary (``month`` = −1)."""

    __tablename__ = "metric"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)


class DistrictMetricRow(Base):
    """One indicator of one run in one district (the summary over the measured months)."""

    __tablename__ = "district_metric"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    district: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)


SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_SECONDS = 30
"""How long a command waits for another one writing to the same SQLite store."""
MIGRATION_LOCK = 0x72656C6965667369  # "reliefsi": PostgreSQL advisory lock taken while migrating
NAME_LENGTH = 200
"""Longest experiment or scenario name the store holds (``String(200)``)."""


class StoreError(ReliefsimError):
    """A results store that cannot be used as asked; the message names it (password masked)."""


def shown(url: str | URL) -> str:
    """A store URL as messages show it: any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", str(url))


def mask(text: str, url: str | URL | None) -> str:
    """``text`` with the password of ``url`` (and any ``user:password@`` in a URL) masked."""
    if url is not None:
        try:
            password = make_url(url).password
        except (ArgumentError, ValueError, TypeError):
            password = None
        if password:
            text = text.replace(str(password), "***")
    return re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", r"\1***@", text)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0].strip() if text else type(orig).__name__


def fault_message(url: str | URL, exc: BaseException, opening: bool = False) -> str:
    """One line naming the store, what went wrong and what to do."""
    first = _first_line(exc)
    low = first.lower()
    if ("file is not a database" in low or "malformed" in low or "file is encrypted" in low
            or "not a database" in low):
        what = (f"the store file is damaged or not a SQLite database ({first}); restore it "
                "from a copy, or give another --db")
    elif any(t in low for t in ("disk is full", "disk i/o error", "no space left",
                                "file too large", "could not extend file")):
        what = (f"cannot write to the store ({first}): the disk is full or a file-size limit "
                "was reached; free space, then run the same command again (stored runs are "
                "kept)")
    elif "readonly database" in low or "read-only" in low:
        what = f"the store is read-only ({first}); give a --db you can write to"
    elif "database is locked" in low or "database table is locked" in low:
        what = (f"the store stayed locked by another process for over {BUSY_SECONDS} s "
                f"({first}); run the command again when the other one has finished")
    elif "value too long" in low or "out of range" in low:
        what = f"a value does not fit the store's columns ({first})"
    elif opening or "unable to open database file" in low:
        what = f"cannot open the database ({first})"
    elif isinstance(exc, (OperationalError, InterfaceError)) or "connection" in low:
        what = (f"lost the connection to the database ({first}); when it is back, run the same "
                "command again (stored runs are kept)")
    else:
        what = f"the database refused the operation ({first})"
    return mask(f"--db {shown(url)}: {what}", url)


def _faults(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn database errors of a store function into one clear :class:`StoreError`."""
    @functools.wraps(fn)
    def wrapper(engine: Engine, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(engine, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreError(fault_message(engine.url, exc)) from None

    return wrapper


def _sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    return Path(database)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store URL; None for other databases, memory or a malformed URL."""
    try:
        return _sqlite_path(make_url(url))
    except (ArgumentError, ValueError, TypeError):
        return None


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()  # an unknown dialect fails here
        dialect.import_dbapi()  # and a driver that is not installed here
    except (ArgumentError, ImportError, ValueError, SQLAlchemyError) as exc:
        raise StoreError(mask(f"--db {shown(url)}: not a usable database URL ({exc}); expected "
                              "e.g. sqlite:///reliefsim.db or postgresql+psycopg://user@host/db",
                              url)) from None
    return parsed


def _known_revisions() -> tuple[set[str], str]:
    """The schema revisions this reliefsim knows, and the newest."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(Path(__file__).parent / "migrations"))
    return {r.revision for r in script.walk_revisions()}, script.get_current_head() or ""


def _check_sqlite_file(url: str, path: Path, write: bool,
                       inputs: Mapping[str, Any] | None) -> bool:
    """Check the file of a SQLite store; whether it already holds a database."""
    from reliefsim.outputs import check_not_input, check_writable_folder, kind_of

    where = f"--db {shown(url)}"
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise StoreError(f"{where}: cannot open the database ({exc.strerror})") from None
    if st is None:
        if not write:
            raise StoreError(f"{where}: no store at {path} (give the --db the experiments "
                             "were stored in; the default is sqlite:///reliefsim.db)")
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise StoreError(f"{where}: cannot open the database (folder {folder} does not "
                             "exist)")
        try:
            check_writable_folder(folder, "--db", shown(url))
        except ReliefsimError as exc:
            raise StoreError(str(exc)) from None
        return False
    if stat.S_ISLNK(st.st_mode):
        raise StoreError(f"{where}: {path} is a symbolic link; give the store's own path")
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{where}: {path} is a folder; expected a SQLite file, e.g. "
                         f"sqlite:///{path / 'reliefsim.db'}")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{where}: {path} is {kind_of(st.st_mode)}, not a regular file")
    try:
        check_not_input(path, "--db", shown(url), inputs)
    except ReliefsimError as exc:
        raise StoreError(str(exc)) from None
    if st.st_size == 0:
        if not write:
            raise StoreError(f"{where}: {path} is an empty file, not a reliefsim store")
        return False
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{where}: cannot read {path} ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise StoreError(f"{where}: {path} is not a SQLite database, so not a reliefsim store; "
                         "give another --db")
    return True


def _reader(url: URL, path: Path | None) -> Engine:
    """An engine that only reads: no migration, no schema change, no journal change.

    A SQLite store is opened read-only: a closed store as an immutable file (no lock or journal
    files are made beside it, and it is never checkpointed), one with a write-ahead journal
    (a sweep at work, or stopped) through that journal.
    """
    if path is None:
        options = ({"connect_timeout": 5, "options": "-c default_transaction_read_only=on"}
                   if url.get_backend_name() == "postgresql" else {})
        return create_engine(url, poolclass=NullPool, connect_args=options)
    full = path.resolve()
    # a writer at work (or stopped) has a journal to read through; a closed store is read as
    # an immutable file: no lock or journal files are made beside it
    mode = "mode=ro" if Path(f"{full}-wal").exists() else "mode=ro&immutable=1"
    uri = f"file:{urllib.parse.quote(str(full))}?{mode}"

    def connect() -> sqlite3.Connection:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, check_same_thread=False)
        con.execute("PRAGMA query_only=1")
        return con

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _inspect(engine: Engine, url: str, write: bool) -> str | None:
    """The store's schema revision (None: no tables yet), refusing what is not a store."""
    known, head = _known_revisions()
    try:
        with engine.connect() as con:
            tables = set(inspect(con).get_table_names())
            if "alembic_version" not in tables:
                ours = {t.name for t in Base.metadata.sorted_tables}
                if tables and (not write or engine.dialect.name == "sqlite" or tables & ours):
                    listed = ", ".join(sorted(tables)[:5]) + (" …" if len(tables) > 5 else "")
                    raise StoreError(f"--db {shown(url)}: not a reliefsim store (it holds other "
                                     f"tables: {listed}); give another --db")
                if not write:
                    raise StoreError(f"--db {shown(url)}: holds no reliefsim store yet (no "
                                     "tables); give the --db the experiments were stored in")
                return None
            revision = con.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise StoreError(fault_message(url, exc, opening=True)) from None
    if revision not in known:
        raise StoreError(f"--db {shown(url)}: the store's schema revision {revision!r} is "
                         f"unknown to this reliefsim (it knows up to {head}): it was written "
                         "by a newer reliefsim or another program; upgrade reliefsim, or give "
                         "another --db")
    return revision


def check_store(url: str, write: bool = True, inputs: Mapping[str, Any] | None = None) -> None:
    """Check a store before any work starts, without creating or changing anything.

    Refuses a malformed URL, a SQLite path that is a folder, device, link or one of the
    command's ``inputs``, a file that is not a SQLite database, a database that is not a
    reliefsim store (other tables, or a schema revision this reliefsim does not know), an
    unreachable server and, for ``write``, a folder it cannot write in; for reading, a store
    that does not exist.

    Raises:
        StoreError: one line naming the store (password masked) and what to do.
    """
    parsed = _parse(url)
    path = _sqlite_path(parsed)
    exists = True
    if path is not None:
        exists = _check_sqlite_file(url, path, write, inputs)
    if not exists:
        return
    engine = _reader(parsed, path)
    try:
        _inspect(engine, url, write)
    finally:
        engine.dispose()


def _writer(url: URL) -> Engine:
    """An engine for writing; on SQLite every transaction takes the write lock at its start."""
    postgres = url.get_backend_name() == "postgresql"
    engine = create_engine(url, pool_pre_ping=True,
                           connect_args={"connect_timeout": 5} if postgres else {})
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # transactions begin as the event says
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            # the write lock at the start: two writers wait for each other (busy_timeout)
            # instead of one failing when it turns a read into a write
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def _migrate(engine: Engine, url: str) -> None:
    """Bring the schema to the newest revision, one process at a time."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    known, head = _known_revisions()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" in tables:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")
                                          ).scalar()
            if revision not in known:
                raise StoreError(f"--db {shown(url)}: the store's schema revision {revision!r} "
                                 f"is unknown to this reliefsim (it knows up to {head}); "
                                 "upgrade reliefsim, or give another --db")
            if revision == head:
                return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(url: str, must_exist: bool = False,
               inputs: Mapping[str, Any] | None = None) -> Engine:
    """Connect to a store; for writing, create it or bring its schema up to date.

    Args:
        url: SQLAlchemy URL of the store.
        must_exist: for commands that only read: the store is opened read-only, never created
            or migrated (see :func:`open_reader`).
        inputs: the command's input files, which a SQLite store must not be.

    Raises:
        StoreError: when the URL is malformed, the database cannot be reached, or it is not a
            reliefsim store (see :func:`check_store`).
    """
    if must_exist:
        return open_reader(url)
    check_store(url, write=True, inputs=inputs)
    engine = _writer(_parse(url))
    try:
        _migrate(engine, url)
    except StoreError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(fault_message(url, exc, opening=True)) from None
    return engine


@contextlib.contextmanager
def writing(url: str, inputs: Mapping[str, Any] | None = None) -> Iterator[Engine]:
    """:func:`open_store` for one command, its connections closed when it is done.

    A SQLite store is then left whole in its file (the write-ahead journal folded in and
    removed), as a reading command expects to find it.
    """
    engine = open_store(url, inputs=inputs)
    try:
        yield engine
    finally:
        engine.dispose()


def open_reader(url: str) -> Engine:
    """Open a store to read it: nothing is created, migrated or written.

    A SQLite file must exist and hold a reliefsim store; a read-only file or folder is fine.

    Raises:
        StoreError: naming the store and what to do.
    """
    check_store(url, write=False)
    parsed = _parse(url)
    return _reader(parsed, _sqlite_path(parsed))


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def fit_name(name: str) -> str:
    """A generated name cut to what the store holds (``…`` at the end when cut)."""
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def check_name(name: str | None, flag: str = "--name") -> None:
    """Refuse a user-given experiment name the store cannot hold.

    Raises:
        ReliefsimError: for an empty name or one longer than :data:`NAME_LENGTH` characters.
    """
    if name is None:
        return
    if not name.strip():
        raise ReliefsimError(f"{flag}: empty; give a name, or leave {flag} out")
    if len(name) > NAME_LENGTH:
        raise ReliefsimError(f"{flag}: {len(name)} characters; the store holds names of at most "
                             f"{NAME_LENGTH}")
    if "\x00" in name:
        raise ReliefsimError(f"{flag}: the name holds a NUL character")


@_faults
def experiment_id(engine: Engine, key: str, name: str, kind: str,
                  settings: dict[str, Any]) -> int:
    """The id of the experiment with ``key``, created if it does not exist yet.

    Two processes asking at once get the same id (the second finds the first one's row).
    """
    with Session(engine) as session, session.begin():
        found = session.scalar(select(ExperimentRow.id).where(ExperimentRow.key == key))
        if found is not None:
            return found
        row = ExperimentRow(key=key, name=fit_name(name), kind=kind, created=_now(),
                            settings=settings)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            found = session.scalar(select(ExperimentRow.id).where(ExperimentRow.key == key))
            if found is None:
                raise
            return found
        return row.id


@_faults
def done_cells(engine: Engine, exp_id: int) -> set[tuple[str, str, int]]:
    """(scenario hash, point key, replication) of the runs an experiment already holds."""
    with Session(engine) as session:
        rows = session.execute(
            select(ScenarioRow.hash, RunRow.point_key, RunRow.replication)
            .join(ScenarioRow, RunRow.scenario_id == ScenarioRow.id)
            .where(RunRow.experiment_id == exp_id))
        return {(h, p, r) for h, p, r in rows}


def _scenario_id(session: Session, scenario: Any) -> int:
    """The row of a scenario (by hash), added if new; safe when another process adds it too."""
    query = select(ScenarioRow.id).where(ScenarioRow.hash == scenario.hash)
    found = session.scalar(query)
    if found is not None:
        return found
    row = ScenarioRow(name=fit_name(scenario.name), hash=scenario.hash, text=scenario.text)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return row.id


@_faults
def save_result(engine: Engine, exp_id: int, result: RunResult) -> int | None:
    """Store a run and all its metrics in one transaction; None if the cell was already done.

    Another process storing the same design cell at the same time stores it once: the one
    that comes second gets None.
    """
    spec = result.spec
    with Session(engine) as session, session.begin():
        scenario_id = _scenario_id(session, spec.scenario)
        cell = select(RunRow.id).where(RunRow.experiment_id == exp_id,
                                       RunRow.scenario_id == scenario_id,
                                       RunRow.point_key == spec.point_key,
                                       RunRow.replication == spec.replication)
        if session.scalar(cell) is not None:
            return None
        run = RunRow(experiment_id=exp_id, scenario_id=scenario_id, point=spec.point,
                     point_key=spec.point_key, seed=spec.seed,
                     replication=spec.replication, households=spec.households,
                     months=spec.months, status="done", code_version=__version__,
                     seconds=result.seconds, finished=_now())
        try:
            with session.begin_nested():
                session.add(run)
                session.flush()
        except IntegrityError:
            if session.scalar(cell) is not None:
                return None  # stored meanwhile by another process
            raise
        rows = [{"run_id": run.id, "month": -1, "name": k, "value": _clean(v)}
                for k, v in result.summary.items()]
        for name, values in result.monthly.items():
            rows.extend({"run_id": run.id, "month": t, "name": name, "value": _clean(x)}
                        for t, x in enumerate(values.tolist()))
        session.execute(MetricRow.__table__.insert(), rows)
        from reliefsim.indicators import INDICATORS

        names = [i.name for i in INDICATORS]
        district_rows = [{"run_id": run.id, "district": district, "name": name,
                          "value": _clean(x)}
                         for district, values in zip(result.districts,
                                                     result.by_district.tolist(), strict=True)
                         for name, x in zip(names, values, strict=True)]
        if district_rows:
            session.execute(DistrictMetricRow.__table__.insert(), district_rows)
        return run.id


@_faults
def load_metrics(engine: Engine, run_id: int, month: int = -1) -> dict[str, float | None]:
    """The metrics of a run for one month (−1: the summary)."""
    with Session(engine) as session:
        rows = session.scalars(select(MetricRow).where(MetricRow.run_id == run_id,
                                                       MetricRow.month == month))
        return {r.name: r.value for r in rows}


@_faults
def list_experiments(engine: Engine) -> list[dict[str, Any]]:
    """Every experiment with its number of runs."""
    from sqlalchemy import func

    with Session(engine) as session:
        rows = session.execute(
            select(ExperimentRow.id, ExperimentRow.name, ExperimentRow.kind,
                   ExperimentRow.created, func.count(RunRow.id))
            .outerjoin(RunRow, RunRow.experiment_id == ExperimentRow.id)
            .group_by(ExperimentRow.id).order_by(ExperimentRow.id))
        return [{"id": i, "name": n, "kind": k, "created": c, "runs": r}
                for i, n, k, c, r in rows]


@_faults
def experiment_settings(engine: Engine, exp_id: int) -> dict[str, Any]:
    """The settings an experiment was created with."""
    with Session(engine) as session:
        row = session.get(ExperimentRow, exp_id)
        return dict(row.settings) if row is not None else {}


@_faults
def experiment_runs(engine: Engine, exp_id: int) -> list[dict[str, Any]]:
    """The runs of an experiment with their design points."""
    with Session(engine) as session:
        exp = session.get(ExperimentRow, exp_id)
        if exp is None:
            raise ReliefsimError(f"no experiment with id {exp_id} in this store")
        rows = session.execute(
            select(RunRow, ScenarioRow.name).join(ScenarioRow)
            .where(RunRow.experiment_id == exp_id).order_by(RunRow.id))
        return [{"run_id": r.id, "scenario": name, "point": r.point, "replication":
                 r.replication, "seed": r.seed, "households": r.households,
                 "months": r.months, "status": r.status, "seconds": r.seconds}
                for r, name in rows]


@_faults
def district_frame(engine: Engine, exp_id: int) -> Any:
    """Every indicator of an experiment's runs per district, as a DataFrame.

    Columns: experiment, scenario, scenario_hash, point, replication, seed, district, name,
    value.
    """
    import pandas as pd

    with Session(engine) as session:
        exp = session.get(ExperimentRow, exp_id)
        if exp is None:
            raise ReliefsimError(f"no experiment with id {exp_id} in this store")
        rows = session.execute(
            select(ScenarioRow.name, ScenarioRow.hash, RunRow.point, RunRow.replication,
                   RunRow.seed, DistrictMetricRow.district, DistrictMetricRow.name,
                   DistrictMetricRow.value)
            .join(RunRow, DistrictMetricRow.run_id == RunRow.id)
            .join(ScenarioRow, RunRow.scenario_id == ScenarioRow.id)
            .where(RunRow.experiment_id == exp_id)
            .order_by(DistrictMetricRow.id)).all()
        name = exp.name
    frame = pd.DataFrame(rows, columns=["scenario", "scenario_hash", "point", "replication",
                                        "seed", "district", "name", "value"])
    frame["point"] = [json.dumps(p, sort_keys=True) for p in frame["point"]]
    frame.insert(0, "experiment", name)
    return frame


@_faults
def metrics_frame(engine: Engine, exp_id: int, summary_only: bool = False) -> Any:
    """All metrics of an experiment as a pandas DataFrame in a stable order (no ids, no timings).

    Columns: experiment, scenario, scenario_hash, point, replication, seed, households, months,
    month, name, value.
    """
    import pandas as pd

    with Session(engine) as session:
        exp = session.get(ExperimentRow, exp_id)
        if exp is None:
            raise ReliefsimError(f"no experiment with id {exp_id} in this store")
        query = (select(ScenarioRow.name, ScenarioRow.hash, RunRow.point, RunRow.replication,
                        RunRow.seed, RunRow.households, RunRow.months, MetricRow.month,
                        MetricRow.name, MetricRow.value)
                 .join(RunRow, MetricRow.run_id == RunRow.id)
                 .join(ScenarioRow, RunRow.scenario_id == ScenarioRow.id)
                 .where(RunRow.experiment_id == exp_id))
        if summary_only:
            query = query.where(MetricRow.month == -1)
        rows = session.execute(query).all()
        name = exp.name
    frame = pd.DataFrame(rows, columns=["scenario", "scenario_hash", "point", "replication",
                                        "seed", "households", "months", "month", "name",
                                        "value"])
    frame["point"] = [json.dumps(p, sort_keys=True) for p in frame["point"]]
    frame.insert(0, "experiment", name)
    frame = frame.sort_values(["scenario_hash", "point", "replication", "month", "name"],
                              kind="stable").reset_index(drop=True)
    return frame
