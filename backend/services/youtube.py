"""Linking a YouTube channel: the OAuth states, the encrypted account row, unlinking.

No Flask here. Tokens only ever exist decrypted in memory, inside a call; rows hold Fernet
ciphertext, responses and logs never hold them at all.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from backend.config import Config
from backend.errors import ServiceUnavailable, ValidationFailed
from backend.extensions import db
from backend.models import OAuthState, YouTubeAccount, utcnow
from backend.schemas.youtube import YouTubeStatus
from backend.youtube import google, quota
from backend.youtube.crypto import TokenCipher

log = logging.getLogger(__name__)
STATE_LIFETIME = timedelta(minutes=10)
NOT_CONFIGURED = (
    "YouTube is not configured on this server: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET "
    "(or GOOGLE_CLIENT_SECRETS_FILE), and TOKEN_ENCRYPTION_KEY."
)


def require_configured(config: Config) -> None:
    if not config.youtube_configured:
        raise ServiceUnavailable(NOT_CONFIGURED, code="youtube_not_configured")


def account_of(user_id: str) -> YouTubeAccount | None:
    return db.session.scalar(select(YouTubeAccount).where(YouTubeAccount.user_id == user_id))


def status(user_id: str, config: Config) -> dict[str, Any]:
    """The linking state. Without a Google client nothing can be used, so nothing is reported as
    connected, even an account linked while the server had one."""
    account = account_of(user_id) if config.youtube_configured else None
    channel = None
    if account is not None:
        channel = {
            "id": account.channel_id,
            "title": account.channel_title,
            "thumbnail_url": account.channel_thumbnail_url,
        }
    return YouTubeStatus.model_validate(
        {
            "configured": config.youtube_configured,
            "connected": account is not None,
            "needs_relink": bool(account and account.needs_relink),
            "channel": channel,
            "scopes": list(account.scopes) if account else [],
            "connected_at": account.connected_at if account else None,
            "quota": quota.usage(config) if config.youtube_configured else None,
        }
    ).model_dump(mode="json")


def connect(user_id: str, config: Config) -> str:
    """A new single-use state for this user; its PKCE verifier stays here, encrypted."""
    require_configured(config)
    now = utcnow()
    db.session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
    state = secrets.token_urlsafe(32)
    url, verifier = google.authorization_url(config, state)
    db.session.add(
        OAuthState(
            state=state,
            user_id=user_id,
            code_verifier=TokenCipher(config).encrypt(verifier),
            created_at=now,
            expires_at=now + STATE_LIFETIME,
        )
    )
    db.session.commit()
    return url


def _consume_state(user_id: str, state: str) -> OAuthState:
    """Mark the state used, atomically: a replay (even a concurrent one) finds it used."""
    now = utcnow()
    used = db.session.execute(
        update(OAuthState)
        .where(
            OAuthState.state == state,
            OAuthState.user_id == user_id,
            OAuthState.used_at.is_(None),
            OAuthState.expires_at > now,
        )
        .values(used_at=now)
    )
    db.session.commit()
    row = db.session.get(OAuthState, state)
    if used.rowcount != 1 or row is None:  # type: ignore[attr-defined]
        raise ValidationFailed(
            "This link attempt is unknown, expired or already used; connect again.",
            {"state": ["unknown, expired or already used"]},
            code="invalid_state",
        )
    return row


def callback(user_id: str, code: str, state: str, config: Config) -> dict[str, Any]:
    require_configured(config)
    row = _consume_state(user_id, state)
    cipher = TokenCipher(config)
    try:
        credentials = google.exchange(config, code, cipher.decrypt(row.code_verifier))
        channel = google.channel_of(google.youtube(config, credentials))
    except Exception as err:  # Google's libraries raise many types; the user can only retry
        log.warning("youtube link failed for user %s: %s", user_id, type(err).__name__)
        raise ValidationFailed(
            "Google did not accept this authorization; connect again.", code="youtube_link_failed"
        ) from err
    if not credentials.refresh_token or not channel:
        raise ValidationFailed(
            "Google gave no offline access or no channel; connect again.", code="youtube_link_failed"
        )
    _save_account(user_id, channel, google.dump_credentials(credentials), cipher, credentials.scopes)
    return status(user_id, config)


def _save_account(
    user_id: str, channel: dict[str, Any], stored: str, cipher: TokenCipher, scopes: Any
) -> None:
    account = account_of(user_id) or YouTubeAccount(user_id=user_id)
    account.channel_id, account.channel_title = channel["id"], channel.get("title") or ""
    account.channel_thumbnail_url = channel.get("thumbnail_url")
    account.credentials = cipher.encrypt(stored)
    account.scopes = sorted(scopes or google.SCOPES)
    account.needs_relink = False
    account.connected_at = utcnow()
    db.session.add(account)
    db.session.commit()


def unlink(user_id: str, config: Config) -> None:
    require_configured(config)
    account = account_of(user_id)
    if account is None:
        return
    tokens = json.loads(TokenCipher(config).decrypt(account.credentials))
    if not google.revoke(config, tokens.get("refresh_token") or tokens.get("token") or ""):
        log.warning("youtube token revoke refused for user %s; deleting the credentials anyway", user_id)
    db.session.delete(account)
    db.session.commit()


def rotate_credentials(config: Config) -> int:
    """Every stored secret re-encrypted with the newest key, so older keys can be dropped."""
    cipher = TokenCipher(config)
    count = 0
    for account in db.session.scalars(select(YouTubeAccount)):
        account.credentials = cipher.rotate(account.credentials)
        count += 1
    for state in db.session.scalars(select(OAuthState)):
        state.code_verifier = cipher.rotate(state.code_verifier)
    db.session.commit()
    return count
