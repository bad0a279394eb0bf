"""Migrations run both ways on the configured database (SQLite or PostgreSQL) and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from backend.app import create_app
from backend.extensions import db
from backend.models.clip import Clip
from backend.models.job import Job
from tests.conftest import DB_KIND, create_pg_database, drop_pg_database, make_config, pg_url


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    if DB_KIND == "postgresql":
        name = create_pg_database()
        app = create_app(make_config(tmp_path, pg_url(name)))
        yield app
        with app.app_context():
            db.engine.dispose()
        drop_pg_database(name)
    else:
        app = create_app(make_config(tmp_path, f"sqlite:///{tmp_path / 'm.db'}"))
        yield app
        with app.app_context():
            db.engine.dispose()


INSERT_USER = (
    "INSERT INTO users (id, email, name, password_hash, created_at) "
    "VALUES ('u1', 'a@example.com', '', 'x', CURRENT_TIMESTAMP)"
)


def _tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_app: Flask) -> None:
    expected = {table.name for table in db.metadata.sorted_tables}
    with empty_app.app_context():
        upgrade()
    assert _tables(empty_app) == expected
    with empty_app.app_context():
        downgrade(revision="base")
    assert _tables(empty_app) == set()
    with empty_app.app_context():
        upgrade()
    assert _tables(empty_app) == expected


def test_models_and_migrations_do_not_differ(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.skipif(DB_KIND != "postgresql", reason="SQLite is the one-process embedded default")
def test_processes_starting_together_migrate_once(tmp_path: Path) -> None:
    """Scale-out: several web and worker processes start at once on one empty database. Each runs
    the migrations on start; they take turns under an advisory lock instead of colliding."""
    import os
    import subprocess
    import sys

    from backend.config import REPO_ROOT

    name = create_pg_database()
    try:
        env = {**os.environ, "DATABASE_URL": pg_url(name), "DATA_DIR": str(tmp_path), "APP_ENV": "test"}
        code = (
            "from backend.app import create_app; from backend.runtime import upgrade_database; "
            "upgrade_database(create_app())"
        )
        starts = [
            subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE)
            for _ in range(4)
        ]
        results = [(p.wait(timeout=120), p.stderr.read().decode() if p.stderr else "") for p in starts]
        assert [rc for rc, _err in results] == [0, 0, 0, 0], "\n".join(err[-800:] for _rc, err in results)
    finally:
        drop_pg_database(name)


def test_rebuilding_a_parent_table_keeps_its_children(empty_app: Flask) -> None:
    """On SQLite a batch migration rebuilds a table (copy, DROP, rename). With foreign keys on, that
    DROP would cascade to every child row: migrations must run with them off."""
    with empty_app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text(INSERT_USER))
        # 0007's downgrade rebuilds jobs and clips on SQLite.
        job = Job(user_id="u1", source_type="upload")
        db.session.add(job)
        db.session.flush()
        db.session.add(Clip(job_id=job.id, user_id="u1", start_time=0.0, end_time=1.0, duration=1.0))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006_shorts_rendering")
        with db.engine.connect() as conn:
            clips = conn.execute(text("SELECT count(*) FROM clips")).scalar_one()
            jobs = conn.execute(text("SELECT count(*) FROM jobs")).scalar_one()
        upgrade()
        with db.engine.connect() as conn:
            enforced = conn.execute(text("PRAGMA foreign_keys")).scalar_one() if DB_KIND == "sqlite" else 1
    assert (jobs, clips) == (1, 1)
    assert enforced == 1  # the app's connections enforce them again after migrating
