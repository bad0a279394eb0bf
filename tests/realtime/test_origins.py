from __future__ import annotations

from backend.realtime.origins import origin_checker

DASHBOARD = "http://localhost:3000"


def test_configured_dashboard_origins_are_allowed() -> None:
    check = origin_checker([DASHBOARD + "/"])
    assert check(DASHBOARD, {"HTTP_HOST": "127.0.0.1:5000"})


def test_the_servers_own_origin_is_allowed() -> None:
    check = origin_checker([DASHBOARD])
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5000"}
    assert check("http://127.0.0.1:5000", environ)
    proxied = {**environ, "HTTP_X_FORWARDED_HOST": "clips.example.com", "HTTP_X_FORWARDED_PROTO": "https"}
    assert check("https://clips.example.com", proxied)


def test_other_origins_are_refused() -> None:
    check = origin_checker([DASHBOARD])
    assert not check("https://evil.example", {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5000"})
    assert not check("http://127.0.0.1:5001", {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5000"})


def test_non_browser_clients_without_an_origin_rely_on_authentication() -> None:
    assert origin_checker([DASHBOARD])(None, {})
