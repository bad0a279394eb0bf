"""Socket.IO delivery latency, emit → client receive (goal p50 ≤ 50 ms).

A python-socketio client connects to the real server (`python -m backend serve`) with
`auth: {token}`; a job runs and every `job_progress` event's server-side `timestamp` (taken right
after the commit, just before the emit) is compared with the client's receive time.
Usage: .venv/bin/python bench/socket_latency.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Server, percentiles
from tests.media import talk

RUNS = 6


def main() -> None:
    media = talk()
    latencies: list[float] = []
    done = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), JOB_WORKERS="1")
        try:
            token = server.token()
            client = socketio.Client()

            @client.on("job_progress")
            def _progress(payload: dict[str, object]) -> None:
                sent = datetime.fromisoformat(str(payload["timestamp"]).replace("Z", "+00:00")).timestamp()
                latencies.append((time.time() - sent) * 1000)

            @client.on("job_completed")
            def _completed(payload: dict[str, object]) -> None:
                done.set()

            # websocket only: the transport browsers end up on (polling was measured before).
            client.connect(server.base, auth={"token": token}, transports=["websocket"])
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(RUNS):
                done.clear()
                with media.video.open("rb") as video, media.vtt.open("rb") as vtt:
                    files = {"file": ("talk.mp4", video), "captions": ("talk.vtt", vtt)}
                    options = {"min_clip_duration": 5, "max_clip_duration": 20, "max_clips": 3}
                    requests.post(
                        f"{server.base}/api/v1/jobs",
                        files=files,
                        headers=headers,
                        data={"options": json.dumps(options)},
                    )
                done.wait(120)
            transport = client.transport()
            client.disconnect()
            print(f"job_progress emit→receive over {transport}:", percentiles(latencies))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
