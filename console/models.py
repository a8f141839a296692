"""Console state: read-only API keys and the "change your password at next sign-in" flag."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class ApiKey(AbstractAPIKey):
    """A key for the read-only JSON API (/api/v1/), issued by an admin for one user.

    The key itself is shown once; only its prefix and a hash are stored (djangorestframework-api-key).
    Requests act as ``user`` (their role and per-strategy grants still apply) within ``scopes``.
    """

    class Scope(models.TextChoices):
        READ_PNL = "read_pnl", "Read P&L (strategies, positions, P&L)"
        READ_RESEARCH = "read_research", "Read research (backtest results, jobs)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    scopes = models.JSONField(default=list, help_text="Scope values, e.g. ['read_pnl']")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        abstract = False
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def state(self) -> str:
        """One of revoked, expired, active (what the keys page and the refusal log say)."""
        if self.revoked:
            return "revoked"
        return "expired" if self.has_expired else "active"


class PasswordChangeRequired(models.Model):
    """An admin asked ``user`` to choose a new password; every page sends them to the password
    page until the stored hash is no longer theirs (console.middleware.PasswordChangeRequiredMiddleware)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password_hash = models.CharField(max_length=128, help_text="the user's hash when asked: a new one means done")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"password change required: user {self.user_id}"
