"""Server memory while oversized JSON bodies arrive: 4 unauthenticated 50 MiB POSTs at once.

Starts the real server (`python -m backend serve`), measures its idle RSS, then sends the bodies
over raw sockets, once with a Content-Length and once chunked (no length: the server has to count
while reading), and prints the peak RSS above idle (goal <= 30 MB) with the statuses received.
The peak is the kernel's VmHWM, reset just before each round (/proc/PID/clear_refs), so nothing
between two samples is missed. Run: .venv/bin/python bench/body_limit.py [MiB] [parallel]
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import Server

LOGIN = "/api/v1/auth/login"
PIECE = b'{"pad": "' + b"a" * (256 * 1024 - 9)


def _status(pid: int, field: str) -> int:
    """A VmRSS/VmHWM line of /proc/PID/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := current RSS


def _send(port: int, mib: int, chunked: bool, statuses: list[str]) -> None:
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {mib * 1024 * 1024}"
    head = f"POST {LOGIN} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{length}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            for _ in range(mib * 4):
                sock.sendall(b"%x\r\n%s\r\n" % (len(PIECE), PIECE) if chunked else PIECE)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before the whole body was sent
        try:
            statuses.append(sock.recv(64).split(b"\r\n", 1)[0].decode())
        except OSError as exc:
            statuses.append(f"no answer ({exc.__class__.__name__})")


def _round(server: Server, mib: int, parallel: int, chunked: bool) -> tuple[float, float, list[str]]:
    pid = server.proc.pid
    _reset_peak(pid)
    statuses: list[str] = []
    threads = [
        threading.Thread(target=_send, args=(server.port, mib, chunked, statuses)) for _ in range(parallel)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, _status(pid, "VmHWM") / 1024, statuses


def main(mib: int = 50, parallel: int = 4) -> None:
    server = Server(Path(tempfile.mkdtemp(prefix="bench-body-")))
    try:
        server.token()  # warm up: imports, routes, the database, bcrypt
        time.sleep(1)
        idle = _status(server.proc.pid, "VmRSS") / 1024
        print(f"idle RSS: {idle:.1f} MB; {parallel} x {mib} MiB unauthenticated JSON POSTs at once")
        for chunked in (False, True):
            wall, peak, statuses = _round(server, mib, parallel, chunked)
            kind = "chunked (no length)" if chunked else "Content-Length    "
            print(
                f"{kind}: peak RSS {peak:.1f} MB = idle + {peak - idle:.1f} MB (goal <= 30 MB); "
                f"{wall:.2f} s; answers: {sorted(statuses)}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
