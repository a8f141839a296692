"""factory_boy factories shared by every app's tests.

user = UserFactory(role="operator")             # in the "operator" group (roles seeded)
op = UserFactory.with_role("operator", enrolled=True)  # plus a confirmed TOTP device
strategy = StrategyFactory(owner=user)          # owner gets view/change object perms
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.accounts.roles import ROLE_PERMISSIONS, roles_seed
from quant.models import Strategy
from quant.services import STRATEGY_OBJECT_PERMS

TEST_PASSWORD = "correct-horse-battery-staple"


def role_group(role: str) -> Group:
    """The group of ``role``, seeding all roles first if needed."""
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; choose one of {sorted(ROLE_PERMISSIONS)}")
    group = Group.objects.filter(name=role).first()
    if group is None:
        roles_seed()
        group = Group.objects.get(name=role)
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.save()
        if extracted:
            self.groups.add(role_group(extracted))

    @classmethod
    def with_role(cls, role: str, *, enrolled: bool = False, **kwargs: object) -> object:
        user = cls(role=role, **kwargs)
        if enrolled:
            TOTPDeviceFactory(user=user)
        return user


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator for ``user`` (compute codes with tests.support.otp.totp_code)."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Strategy {n:03d}")
    description = "Momentum 12-1 on the top 500 by market cap."
    status = Strategy.Status.ACTIVE
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def grant_owner(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            from guardian.shortcuts import assign_perm

            for perm in STRATEGY_OBJECT_PERMS:
                assign_perm(perm, self.owner, self)
