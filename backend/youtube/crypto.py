"""Credentials at rest: MultiFernet over TOKEN_ENCRYPTION_KEY (newest key first).

Decryption tries every key, encryption uses the first, so a new key is added in front and
`python -m backend rotate-token-key` re-encrypts the stored rows before the old key is dropped.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from backend.config import Config, ConfigError

# Development without a key still encrypts (never plain text in the database): with a key
# derived from SECRET_KEY, which is generated and persisted under DATA_DIR.


def _fernet_key_from_secret(secret: str) -> bytes:
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.sha256(("youtube-tokens:" + secret).encode()).digest())


class TokenCipher:
    def __init__(self, config: Config) -> None:
        keys = [key.encode() for key in config.token_encryption_key]
        if not keys:
            if config.is_production:
                raise ConfigError("TOKEN_ENCRYPTION_KEY must be set to store YouTube credentials")
            keys = [_fernet_key_from_secret(config.secret_key)]
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as err:
            raise ConfigError("TOKEN_ENCRYPTION_KEY holds a key that is not a Fernet key") from err

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """Re-encrypt with the newest key (whatever key the token was made with)."""
        return self._fernet.rotate(token.encode()).decode()


__all__ = ["InvalidToken", "TokenCipher"]
