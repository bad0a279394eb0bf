from __future__ import annotations

import pytest

from backend.config import Config
from backend.pipeline.sources import SourceRejected, is_internal_address, normalize_source_url

VID = "dQw4w9WgXcQ"
CANON = f"https://www.youtube.com/watch?v={VID}"
CONFIG = Config(allowed_source_hosts=("media.example.org", "127.0.0.1:8765", "*.corp.test"))


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VID}",
        f"http://youtube.com/watch?v={VID}&t=42s&list=PL123",
        f"https://m.youtube.com/watch?v={VID}",
        f"https://music.youtube.com/watch?v={VID}",
        f"https://youtu.be/{VID}",
        f"https://youtu.be/{VID}?si=abc&t=10",
        f"https://www.youtube.com/shorts/{VID}",
        f"https://www.youtube.com/live/{VID}?feature=share",
        f"https://www.youtube.com/embed/{VID}",
        f"https://www.youtube-nocookie.com/embed/{VID}",
        f"https://www.youtube.com/v/{VID}",
        f"  https://WWW.YOUTUBE.COM/watch?v={VID}  ",
    ],
)
def test_youtube_forms_become_canonical(url: str) -> None:
    assert normalize_source_url(url, Config()) == (CANON, "youtube")


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://media.example.org/v.mp4", "http"),
        ("file:///etc/passwd", "http"),
        ("javascript:alert(1)", "http"),
        ("https://vimeo.com/12345", "ALLOWED_SOURCE_HOSTS"),
        ("http://127.0.0.1/video.mp4", "ALLOWED_SOURCE_HOSTS"),
        ("http://169.254.169.254/latest/meta-data", "ALLOWED_SOURCE_HOSTS"),
        ("http://127.0.0.1:9999/video.mp4", "ALLOWED_SOURCE_HOSTS"),
        ("https://www.youtube.com/watch?v=short", "video id"),
        ("https://www.youtube.com/channel/UC123", "video id"),
        ("https:///nohost", "host"),
    ],
)
def test_refusals_have_clear_messages(url: str, reason: str) -> None:
    with pytest.raises(SourceRejected, match=reason):
        normalize_source_url(url, CONFIG, resolve=lambda h: ["93.184.216.34"])


def test_listed_hosts_are_accepted_even_when_internal() -> None:
    assert normalize_source_url("https://media.example.org/a.mp4", CONFIG) == (
        "https://media.example.org/a.mp4",
        "url",
    )
    assert normalize_source_url("http://127.0.0.1:8765/page", CONFIG)[1] == "url"


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "192.168.1.2",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "100.100.100.200",
        "::ffff:10.0.0.1",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "100.127.255.254",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:5db8:d822::",  # 6to4 of a public address: still a translator, refused outright
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:100.64.0.1",
        "224.0.0.251",  # multicast
        "ff02::1",
        "0.0.0.0",
        "198.18.0.1",  # benchmarking
        "192.0.0.8",
        "2001:db8::1",  # documentation
        "fe80::1%eth0",
    ],
)
def test_wildcard_hosts_resolving_internal_are_refused(address: str) -> None:
    with pytest.raises(SourceRejected, match="internal address"):
        normalize_source_url("https://files.corp.test/v.mp4", CONFIG, resolve=lambda h: [address])
    assert is_internal_address(address)


def test_wildcard_host_resolving_public_is_accepted() -> None:
    url, kind = normalize_source_url(
        "https://files.corp.test/v.mp4", CONFIG, resolve=lambda h: ["93.184.216.34"]
    )
    assert (url, kind) == ("https://files.corp.test/v.mp4", "url")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_not_internal(address: str) -> None:
    assert not is_internal_address(address)


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://media.example.org/a.mp4", True),
        ("https://media.example.org:443/a.mp4", True),
        ("http://media.example.org/a.mp4", True),
        ("https://media.example.org:8443/a.mp4", False),  # listed without a port: default port only
        ("http://media.example.org:8080/a.mp4", False),
        ("http://media.example.org:443/a.mp4", False),
        ("http://127.0.0.1:8765/page", True),
        ("http://127.0.0.1:8766/page", False),
        ("https://files.corp.test:444/v.mp4", False),
    ],
)
def test_an_entry_without_a_port_allows_only_the_default_port(url: str, ok: bool) -> None:
    check = lambda: normalize_source_url(url, CONFIG, resolve=lambda h: ["93.184.216.34"])  # noqa: E731
    if ok:
        assert check()[1] == "url"
    else:
        with pytest.raises(SourceRejected, match="not an accepted source"):
            check()


@pytest.mark.parametrize(
    "url",
    [
        "http://media.example.org:99999/x",
        "http://media.example.org:abc/x",
        "https://media.example.org:-1/x",
        f"https://www.youtube.com:99999/watch?v={VID}",
    ],
)
def test_a_bad_port_is_a_clear_refusal_not_a_crash(url: str) -> None:
    with pytest.raises(SourceRejected, match="invalid port"):
        normalize_source_url(url, CONFIG, resolve=lambda h: ["93.184.216.34"])
