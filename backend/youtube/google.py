"""Google's libraries, configured from Config: the OAuth flow, credentials and the Data API client.

Library facts this module is built around (checked with google-auth 2.63, google-auth-oauthlib
1.5, google-api-python-client 2.202, httplib2 0.32):
- uploads ignore `client_options.api_endpoint`, so the client is built from the discovery
  document with its `rootUrl` set to YOUTUBE_API_BASE_URL (both API and upload calls move);
- the PKCE verifier lives on the Flow that made the URL: the callback's Flow is given it back;
- `AuthorizedHttp` over `build_http()`, never a plain `httplib2.Http()` (it follows 308);
- `Credentials.expiry` must be naive UTC.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import googleapiclient
import requests
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import build_http

from backend.config import Config, ConfigError

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
)
DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "youtube.v3.json"
TIMEOUT = 30.0

# requests-oauthlib logs the whole token response at DEBUG: tokens must never reach a log line.
logging.getLogger("requests_oauthlib").setLevel(logging.WARNING)
logging.getLogger("oauthlib").setLevel(logging.WARNING)


def client_config(config: Config) -> dict[str, Any]:
    """The "web" client of Google's console: from the downloaded JSON, or from id + secret."""
    if config.google_client_secrets_file:
        data = json.loads(Path(config.google_client_secrets_file).read_text())
        web = dict(data.get("web") or data.get("installed") or {})
    else:
        web = {"client_id": config.google_client_id, "client_secret": config.google_client_secret}
    if not web.get("client_id"):
        raise ConfigError("the Google client has no client_id")
    web.update(
        auth_uri=config.google_auth_uri,
        token_uri=config.google_token_uri,
        redirect_uris=[config.google_redirect_uri],
    )
    return {"web": web}


def _is_loopback(url: str) -> bool:
    return urlparse(url).hostname in {"127.0.0.1", "localhost", "::1"}


def _allow_loopback_http(config: Config) -> None:
    """oauthlib refuses http:// endpoints; an emulator on loopback (tests, never production) is
    plain HTTP, and oauthlib only reads this switch from the environment."""
    if config.is_production or not config.google_token_uri.startswith("http://"):
        return
    if _is_loopback(config.google_token_uri):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def flow(config: Config, code_verifier: str | None = None) -> Flow:
    _allow_loopback_http(config)
    return Flow.from_client_config(
        client_config(config),
        scopes=list(SCOPES),
        redirect_uri=config.google_redirect_uri,
        code_verifier=code_verifier,
        autogenerate_code_verifier=code_verifier is None,
    )


def authorization_url(config: Config, state: str) -> tuple[str, str]:
    """(URL to send the user to, PKCE verifier to keep server-side)."""
    start = flow(config)
    url, _ = start.authorization_url(
        access_type="offline", prompt="consent", state=state, include_granted_scopes="false"
    )
    return url, str(start.code_verifier)


def exchange(config: Config, code: str, code_verifier: str) -> Credentials:
    callback = flow(config, code_verifier=code_verifier)
    callback.fetch_token(code=code, timeout=TIMEOUT)
    credentials: Credentials = callback.credentials
    return credentials


def dump_credentials(credentials: Credentials) -> str:
    """What we keep (then encrypt): the tokens and expiry; the client comes from Config."""
    expiry = credentials.expiry.replace(tzinfo=UTC).isoformat() if credentials.expiry else None
    return json.dumps(
        {
            "token": credentials.token,
            "refresh_token": credentials.refresh_token,
            "expiry": expiry,
            "scopes": list(credentials.scopes or SCOPES),
        }
    )


def load_credentials(config: Config, stored: str) -> Credentials:
    data = json.loads(stored)
    web = client_config(config)["web"]
    credentials = Credentials(
        data.get("token"),
        refresh_token=data.get("refresh_token"),
        token_uri=config.google_token_uri,
        client_id=web["client_id"],
        client_secret=web.get("client_secret"),
        scopes=data.get("scopes"),
    )
    if data.get("expiry"):
        # google-auth compares against a naive utcnow(): an aware expiry makes `.expired` raise.
        credentials.expiry = datetime.fromisoformat(data["expiry"]).astimezone(UTC).replace(tzinfo=None)
    return credentials


def discovery_document(config: Config) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DISCOVERY.read_text())
    root = config.youtube_api_base_url.rstrip("/") + "/"
    document["rootUrl"] = root
    document["mtlsRootUrl"] = root
    return document


def youtube(config: Config, credentials: Credentials) -> Any:
    http = AuthorizedHttp(credentials, http=build_http())
    return build_from_document(discovery_document(config), http=http)


def channel_of(service: Any) -> dict[str, Any]:
    items = service.channels().list(part="snippet", mine=True).execute().get("items") or []
    if not items:
        return {}
    snippet = items[0].get("snippet", {})
    thumbnails = snippet.get("thumbnails", {})
    thumb = (thumbnails.get("default") or thumbnails.get("medium") or {}).get("url")
    return {"id": items[0]["id"], "title": snippet.get("title", ""), "thumbnail_url": thumb}


def revoke(config: Config, token: str) -> bool:
    """Revoke at Google (a refresh token revokes its access tokens too); False if Google refused."""
    try:
        # In the form-encoded body, never the query string: URLs end up in proxy and access logs.
        answer = requests.post(config.google_revoke_uri, data={"token": token}, timeout=TIMEOUT)
    except requests.RequestException:
        return False
    return answer.status_code == 200


def error_reason(err: HttpError) -> str:
    """The `reason` of a Google API error answer (e.g. `quotaExceeded`), or "" when it has none."""
    try:
        return str(json.loads(err.content)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
