"""The session-wide network guard (tests/support/no_network.py) blocks everything but loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from tests.support import no_network

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_connect_to_a_public_address_is_blocked() -> None:
    with pytest.raises(no_network.NetworkBlocked), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect(("93.184.216.34", 80))
    assert no_network.blocked_attempts() == ["'93.184.216.34'"]
    no_network.forget_attempts()


def test_create_connection_and_dns_are_blocked() -> None:
    with pytest.raises(no_network.NetworkBlocked):
        socket.create_connection(("8.8.8.8", 53), timeout=1)
    with pytest.raises(no_network.NetworkBlocked):
        socket.getaddrinfo("mba.tuck.dartmouth.edu", 80)
    assert no_network.blocked_attempts() == ["'8.8.8.8'", "'mba.tuck.dartmouth.edu' (DNS)"]
    no_network.forget_attempts()


def test_http_libraries_fail_instead_of_reaching_the_internet() -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get("https://query1.finance.yahoo.com/v8/finance/chart/AAPL", timeout=2)
    with pytest.raises(OSError):
        urllib.request.urlopen("http://mba.tuck.dartmouth.edu/pages/faculty/ken.french/", timeout=2)
    assert any("yahoo" in a for a in no_network.blocked_attempts())
    no_network.forget_attempts()


def test_a_swallowed_attempt_still_fails_the_test(tmp_path: Path) -> None:
    test_file = tmp_path / "test_sneaky.py"
    test_file.write_text(
        "import socket\n\n"
        "def test_sneaky():\n"
        "    try:\n"
        "        socket.create_connection(('1.1.1.1', 443), timeout=1)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    cmd = [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "tests.support.no_network", "-p", "no:django",
           "-p", "no:playwright", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", "/dev/null"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=60, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "test tried to reach the network: '1.1.1.1'" in result.stdout


def test_loopback_and_unix_sockets_are_allowed(tmp_path) -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hi")

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        assert requests.get(url, timeout=2).text == "hi"
        assert requests.get(url.replace("127.0.0.1", "localhost"), timeout=2).text == "hi"
    finally:
        server.shutdown()
    path = str(tmp_path / "s.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
    listener.close()
    assert no_network.blocked_attempts() == []
