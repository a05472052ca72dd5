"""The in-process rate limit counts a costly request as several."""

from __future__ import annotations

from ui.security import InProcessRateLimiter


def test_a_costly_request_uses_several_slots_and_waits_for_them() -> None:
    limiter = InProcessRateLimiter(per_minute=5, window=60.0)
    assert limiter.check("a", now=0.0, cost=4) == 0
    assert limiter.check("a", now=1.0, cost=2) == 59.0, "4 + 2 > 5: wait for the 4 to expire"
    assert limiter.check("a", now=2.0) == 0, "a refused request counted nothing: 4 + 1 fits"
    assert limiter.check("a", now=3.0) == 57.0
    assert limiter.check("b", now=3.0, cost=99) == 0, "a cost above the limit counts the limit"
    assert limiter.check("b", now=4.0) == 59.0
