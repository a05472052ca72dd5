"""Concurrent query embeddings are coalesced; each caller gets its own vector."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.models.batching import QueryBatcher


def test_concurrent_callers_share_batches_and_get_their_own_vector() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        time.sleep(0.05)  # a slow forward pass lets the others queue up
        return np.array([[float(len(t))] for t in texts])

    batcher = QueryBatcher(encode)
    results: dict[str, float] = {}
    texts = [f"q{'x' * i}" for i in range(12)]

    def worker(text: str) -> None:
        results[text] = float(batcher.encode(text)[0])

    threads = [threading.Thread(target=worker, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {t: float(len(t)) for t in texts}
    assert len(calls) < len(texts) and batcher.largest_batch > 1


def test_a_lone_query_is_encoded_at_once() -> None:
    batcher = QueryBatcher(lambda texts: np.ones((len(texts), 2)))
    assert batcher.encode("seule").tolist() == [1.0, 1.0]
    assert batcher.batches == 1 and batcher.largest_batch == 1


def test_an_encoder_error_reaches_every_waiter_and_the_batcher_recovers() -> None:
    fail = True

    def encode(texts: list[str]) -> np.ndarray:
        if fail:
            raise RuntimeError("model crashed")
        return np.zeros((len(texts), 1))

    batcher = QueryBatcher(encode)
    with pytest.raises(RuntimeError, match="model crashed"):
        batcher.encode("a")
    fail = False
    assert batcher.encode("b").shape == (1,)


def test_query_cache_keeps_the_most_recent_questions_read_only() -> None:
    from assistant.models.batching import QueryCache

    cache = QueryCache(2)
    stored = cache.put("budget ?", np.array([1.0, 0.0]))
    assert cache.get("budget ?") is stored and cache.get("formation ?") is None
    cache.put("formation ?", np.array([0.0, 1.0]))
    cache.get("budget ?")  # used: "formation ?" is now the oldest
    cache.put("recherche ?", np.array([0.5, 0.5]))
    assert cache.get("formation ?") is None and cache.get("budget ?") is not None
    assert len(cache) == 2 and (cache.hits, cache.misses) == (3, 2)
    with pytest.raises(ValueError):
        stored[0] = 9.0  # nobody can alter what the next caller gets


def test_a_zero_size_query_cache_keeps_nothing() -> None:
    from assistant.models.batching import QueryCache

    cache = QueryCache(0)
    cache.put("budget ?", np.array([1.0]))
    assert cache.get("budget ?") is None and len(cache) == 0


def test_a_caller_leaves_as_soon_as_its_own_vector_is_ready() -> None:
    """The rare >10 s request under full concurrency: the first caller used to encode
    every batch that queued behind it, and returned only when the queue ran dry, which
    under steady arrivals could take any time. Each caller now leaves with its vector;
    the next batch is encoded by one of the callers still waiting."""
    batcher = QueryBatcher(lambda texts: encode(texts))
    first_batch_running = threading.Event()
    release_first = threading.Event()
    encoded_by: dict[str, str] = {}

    def encode(texts: list[str]) -> np.ndarray:
        for text in texts:
            encoded_by[text] = threading.current_thread().name
        if texts == ["a"]:
            first_batch_running.set()
            assert release_first.wait(30)
        return np.zeros((len(texts), 1))

    a = threading.Thread(target=batcher.encode, args=("a",), name="caller-a")
    b = threading.Thread(target=batcher.encode, args=("b",), name="caller-b")
    a.start()
    assert first_batch_running.wait(30)
    b.start()
    for _ in range(3000):  # until "b" is queued behind the running batch
        with batcher._lock:
            if batcher._pending:
                break
        time.sleep(0.01)
    release_first.set()
    a.join(30)
    b.join(30)
    assert encoded_by == {"a": "caller-a", "b": "caller-b"}
