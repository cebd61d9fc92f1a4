"""The h-redis seam into moto still holds (names the moto attribute if not)."""

from __future__ import annotations

from moto.elasticache.models import ElastiCacheBackend

from pplocalaws import seams


def test_backend_local_state() -> None:
    backend = ElastiCacheBackend("us-east-1", "123456789012")
    state = seams.backend_local_state(backend, "user_groups")
    state["g"] = "a group"

    assert seams.backend_local_state(backend, "user_groups") is state  # the same dict
    assert seams.backend_local_state(backend, "other") == {}  # one dict per name

    backend.reset()  # what moto's reset (mock_aws exit, /moto-api/reset) does to each backend

    assert seams.backend_local_state(backend, "user_groups") == {}, (
        "moto changed: BaseBackend.reset no longer replaces the backend's __dict__, so the "
        "local AWS's user groups would outlive a reset; update seams.backend_local_state"
    )
    assert "default" in backend.users  # moto's __init__ ran again: the built-in user is back
