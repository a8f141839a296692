"""Second factors: TOTP enrolment, backup codes, verification. django-otp is the only store."""

from __future__ import annotations

import base64
import io
import logging
import math
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant import ratelimit

logger = logging.getLogger("quantdesk.security")

BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "backup"
TOTP_DEVICE_NAME = "authenticator"
# Failed codes allowed per user and window before further attempts are refused.
FAILURE_LIMIT = 5
FAILURE_WINDOW_SECONDS = 300


def confirmed_totp(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def is_enrolled(user: AbstractBaseUser) -> bool:
    """True when the user has a confirmed TOTP device (the definition of "enrolled")."""
    return bool(user.is_authenticated) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def totp_enrolment_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A fresh unconfirmed device (replacing older unconfirmed ones); confirmed ones stay until
    the new device is confirmed, so re-enrolling never locks anyone out half-way."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it for manual entry."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (no file, no network)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def backup_codes_generate(*, user: AbstractBaseUser) -> list[str]:
    """Replace the user's backup codes with ``BACKUP_CODE_COUNT`` new single-use codes."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def second_factor_disable(*, user: AbstractBaseUser) -> int:
    """Remove every TOTP device and backup code of ``user``; returns how many devices went."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        removed_static, _ = StaticDevice.objects.filter(user=user).delete()
    logger.info("2FA disabled user=%s", user.pk)
    return removed + removed_static


@dataclass(frozen=True)
class VerifyOutcome:
    """``throttled``: too many wrong codes in the window (``retry_after`` s). ``backoff_until``:
    the device's own back-off after a recent wrong code (django-otp doubles it per failure: 1 s,
    2 s, 4 s, ...); the code was not checked at all, so it may well be right."""

    ok: bool
    throttled: bool = False
    retry_after: int = 0
    backoff_until: datetime | None = None

    def failure_message(self, *, invalid: str) -> str:
        """What to tell the person; ``invalid`` is the page's own wording for a wrong code."""
        if self.throttled:
            return f"Too many wrong codes. Wait {self.retry_after} s before trying again."
        if self.backoff_until is not None:
            wait = max(1, math.ceil((self.backoff_until - timezone.now()).total_seconds()))
            return (
                f"Not checked: after a wrong code the authenticator is locked for a moment (back-off). "
                f"Try again in {wait} s (after {self.backoff_until:%H:%M:%S} UTC)."
            )
        return invalid


def _throttle_key(user: AbstractBaseUser, purpose: str) -> str:
    return f"otp:{purpose}:{user.pk}"


def _normalise(token: str) -> str:
    return "".join(token.split()).lower()


def _check(
    user: AbstractBaseUser, token: str, *, allow_backup: bool, pending: bool
) -> tuple[Device | None, datetime | None]:
    """One token against the right device: 6 digits go to TOTP, anything else to backup codes
    (so a mistyped code never counts against the other device's throttle).

    Returns the device that accepted the code, or ``(None, locked_until)`` when the device is in
    its back-off and did not look at the code."""
    with transaction.atomic():
        if token.isdigit() and len(token) == 6:
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=not pending)
        elif allow_backup:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            return None, None
        device = devices.order_by("-id").first()
        if device is None:
            return None, None
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return None, (details or {}).get("locked_until") or timezone.now()
        if not device.verify_token(token):
            return None, None
    return device, None


def verify_code(
    *, request: HttpRequest, token: str, purpose: str, allow_backup: bool = True, pending: bool = False
) -> VerifyOutcome:
    """Check a code typed by ``request.user`` for ``purpose`` ("login", "step-up", "enrol").

    Refused without checking once FAILURE_LIMIT failures fell in the window. Failures are logged
    on "quantdesk.security". A successful "login" code marks the session OTP-verified.
    """
    user = request.user
    key = _throttle_key(user, purpose)
    state = ratelimit.peek(key, limit=FAILURE_LIMIT, period_seconds=FAILURE_WINDOW_SECONDS)
    if not state.allowed:
        logger.warning("OTP %s refused (throttled) user=%s ip=%s", purpose, user.pk, request.META.get("REMOTE_ADDR"))
        return VerifyOutcome(ok=False, throttled=True, retry_after=state.retry_after)
    token = _normalise(token)
    device, backoff_until = _check(user, token, allow_backup=allow_backup, pending=pending) if token else (None, None)
    if backoff_until is not None:
        # The code was not checked; the attempt still counts against the window's limit, so the
        # back-off never becomes a way around it.
        ratelimit.hit(key, limit=FAILURE_LIMIT, period_seconds=FAILURE_WINDOW_SECONDS)
        logger.warning("OTP %s in back-off until %s user=%s", purpose, backoff_until.isoformat(), user.pk)
        return VerifyOutcome(ok=False, backoff_until=backoff_until)
    if device is not None:
        ratelimit.reset(key, period_seconds=FAILURE_WINDOW_SECONDS)
        if purpose == "login":
            otp_login(request, device)
        return VerifyOutcome(ok=True)
    result = ratelimit.hit(key, limit=FAILURE_LIMIT, period_seconds=FAILURE_WINDOW_SECONDS)
    logger.warning(
        "OTP %s failed user=%s ip=%s failures_left=%s",
        purpose,
        user.pk,
        request.META.get("REMOTE_ADDR"),
        result.remaining,
    )
    return VerifyOutcome(ok=False)


def totp_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> VerifyOutcome:
    """Confirm a pending device with a code from it; the old device (if any) is replaced and the
    session counts as verified."""
    outcome = verify_code(request=request, token=token, purpose="enrol", allow_backup=False, pending=True)
    if outcome.ok:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
            device.refresh_from_db()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        logger.info("2FA enrolled user=%s device=%s", request.user.pk, device.pk)
    return outcome
