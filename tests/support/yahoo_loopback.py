"""A loopback Yahoo: serves recorded chart-API responses to yfinance through a real requests.Session.

`YahooLoopback` runs an ``http.server`` on 127.0.0.1 and builds sessions whose transport adapter
rewrites every URL (https://query1.finance.yahoo.com/..., https://fc.yahoo.com, ...) to it. yfinance
itself is not patched: it sends its real requests (cookie, crumb, chart) and parses the real format.
The chart responses are JSON files under tests/warehouse/sources/fixtures/yahoo/ (``chart_<SYM>.json``);
an unknown symbol gets Yahoo's 404 "No data found" body.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

FIXTURES = Path(__file__).resolve().parents[1] / "warehouse" / "sources" / "fixtures" / "yahoo"
NOT_FOUND = {"chart": {"result": None, "error": {"code": "Not Found",
                                                 "description": "No data found, symbol may be delisted"}}}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.server.log.append(self.path)
        status, content_type = 200, "text/html"
        if parts.path.startswith("/v8/finance/chart/"):
            symbol = parts.path.rsplit("/", 1)[-1].upper()
            self.server.chart_requests.append((symbol, parse_qs(parts.query)))
            path = FIXTURES / f"chart_{symbol}.json"
            content_type = "application/json"
            if path.exists():
                body = path.read_bytes()
            else:
                status, body = 404, json.dumps(NOT_FOUND).encode()
        elif parts.path == "/v1/test/getcrumb":
            body, content_type = b"Lp4cVqCrumb0", "text/plain"
        else:
            body = b"<html><body>ok</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.log: list[str] = []
        self.chart_requests: list[tuple[str, dict[str, list[str]]]] = []


class _Rewrite(HTTPAdapter):
    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(request.url)
        request.url = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().send(request, **kwargs)


class YahooLoopback:
    def __init__(self) -> None:
        self.server = _Server()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> YahooLoopback:
        # yfinance memoises GETs of past date ranges in-process (YfData.cache_get, an lru_cache): start
        # each loopback with an empty memo so requests are counted per test.
        from yfinance.data import YfData

        YfData.cache_get.cache_clear()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def chart_requests(self) -> list[tuple[str, dict[str, list[str]]]]:
        """Chart requests for data (yfinance's 1-day timezone probes are left out)."""
        return [(s, q) for s, q in self.server.chart_requests if "period1" in q]

    def session(self) -> requests.Session:
        session = requests.Session()
        adapter = _Rewrite(self.server.server_port)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


_ACTIVE: YahooLoopback | None = None


def activate(loopback: YahooLoopback | None) -> None:
    global _ACTIVE
    _ACTIVE = loopback


def session_factory() -> requests.Session:
    """For ``settings.YFINANCE_SESSION_FACTORY`` in command tests."""
    if _ACTIVE is None:
        raise RuntimeError("No YahooLoopback is active.")
    return _ACTIVE.session()
