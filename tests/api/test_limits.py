"""Request bodies are capped before they are read (issue 8, item 2).

Only a multipart upload to POST /api/v1/jobs may be large; every other body is refused with 413
once it passes MAX_JSON_BYTES — from its Content-Length before any byte is read, or while a
chunked body streams in. The served-app tests speak raw HTTP to a real werkzeug server so they
can stop sending half-way and still expect an answer.
"""

from __future__ import annotations

import io
import json
import re
import select
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from backend.api.http_limits import BoundedDrainRequestHandler, _BoundedBigReads

MIB = 1024 * 1024
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def served(app: Flask) -> Iterator[tuple[str, int]]:
    # The request handler `python -m backend serve` runs with.
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=BoundedDrainRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.port
    server.shutdown()
    thread.join(timeout=5)


def _request_head(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of the response, read by its Content-Length: the server may well
    keep the connection open afterwards (werkzeug drains what the client still sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += _recv(sock)
    return int(head.split(b" ", 2)[1]), json.loads(body[:length])


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise AssertionError("the server closed the connection without a full response")
    return chunk


def test_declared_oversized_json_is_413_before_the_body_is_sent(served: tuple[str, int]) -> None:
    with socket.create_connection(served, timeout=10) as sock:
        # Declare 2 MiB but send only the first 64 KiB: an answer proves nothing waited for the rest.
        sock.sendall(_request_head(LOGIN, f"Content-Length: {2 * MIB}\r\n") + b'{"email": "' + b"a" * 65536)
        status, body = _read_response(sock)
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert "1048576 bytes" in body["error"]["message"]


def test_chunked_oversized_json_is_413_while_it_streams(served: tuple[str, int]) -> None:
    """No Content-Length: the server counts while reading and answers before the body ends."""
    piece = b"a" * 65536
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    sent = 0
    with socket.create_connection(served, timeout=10) as sock:
        sock.sendall(_request_head(LOGIN, "Transfer-Encoding: chunked\r\n"))
        while sent < 64 * MIB and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        # The final zero-size chunk is never sent: the body never finished.
        status, body = _read_response(sock)
    assert status == 413 and body["error"]["code"] == "payload_too_large"
    assert sent < 64 * MIB


def test_chunked_json_under_the_cap_is_read(served: tuple[str, int]) -> None:
    payload = json.dumps({"email": "ada@example.com", "password": "x" * 8, "pad": "p" * 500_000}).encode()
    chunks = b"".join(
        b"%x\r\n" % len(part) + part + b"\r\n" for part in (payload[:300_000], payload[300_000:])
    )
    with socket.create_connection(served, timeout=10) as sock:
        sock.sendall(_request_head(LOGIN, "Transfer-Encoding: chunked\r\n") + chunks + b"0\r\n\r\n")
        status, body = _read_response(sock)
    # Parsed and validated: the unknown `pad` key is the complaint, not the size.
    assert status == 400 and "pad" in body["error"]["fields"]


def test_json_just_under_the_cap_is_accepted(client: FlaskClient) -> None:
    body = json.dumps({"email": "ada@example.com", "password": "p" * (MIB - 100)})
    assert len(body) < MIB
    response = client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 400  # too long a password, not too large a body
    assert response.get_json()["error"]["code"] == "validation_error"


def test_json_on_the_upload_route_is_capped_too(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    body = json.dumps({"source_url": "https://youtu.be/dQw4w9WgXcQ", "pad": "x" * (2 * MIB)})
    response = client.post("/api/v1/jobs", data=body, content_type="application/json", headers=auth_headers)
    assert response.status_code == 413


NOISE = "nullsrc=s=320x240:r=25,geq=random(1)*255:128:128"


def _big_video(path: Path, min_bytes: int) -> Path:
    """A few seconds of noise encoded near-losslessly: a real video well over `min_bytes`."""
    inputs = ["-f", "lavfi", "-i", NOISE, "-f", "lavfi", "-i", "sine=frequency=440"]
    encode = ["-t", "3", "-c:v", "mpeg4", "-q:v", "1", "-c:a", "aac", "-shortest"]
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *inputs, *encode, str(path)], check=True)
    assert path.stat().st_size > min_bytes
    return path


def test_the_upload_route_still_takes_big_multipart_bodies(
    client: FlaskClient, auth_headers: dict[str, str], tmp_path: Path
) -> None:
    video = _big_video(tmp_path / "noise.mp4", 3 * MIB)
    with video.open("rb") as handle:
        response = client.post(
            "/api/v1/jobs",
            data={"file": (handle, "noise.mp4")},
            headers=auth_headers,
            content_type="multipart/form-data",
        )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["source_type"] == "upload"


def test_the_served_drain_after_a_refusal_reads_small_pieces() -> None:
    """werkzeug drains the unread body with read(10_000_000); the serve handler cuts such reads
    so a refused 50 MiB body never sits in memory (bench/body_limit.py measures the server)."""
    reader = _BoundedBigReads(io.BufferedReader(io.BytesIO(b"line\n" + b"x" * (20 * MIB))))
    assert reader.readline() == b"line\n"
    assert 0 < len(reader.read(10_000_000)) <= 64 * 1024
    assert len(reader.read(1000)) == 1000  # ordinary reads are untouched
