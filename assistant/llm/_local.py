"""``local`` backend: a GGUF model in this process, through llama-cpp-python.

llama-cpp-python is an optional extra (``pip install -e ".[llm]"``, built
once and cached by ``make llm``): it is imported only here. One model
instance serves every request; a lock serialises generations because a
llama.cpp context is not thread-safe, and the deadline logic (see
``deadline``) frees the caller while a generation queued behind it waits.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import AssistantError
from assistant.llm.base import Message

log = logging.getLogger(__name__)


def default_threads() -> int:
    """All cores but one (at least one).

    llama.cpp splits each matrix product across its threads and waits for the
    slowest: one thread preempted by another process (or by the embedding model
    in this one) stalls them all. Measured on the 2-core dev machine with one
    core busy elsewhere: 2 threads gave 0.3 tokens/s, 1 thread 14 tokens/s.
    """
    return max(1, (os.cpu_count() or 2) - 1)


class LlamaCppBackend:
    """A chat model loaded from a verified GGUF file."""

    name = "local"

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_threads_batch: int = 0,
        warm_prefix: list[Message] | None = None,
    ) -> None:
        # llama.cpp's OpenMP threads spin while waiting; when another process (or torch in
        # this one) holds a core, spinning threads starve each other: measured 0.3 tokens/s
        # with 2 spinning threads on a busy 2-core machine, 14 tokens/s when they sleep.
        # Read by libgomp when llama_cpp loads it, so set before the import.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_cpp import Llama, LlamaRAMCache
        except ImportError as exc:
            raise AssistantError(
                "llama-cpp-python is not installed: run `make llm` (or "
                '`pip install -e ".[llm]"`) to use the local generative model.'
            ) from exc
        threads = n_threads or default_threads()
        # Reading the prompt is one big matrix product per layer: it scales with cores
        # (measured here, 500 prompt tokens: 37 tokens/s on one thread, 62 on two), and
        # with passive waiting a preempted thread no longer stalls the others for long.
        # Writing the answer, token by token, stays on ``threads``.
        batch_threads = max(threads, n_threads_batch or (os.cpu_count() or 1))
        self.model_path = Path(model_path)
        self._llm = Llama(
            model_path=str(self.model_path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=batch_threads,
            n_batch=512,
            seed=0,
            verbose=False,
        )
        # Prompt states by prefix: the answer prompt's system part survives a follow-up
        # rewrite (another system prompt) instead of being evaluated again (~250 tokens).
        self._llm.set_cache(LlamaRAMCache(capacity_bytes=256 << 20))
        self._lock = threading.Lock()
        if warm_prefix:
            # evaluate the system prompt once now: the first question then pays only
            # for its passages (and the model's pages are read from disk here, not then)
            started = time.perf_counter()
            for _ in self.stream(warm_prefix, max_tokens=1):
                pass
            log.info("local LLM warmed in %.1f s", time.perf_counter() - started)
        log.info(
            "local LLM loaded: %s (%d threads, %d for prompts)",
            self.model_path.name,
            threads,
            batch_threads,
        )

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        with self._lock:
            chunks = self._llm.create_chat_completion(
                messages=[dict(m) for m in messages],  # type: ignore[misc]
                max_tokens=max_tokens,
                temperature=temperature,
                top_k=1 if temperature == 0 else 40,
                stop=stop or [],
                stream=True,
            )
            try:
                for chunk in chunks:  # type: ignore[union-attr]
                    piece = chunk["choices"][0]["delta"].get("content")  # type: ignore[index]
                    if piece:
                        yield piece
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()

    def count_tokens(self, text: str) -> int:
        # tokenising reads the vocabulary only: safe beside a running generation
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def available(self) -> bool:
        return True
