"""Run one generation under deadlines, never raising.

A generation is consumed in the caller's thread from a queue fed by a worker
thread, so the caller can give up on time even while the backend is blocked
(a local model evaluating its prompt, a server that accepted the connection
and went silent). Two limits: the first token must come within
``first_token_s`` (a dead or overloaded backend is detected early) and the
whole answer within ``deadline_s``. On any failure the caller gets the text
so far and an outcome, and falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from assistant.llm.base import LLMBackend, Message

log = logging.getLogger(__name__)

OK, TIMEOUT, ERROR = "ok", "timeout", "error"


@dataclass
class Generation:
    """What came back: ``outcome`` is ok, timeout or error."""

    text: str
    outcome: str
    first_token_s: float | None = None
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == OK


def generate(
    backend: LLMBackend,
    messages: list[Message],
    *,
    max_tokens: int,
    temperature: float,
    first_token_s: float,
    deadline_s: float,
    stop: list[str] | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Generation:
    """Stream a completion from ``backend``; give up at the deadlines."""
    pieces: queue.Queue[tuple[str, object]] = queue.Queue()
    cancel = threading.Event()

    def produce() -> None:
        try:
            stream = backend.stream(
                messages, max_tokens=max_tokens, temperature=temperature, stop=stop
            )
            try:
                for piece in stream:
                    if cancel.is_set():
                        break
                    pieces.put(("token", piece))
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
            pieces.put(("end", None))
        except BaseException as exc:  # the consumer decides; nothing escapes a thread
            pieces.put(("error", exc))

    started = time.monotonic()
    worker = threading.Thread(target=produce, name=f"llm-{backend.name}", daemon=True)
    worker.start()
    text: list[str] = []
    first: float | None = None

    def result(outcome: str, error: str | None = None) -> Generation:
        if outcome != OK:
            cancel.set()
        return Generation("".join(text), outcome, first, time.monotonic() - started, error)

    while True:
        now = time.monotonic()
        limit = started + deadline_s
        if first is None:
            limit = min(limit, started + first_token_s)
        try:
            kind, value = pieces.get(timeout=max(0.0, limit - now))
        except queue.Empty:
            which = "first token" if first is None else "answer"
            log.warning("%s backend: no %s within the deadline", backend.name, which)
            return result(TIMEOUT, f"no {which} within the deadline")
        if kind == "end":
            return result(OK)
        if kind == "error":
            log.warning("%s backend failed: %r", backend.name, value)
            return result(ERROR, repr(value)[:300])
        piece = str(value)
        if not piece:
            continue
        if first is None:
            first = time.monotonic() - started
        text.append(piece)
        if on_token is not None:
            try:
                on_token(piece)
            except Exception:  # a broken sink must not break the answer
                log.exception("token sink failed")
