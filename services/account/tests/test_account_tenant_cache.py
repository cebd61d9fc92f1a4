"""``GET /tenants/current`` reads through the shared cache; deleting the tenant clears it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from account import users
from ppcommon import cache as ppcache
from pptesting.account_contract import PASSWORD, Client


class MemoryCache:
    """An in-memory stand-in for the Redis cache that records what the service does."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.ttls: dict[str, int] = {}
        self.reads = 0

    def get(self, key: str) -> str | None:
        self.reads += 1
        return self.values.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        self.values[key] = value
        self.ttls[key] = ttl

    def delete(self, key: str) -> None:
        self.values.pop(key, None)

    def close(self) -> None:
        return None


@pytest.fixture
def memory_cache(monkeypatch: pytest.MonkeyPatch) -> MemoryCache:
    fake = MemoryCache()
    monkeypatch.setattr(ppcache, "_default", fake)
    return fake


def _rename_in_table(account_aws: Any, tenant_id: str, name: str) -> None:
    """Change the stored tenant behind the service's back, to see where reads come from."""
    table = account_aws.Table("purposepath-tenants-test")
    table.update_item(
        Key={"tenantId": tenant_id},
        UpdateExpression="SET #n = :n",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": name},
    )


def test_the_tenant_is_cached_with_a_short_ttl_and_then_served_from_the_cache(
    client: Client, account_aws: Any, memory_cache: MemoryCache
) -> None:
    account = client.register(tenant="Cached Co")
    key = users.tenant_cache_key(account.tenant_id)

    first = client.call("GET", "/tenants/current", token=account.access_token)
    _rename_in_table(account_aws, account.tenant_id, "Renamed In Table")
    second = client.call("GET", "/tenants/current", token=account.access_token)

    assert first.json() == {"tenantId": account.tenant_id, "name": "Cached Co"}
    assert json.loads(memory_cache.values[key]) == first.json()
    assert 0 < memory_cache.ttls[key] <= 300
    assert second.json() == first.json()  # the table changed; the cache answered


def test_deleting_the_sole_owner_removes_the_cached_tenant(
    client: Client, memory_cache: MemoryCache
) -> None:
    account = client.register()
    client.call("GET", "/tenants/current", token=account.access_token)
    key = users.tenant_cache_key(account.tenant_id)
    assert key in memory_cache.values

    deleted = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    assert deleted.status == 204

    assert key not in memory_cache.values


def test_a_cache_entry_for_another_tenant_or_in_another_shape_is_ignored(
    client: Client, account_aws: Any, memory_cache: MemoryCache
) -> None:
    alice, bob = client.register(tenant="Alice Co"), client.register(tenant="Bob Co")
    memory_cache.values[users.tenant_cache_key(alice.tenant_id)] = json.dumps(
        {"tenantId": bob.tenant_id, "name": "Bob Co"}
    )
    memory_cache.values[users.tenant_cache_key(bob.tenant_id)] = "not json"

    assert client.call("GET", "/tenants/current", token=alice.access_token).json() == {
        "tenantId": alice.tenant_id,
        "name": "Alice Co",
    }
    assert client.call("GET", "/tenants/current", token=bob.access_token).json() == {
        "tenantId": bob.tenant_id,
        "name": "Bob Co",
    }


def test_without_a_cache_every_read_comes_from_the_table(
    client: Client, account_aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An endpoint where nothing listens: the cache turns itself off and the read goes on.
    monkeypatch.setattr(ppcache, "_default", ppcache.RedisCache("127.0.0.1", 9, tls=False))
    account = client.register(tenant="Uncached Co")
    client.call("GET", "/tenants/current", token=account.access_token)
    _rename_in_table(account_aws, account.tenant_id, "Renamed In Table")

    reply = client.call("GET", "/tenants/current", token=account.access_token)

    assert reply.status == 200
    assert reply.json()["name"] == "Renamed In Table"
