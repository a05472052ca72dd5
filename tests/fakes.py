"""Test doubles shared by the tiers (never used by product code).

``FakeBackend`` is a scripted LLM backend: what it replies, how long it waits
before the first token and between tokens (or until the test releases it), or
which exception it raises. It is
for tests about what surrounds the model (fallback, deadlines, streaming over
HTTP); the real models are tested in ``tests/e2e``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

#: How long a held backend waits for its release at most (a broken fallback still ends).
HOLD_LIMIT_S = 60.0


class FakeBackend:
    """Replies ``reply`` token by token (split on spaces), or raises ``error``.

    ``reply`` may be a function of the chat messages, to script a reply per question.
    """

    name = "fake"

    def __init__(
        self,
        reply: str | Callable[[list[dict[str, str]]], str] = "",
        *,
        first_delay: float = 0.0,
        token_delay: float = 0.0,
        error: Exception | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        """``hold``: no token before the test sets this event (a backend stuck for as
        long as the test wants, so deadlines are proven without measuring time)."""
        self.reply = reply
        self.first_delay = first_delay
        self.token_delay = token_delay
        self.error = error
        self.hold = hold
        self.calls: list[list[dict[str, str]]] = []
        self.closed = False
        #: set when a generation ends (finished, failed or cancelled by its consumer)
        self.ended = threading.Event()
        self.tokens_sent = 0

    def stream(self, messages, *, max_tokens, temperature=0.0, stop=None) -> Iterator[str]:
        self.calls.append(messages)
        try:
            if self.hold is not None:
                self.hold.wait(HOLD_LIMIT_S)
            time.sleep(self.first_delay)
            if self.error is not None:
                raise self.error
            reply = self.reply(messages) if callable(self.reply) else self.reply
            for i, word in enumerate(reply.split(" ")):
                if i:
                    time.sleep(self.token_delay)
                self.tokens_sent += 1
                yield word if i == 0 else " " + word
        finally:
            self.closed = True
            self.ended.set()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def available(self) -> bool:
        return True
