"""Coalesce concurrent query embeddings into one batch; remember recent ones.

Under load, twenty requests each encoding one short question fight over the
same two cores; encoding them together costs about 2.3x less per question
(measured on this machine). There is no waiting window: whoever finds the
encoder idle encodes everything queued at that moment, and the questions that
arrive meanwhile form the next batch. A lone question is therefore never
delayed.

Whoever encodes a batch leaves as soon as its own vector is ready: the next
batch is encoded by one of the callers still waiting. (The first version let
the first caller encode batch after batch until the queue ran dry; under
steady arrivals at full concurrency that one request could wait for any time:
the rare >10 s request of the load bench.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from assistant.models.length_batches import length_batches

EncodeFn = Callable[[list[str]], np.ndarray]


@dataclass
class _Pending:
    """A question waiting for its vector."""

    text: str
    length: int  # model tokens
    future: Future[np.ndarray] = field(default_factory=Future)
    passed_over: int = 0  # batches encoded without it while it waited


class QueryBatcher:
    """Thread-safe: ``encode(text)`` may be called from many threads at once.

    Each turn encodes one batch of questions of similar length (a long one
    never pads short ones), the shortest waiting first: a burst of long
    questions cannot hold the short ones behind it. A question passed over
    ``max_passed_over`` times goes next whatever its length, so long ones
    still get their turn under steady load.
    """

    def __init__(
        self,
        encode: EncodeFn,
        max_batch: int = 32,
        length: Callable[[str], int] = len,
        max_passed_over: int = 2,
    ) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._length = length
        self._max_passed_over = max_passed_over
        self._lock = threading.Lock()
        self._turn = threading.Condition(self._lock)  # "the encoder is free" or "results"
        self._pending: list[_Pending] = []  # in arrival order
        self._busy = False
        self.batches = 0  # for tests and benchmarks
        self.largest_batch = 0

    def encode(self, text: str) -> np.ndarray:
        item = _Pending(text, self._length(text))
        with self._lock:
            self._pending.append(item)
        while True:
            with self._turn:
                while self._busy and not item.future.done():
                    self._turn.wait()
                if item.future.done():
                    break
                self._busy = True
                batch = self._next_batch()
            try:
                self._run(batch)
            finally:
                with self._turn:
                    self._busy = False
                    self._turn.notify_all()
        return item.future.result()

    def _next_batch(self) -> list[_Pending]:
        """Take the next batch out of the queue (called with the lock held).

        The oldest overdue question's length group if one is overdue, else the
        shortest question's; the others waiting are passed over once more.
        """
        pending = self._pending
        overdue = [p for p in pending if p.passed_over >= self._max_passed_over]
        seed = overdue[0] if overdue else min(pending, key=lambda p: p.length)
        groups = length_batches([p.length for p in pending], self._max_batch)
        chosen = next(group for group in groups if pending.index(seed) in group)
        taken = set(chosen)
        batch = [pending[i] for i in sorted(chosen)]
        self._pending = [p for i, p in enumerate(pending) if i not in taken]
        for waiting in self._pending:
            waiting.passed_over += 1
        return batch

    def _run(self, batch: list[_Pending]) -> None:
        """Encode one batch; every waiter in it gets its vector or the error."""
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        try:
            vectors = self._encode([item.text for item in batch])
        except BaseException as exc:  # every waiter gets the error, none hangs
            for item in batch:
                item.future.set_exception(exc)
            return
        for item, vector in zip(batch, vectors, strict=True):
            item.future.set_result(vector)


class QueryCache:
    """Least-recently-used question embeddings, thread-safe (``size`` 0 keeps none).

    Keys are the exact text the model would see: a question differing by one
    character is another question. Stored vectors are read-only, so no caller
    can alter what the next one gets.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0  # for benchmarks and tests
        self.misses = 0

    def get(self, text: str) -> np.ndarray | None:
        if not self.size:
            return None
        with self._lock:
            vector = self._vectors.get(text)
            if vector is None:
                self.misses += 1
                return None
            self._vectors.move_to_end(text)
            self.hits += 1
            return vector

    def put(self, text: str, vector: np.ndarray) -> np.ndarray:
        """Remember ``vector`` for ``text``; returns the stored (read-only) vector."""
        vector = np.array(vector, dtype=np.float32, copy=True)
        vector.flags.writeable = False
        if not self.size:
            return vector
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)
