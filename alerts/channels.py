"""The three ways out: SMTP e-mail (Django's SMTP backend), a Slack incoming webhook, SMS through Twilio.

Each sender returns the provider's answer as one line (stored on the delivery) or raises
:class:`SendFailed` with the reason. Secrets come decrypted from the channel or from the
environment variable it names, and are never logged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client as TwilioClient

from alerts.models import Channel
from alerts.secrets import decrypt
from config.env import env_int

TWILIO_API = "https://api.twilio.com"


class SendFailed(RuntimeError):
    """The provider refused or did not answer (one line, no secrets)."""


def timeout_seconds() -> float:
    """Seconds one provider call may take (connect and read): a setting of that name, else the environment."""
    value = getattr(settings, "ALERTS_SEND_TIMEOUT_SECONDS", None)
    return float(value) if value is not None else float(env_int("ALERTS_SEND_TIMEOUT_SECONDS", 10, minimum=1))


def channel_secret(channel: Channel) -> str:
    if channel.secret:
        return decrypt(channel.secret)
    return os.environ.get(channel.secret_env, "") if channel.secret_env else ""


def send_email(channel: Channel, *, to: list[str], title: str, body: str, attachment: str = "") -> str:
    cfg = channel.config
    if cfg.get("host"):
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host=cfg["host"], port=int(cfg.get("port") or 25),
            username=cfg.get("username") or None, password=channel_secret(channel) or None,
            use_tls=bool(cfg.get("use_tls")), timeout=timeout_seconds(), fail_silently=False,
        )  # fmt: skip
    else:  # the platform's EMAIL_BACKEND (EMAIL_HOST, EMAIL_HOST_PASSWORD from the environment)
        connection = get_connection(fail_silently=False)
    message = EmailMessage(title, body, cfg.get("from") or settings.DEFAULT_FROM_EMAIL, to, connection=connection)
    if attachment:
        message.attach(Path(attachment).name, Path(attachment).read_bytes(), "application/pdf")
    try:
        sent = message.send()
    except (OSError, ConnectionError) as exc:  # smtplib errors are OSErrors
        raise SendFailed(f"SMTP {cfg.get('host') or 'backend'}: {type(exc).__name__}: {exc}"[:500]) from exc
    return f"SMTP accepted {sent} message for {len(to)} recipient(s)"


def send_slack(channel: Channel, *, title: str, body: str) -> str:
    url = channel_secret(channel)
    if not url:
        raise SendFailed("no webhook URL: store one on the channel or set its environment variable")
    try:
        response = httpx.post(url, json={"text": f"*{title}*\n{body}"}, timeout=timeout_seconds())
    except httpx.HTTPError as exc:
        raise SendFailed(f"Slack webhook: {type(exc).__name__}: {exc}"[:500]) from exc
    answer = f"HTTP {response.status_code}: {response.text[:200]}"
    if response.status_code >= 300:
        raise SendFailed(f"Slack webhook answered {answer}")
    return answer


class _BaseUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client with the API host replaced (a regional edge, a proxy, a test stand-in)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def send_sms(channel: Channel, *, to: list[str], title: str, body: str) -> str:
    cfg = channel.config
    token = channel_secret(channel)
    if not (cfg.get("account_sid") and token and cfg.get("from")):
        raise SendFailed("SMS channel needs an account SID, a sender number and an auth token")
    base = cfg.get("api_base") or ""
    http = _BaseUrlHttpClient(base, timeout=timeout_seconds()) if base else TwilioHttpClient(timeout=timeout_seconds())
    client = TwilioClient(cfg["account_sid"], token, http_client=http)
    answers = []
    for number in to:
        try:
            msg = client.messages.create(to=number, from_=cfg["from"], body=f"{title}\n{body}"[:1500])
        except (TwilioException, OSError) as exc:  # requests' errors are OSErrors
            raise SendFailed(f"Twilio: {type(exc).__name__}: {exc}"[:500]) from exc
        answers.append(f"{number}: {msg.sid} {msg.status}")
    return "; ".join(answers)


def send(channel: Channel, *, to: list[str], title: str, body: str, attachment: str = "") -> str:
    if channel.kind == Channel.Kind.EMAIL:
        return send_email(channel, to=to, title=title, body=body, attachment=attachment)
    if channel.kind == Channel.Kind.SLACK:
        return send_slack(channel, title=title, body=body)
    return send_sms(channel, to=to, title=title, body=body)
