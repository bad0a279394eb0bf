from __future__ import annotations

import hashlib
import http.client
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from backend.config import REPO_ROOT
from tests.conftest import bearer, login, register

BUILTIN = REPO_ROOT / "criteria"


def test_lists_at_least_six_builtins(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    items = client.get("/api/v1/criteria", headers=auth_headers).get_json()
    builtin = {item["name"] for item in items if item["source"] == "builtin"}
    assert len(builtin) >= 6 and "viral_hooks" in builtin
    assert all(item["revision"] == 0 for item in items)


def test_get_returns_the_file_text(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    body = client.get("/api/v1/criteria/viral_hooks", headers=auth_headers).get_json()
    text = (BUILTIN / "viral_hooks.md").read_text()
    assert body["content"] == text and body["source"] == "builtin" and body["revision"] == 0
    assert body["content_sha256"] == hashlib.sha256(text.encode()).hexdigest()


def test_edit_creates_revisions_without_touching_the_file(
    client: FlaskClient, auth_headers: dict[str, str]
) -> None:
    path: Path = BUILTIN / "humor.md"
    before = path.read_bytes()
    first = client.put(
        "/api/v1/criteria/humor", headers=auth_headers, json={"content": "# Humor\n\nDry wit only."}
    )
    assert (
        first.status_code == 200
        and first.get_json()["revision"] == 1
        and first.get_json()["source"] == "user"
    )
    second = client.put(
        "/api/v1/criteria/humor", headers=auth_headers, json={"content": "# Humor\n\nPuns.", "title": "Puns"}
    )
    assert second.get_json()["revision"] == 2 and second.get_json()["title"] == "Puns"
    assert path.read_bytes() == before

    current = client.get("/api/v1/criteria/humor", headers=auth_headers).get_json()
    assert current["content"] == "# Humor\n\nPuns." and current["revision"] == 2
    builtin = client.get("/api/v1/criteria/humor?source=builtin", headers=auth_headers).get_json()
    assert builtin["content"] == before.decode()

    revisions = client.get("/api/v1/criteria/humor/revisions", headers=auth_headers).get_json()
    assert [r["revision"] for r in revisions] == [2, 1]
    assert revisions[1]["content_sha256"] == hashlib.sha256(b"# Humor\n\nDry wit only.").hexdigest()


def test_delete_reverts_to_the_builtin(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    client.put("/api/v1/criteria/humor", headers=auth_headers, json={"content": "# Humor\n\nx"})
    assert client.delete("/api/v1/criteria/humor", headers=auth_headers).status_code == 204
    body = client.get("/api/v1/criteria/humor", headers=auth_headers).get_json()
    assert body["source"] == "builtin" and body["content"] == (BUILTIN / "humor.md").read_text()
    assert client.get("/api/v1/criteria/humor/revisions", headers=auth_headers).get_json() == []


def test_user_only_criteria_and_isolation(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    created = client.put(
        "/api/v1/criteria/pricing", headers=auth_headers, json={"content": "# Pricing\n\nMoney talk."}
    )
    assert created.status_code == 200 and created.get_json()["title"] == "Pricing"
    register(client, "bob@example.com")
    bob = bearer(login(client, "bob@example.com")["access_token"])
    assert client.get("/api/v1/criteria/pricing", headers=bob).status_code == 404
    assert client.get("/api/v1/criteria/pricing/revisions", headers=bob).status_code == 404
    assert client.delete("/api/v1/criteria/pricing", headers=bob).status_code == 404
    assert "pricing" not in {c["name"] for c in client.get("/api/v1/criteria", headers=bob).get_json()}
    assert client.delete("/api/v1/criteria/pricing", headers=auth_headers).status_code == 204
    assert client.get("/api/v1/criteria/pricing", headers=auth_headers).status_code == 404


def test_bad_names_and_bodies(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    assert client.get("/api/v1/criteria/..%2Fsecrets", headers=auth_headers).status_code == 404
    assert client.get("/api/v1/criteria/Not-Valid", headers=auth_headers).status_code == 404
    no_title = client.put("/api/v1/criteria/brand_new", headers=auth_headers, json={"content": "no heading"})
    assert no_title.status_code == 400 and "title" in no_title.get_json()["error"]["fields"]
    empty = client.put("/api/v1/criteria/humor", headers=auth_headers, json={"content": ""})
    assert empty.status_code == 400 and "content" in empty.get_json()["error"]["fields"]


def test_builtin_files_are_reread_when_they_change(tmp_path: Path) -> None:
    import os

    from backend.services import criteria as criteria_service

    path = tmp_path / "hooks.md"
    path.write_text("# Hooks\n\nFirst version.")
    assert criteria_service.builtin(tmp_path)["hooks"].content == "# Hooks\n\nFirst version."
    path.write_text("# Better hooks\n\nSecond version, longer.")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    changed = criteria_service.builtin(tmp_path)["hooks"]
    assert changed.title == "Better hooks" and changed.content.endswith("longer.")
    (tmp_path / "new_one.md").write_text("# New\n\nx")
    assert set(criteria_service.builtin(tmp_path)) == {"hooks", "new_one"}


def _put(client: FlaskClient, headers: dict[str, str], name: str, body: dict[str, str]) -> Any:
    return client.put(f"/api/v1/criteria/{name}", headers=headers, json=body)


def test_plain_text_keeps_the_given_title(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    response = _put(client, auth_headers, "pricing", {"content": "Moments about money.", "title": "Pricing"})
    assert response.status_code == 200, response.get_json()
    assert (
        response.get_json()["title"] == "Pricing" and response.get_json()["content"] == "Moments about money."
    )


def test_plain_text_keeps_the_current_title(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    builtin_title = client.get("/api/v1/criteria/humor", headers=auth_headers).get_json()["title"]
    first = _put(client, auth_headers, "humor", {"content": "Dry wit only."})
    assert first.status_code == 200 and first.get_json()["title"] == builtin_title
    _put(client, auth_headers, "humor", {"content": "Puns.", "title": "Puns"})
    third = _put(client, auth_headers, "humor", {"content": "Puns and wordplay."})
    assert third.get_json()["title"] == "Puns" and third.get_json()["revision"] == 3


def test_a_heading_still_names_the_criterion(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    response = _put(client, auth_headers, "humor", {"content": "# Gags\n\nSlapstick."})
    assert response.get_json()["title"] == "Gags"
    long_heading = _put(client, auth_headers, "longer", {"content": "# " + "t" * 300 + "\n\nx"})
    assert long_heading.status_code == 200 and len(long_heading.get_json()["title"]) == 200


def test_no_title_at_all_is_400(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    response = _put(client, auth_headers, "untitled", {"content": "Plain text, no heading."})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"title"}


@pytest.mark.parametrize("config_overrides", [{"max_criteria_revisions": 3}])
def test_old_revisions_are_pruned(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    for i in range(1, 6):
        assert _put(client, auth_headers, "humor", {"content": f"# Humor\n\nTake {i}."}).status_code == 200
    revisions = client.get("/api/v1/criteria/humor/revisions", headers=auth_headers).get_json()
    assert [r["revision"] for r in revisions] == [5, 4, 3]
    current = client.get("/api/v1/criteria/humor", headers=auth_headers).get_json()
    assert current["revision"] == 5 and current["content"].endswith("Take 5.")
    # Another user's and another name's revisions are counted on their own.
    _put(client, auth_headers, "pricing", {"content": "# Pricing\n\nx"})
    assert len(client.get("/api/v1/criteria/pricing/revisions", headers=auth_headers).get_json()) == 1


def test_concurrent_saves_of_one_name_never_500(app: Flask, auth_headers: dict[str, str]) -> None:
    """Many saves of the same name at once race for the next revision number (a unique key)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = threading.Barrier(8)
    results: list[tuple[int, dict[str, Any]]] = []

    def save(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        body = json.dumps({"content": f"# Race\n\nVersion {i}."})
        start.wait()
        conn.request(
            "PUT", "/api/v1/criteria/race", body, {**auth_headers, "Content-Type": "application/json"}
        )
        response = conn.getresponse()
        results.append((response.status, json.loads(response.read())))
        conn.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        server.shutdown()
    assert len(results) == 8 and {status for status, _ in results} <= {200, 409}, results
    saved = sorted(body["revision"] for status, body in results if status == 200)
    assert saved == list(range(1, len(saved) + 1)), saved  # distinct, none lost
    assert len(saved) == 8  # the retries absorb this much contention
