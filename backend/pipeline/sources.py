"""Source URL policy (CONTRACTS §3): canonical YouTube URLs, allow-listed hosts, no SSRF.

`normalize_source_url` is pure apart from DNS resolution (injectable) and is what the API calls
at job creation; the download stage calls it again right before fetching (DNS may have changed).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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

    Raises `SourceRejected` for non-http(s) schemes, unknown hosts not in ALLOWED_SOURCE_HOSTS,
    malformed YouTube URLs, and hosts resolving to private/loopback/link-local/metadata addresses
    (unless the host is listed exactly in ALLOWED_SOURCE_HOSTS).
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"}:
        raise SourceRejected("Only http:// and https:// source URLs are accepted")
    host = (parts.hostname or "").lower()
    if not host:
        raise SourceRejected("The source URL has no host")
    if host in YOUTUBE_HOSTS | SHORT_HOSTS:
        video_id = youtube_id(url)
        if not video_id:
            raise SourceRejected("This YouTube URL does not contain a video id")
        return f"https://www.youtube.com/watch?v={video_id}", "youtube"
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    listing = _allow_listing(host, port, config.allowed_source_hosts)
    if listing is None:
        raise SourceRejected(
            f"The host {host} is not an accepted source (YouTube, or a host listed in ALLOWED_SOURCE_HOSTS)"
        )
    if listing == "wildcard":
        _refuse_internal(host, resolve)
    return parts.geturl(), "url"


def _allow_listing(host: str, port: int, allowed: Iterable[str]) -> str | None:
    """'exact' if host (or host:port) is listed, 'wildcard' if matched by '*.domain', else None."""
    result = None
    for entry in (e.strip().lower() for e in allowed):
        if entry in {host, f"{host}:{port}"} or entry == f"[{host}]:{port}":
            return "exact"
        suffix = entry[1:] if entry.startswith("*.") else entry if entry.startswith(".") else None
        if suffix and host.endswith(suffix):
            result = "wildcard"
    return result


def _refuse_internal(host: str, resolve: Resolver) -> None:
    addresses = [host] if _is_ip(host) else list(resolve(host))
    for address in addresses:
        if is_internal_address(address):
            raise SourceRejected(
                f"The host {host} resolves to an internal address ({address}); list it exactly in "
                "ALLOWED_SOURCE_HOSTS to allow it"
            )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_internal_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or ip in METADATA_ADDRESSES
    )
