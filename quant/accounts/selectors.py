"""What the profile page shows about a user's second factors."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.accounts import devices


@dataclass(frozen=True)
class PendingEnrolment:
    device: TOTPDevice
    qr_data_uri: str
    secret: str


@dataclass(frozen=True)
class TwoFactorState:
    enrolled: TOTPDevice | None
    pending: PendingEnrolment | None
    backup_codes_left: int
    verified: bool


def two_factor_state(request: HttpRequest) -> TwoFactorState:
    user = request.user
    pending_device = devices.pending_totp(user)
    pending = (
        PendingEnrolment(
            device=pending_device,
            qr_data_uri=devices.totp_qr_data_uri(pending_device),
            secret=devices.totp_secret_base32(pending_device),
        )
        if pending_device
        else None
    )
    return TwoFactorState(
        enrolled=devices.confirmed_totp(user),
        pending=pending,
        backup_codes_left=devices.backup_codes_left(user),
        verified=bool(user.is_verified()),
    )
