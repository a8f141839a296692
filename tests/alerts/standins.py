"""Local stand-ins at the network boundary: an SMTP sink (aiosmtpd) and an HTTP server that plays a
Slack incoming webhook or Twilio's REST API. Each can be told to fail the next requests (an SMTP
451, an HTTP 500, or a hang past the client's timeout)."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

HANG_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SMTPSink:
    """Keeps every message it accepts (``messages``: parsed e-mails); ``fail_next(n)`` answers 451 n times."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []
        self.failures = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 stand-in told to fail"
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK queued by the stand-in"

    def fail_next(self, n: int) -> None:
        self.failures = n

    def __enter__(self) -> SMTPSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HTTPStandIn:
    """``plan``: what the next requests get, in order ("500" or "hang"); afterwards, success.

    Success is Slack's ``ok`` (200 text) or, for a path under ``/2010-04-01/Accounts/``, Twilio's
    201 JSON message resource echoing the form it got."""

    plan: deque[str] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                standin.seen.append(Seen(self.path, dict(self.headers), body))
                action = standin.plan.popleft() if standin.plan else "ok"
                if action == "hang":
                    time.sleep(HANG_SECONDS)
                    return
                if action == "500":
                    self._send(500, b"internal_error", "text/plain")
                elif "/Accounts/" in self.path:
                    self._send(201, json.dumps(standin.twilio_message(self.path, body)).encode(), "application/json")
                else:
                    self._send(200, b"ok", "text/plain")

            def _send(self, status: int, payload: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def twilio_message(path: str, body: bytes) -> dict[str, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        account = path.split("/Accounts/")[1].split("/")[0]
        return {"sid": f"SM{uuid.uuid4().hex}", "account_sid": account, "status": "queued", "to": form.get("To"),
                "from": form.get("From"), "body": form.get("Body"), "num_segments": "1"}  # fmt: skip

    def __enter__(self) -> HTTPStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
