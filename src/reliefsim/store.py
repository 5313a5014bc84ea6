"""Results store (SQLAlchemy 2 + Alembic): experiment → scenario → run → metric.

A SQLite file by default (WAL journal, busy timeout), PostgreSQL by URL
(``postgresql+psycopg://user@host/db``). The schema is created and upgraded by Alembic migrations
(``reliefsim/migrations``). A run and all its metrics are written in one transaction, so a store
never holds a half-written run, and a design cell (experiment, scenario, point, replication) holds
at most one run.
"""

from __future__ import annotations

import datetime as dt
import json
import math
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
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

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


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(url: str, must_exist: bool = False) -> Engine:
    """Connect to a store and bring its schema up to date.

    Args:
        url: SQLAlchemy URL of the store.
        must_exist: for commands that only read: a SQLite file that does not exist is an
            error (instead of a new, empty store left behind).

    Raises:
        ReliefsimError: when the URL is malformed or the database cannot be reached.
    """
    try:
        engine = create_engine(url, pool_pre_ping=True,
                               connect_args={"connect_timeout": 5}
                               if url.startswith("postgresql") else {})
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise ReliefsimError(f"--db {url}: not a usable database URL ({exc}); expected e.g. "
                             "sqlite:///reliefsim.db or postgresql+psycopg://user@host/db"
                             ) from None
    database = engine.url.database
    if (must_exist and engine.dialect.name == "sqlite" and database
            and database != ":memory:" and not Path(database).exists()):
        raise ReliefsimError(f"--db {url}: no store at {database} (give the --db the "
                             "experiments were stored in; the default is sqlite:///reliefsim.db)")
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    try:
        _migrate(engine)
    except OperationalError as exc:
        raise ReliefsimError(f"--db {url}: cannot open the database "
                             f"({str(exc.orig).strip().splitlines()[0]})") from None
    return engine


def _clean(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def experiment_id(engine: Engine, key: str, name: str, kind: str,
                  settings: dict[str, Any]) -> int:
    """The id of the experiment with ``key``, created if it does not exist yet."""
    with Session(engine) as session, session.begin():
        row = session.scalar(select(ExperimentRow).where(ExperimentRow.key == key))
        if row is None:
            row = ExperimentRow(key=key, name=name, kind=kind, created=_now(),
                                settings=settings)
            session.add(row)
            session.flush()
        return row.id


def done_cells(engine: Engine, exp_id: int) -> set[tuple[str, str, int]]:
    """(scenario hash, point key, replication) of the runs an experiment already holds."""
    with Session(engine) as session:
        rows = session.execute(
            select(ScenarioRow.hash, RunRow.point_key, RunRow.replication)
            .join(ScenarioRow, RunRow.scenario_id == ScenarioRow.id)
            .where(RunRow.experiment_id == exp_id))
        return {(h, p, r) for h, p, r in rows}


def save_result(engine: Engine, exp_id: int, result: RunResult) -> int | None:
    """Store a run and all its metrics in one transaction; None if the cell was already done."""
    spec = result.spec
    try:
        with Session(engine) as session, session.begin():
            scen = session.scalar(select(ScenarioRow).where(
                ScenarioRow.hash == spec.scenario.hash))
            if scen is None:
                scen = ScenarioRow(name=spec.scenario.name, hash=spec.scenario.hash,
                                   text=spec.scenario.text)
                session.add(scen)
                session.flush()
            run = RunRow(experiment_id=exp_id, scenario_id=scen.id, point=spec.point,
                         point_key=spec.point_key, seed=spec.seed,
                         replication=spec.replication, households=spec.households,
                         months=spec.months, status="done", code_version=__version__,
                         seconds=result.seconds, finished=_now())
            session.add(run)
            session.flush()
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
    except IntegrityError:
        return None


def load_metrics(engine: Engine, run_id: int, month: int = -1) -> dict[str, float | None]:
    """The metrics of a run for one month (−1: the summary)."""
    with Session(engine) as session:
        rows = session.scalars(select(MetricRow).where(MetricRow.run_id == run_id,
                                                       MetricRow.month == month))
        return {r.name: r.value for r in rows}


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


def experiment_settings(engine: Engine, exp_id: int) -> dict[str, Any]:
    """The settings an experiment was created with."""
    with Session(engine) as session:
        row = session.get(ExperimentRow, exp_id)
        return dict(row.settings) if row is not None else {}


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
