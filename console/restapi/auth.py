"""API key authentication and scopes: a missing, unknown, revoked or expired key is 401, a key
without the endpoint's scope (or a user without the page area) 403; every refusal is logged."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from console.models import ApiKey
from console.services import api_key_touch
from quant import ratelimit
from quant.services import access_log_create

logger = logging.getLogger("quantdesk.security")
KEYWORD = "Api-Key"
# Requests without a usable key, per IP and minute, before they get 429 and are no longer written
# to the access log: nobody fills the audit trail by hammering the API without a key.
ANONYMOUS_REFUSALS_PER_MINUTE = 120


def _refuse(request: HttpRequest, why: str, key: ApiKey | None = None) -> None:
    """Log a refused API request (security log and the access log); 429 past the anonymous limit."""
    ip = request.META.get("REMOTE_ADDR")
    if key is None:
        state = ratelimit.hit(f"api:refused:{ip}", limit=ANONYMOUS_REFUSALS_PER_MINUTE, period_seconds=60)
        if not state.allowed:
            raise exceptions.Throttled(wait=state.retry_after)
    logger.warning("api refused (%s): %s %s key=%s ip=%s", why, request.method, request.path,
                   key.prefix if key else "-", ip)  # fmt: skip
    if key is not None:
        request.user = key.user  # the key's owner is who the attempt is recorded against
    access_log_create(request=request, action="refused", name="api.request", object_type="console.apikey",
                      object_id=key.prefix if key else "", reason=why)  # fmt: skip


class ApiKeyAuthentication:
    """DRF authentication: ``Authorization: Api-Key <prefix>.<secret>`` -> (key's user, key)."""

    parser = KeyParser()

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        raw = self.parser.get_from_authorization(request._request)
        if not raw:
            _refuse(request._request, "no API key")
            return None  # DRF answers 401 (NotAuthenticated) through the permission below
        prefix, _, _ = raw.partition(".")
        key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
        if key is None or not key.is_valid(raw):
            _refuse(request._request, "unknown API key")
            raise exceptions.AuthenticationFailed("Unknown API key.")
        if key.revoked:
            _refuse(request._request, "revoked API key", key)
            raise exceptions.AuthenticationFailed("This API key was revoked.")
        if key.has_expired:
            _refuse(request._request, "expired API key", key)
            raise exceptions.AuthenticationFailed(f"This API key expired on {key.expiry_date:%Y-%m-%d %H:%M} UTC.")
        if not key.user.is_active:
            _refuse(request._request, "API key of a disabled user", key)
            raise exceptions.AuthenticationFailed("The user of this API key is disabled.")
        api_key_touch(key=key, ip=request._request.META.get("REMOTE_ADDR"))
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class HasScope(BasePermission):
    """The view's ``scope`` is among the key's scopes and its user holds the view's ``area`` permission."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # unauthenticated: DRF turns this into 401
        if view.scope not in key.scopes:
            _refuse(request._request, f"API key without scope {view.scope}", key)
            self.message = f"This API key does not have the {view.scope} scope."
            return False
        if not key.user.has_perm(view.area):
            _refuse(request._request, f"user's role lacks {view.area}", key)
            self.message = "The key's user has no role that opens this data."
            return False
        return True
