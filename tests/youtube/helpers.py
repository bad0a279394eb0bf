from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from flask import Flask
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import Publication, utcnow


def consent(authorization_url: str) -> dict[str, str]:
    """What the user's browser does at Google: follow the URL, come back with code and state."""
    answer = requests.get(authorization_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return {k: v[-1] for k, v in parse_qs(urlparse(answer.headers["Location"]).query).items()}


def link(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    url = client.post("/api/v1/youtube/connect", headers=headers).get_json()["authorization_url"]
    back = consent(url)
    answer = client.post(
        "/api/v1/youtube/callback", headers=headers, json={"code": back["code"], "state": back["state"]}
    )
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def age_stats(app: Flask, pub_id: str, seconds: float) -> None:
    """The last reading, made `seconds` ago (instead of waiting that long)."""
    with app.app_context():
        pub = db.session.get(Publication, pub_id)
        assert pub is not None and pub.stats
        pub.stats = {**pub.stats, "refreshed_at": (utcnow() - timedelta(seconds=seconds)).isoformat()}
        db.session.commit()
