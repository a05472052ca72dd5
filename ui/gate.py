"""At most N answers computed at once, whoever asks (API, chat, widget).

The embedding model already uses every core for one query; twenty threads
each running it at the same time only fight over the cores (and their
memory), which makes every request slow. Queuing beyond N keeps each
computation fast. Measured with ``bench/load.py --questions unique`` (20
clients, every question new): a gate of 16 gives the best throughput (8 and 24
less); a gate at the number of clients gives a fairer tail (p95 about 1.3x the
mean instead of 1.8x) but about 10 % less throughput, and in 3 runs of 5 one
request stalled past the client's 10 s timeout (cause not found; never seen
with the gate at 16).

A request waits for its turn at most ``deadline`` seconds
(``ASSISTANT_REQUEST_DEADLINE_SECONDS``): past it, ``BusyError`` (503 with
``Retry-After`` and a sentence saying to retry) instead of a connection held
open for minutes while a burst drains. The work of each answer is bounded by
the question's token budget (``ASSISTANT_QUERY_MAX_TOKENS``), so a slot comes
free quickly once a request has it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from assistant.errors import BusyError

#: Said to the client when no slot came free within the deadline.
BUSY_MESSAGE = (
    "Le service est très sollicité : réessayez dans quelques secondes. "
    "(The service is busy: please retry in a few seconds.)"
)


class GatedAssistant:
    """Proxy of ``Assistant`` whose model-bound calls share a semaphore."""

    GATED = frozenset({"ask", "search", "eligibility"})

    def __init__(self, bot: Any, concurrency: int, deadline: float | None = None) -> None:
        self._bot = bot
        self._gate = threading.BoundedSemaphore(max(1, concurrency))
        self._deadline = deadline

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the N slots; ``BusyError`` when none frees within the deadline."""
        if not self._gate.acquire(timeout=self._deadline):
            raise BusyError(BUSY_MESSAGE, retry_after=5)
        try:
            yield
        finally:
            self._gate.release()

    @property
    def unwrapped(self) -> Any:
        """The ``Assistant`` currently answering."""
        return self._bot

    def swap(self, bot: Any) -> None:
        """Answer with ``bot`` from the next call on (one assignment: atomic for readers)."""
        self._bot = bot

    def ask_stream(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """``ask_stream`` holding the gate while the answer is computed.

        The question is validated now (``QuestionError`` before any event); the
        gate is taken when the first event is asked for, which is when the
        answer starts being computed, and given back when the stream ends or
        the client goes away (the generator is closed).
        """
        events = self._bot.ask_stream(*args, **kwargs)

        def gated() -> Iterator[dict[str, Any]]:
            with self.slot():
                yield from events

        return gated()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._bot, name)
        if name not in self.GATED or not callable(attr):
            return attr

        def gated(*args: Any, **kwargs: Any) -> Any:
            with self.slot():
                return attr(*args, **kwargs)

        return gated
