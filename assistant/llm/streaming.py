"""``Assistant.ask_stream``: the answer's tokens as they are written, then the answer.

Events (plain dicts, ready for SSE as JSON):

* ``{"type": "token", "text": "..."}``, zero or more: the generated text as it
  comes (LLM mode only; its [n] markers follow the prompt's numbering);
* ``{"type": "final", "answer": Answer.to_dict(), "replaced": bool}``, once,
  last: the checked answer. It always supersedes the tokens (the guard may
  have renumbered citations); ``replaced`` is true when the streamed text was
  thrown away for the extractive answer (guard failure, timeout, error), in
  which case ``answer["notice"]`` says so.

The chain runs in a worker thread; tokens reach this generator through a
queue, so a slow consumer never stalls generation and deadlines still hold.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from assistant.llm.composer import TOKEN_SINK

_DONE = object()


def stream_answer(ask: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """Run ``ask()`` (which returns an ``Answer``) in a thread, yielding its events."""
    events: queue.Queue[Any] = queue.Queue()
    outcome: dict[str, Any] = {}

    def run() -> None:
        TOKEN_SINK.set(lambda text: events.put({"type": "token", "text": text}))
        try:
            outcome["answer"] = ask()
        except BaseException as exc:  # re-raised in the consumer's thread
            outcome["error"] = exc
        finally:
            events.put(_DONE)

    threading.Thread(target=run, name="ask-stream", daemon=True).start()
    while (event := events.get()) is not _DONE:
        yield event
    if "error" in outcome:
        raise outcome["error"]
    yield final_event(outcome["answer"])


def final_event(answer: Any) -> dict[str, Any]:
    """The last event of every stream: the checked answer."""
    return {"type": "final", "answer": answer.to_dict(), "replaced": bool(answer.replaced)}
