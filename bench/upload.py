"""Upload throughput: our resumable upload (Google's client + FileChunks) vs curl, same chunks.

Both send a file in YOUTUBE_UPLOAD_CHUNK_BYTES chunks to the local Google emulator (run in its
own process) with `PUT` + `Content-Range`; the goal is >= 0.8 of curl's throughput. The client's
peak RSS is measured for two file sizes in fresh processes: it must not grow with the file.

    .venv/bin/python -m bench.upload [--mb 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

CHUNK = 8 * 1024 * 1024


def _emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.youtube.google_server"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _credentials(base: str) -> object:
    """Tokens straight from the emulator's endpoints (the link flow is tested elsewhere)."""
    from google.oauth2.credentials import Credentials

    from tests.youtube.google_server import GoogleState

    state = GoogleState()
    url = f"{base}o/oauth2/auth"
    redirect = "http://127.0.0.1/cb"
    answer = requests.get(
        url,
        params={"client_id": state.client_id, "response_type": "code", "redirect_uri": redirect},
        allow_redirects=False,
        timeout=5,
    )
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    token = requests.post(
        f"{base}token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": state.client_id,
            "client_secret": state.client_secret,
        },
        timeout=5,
    ).json()
    return Credentials(
        token["access_token"],
        refresh_token=token["refresh_token"],
        token_uri=f"{base}token",
        client_id=state.client_id,
        client_secret=state.client_secret,
    )


def ours(base: str, path: Path) -> float:
    from backend.config import Config
    from backend.youtube import google
    from backend.youtube.media import FileChunks

    service = google.youtube(Config(youtube_api_base_url=base), _credentials(base))  # type: ignore[arg-type]
    body = {"snippet": {"title": "bench"}, "status": {"privacyStatus": "private"}}
    started = time.perf_counter()
    request = service.videos().insert(
        part="snippet,status", body=body, media_body=FileChunks(path, chunksize=CHUNK)
    )
    response = None
    while response is None:
        _status, response = request.next_chunk(num_retries=0)
    return time.perf_counter() - started


def with_curl(base: str, path: Path, workdir: Path) -> float:
    token = _credentials(base).token  # type: ignore[attr-defined]
    size = path.stat().st_size
    pieces = []
    with path.open("rb") as source:
        for index, start in enumerate(range(0, size, CHUNK)):
            piece = workdir / f"chunk{index}"
            piece.write_bytes(source.read(CHUNK))
            pieces.append((start, piece))
    started = time.perf_counter()
    start_answer = requests.post(
        f"{base}upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet"},
        headers={"Authorization": f"Bearer {token}", "X-Upload-Content-Length": str(size)},
        json={"snippet": {"title": "curl"}},
        timeout=10,
    )
    session = start_answer.headers["Location"]
    for start, piece in pieces:
        end = start + piece.stat().st_size - 1
        subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-X",
                "PUT",
                "--data-binary",
                f"@{piece}",
                "-H",
                f"Content-Range: bytes {start}-{end}/{size}",
                "-H",
                "Expect:",
                session,
            ],
            check=True,
        )
    return time.perf_counter() - started


def peak_rss(mb: int) -> int:
    """Peak RSS (KiB) of a fresh process uploading an `mb` MB file with our client."""
    code = (
        "import sys; from pathlib import Path; from bench.upload import ours; import resource; "
        "ours(sys.argv[1], Path(sys.argv[2])); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    process, base = _emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.bin"
            path.write_bytes(os.urandom(mb * 1024 * 1024))
            done = subprocess.run(
                [sys.executable, "-c", code, base, str(path)], capture_output=True, text=True, check=True
            )
            return int(done.stdout.strip().splitlines()[-1])
    finally:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.bin"
        path.write_bytes(os.urandom(args.mb * 1024 * 1024))
        results = {}
        for name in ("curl", "ours", "curl", "ours"):
            process, base = _emulator()
            try:
                seconds = with_curl(base, path, Path(tmp)) if name == "curl" else ours(base, path)
            finally:
                process.kill()
            results[name] = min(results.get(name, seconds), seconds)
    mbps = {name: args.mb / seconds for name, seconds in results.items()}
    print(
        f"curl: {mbps['curl']:.1f} MB/s   ours: {mbps['ours']:.1f} MB/s   "
        f"ratio {mbps['ours'] / mbps['curl']:.2f} (goal >= 0.8)"
    )
    small, large = peak_rss(args.mb // 5), peak_rss(args.mb)
    print(
        f"peak RSS: {small} KiB for {args.mb // 5} MB, {large} KiB for {args.mb} MB "
        f"(growth {large - small} KiB)"
    )


if __name__ == "__main__":
    main()
