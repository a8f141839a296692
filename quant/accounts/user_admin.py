"""The user and second-factor pages of the Django admin, closed against privilege escalation.

* Only a superuser changes ``is_superuser``, ``is_staff``, groups (roles) and user permissions;
  anyone else with ``auth.change_user`` sees them read-only, cannot change a superuser or another
  staff account, and cannot set their passwords.
* Granting the admin role or superuser status needs a fresh authenticator code from the granting
  superuser and a reason (the step-up of :mod:`quant.accounts.stepup`) and is recorded in the
  access log as a control (``auth.grant_admin_role`` / ``auth.grant_superuser``), as is every
  other change of those fields.
* TOTP keys and backup codes are never shown: no key field, no QR/config pages
  (``OTP_ADMIN_HIDE_SENSITIVE_DATA``), no adding devices (a device added by an admin is a second
  factor the admin knows); a lost device is deleted here and the user enrols again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.accounts import devices
from quant.accounts.roles import ADMIN
from quant.services import access_log_create

User = get_user_model()
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def _grants(form: forms.ModelForm, before: AbstractUser | None) -> list[str]:
    """The controls this change needs: ``auth.grant_superuser`` and/or ``auth.grant_admin_role``."""
    grants = []
    data = form.cleaned_data
    if data.get("is_superuser") and not (before is not None and before.is_superuser):
        grants.append("auth.grant_superuser")
    groups = data.get("groups")
    had_admin = before is not None and before.groups.filter(name=ADMIN).exists()
    if groups is not None and any(g.name == ADMIN for g in groups) and not had_admin:
        grants.append("auth.grant_admin_role")
    return grants


class PrivilegedUserChangeForm(UserChangeForm):
    """The admin's user form plus the step-up fields a privilege grant needs."""

    request: HttpRequest | None = None  # set per request by QuantdeskUserAdmin.get_form

    step_up_token = forms.CharField(
        label="Authenticator code", required=False, max_length=6,
        help_text="Granting the admin role or superuser status needs your current code.",
    )  # fmt: skip
    step_up_reason = forms.CharField(
        label="Reason (kept in the audit log)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        before = User.objects.get(pk=self.instance.pk) if self.instance.pk else None
        self.grants = _grants(self, before)
        if not self.grants:
            return data
        if not data.get("step_up_reason", "").strip():
            self.add_error("step_up_reason", "Write why you are granting this.")
        token = data.get("step_up_token", "")
        if not token:
            self.add_error("step_up_token", "Enter the current code from your authenticator app.")
        elif self.request is not None and not self.errors:
            outcome = devices.verify_code(request=self.request, token=token, purpose="step-up", allow_backup=False)
            if not outcome.ok:
                wait = f" Wait {outcome.retry_after} s." if outcome.throttled else ""
                self.add_error("step_up_token", f"That code is not valid (or was already used).{wait}")
        return data


class QuantdeskUserAdmin(UserAdmin):
    form = PrivilegedUserChangeForm
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Confirm a privilege grant", {"fields": ("step_up_token", "step_up_reason")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, *PRIVILEGE_FIELDS)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not request.user.is_superuser:  # only a superuser can grant anything
            fieldsets = [fs for fs in fieldsets if "step_up_token" not in fs[1]["fields"]]
        return fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser or obj.pk == request.user.pk:
            return True
        # Changing (or setting the password of) a superuser or another staff account is taking it over.
        return not (obj.is_superuser or obj.is_staff)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        reason = form.cleaned_data.get("step_up_reason", "").strip()
        for name in getattr(form, "grants", []):
            access_log_create(request=request, action="control", name=name, obj=form.instance, reason=reason)
        changed = [f for f in ("is_superuser", "is_staff", "user_permissions") if f in form.changed_data]
        if before != after:
            changed.append(f"groups {sorted(before)} -> {sorted(after)}")
        if changed and not getattr(form, "grants", []):
            access_log_create(request=request, action="control", name="auth.change_privileges",
                              obj=form.instance, reason=reason or "; ".join(changed))  # fmt: skip


class NoSecretsTOTPDeviceAdmin(TOTPDeviceAdmin):
    """Lists, inspects (without the key) and deletes authenticators; never adds or edits one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_list_display(self, request: HttpRequest) -> Any:
        return [f for f in super().get_list_display(request) if f != "qrcode_link"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in ("key", "qrcode_link")]})
                for name, opts in super().get_fieldsets(request, obj)]  # fmt: skip


class NoSecretsStaticDeviceAdmin(StaticDeviceAdmin):
    """Backup-code devices without their codes: delete to revoke them all."""

    inlines: list[Any] = []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def install() -> None:
    """Replace the stock user and device admins (called from quant/admin.py)."""
    for model, model_admin in ((User, QuantdeskUserAdmin), (TOTPDevice, NoSecretsTOTPDeviceAdmin),
                               (StaticDevice, NoSecretsStaticDeviceAdmin)):  # fmt: skip
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
