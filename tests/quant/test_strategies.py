from __future__ import annotations

import pytest
from django.urls import reverse

from quant.models import AccessLog
from quant.selectors import strategies_for
from quant.services import strategy_create, strategy_grant, strategy_set_status
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_strategies_for_returns_only_granted_ones():
    alice, bob = UserFactory(role="researcher"), UserFactory(role="researcher")
    mine = strategy_create(name="Alpha", owner=alice)
    shared = StrategyFactory(name="Beta", owner=bob)
    StrategyFactory(name="Gamma", owner=bob)
    strategy_grant(strategy=shared, user=alice)
    assert [s.name for s in strategies_for(alice)] == ["Alpha", "Beta"]
    assert [s.name for s in strategies_for(bob)] == ["Beta", "Gamma"]
    assert alice.has_perm("quant.change_strategy", mine)
    assert not alice.has_perm("quant.change_strategy", shared)


def test_global_model_permission_does_not_reveal_strategies():
    viewer = UserFactory(role="viewer")  # the role holds quant.view_strategy globally
    StrategyFactory()
    assert viewer.has_perm("quant.view_strategy")
    assert list(strategies_for(viewer)) == []


def test_set_status_rejects_unknown_status():
    strategy = StrategyFactory()
    with pytest.raises(ValueError, match="Unknown strategy status"):
        strategy_set_status(strategy=strategy, status="paused")


def test_list_page_shows_granted_strategies_with_constant_queries(client, django_assert_max_num_queries):
    user = UserFactory(role="viewer")
    for i in range(3):
        strategy_grant(strategy=StrategyFactory(name=f"S{i}"), user=user)
    StrategyFactory(name="Hidden")
    client.force_login(user)
    client.get(reverse("quant:strategy_list"))  # warm caches (session, content types)
    with django_assert_max_num_queries(12) as captured:
        body = client.get(reverse("quant:strategy_list")).content.decode()
    for i in range(3):
        strategy_grant(strategy=StrategyFactory(name=f"T{i}"), user=user)
    with django_assert_max_num_queries(len(captured)):
        client.get(reverse("quant:strategy_list"))
    assert "S0" in body and "S2" in body and "Hidden" not in body


def test_list_page_empty_state(client):
    client.force_login(UserFactory(role="viewer"))
    assert "No strategies you can see" in client.get(reverse("quant:strategy_list")).content.decode()


def test_detail_needs_object_permission_and_is_logged(client):
    owner, stranger = UserFactory(role="viewer"), UserFactory(role="admin")
    strategy = StrategyFactory(owner=owner)
    client.force_login(stranger)
    assert client.get(reverse("quant:strategy_detail", args=[strategy.pk])).status_code == 404
    client.force_login(owner)
    response = client.get(reverse("quant:strategy_detail", args=[strategy.pk]))
    assert response.status_code == 200 and strategy.name in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.action, log.name, log.object_id, log.user_id) == (
        "view",
        "strategy.detail",
        str(strategy.pk),
        owner.pk,
    )


@pytest.mark.django_db
def test_strategy_command_creates_and_grants() -> None:
    from io import StringIO

    from django.core.management import call_command

    from quant.models import Strategy

    owner, other = UserFactory(username="olivia"), UserFactory(username="oscar")
    out = StringIO()
    call_command("strategy", "create", "Carry", "--owner", "olivia", stdout=out)
    strategy = Strategy.objects.get(name="Carry")
    assert strategy.owner == owner and owner.has_perm("quant.change_strategy", strategy)
    assert not other.has_perm("quant.view_strategy", strategy)
    call_command("strategy", "grant", "Carry", "--user", "oscar", stdout=out)
    other = type(other).objects.get(pk=other.pk)  # fresh permission cache
    assert other.has_perm("quant.view_strategy", strategy) and not other.has_perm("quant.change_strategy", strategy)
    assert "created strategy Carry" in out.getvalue() and "oscar may now view Carry" in out.getvalue()
