"""The application factory: it only wires config, extensions, blueprints, errors and CLI."""

from __future__ import annotations

import logging
from typing import Any

import socketio as socketio_server
from flask import Flask
from flask_cors import CORS
from sqlalchemy import Engine, event

from backend.api import auth, clips, criteria, health, http_limits, jobs, publications, settings, youtube
from backend.api.spec import docs_assets, spec
from backend.config import CONFIG_KEY, REPO_ROOT, Config, finalize
from backend.errors import register_error_handlers
from backend.extensions import bcrypt, db, jwt, limiter, migrate, socketio
from backend.logs import configure_logging
from backend.realtime import handlers as socket_handlers  # noqa: F401  (registers the handlers)
from backend.realtime.origins import origin_checker
from backend.security import jwt_settings, register_jwt_handlers
from backend.work.setup import init_jobs

SOCKET_CHANNEL = "flask-socketio"  # Flask-SocketIO's default; QueueEmitter publishes to it too
BLUEPRINTS = (
    auth.bp,
    settings.bp,
    criteria.bp,
    health.bp,
    jobs.bp,
    clips.bp,
    youtube.bp,
    publications.bp,
    docs_assets,
)


def create_app(config: Config | None = None) -> Flask:
    config = finalize(config or Config.from_env())
    configure_logging(config)
    app = Flask(__name__, static_folder=None)
    app.request_class = jobs.UploadRequest
    app.config.update(_flask_settings(config))
    app.extensions[CONFIG_KEY] = config
    _init_extensions(app, config)
    register_error_handlers(app)
    register_jwt_handlers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    http_limits.init_app(app, config)
    spec.register(app)
    init_jobs(app, config)
    return app


def _flask_settings(config: Config) -> dict[str, object]:
    return {
        "SECRET_KEY": config.secret_key,
        "SQLALCHEMY_DATABASE_URI": config.sqlalchemy_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(config),
        "BCRYPT_LOG_ROUNDS": config.bcrypt_rounds,
        "RATELIMIT_STORAGE_URI": config.redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Raised per request only for uploads (backend/api/http_limits.py).
        "MAX_CONTENT_LENGTH": config.max_json_bytes,
        "JSON_SORT_KEYS": False,
        **jwt_settings(config),
    }


def _engine_options(config: Config) -> dict[str, object]:
    if config.sqlalchemy_url.startswith("sqlite"):
        # Worker threads and request threads share the file: wait for locks instead of failing.
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def _enforce_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite ignores foreign keys (and so every ON DELETE CASCADE) unless each connection turns
    them on; without this, deleting a user or a job would leave its rows behind on the embedded
    default while PostgreSQL removes them."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _foreign_keys_on)


def _foreign_keys_on(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _socket_clients(config: Config) -> socketio_server.Manager:
    """With REDIS_URL, Redis is Socket.IO's message queue: an event emitted by any process (another
    web process, a Celery worker) reaches every browser. Passed explicitly, never through
    `message_queue=`: Flask-SocketIO keeps init_app's options, so an earlier app's queue would
    otherwise stay in place for a later app without one."""
    if config.redis_url:
        return socketio_server.RedisManager(config.redis_url, channel=SOCKET_CHANNEL)
    return socketio_server.Manager()


def _init_extensions(app: Flask, config: Config) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        _enforce_sqlite_foreign_keys(db.engine)
    migrate.init_app(
        app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    jwt.init_app(app)
    bcrypt.init_app(app)
    limiter.init_app(app)
    CORS(app, origins=list(config.cors_origins), supports_credentials=True, resources={r"/api/*": {}})
    socketio.init_app(
        app,
        async_mode="threading",
        cors_allowed_origins=origin_checker(config.cors_origins),
        client_manager=_socket_clients(config),
    )
    logging.getLogger(__name__).debug("extensions ready")
