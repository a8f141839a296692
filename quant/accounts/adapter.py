from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by admins (Django admin or `createsuperuser`), never by sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
