"""Shared fixtures: a fresh app and database per test, on SQLite or PostgreSQL (TEST_DB).

The schema is built once per session *by the migrations* (so tests exercise them), then each
test gets a copy: a copied SQLite file, or the PostgreSQL database truncated afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from backend.app import create_app
from backend.config import Config
from backend.extensions import db
from backend.runtime import upgrade_database
from backend.work.threads import JobManager
from tests.media import Talk, talk

DB_KIND = os.environ.get("TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct horse battery"


def make_config(data_dir: Path, database_url: str, **overrides: Any) -> Config:
    base = Config(
        app_env="test",
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-that-is-at-least-32-bytes",
        jwt_secret_key="test-jwt-secret-that-is-long-enough-for-hs256",
        bcrypt_rounds=4,
        job_workers=1,
    )
    return base.with_overrides(**overrides)


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def create_pg_database() -> str:
    name = f"vc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(Config(database_url=PG_ADMIN_URL).sqlalchemy_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def drop_pg_database(name: str) -> None:
    admin = create_engine(Config(database_url=PG_ADMIN_URL).sqlalchemy_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a throwaway PostgreSQL database."""
    data_dir = tmp_path_factory.mktemp("template")
    if DB_KIND == "postgresql":
        name = create_pg_database()
        app = create_app(make_config(data_dir, pg_url(name)))
        upgrade_database(app)
        _dispose(app)
        yield pg_url(name)
        drop_pg_database(name)
    else:
        path = data_dir / "template.db"
        app = create_app(make_config(data_dir, f"sqlite:///{path}"))
        upgrade_database(app)
        _dispose(app)
        yield str(path)


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> str:
    if DB_KIND == "postgresql":
        return template_db
    copy = tmp_path / "test.db"
    shutil.copyfile(template_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's Config."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, config_overrides: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(make_config(tmp_path / "data", database_url, **config_overrides))
    yield application
    if DB_KIND == "postgresql":
        _truncate_all(application)
    _dispose(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def register(client: FlaskClient, email: str = "ada@example.com", password: str = PASSWORD) -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": "Ada"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["user"]


def login(client: FlaskClient, email: str = "ada@example.com", password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user_token(client: FlaskClient) -> str:
    """Register + log in a user; the bearer access token."""
    register(client)
    return str(login(client)["access_token"])


@pytest.fixture
def auth_headers(user_token: str) -> dict[str, str]:
    return bearer(user_token)


@pytest.fixture(scope="session")
def media() -> Talk:
    """A spoken talk with its true captions (espeak-ng + ffmpeg), made once per session."""
    return talk()


@pytest.fixture
def manager(app: Flask) -> Iterator[JobManager]:
    """The app's own worker pool, started for the test and stopped after it."""
    jobs: JobManager = app.extensions["job_manager"]
    jobs.start()
    yield jobs
    jobs.stop()
