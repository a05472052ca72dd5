"""Batches of similar token length: a long text never pads a batch of short ones."""

from __future__ import annotations

import threading
import time

import numpy as np

from assistant.models.batching import QueryBatcher
from assistant.models.length_batches import length_batches


def test_a_long_question_is_not_batched_with_short_ones() -> None:
    lengths = [12, 13, 128, 12, 14, 11]
    groups = length_batches(lengths, max_rows=32)
    assert [2] in groups  # the 128-token question alone
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert len(groups) == 2


def test_groups_respect_the_row_limit_and_keep_padding_small() -> None:
    lengths = list(range(300, 50, -7))  # passages, longest first
    groups = length_batches(lengths, max_rows=8, max_padding=0.25)
    assert all(len(g) <= 8 for g in groups)
    for group in groups:
        width = max(lengths[i] for i in group)
        assert len(group) * width <= 1.25 * sum(lengths[i] for i in group)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))


def test_no_texts_no_batches() -> None:
    assert length_batches([], max_rows=16) == []


def test_short_questions_go_before_a_long_one_queued_with_them() -> None:
    """Under a flood of long questions, the short ones queued at the same time are
    encoded first, in a batch of their own; the long one still gets its turn."""
    order: list[list[str]] = []
    running = threading.Event()
    release = threading.Event()

    def encode(texts: list[str]) -> np.ndarray:
        order.append(list(texts))
        if texts == ["first"]:
            running.set()
            assert release.wait(30)
        return np.zeros((len(texts), 1))

    batcher = QueryBatcher(encode, length=len)
    threads = [threading.Thread(target=batcher.encode, args=("first",))]
    threads[0].start()
    assert running.wait(30)
    for text in ["L" * 200, "court", "bref"]:  # queued while "first" encodes
        threads.append(threading.Thread(target=batcher.encode, args=(text,)))
        threads[-1].start()
    for _ in range(3000):
        with batcher._lock:
            if len(batcher._pending) == 3:
                break
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(30)
    assert order[0] == ["first"]
    assert sorted(order[1]) == ["bref", "court"]
    assert order[2] == ["L" * 200]


def test_a_passed_over_long_question_is_not_starved() -> None:
    batcher = QueryBatcher(lambda texts: np.zeros((len(texts), 1)), length=len)
    long_item_batches: list[int] = []
    # simulate a queue where short questions keep arriving: drive _next_batch directly
    from assistant.models.batching import _Pending

    batcher._pending = [_Pending("L" * 200, 200)]
    for turn in range(5):
        batcher._pending.append(_Pending(f"q{turn}", 2))
        batch = batcher._next_batch()
        if any(item.length == 200 for item in batch):
            long_item_batches.append(turn)
            break
    assert long_item_batches == [2]  # passed over twice, then served
