from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def staff_client(client: Client, django_user_model) -> Client:
    user = django_user_model.objects.create_user(
        username="ops", password="a-long-test-password", is_staff=True
    )
    client.force_login(user)
    return client
