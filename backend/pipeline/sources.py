"""Source URL policy (CONTRACTS §3): canonical YouTube URLs, allow-listed hosts, no SSRF.

`normalize_source_url` is pure apart from DNS resolution (injectable) and is what the API calls
at job creation; the download stage calls it again right before fetching (DNS may have changed).
`SourcePolicy` is the same rule for one request; the download's network guard applies it to every
connection yt-dlp opens (redirects, formats, fragments, subtitles).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, urlsplit

from backend.config import Config

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
SHORT_HOSTS = {"youtu.be", "www.youtu.be"}
PATH_FORMS = ("shorts", "live", "embed", "v", "e")
# Cloud metadata endpoints that are not covered by the private/link-local ranges.
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}
# IPv6 ranges that carry an IPv4 address to a translator (6to4, NAT64, Teredo, IPv4-compatible).
TRANSITION_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("2002::/16", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32", "::/96")
)
# Not globally reachable (RFC 6890), yet `is_global` on Python 3.11 says so for some of it.
EXTRA_NON_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"),)
DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Source:
    """Where the video comes from. `url` is already validated/canonical for youtube/url kinds."""

    kind: str  # "youtube" | "url" | "file"
    url: str | None = None
    path: Path | None = None
    captions_path: Path | None = None


class SourceRejected(ValueError):
    """The URL may not be used as a source; the message says why (for a 400)."""


def resolve_host(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise SourceRejected(f"The host {host} cannot be resolved") from exc
    return sorted({str(info[4][0]) for info in infos})


def youtube_id(url: str) -> str | None:
    """The 11-character video id of any common YouTube URL form, else None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    candidate: str | None
    if host in SHORT_HOSTS:
        candidate = parts.path.strip("/").split("/")[0]
    elif host in YOUTUBE_HOSTS:
        candidate = _id_from_youtube_path(parts.path, parts.query)
    else:
        return None
    return candidate if candidate and YOUTUBE_ID.match(candidate) else None


def _id_from_youtube_path(path: str, query: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if segments[:1] == ["watch"] or not segments:
        values = parse_qs(query).get("v") or []
        return values[0] if values else None
    if len(segments) >= 2 and segments[0] in PATH_FORMS:
        return segments[1]
    return None


def normalize_source_url(url: str, config: Config, resolve: Resolver = resolve_host) -> tuple[str, str]:
    """Validate a source URL; return (canonical_url, source_type 'youtube' | 'url').

    Raises `SourceRejected` for non-http(s) schemes, bad ports, unknown hosts not in
    ALLOWED_SOURCE_HOSTS, malformed YouTube URLs, and hosts resolving to internal addresses
    (unless the host is listed exactly in ALLOWED_SOURCE_HOSTS). This checks the submitted URL
    only; `backend.pipeline.netguard` applies the same policy to every request of the download.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise SourceRejected("Only http:// and https:// source URLs are accepted")
    host = (parts.hostname or "").lower()
    if not host:
        raise SourceRejected("The source URL has no host")
    port = url_port(parts)
    if host in YOUTUBE_HOSTS | SHORT_HOSTS:
        video_id = youtube_id(url)
        if not video_id:
            raise SourceRejected("This YouTube URL does not contain a video id")
        return f"https://www.youtube.com/watch?v={video_id}", "youtube"
    policy = SourcePolicy.for_source("url", config)
    listing = policy.check_target(scheme, host, port)
    if listing != "exact":  # an exact listing may be internal; no need to resolve it here
        policy.check_addresses(host, listing, [host] if _is_ip(host) else list(resolve(host)))
    return parts.geturl(), "url"


def url_port(parts: SplitResult) -> int:
    """The URL's port, or its scheme's default. urllib raises ValueError for ':99999' or ':abc'."""
    try:
        port = parts.port
    except ValueError:
        raise SourceRejected("The source URL has an invalid port") from None
    return port if port is not None else DEFAULT_PORTS[parts.scheme.lower()]


@dataclass(frozen=True)
class SourcePolicy:
    """Which (host, port, address) one download may reach; applied to every request it makes.

    - `youtube` jobs: any host, but only public (global) addresses. YouTube's own hosts
      (youtube.com, *.googlevideo.com, *.ytimg.com, ...) are many and all public.
    - `url` jobs: only hosts in ALLOWED_SOURCE_HOSTS. An entry without a port allows only the
      scheme's default port; an exact entry may point at an internal address (the operator said
      so), a wildcard entry ('*.example.org') only at public ones.
    """

    kind: str  # "youtube" | "url"
    allowed: tuple[str, ...] = ()

    @classmethod
    def for_source(cls, kind: str, config: Config) -> SourcePolicy:
        return cls("youtube" if kind == "youtube" else "url", tuple(config.allowed_source_hosts))

    def check_target(self, scheme: str, host: str, port: int) -> str:
        """The listing ('public' | 'exact' | 'wildcard') that admits host:port; else SourceRejected."""
        host = host.lower().strip("[]")
        if self.kind == "youtube":
            return "public"
        listing = _allow_listing(host, port, DEFAULT_PORTS.get(scheme, 443), self.allowed)
        if listing is None:
            where = host if port == DEFAULT_PORTS.get(scheme) else f"{_bracket(host)}:{port}"
            raise SourceRejected(
                f"The host {where} is not an accepted source "
                "(YouTube, or a host listed in ALLOWED_SOURCE_HOSTS)"
            )
        return listing

    def check_addresses(self, host: str, listing: str, addresses: Iterable[str]) -> None:
        """Refuse internal addresses unless the host is listed exactly."""
        if listing == "exact":
            return
        for address in addresses:
            if is_internal_address(address):
                raise SourceRejected(
                    f"The host {host} resolves to an internal address ({address}); list it exactly in "
                    "ALLOWED_SOURCE_HOSTS to allow it"
                )


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _parse_entry(entry: str) -> tuple[str, int | None]:
    """'host', 'host:port', '[v6]:port', 'v6', '*.domain[:port]' → (host pattern, port or None)."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None  # a bare name, or an IPv6 address without brackets


def _allow_listing(host: str, port: int, default_port: int, allowed: Iterable[str]) -> str | None:
    """'exact' if host[:port] is listed, 'wildcard' if matched by '*.domain', else None.

    An entry without a port admits only `default_port` (80 for http, 443 for https).
    """
    result = None
    for pattern, entry_port in (_parse_entry(e) for e in allowed if e.strip()):
        if port != (entry_port if entry_port is not None else default_port):
            continue
        if pattern == host:
            return "exact"
        suffix = pattern[1:] if pattern.startswith("*.") else pattern if pattern.startswith(".") else None
        if suffix and host.endswith(suffix):
            result = "wildcard"
    return result


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_internal_address(address: str) -> bool:
    """True unless `address` is a public unicast address that reaches what it says.

    `is_global` alone is not enough on Python 3.11: it calls multicast, 6to4 (2002::/16), NAT64
    (64:ff9b::/96) and IPv4-compatible (::a.b.c.d) addresses global, and those either reach
    an arbitrary IPv4 address (possibly internal) through a translator, or are not unicast.
    Transition ranges are refused outright: no video server needs them.
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in net for net in TRANSITION_NETWORKS):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or ip in METADATA_ADDRESSES
        or any(ip in net for net in EXTRA_NON_GLOBAL)
    )
