"""Test doubles shared by the tiers (never used by product code).

``FakeBackend`` is a scripted LLM backend: what it replies, how long it waits
before the first token and between tokens, or which exception it raises. It is
for tests about what surrounds the model (fallback, deadlines, streaming over
HTTP); the real models are tested in ``tests/e2e``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator


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
    ) -> None:
        self.reply = reply
        self.first_delay = first_delay
        self.token_delay = token_delay
        self.error = error
        self.calls: list[list[dict[str, str]]] = []
        self.closed = False

    def stream(self, messages, *, max_tokens, temperature=0.0, stop=None) -> Iterator[str]:
        self.calls.append(messages)
        time.sleep(self.first_delay)
        if self.error is not None:
            raise self.error
        try:
            reply = self.reply(messages) if callable(self.reply) else self.reply
            for i, word in enumerate(reply.split(" ")):
                if i:
                    time.sleep(self.token_delay)
                yield word if i == 0 else " " + word
        finally:
            self.closed = True

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def available(self) -> bool:
        return True
