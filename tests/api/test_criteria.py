from __future__ import annotations

import hashlib
from pathlib import Path

from flask.testing import FlaskClient

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
    no_title = client.put("/api/v1/criteria/humor", headers=auth_headers, json={"content": "no heading"})
    assert no_title.status_code == 400 and "content" in no_title.get_json()["error"]["fields"]
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
