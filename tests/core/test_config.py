from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Config, ConfigError, finalize

KEY_A, KEY_B = "a" * 32, "b" * 32


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        finalize(Config(app_env="production", data_dir=tmp_path))
    with pytest.raises(ConfigError):
        finalize(Config(app_env="production", data_dir=tmp_path, secret_key=KEY_A))
    ok = finalize(Config(app_env="production", data_dir=tmp_path, secret_key=KEY_A, jwt_secret_key=KEY_B))
    assert ok.secret_key == KEY_A


@pytest.mark.parametrize("app_env", ["production", "development", "test"])
@pytest.mark.parametrize("short", ["secret_key", "jwt_secret_key"])
def test_secrets_shorter_than_32_bytes_are_refused(tmp_path: Path, app_env: str, short: str) -> None:
    keys = {"secret_key": KEY_A, "jwt_secret_key": KEY_B, short: "x" * 31}
    with pytest.raises(ConfigError, match=short.upper() + ".*32 bytes"):
        finalize(Config(app_env=app_env, data_dir=tmp_path, **keys))
    # Bytes, not characters: 16 two-byte characters are 32 bytes.
    finalize(Config(app_env=app_env, data_dir=tmp_path, **{**keys, short: "é" * 16}))


@pytest.mark.parametrize("app_env", ["prod", "Production", "staging", "dev"])
def test_unknown_app_env_is_refused(tmp_path: Path, app_env: str) -> None:
    with pytest.raises(ConfigError, match="APP_ENV"):
        finalize(Config.from_env({"APP_ENV": app_env, "DATA_DIR": str(tmp_path)}, dotenv_path=None))


def test_cookie_secure_defaults_to_on_in_production_only(tmp_path: Path) -> None:
    keys = {"SECRET_KEY": KEY_A, "JWT_SECRET_KEY": KEY_B, "DATA_DIR": str(tmp_path)}

    def secure(**env: str) -> bool:
        config = finalize(Config.from_env({**keys, **env}, dotenv_path=None))
        assert isinstance(config.cookie_secure, bool)
        return config.cookie_secure

    assert secure(APP_ENV="production") is True
    assert secure(APP_ENV="development") is False
    assert secure(APP_ENV="test") is False
    # An explicit choice wins either way (e.g. a plain-HTTP intranet deployment).
    assert secure(APP_ENV="production", COOKIE_SECURE="false") is False
    assert secure(APP_ENV="development", COOKIE_SECURE="true") is True
    assert (
        finalize(
            Config(app_env="production", data_dir=tmp_path, secret_key=KEY_A, jwt_secret_key=KEY_B)
        ).cookie_secure
        is True
    )


def test_production_cookies_carry_the_secure_flag(tmp_path: Path) -> None:
    from backend.app import create_app
    from backend.extensions import db
    from backend.runtime import upgrade_database
    from tests.conftest import PASSWORD

    config = Config(
        app_env="production", data_dir=tmp_path, secret_key=KEY_A, jwt_secret_key=KEY_B, bcrypt_rounds=4
    )
    app = create_app(config)
    upgrade_database(app)
    client = app.test_client()
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    response = client.post("/api/v1/auth/login", json=body)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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
