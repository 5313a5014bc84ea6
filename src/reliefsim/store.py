"""Results store (SQLAlchemy 2): experiment → scenario → run → metric.

A SQLite file by default (WAL journal, busy timeout), PostgreSQL by URL
(``postgresql+psycopg://user@host/db``). A run and all its metrics are written in one transaction,
so a store never holds a half-written run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from reliefsim import __version__
from reliefsim.errors import ReliefsimError
from reliefsim.scenario import Scenario


class Base(DeclarativeBase):
    """Declarative base of the results tables."""


class ExperimentRow(Base):
    """A named group of runs (a single run, a comparison, a sweep…)."""

    __tablename__ = "experiment"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    created: Mapped[dt.datetime] = mapped_column(DateTime)


class ScenarioRow(Base):
    """A scenario's full text, identified by its hash."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)


class RunRow(Base):
    """One simulation run."""

    __tablename__ = "run"
    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiment.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id"))
    seed: Mapped[int] = mapped_column(Integer)
    replication: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    code_version: Mapped[str] = mapped_column(String(40))
    seconds: Mapped[float] = mapped_column(Float)
    finished: Mapped[dt.datetime] = mapped_column(DateTime)
    settings: Mapped[dict] = mapped_column(JSON)


class MetricRow(Base):
    """One value of one indicator: per month (``month`` ≥ 0) or a summary (``month`` = −1)."""

    __tablename__ = "metric"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)


@dataclass
class RunRecord:
    """Everything stored about a finished run."""

    scenario: Scenario
    seed: int
    replication: int
    households: int
    months: int
    seconds: float
    summary: dict[str, float]
    monthly: dict[str, list[float]]


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def open_store(url: str) -> Engine:
    """Connect to a store and create its tables if needed.

    Raises:
        ReliefsimError: when the URL is malformed or the database cannot be reached.
    """
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise ReliefsimError(f"--db {url}: not a usable database URL ({exc}); expected e.g. "
                             "sqlite:///reliefsim.db or postgresql+psycopg://user@host/db"
                             ) from None
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    try:
        Base.metadata.create_all(engine)
    except OperationalError as exc:
        raise ReliefsimError(f"--db {url}: cannot open the database "
                             f"({str(exc.orig).strip()})") from None
    return engine


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def save_run(engine: Engine, experiment: str, kind: str, record: RunRecord) -> int:
    """Store a run and its metrics in one transaction; return the run id."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        exp = ExperimentRow(name=experiment, kind=kind, created=now)
        session.add(exp)
        scen = session.scalar(select(ScenarioRow).where(ScenarioRow.hash == record.scenario.hash))
        if scen is None:
            scen = ScenarioRow(name=record.scenario.name, hash=record.scenario.hash,
                               text=record.scenario.text)
            session.add(scen)
        session.flush()
        run = RunRow(experiment_id=exp.id, scenario_id=scen.id, seed=record.seed,
                     replication=record.replication, households=record.households,
                     months=record.months, status="done", code_version=__version__,
                     seconds=record.seconds, finished=now, settings={})
        session.add(run)
        session.flush()
        rows: list[dict] = [{"run_id": run.id, "month": -1, "name": k, "value": _clean(v)}
                            for k, v in record.summary.items()]
        for name, values in record.monthly.items():
            rows.extend({"run_id": run.id, "month": t, "name": name, "value": _clean(x)}
                        for t, x in enumerate(values))
        session.execute(MetricRow.__table__.insert(), rows)
        return run.id


def load_metrics(engine: Engine, run_id: int, month: int = -1) -> dict[str, float | None]:
    """The metrics of a run for one month (−1: the summary)."""
    with Session(engine) as session:
        rows: Iterable[MetricRow] = session.scalars(
            select(MetricRow).where(MetricRow.run_id == run_id, MetricRow.month == month))
        return {r.name: r.value for r in rows}
