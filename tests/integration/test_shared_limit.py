"""The rate limit shared through a real ``redis-server`` (Debian's package)."""

from __future__ import annotations

from tests.dbservers import redis_server
from ui.shared_limit import RedisRateLimiter


def test_two_replicas_share_one_limit_and_survive_redis_loss() -> None:
    with redis_server() as url:
        replica_a = RedisRateLimiter(url, per_minute=5, key=b"k" * 32)
        replica_b = RedisRateLimiter(url, per_minute=5, key=b"k" * 32)
        allowed = [(replica_a if i % 2 else replica_b).check("198.51.100.4") == 0 for i in range(8)]
        assert allowed == [True] * 5 + [False] * 3, "5 per minute across both replicas"
        wait = replica_a.check("198.51.100.4")
        assert 0 < wait <= 60, "the wait is given in seconds (Retry-After)"
        assert replica_b.check("203.0.113.9") == 0, "another client has its own budget"
        keys = [k.decode() for k in replica_a.client.keys("*")]
        assert keys and not any("198.51.100.4" in k for k in keys), "addresses are hashed"
        assert replica_a.ping()["status"] == "ok"
        # a long question counts as several requests, on every replica
        assert replica_a.check("198.51.100.5", cost=4) == 0
        assert replica_b.check("198.51.100.5", cost=2) > 0, "4 + 2 > 5: refused, nothing counted"
        assert replica_b.check("198.51.100.5") == 0, "4 + 1 fits"
        assert replica_a.check("198.51.100.5") > 0
    # Redis is gone: each replica falls back to its own limit instead of failing
    assert replica_a.ping()["status"] == "down"
    assert [replica_a.check("198.51.100.4") == 0 for _ in range(6)] == [True] * 5 + [False]
