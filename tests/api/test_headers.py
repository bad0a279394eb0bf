"""Response headers (issue 8, item 11, API side) and the self-hosted Swagger UI."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.api.common import CONFIG_KEY
from backend.extensions import db
from backend.models import Clip, Job, User
from backend.services import storage

SWAGGER = "/api/v1/docs/swagger/"


def _assert_hardened(response: Any) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.request.path
    assert response.headers.get("Referrer-Policy") == "no-referrer", response.request.path


def test_api_and_error_responses_carry_the_headers(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    responses = [
        client.get("/api/v1/auth/me", headers=auth_headers),  # 200 JSON
        app.test_client().get("/api/v1/auth/me"),  # 401 envelope (a client without cookies)
        client.get("/api/v1/nope"),  # 404 envelope
        client.post(
            "/api/v1/auth/login", data="x" * (2 * 1024 * 1024), content_type="application/json"
        ),  # 413
        client.get("/api/v1/openapi.json"),
        client.get("/health"),
        client.get("/"),
        client.get(SWAGGER),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 413, 200, 200, 200, 200]
    for response in responses:
        _assert_hardened(response)


def _clip_with_files(app: Flask, email: str) -> str:
    """A clip row whose files exist on disk, without running the pipeline."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        job = Job(user_id=user.id, source_type="upload", status="completed")
        db.session.add(job)
        db.session.flush()
        folder = storage.job_dir(app.extensions[CONFIG_KEY], job.id)
        folder.mkdir(parents=True)
        (folder / "clip.mp4").write_bytes(b"\0" * 4096)
        (folder / "clip.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")
        clip = Clip(
            job_id=job.id,
            user_id=user.id,
            start_time=0.0,
            end_time=1.0,
            duration=1.0,
            video_path="clip.mp4",
            captions_vtt_path="clip.vtt",
        )
        db.session.add(clip)
        db.session.commit()
        return str(clip.id)


def test_media_responses_carry_the_headers(
    app: Flask, client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    clip_id = _clip_with_files(app, "ada@example.com")
    video = client.get(f"/api/v1/clips/{clip_id}/video", headers=auth_headers)
    ranged = client.get(f"/api/v1/clips/{clip_id}/video", headers={**auth_headers, "Range": "bytes=0-99"})
    captions = client.get(f"/api/v1/clips/{clip_id}/captions.vtt", headers=auth_headers)
    assert [video.status_code, ranged.status_code, captions.status_code] == [200, 206, 200]
    for response in (video, ranged, captions):
        _assert_hardened(response)


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


def test_swagger_ui_loads_nothing_from_another_host(client: FlaskClient) -> None:
    page = client.get(SWAGGER)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    refs = _references(html)
    assert any(ref.endswith(".js") for ref in refs) and any(ref.endswith(".css") for ref in refs)
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
    assert "http://" not in html and "https://" not in html
    assert "unpkg" not in html and "jsdelivr" not in html


def test_swagger_ui_assets_are_served_by_the_app(client: FlaskClient) -> None:
    html = client.get(SWAGGER).get_data(as_text=True)
    kinds = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for ref in _references(html):
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.mimetype == kinds[ref[ref.rindex(".") :]], (ref, asset.mimetype)
        assert len(asset.get_data()) > 100
        _assert_hardened(asset)
    spec_url = re.search(r'data-spec-url="([^"]+)"', html)
    assert spec_url and client.get(spec_url.group(1)).get_json()["openapi"].startswith("3.")


def test_only_listed_assets_are_served(client: FlaskClient) -> None:
    assert client.get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404
    assert client.get("/api/v1/docs/assets/__init__.py").status_code == 404
    # The CDN-backed pages spectree would add (ReDoc, Scalar) are not registered.
    assert client.get("/api/v1/docs/redoc/").status_code == 404
    assert client.get("/api/v1/docs/scalar/").status_code == 404
