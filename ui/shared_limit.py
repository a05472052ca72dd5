"""Rate limit shared by every replica through Redis (``ASSISTANT_REDIS_URL``).

A ``ui.security.RateLimiter`` (``check(key) -> seconds to wait``),
so the middleware does not know which one it has. The sliding one-minute window
is a sorted set per client, trimmed, counted and appended in one Lua script
with Redis's own clock: atomic across replicas on any number of machines.
Client addresses are keyed-hashed before they become Redis keys.

If Redis stops answering, each replica falls back to its own in-process limit
(logged once per outage): a broken Redis must not take the public chat down.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from ui.security import InProcessRateLimiter, RateLimiter

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - window)
local cost = tonumber(ARGV[4])
local count = redis.call('ZCARD', KEYS[1])
local excess = count + cost - limit
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], excess - 1, excess - 1, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) + window - now, 1)
end
for i = 1, cost do
  redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. i)
end
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class RedisRateLimiter(RateLimiter):
    """Sliding window per client in Redis; per-process fallback when Redis is down."""

    def __init__(
        self, url: str, per_minute: int, key: bytes, window: float = 60.0, prefix: str = "oc:rl:"
    ) -> None:
        import redis

        self.per_minute = per_minute
        self.window_ms = int(window * 1000)
        self.prefix = prefix
        self.key = key
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.script = self.client.register_script(_SCRIPT)
        self.fallback = InProcessRateLimiter(per_minute, window)
        self._down = False
        self._lock = threading.Lock()

    def check(self, key: str, now: float | None = None, cost: int = 1) -> float:
        if self.per_minute <= 0:
            return 0.0
        cost = max(1, min(cost, self.per_minute))
        from assistant.accounts import keyed_hash

        try:
            wait_ms = self.script(
                keys=[self.prefix + keyed_hash(self.key, key)],
                args=[self.window_ms, self.per_minute, uuid.uuid4().hex, cost],
            )
        except Exception as exc:
            with self._lock:
                if not self._down:
                    log.warning("Redis rate limit unavailable (%s): per-process limit", exc)
                self._down = True
            return self.fallback.check(key, now, cost)
        if self._down:
            log.warning("Redis rate limit back")
            self._down = False
        return float(wait_ms) / 1000.0

    def ping(self) -> dict[str, Any]:
        try:
            self.client.ping()
            return {"status": "ok", "shared": True}
        except Exception as exc:
            return {"status": "down", "shared": True, "error": type(exc).__name__}


def make_limiter(settings: Settings) -> RateLimiter:
    """Redis-shared when ``ASSISTANT_REDIS_URL`` is set, else the in-process limiter."""
    if settings.redis_url:
        from assistant.accounts import secret_key

        return RedisRateLimiter(
            settings.redis_url, settings.rate_limit_per_minute, secret_key(settings)
        )
    return InProcessRateLimiter(settings.rate_limit_per_minute)
