from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Config, ConfigError, finalize


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        finalize(Config(app_env="production", data_dir=tmp_path))
    with pytest.raises(ConfigError):
        finalize(Config(app_env="production", data_dir=tmp_path, secret_key="x"))
    ok = finalize(Config(app_env="production", data_dir=tmp_path, secret_key="a", jwt_secret_key="b"))
    assert ok.secret_key == "a"


def test_development_generates_and_persists_keys(tmp_path: Path) -> None:
    first = finalize(Config(data_dir=tmp_path))
    second = finalize(Config(data_dir=tmp_path))
    assert len(first.secret_key) > 40 and first.secret_key != first.jwt_secret_key
    assert (first.secret_key, first.jwt_secret_key) == (second.secret_key, second.jwt_secret_key)
    assert oct((tmp_path / ".secret_key").stat().st_mode & 0o777) == "0o600"


def test_environment_and_dotenv_are_read_once_with_types(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "JOB_WORKERS=7\nALLOWED_SOURCE_HOSTS=a.example, b.example:8080\nOPENAI_MODEL=from-dotenv\n"
    )
    env = {"OPENAI_MODEL": "from-env", "MAX_SOURCE_DURATION": "60.5", "COOKIE_SECURE": "true"}
    config = Config.from_env(env, dotenv_path=str(dotenv))
    assert config.job_workers == 7
    assert config.allowed_source_hosts == ("a.example", "b.example:8080")
    assert config.openai_model == "from-env"  # the process environment wins over .env
    assert config.max_source_duration == 60.5 and config.cookie_secure is True


def test_database_url_defaults_to_sqlite_under_data_dir(tmp_path: Path) -> None:
    assert Config(data_dir=tmp_path).sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/viral_clipper.db"
    assert Config(database_url="postgres://u@h/d").sqlalchemy_url == "postgresql+psycopg2://u@h/d"


def test_env_example_documents_every_setting() -> None:
    from dataclasses import fields

    from backend.config import REPO_ROOT

    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if "=" in line
    }
    missing = {f.name.upper() for f in fields(Config)} - documented
    assert not missing, f".env.example lacks {sorted(missing)}"
