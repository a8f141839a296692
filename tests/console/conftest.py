from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import role_group


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache (Redis when REDIS_URL is set): start every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client: Client, django_user_model) -> Client:
    user = django_user_model.objects.create_user(username="ops", password="a-long-test-password", is_staff=True)
    user.groups.add(role_group("operator"))  # every page needs a role (deny by default)
    client.force_login(user)
    return client
