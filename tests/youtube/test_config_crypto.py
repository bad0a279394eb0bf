from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from backend.config import Config, ConfigError, finalize
from backend.youtube.crypto import InvalidToken, TokenCipher

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40}


def test_production_refuses_youtube_without_an_encryption_key() -> None:
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEY"):
        finalize(Config.from_mapping({**PRODUCTION, "GOOGLE_CLIENT_ID": "id"}))
    key = Fernet.generate_key().decode()
    finalize(Config.from_mapping({**PRODUCTION, "GOOGLE_CLIENT_ID": "id", "TOKEN_ENCRYPTION_KEY": key}))
    finalize(Config.from_mapping(PRODUCTION))  # YouTube off: no key needed


def test_endpoints_default_to_google_and_are_configurable() -> None:
    assert Config().google_token_uri == "https://oauth2.googleapis.com/token"
    assert not Config().youtube_configured
    config = Config.from_mapping({"YOUTUBE_API_BASE_URL": "http://127.0.0.1:9/", "GOOGLE_CLIENT_ID": "x"})
    assert config.youtube_api_base_url == "http://127.0.0.1:9/" and config.youtube_configured


def test_keys_rotate_newest_first() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = TokenCipher(Config(token_encryption_key=(old,)))
    token = before.encrypt("refresh-token-value")
    assert "refresh-token-value" not in token
    both = TokenCipher(Config(token_encryption_key=(new, old)))
    rotated = both.rotate(token)
    assert TokenCipher(Config(token_encryption_key=(new,))).decrypt(rotated) == "refresh-token-value"
    with pytest.raises(InvalidToken):
        TokenCipher(Config(token_encryption_key=(new,))).decrypt(token)


def test_a_malformed_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Fernet"):
        TokenCipher(Config(token_encryption_key=("not-a-key",)))
