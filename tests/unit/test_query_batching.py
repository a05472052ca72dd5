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
