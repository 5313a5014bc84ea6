"""The results store on SQLite and on a real PostgreSQL server."""

import os

import pytest
from sqlalchemy import create_engine, inspect, text

from reliefsim import api
from reliefsim.cli import main
from reliefsim.errors import ReliefsimError
from reliefsim.store import list_experiments, metrics_frame, open_store

PG_URL = os.environ.get("RELIEFSIM_TEST_POSTGRES_URL")
VARY = ["policy.exit_period_months=0,12", "policy.marginal_multiplier=1.5,2.0"]
SIZE = {"households": 800, "months": 14, "seed": 4, "reps": 2}


@pytest.fixture
def pg_url():
    if not PG_URL:
        pytest.skip("RELIEFSIM_TEST_POSTGRES_URL is not set: no PostgreSQL server was given "
                    "(.ci/run starts one)")
    engine = create_engine(PG_URL)
    with engine.begin() as con:
        for table in ("district_metric", "metric", "run", "scenario", "experiment",
                      "alembic_version"):
            con.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return PG_URL


def test_sqlite_schema_is_made_by_migrations_with_wal(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/s.db")
    names = set(inspect(engine).get_table_names())
    assert {"experiment", "scenario", "run", "metric", "district_metric",
            "alembic_version"} <= names
    with engine.connect() as con:
        assert con.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert con.execute(text("select version_num from alembic_version")).scalar() == "0002"
    open_store(f"sqlite:///{tmp_path}/s.db")             # upgrading twice is harmless


def test_same_sweep_in_sqlite_and_postgresql_exports_identical_csv(tmp_path, pg_url, capsys):
    sqlite_url = f"sqlite:///{tmp_path}/s.db"
    for url in (sqlite_url, pg_url):
        result = api.sweep("baseline", VARY, db=url, progress=False, **SIZE)
        assert result.ran == 8
        again = api.sweep("baseline", VARY, db=url, progress=False, **SIZE)
        assert again.ran == 0 and again.skipped == 8
    for name, url in (("s", sqlite_url), ("p", pg_url)):
        assert main(["results", "export", "1", "--db", url, "--monthly",
                     "--out", str(tmp_path / f"{name}.csv")]) == 0
    sqlite_csv = (tmp_path / "s.csv").read_text()
    assert sqlite_csv == (tmp_path / "p.csv").read_text()
    assert len(sqlite_csv.splitlines()) > 8 * 14 * 50
    assert main(["results", "export", "1", "--db", pg_url, "--format", "parquet",
                 "--out", str(tmp_path / "p.parquet")]) == 0
    import pandas as pd

    assert len(pd.read_parquet(tmp_path / "p.parquet")) == len(
        metrics_frame(open_store(pg_url), 1, summary_only=True))
    assert list_experiments(open_store(pg_url))[0]["runs"] == 8


def test_results_list_and_show(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/s.db"
    api.sweep("baseline", VARY, db=url, progress=False, **SIZE)
    assert main(["results", "list", "--db", url]) == 0
    assert "sweep baseline" in capsys.readouterr().out
    assert main(["results", "show", "1", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "spend/yr" in out and "P4" in out and "design point" in out


def test_unreachable_postgresql_is_a_clear_error():
    with pytest.raises(ReliefsimError, match="cannot open the database"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_reading_commands_never_create_a_store(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    for args in (["results", "list"], ["results", "show", "1"], ["results", "export", "1"],
                 ["report", "1"]):
        assert main([*args, "--db", f"sqlite:///{missing}"]) == 2, args
        err = capsys.readouterr().err
        assert f"no store at {missing}" in err and "Traceback" not in err
        assert not missing.exists()


def test_export_makes_the_folder_it_writes_into(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/s.db"
    api.sweep("baseline", VARY, db=url, progress=False, **SIZE)
    out = tmp_path / "new" / "deeper" / "x.csv"
    assert main(["results", "export", "1", "--db", url, "--out", str(out)]) == 0
    assert out.exists() and out.read_text().count("\n") > 1
