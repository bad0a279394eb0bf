"""The download's network guard: every connection a download opens obeys the source policy.

Design: an in-process forward proxy on 127.0.0.1 (random port, one per download) that yt-dlp is
given as its `proxy`. We chose it over a yt-dlp RequestHandler hook because:

- yt-dlp has several request handlers (urllib, requests, curl_cffi, websockets), and redirects
  are followed inside each of them; a hook would have to patch each one's connection code.
  Through a proxy every redirect hop is a new request (plain http as an absolute URI, https as
  `CONNECT host:port`), whichever handler sent it.
- It also covers what yt-dlp starts outside Python: ffmpeg (the HLS fallback) gets the proxy
  through HTTP_PROXY from yt-dlp itself.
- It is per download and needs no global monkey-patching, so parallel jobs in one process with
  different policies cannot see each other's rules.

For each request the proxy checks host and port against `SourcePolicy`, resolves the host ONCE
(the answer is pinned for the rest of the download, so a second DNS answer cannot rebind it),
checks every address, and connects to the checked address itself. A refusal is answered with
403 and recorded in `NetGuard.refusals`, so the downloader can name it in the job's error.
Nothing but http/https ever leaves: other schemes sent to the proxy are refused.
"""

from __future__ import annotations

import contextlib
import ipaddress
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable
from types import TracebackType
from urllib.parse import urlsplit

from backend.pipeline.sources import SourcePolicy, SourceRejected, url_port

Resolver = Callable[[str, int], list[str]]
Connector = Callable[[tuple[str, int], float], socket.socket]

MAX_HEAD_BYTES = 64 * 1024
BLOCK = 64 * 1024
# Hop-by-hop headers of the client's request to us; the origin gets `Connection: close` instead.
HOP_HEADERS = {b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive", b"host", b"te"}


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _connect(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


class NetGuard:
    """The policy plus the pinned DNS answers of one download."""

    def __init__(
        self,
        policy: SourcePolicy,
        *,
        resolve: Resolver = system_resolve,
        connect: Connector = _connect,
        timeout: float = 30.0,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.refusals: list[str] = []
        self._resolve = resolve
        self._connect = connect
        self._pinned: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def open(self, scheme: str, host: str, port: int) -> socket.socket:
        """A connection to host:port if the policy allows it; SourceRejected (recorded) otherwise."""
        host = host.lower().strip("[]")
        try:
            listing = self.policy.check_target(scheme, host, port)
            addresses = self.addresses(host, port)
            self.policy.check_addresses(host, listing, addresses)
        except SourceRejected as exc:
            with self._lock:
                self.refusals.append(str(exc))
            raise
        error: OSError | None = None
        for address in addresses:  # only checked addresses, never the name again
            try:
                return self._connect((address, port), self.timeout)
            except OSError as exc:
                error = exc
        raise OSError(f"Cannot connect to {host}:{port}: {error}")

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, resolved on first use and pinned for the rest of the download."""
        with contextlib.suppress(ValueError):
            return [str(ipaddress.ip_address(host))]
        with self._lock:
            pinned = self._pinned.get(host)
        if pinned is not None:
            return pinned
        try:
            answer = [a for a in self._resolve(host, port) if a]
        except OSError as exc:
            raise OSError(f"The host {host} cannot be resolved ({exc})") from None
        if not answer:
            raise OSError(f"The host {host} cannot be resolved")
        with self._lock:
            return self._pinned.setdefault(host, answer)


class GuardProxy:
    """`with GuardProxy(guard) as proxy:` serves on `proxy.url` until the block ends."""

    def __init__(self, guard: NetGuard, idle_timeout: float = 60.0) -> None:
        self.guard = guard
        self.idle_timeout = idle_timeout
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="netguard", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GuardProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:  # ends the relays still open (their threads then return)
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: GuardProxy


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        client: socket.socket = self.request
        client.settimeout(proxy.idle_timeout)
        proxy.track(client)
        try:
            self._serve(proxy, client)
        except (OSError, ValueError):
            pass  # the client went away, or the proxy is closing (its sockets are shut); nothing to answer
        finally:
            proxy.forget(client)

    def _serve(self, proxy: GuardProxy, client: socket.socket) -> None:
        head, rest = _read_head(client)
        if head is None:
            return _answer(client, 400, "Bad request")
        method, target, version, headers = head
        try:
            if method == "CONNECT":
                upstream, first = self._tunnel(proxy.guard, target), b""
            else:
                upstream, first = self._forward(proxy.guard, method, target, version, headers)
        except SourceRejected as exc:
            return _answer(client, 403, f"Refused by the source policy: {exc}")
        except OSError as exc:
            return _answer(client, 502, str(exc))
        proxy.track(upstream)
        try:
            if method == "CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            upstream.sendall(first + rest)
            _relay(client, upstream, proxy.idle_timeout)
        finally:
            proxy.forget(upstream)
            upstream.close()

    def _tunnel(self, guard: NetGuard, target: str) -> socket.socket:
        parts = urlsplit(f"https://{target}")
        if not parts.hostname:
            raise SourceRejected(f"CONNECT to {target!r} has no host")
        return guard.open("https", parts.hostname, url_port(parts))

    def _forward(
        self, guard: NetGuard, method: str, target: str, version: str, headers: list[bytes]
    ) -> tuple[socket.socket, bytes]:
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            # https is tunnelled with CONNECT; anything else (ftp:, file:, ...) never leaves.
            raise SourceRejected(f"Only http and https requests are allowed, not {target[:80]!r}")
        upstream = guard.open("http", parts.hostname, url_port(parts))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [
            f"{method} {path} {version}".encode("latin-1"),
            b"Host: " + parts.netloc.rpartition("@")[2].encode("idna"),
        ]
        lines += [h for h in headers if h.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]
        lines += [b"Connection: close", b"", b""]
        return upstream, b"\r\n".join(lines)


def _read_head(sock: socket.socket) -> tuple[tuple[str, str, str, list[bytes]] | None, bytes]:
    """(method, target, version, header lines) of the request, and the body bytes already read."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(BLOCK)
        if not chunk or len(data) > MAX_HEAD_BYTES:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    request_line, *headers = head.split(b"\r\n")
    fields = request_line.decode("latin-1").split(" ")
    if len(fields) != 3:
        return None, b""
    method, target, version = fields
    return (method.upper(), target, version, headers), rest


def _answer(sock: socket.socket, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = message.encode("utf-8", "replace")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        sock.sendall(head.encode("latin-1") + body)


def _relay(a: socket.socket, b: socket.socket, idle_timeout: float) -> None:
    """Copy bytes both ways until both sides are done, or nothing moved for `idle_timeout`."""
    selector = selectors.DefaultSelector()
    selector.register(a, selectors.EVENT_READ, b)
    selector.register(b, selectors.EVENT_READ, a)
    try:
        open_sides = 2
        while open_sides:
            events = selector.select(idle_timeout)
            if not events:
                return
            for key, _ in events:
                src, dst = key.fileobj, key.data
                assert isinstance(src, socket.socket)
                data = src.recv(BLOCK)
                if not data:
                    selector.unregister(src)
                    open_sides -= 1
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    continue
                dst.sendall(data)
    finally:
        selector.close()
