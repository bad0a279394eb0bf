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
    # One curl process for every chunk (`--next`), so it keeps its connection like our client.
    command = ["curl", "-s"]
    for index, (start, piece) in enumerate(pieces):
        end = start + piece.stat().st_size - 1
        command += [] if index == 0 else ["--next"]
        command += [
            "-o",
            "/dev/null",
            "-T",
            str(piece),
            "-H",
            f"Content-Range: bytes {start}-{end}/{size}",
            "-H",
            "Expect:",
            session,
        ]
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def random_file(path: Path, mb: int) -> Path:
    """Written 1 MiB at a time, so this process never holds the whole file in memory."""
    with path.open("wb") as out:
        for _ in range(mb):
            out.write(os.urandom(1024 * 1024))
    return path


def _vm_hwm() -> int:
    """This process's peak RSS in KiB. Not ru_maxrss: Linux carries that across exec from the
    forking parent, so it would count the parent's memory too."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def peak_rss(mb: int) -> int:
    """Peak RSS (KiB) of a fresh process uploading an `mb` MB file with our client."""
    code = (
        "import sys; from pathlib import Path; from bench.upload import ours, _vm_hwm; "
        "ours(sys.argv[1], Path(sys.argv[2])); print(_vm_hwm())"
    )
    process, base = _emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = random_file(Path(tmp) / "f.bin", mb)
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
        path = random_file(Path(tmp) / "upload.bin", args.mb)
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
    sizes = (args.mb // 5, args.mb, args.mb * 2)
    peaks = [peak_rss(mb) for mb in sizes]
    shown = ", ".join(f"{kib} KiB for {mb} MB" for kib, mb in zip(peaks, sizes, strict=True))
    print(f"peak RSS: {shown} (growth {peaks[-1] - peaks[0]} KiB from {sizes[0]} to {sizes[-1]} MB)")


if __name__ == "__main__":
    main()
