"""One typed configuration object, read once from the environment (and `.env`).

Nothing else in the backend reads `os.environ`: every setting lives here, with its default,
so `.env.example` and the README's table can be checked against one place.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parent.parent

GIB = 1024**3
APP_ENVS = ("development", "production", "test")
STORAGE_BACKENDS = ("local", "s3")
JOB_BACKENDS = ("threads", "celery")
# Where create_app keeps the Config on the Flask app (HTTP, Socket.IO and CLI read it there).
CONFIG_KEY = "viral_clipper_config"
# HS256 keys shorter than the hash output (32 bytes) are brute-forceable offline from one token.
MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production without secrets)."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Config:
    """Every setting of the backend. Field name = environment variable name, lower-cased."""

    app_env: str = "development"  # development | production | test
    data_dir: Path = field(default_factory=lambda: Path("./data"))
    database_url: str = ""  # empty: SQLite file under data_dir
    secret_key: str = ""
    jwt_secret_key: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    cookie_secure: bool | None = None  # unset: on in production only (finalize decides)
    bcrypt_rounds: int = 12
    redis_url: str = ""
    login_rate_limit: str = "5 per minute"
    login_ip_rate_limit: str = "30 per minute"
    register_rate_limit: str = "10 per hour"  # registrations per client address
    # Per user: each of these costs a Google call, a state row or a worker's time.
    connect_rate_limit: str = "10 per hour"  # YouTube link attempts
    publish_rate_limit: str = "60 per hour"  # publish requests
    render_rate_limit: str = "60 per hour"  # re-render requests
    stats_refresh_rate_limit: str = "60 per hour"  # on-demand statistics refreshes
    socket_auth_check_seconds: float = 10.0  # how often open sockets' tokens are re-checked
    cors_origins: tuple[str, ...] = ("http://localhost:3000", "http://127.0.0.1:3000")

    criteria_dir: Path = field(default_factory=lambda: REPO_ROOT / "criteria")
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = 120.0
    openai_max_retries: int = 3
    llm_fallback_to_local: bool = True
    llm_chunk_tokens: int = 6000

    whisper_model: str = "base"
    whisper_models: tuple[str, ...] = ()  # what users may pick; empty: only whisper_model
    whisper_device: str = "auto"
    whisper_compute_type: str = "default"  # "default": int8 on CPU, float16 on CUDA

    allowed_source_hosts: tuple[str, ...] = ()
    max_source_duration: float = 3 * 3600.0
    max_source_bytes: int = 4 * GIB
    ytdlp_cookies_file: str = ""

    render_preset: str = "veryfast"
    render_crf: int = 20
    render_concurrency: int = 2
    ffmpeg_timeout: float = 3600.0

    job_workers: int = 2
    max_active_jobs_per_user: int = 5
    max_upload_bytes: int = 4 * GIB
    max_storage_bytes_per_user: int = 0  # 0: unlimited
    max_json_bytes: int = 1024 * 1024  # every request body except an upload to POST /api/v1/jobs
    artifact_ttl_hours: float = 72.0
    cleanup_interval_seconds: float = 600.0  # how often the TTL clean-up of artifacts runs
    cancel_wait_seconds: float = 3.0  # how long a cancel/delete request waits for the worker to stop

    # scale-out: jobs (CONTRACTS §11). threads: the JobManager in the web process (the default);
    # celery: web processes only enqueue, `python -m backend worker` processes run the items.
    job_backend: str = "threads"
    celery_broker_url: str = ""  # empty: REDIS_URL
    worker_heartbeat_seconds: float = 5.0  # how often a worker refreshes its items' heartbeat
    worker_stale_seconds: float = 30.0  # a heartbeat older than this: the item's worker died
    worker_cancel_poll_seconds: float = 0.5  # how often a worker checks its items' cancel flags
    # A work item whose worker died this many times in a row ends failed instead of re-queued.
    work_max_redeliveries: int = 3

    max_criteria_revisions: int = 50  # saved revisions kept per user and criteria name

    default_min_clip_duration: float = 20.0
    default_max_clip_duration: float = 60.0
    default_max_clips: int = 5
    default_min_score: float = 0.0

    # YouTube (CONTRACTS §10). Without a client id the YouTube endpoints answer 503.
    google_client_id: str = ""
    google_client_secret: str = ""
    google_client_secrets_file: str = ""  # the JSON Google's console downloads (instead of id + secret)
    google_redirect_uri: str = "http://localhost:3000/youtube/callback"
    token_encryption_key: tuple[str, ...] = ()  # Fernet keys, newest first (MultiFernet rotation)
    google_auth_uri: str = "https://accounts.google.com/o/oauth2/auth"
    google_token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
    google_revoke_uri: str = "https://oauth2.googleapis.com/revoke"
    youtube_api_base_url: str = "https://www.googleapis.com/"
    youtube_stats_interval: float = 21600.0  # seconds between statistics refreshes
    # An on-demand refresh within this many seconds of the last one answers the stored figures.
    stats_refresh_min_seconds: float = 300.0
    youtube_upload_chunk_bytes: int = 8 * 1024 * 1024  # a multiple of 256 KiB
    youtube_daily_quota_units: int = 10_000  # the project's Data API units per day (Google's default)
    youtube_daily_uploads: int = 100  # the separate daily upload count some of Google's pages name

    # scale-out: storage (CONTRACTS §11). With "s3", every job file also goes to the bucket and
    # DATA_DIR/jobs/ is a bounded cache of it; "local" keeps DATA_DIR/jobs/ as the only copy.
    storage_backend: str = "local"  # local | s3
    s3_endpoint_url: str = ""  # empty: AWS's own endpoint for S3_REGION
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # empty (with the secret): boto3's own credential chain
    s3_secret_access_key: str = field(default="", repr=False)  # never logged or returned
    storage_cache_bytes: int = 20 * GIB  # job files a process keeps on local disk with s3

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            # "postgres://" (Heroku style) is no longer accepted by SQLAlchemy 2, and a bare
            # "postgresql://" means psycopg 3 since SQLAlchemy 2.1: we ship psycopg2-binary.
            for prefix in ("postgres://", "postgresql://"):
                if self.database_url.startswith(prefix):
                    return "postgresql+psycopg2://" + self.database_url[len(prefix) :]
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'viral_clipper.db').resolve()}"

    @property
    def broker_url(self) -> str:
        return self.celery_broker_url or self.redis_url

    @property
    def allowed_whisper_models(self) -> tuple[str, ...]:
        return self.whisper_models or (self.whisper_model,)

    @property
    def youtube_configured(self) -> bool:
        return bool(self.google_client_id or self.google_client_secrets_file)

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def uses_bucket(self) -> bool:
        return self.storage_backend == "s3"

    def with_overrides(self, **overrides: Any) -> Config:
        return replace(self, **overrides)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv_path: str | None = ".env") -> Config:
        """Build the config from `.env` (if present) overlaid by the process environment."""
        values: dict[str, str] = {}
        if dotenv_path and Path(dotenv_path).is_file():
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(os.environ if env is None else env)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Config:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            raw = values.get(f.name.upper())
            if raw is None or raw == "":
                continue
            kwargs[f.name] = _coerce(f.type, raw)
        return cls(**kwargs)


def _coerce(type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    if kind in {"bool", "bool | None"}:
        return _bool(raw)
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "Path":
        return Path(raw)
    if kind.startswith("tuple"):
        return _csv(raw)
    return raw


def finalize(config: Config) -> Config:
    """Validate the config and fill what depends on the environment: the signing keys (required
    in production, generated and persisted in development) and the cookies' Secure flag."""
    if config.app_env not in APP_ENVS:
        # A typo like "prod" must not silently run with development defaults.
        raise ConfigError(f"APP_ENV must be one of {', '.join(APP_ENVS)}, not {config.app_env!r}")
    if config.is_production and config.youtube_configured and not config.token_encryption_key:
        # YouTube refresh tokens are long-lived account access: never stored unencrypted.
        raise ConfigError("TOKEN_ENCRYPTION_KEY must be set when YouTube is configured in production")
    _check_storage(config)
    _check_job_backend(config)
    config = _with_secrets(config)
    for name in ("secret_key", "jwt_secret_key"):
        if len(getattr(config, name).encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigError(f"{name.upper()} must be at least {MIN_SECRET_BYTES} bytes long")
    if config.cookie_secure is None:
        # Production is served over HTTPS; an explicit COOKIE_SECURE=false still wins.
        config = config.with_overrides(cookie_secure=config.is_production)
    return config


def _check_storage(config: Config) -> None:
    if config.storage_backend not in STORAGE_BACKENDS:
        choices = ", ".join(STORAGE_BACKENDS)
        raise ConfigError(f"STORAGE_BACKEND must be one of {choices}, not {config.storage_backend!r}")
    if config.storage_backend == "s3" and not config.s3_bucket:
        # In every environment: without a bucket, files would silently stay on one machine.
        raise ConfigError("S3_BUCKET must be set when STORAGE_BACKEND=s3")
    if config.storage_backend == "s3" and bool(config.s3_access_key_id) != bool(config.s3_secret_access_key):
        raise ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together")


def _check_job_backend(config: Config) -> None:
    if config.job_backend not in JOB_BACKENDS:
        raise ConfigError(f"JOB_BACKEND must be one of {', '.join(JOB_BACKENDS)}, not {config.job_backend!r}")
    if config.job_backend == "celery" and not config.redis_url:
        # Redis also carries the workers' events to the browsers and their running/cancel marks.
        raise ConfigError("JOB_BACKEND=celery needs REDIS_URL")
    if config.worker_stale_seconds <= 2 * config.worker_heartbeat_seconds:
        # One late heartbeat (a busy machine) must not make a live worker's item look abandoned.
        raise ConfigError("WORKER_STALE_SECONDS must be more than twice WORKER_HEARTBEAT_SECONDS")


def _with_secrets(config: Config) -> Config:
    if config.secret_key and config.jwt_secret_key:
        return config
    if config.is_production:
        raise ConfigError("SECRET_KEY and JWT_SECRET_KEY must be set when APP_ENV=production")
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return config.with_overrides(
        secret_key=config.secret_key or _persisted_secret(config.data_dir / ".secret_key"),
        jwt_secret_key=config.jwt_secret_key or _persisted_secret(config.data_dir / ".jwt_secret_key"),
    )


def _persisted_secret(path: Path) -> str:
    """A random key kept under DATA_DIR so sessions survive restarts in development."""
    if path.is_file():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key
