"""The small interface every generation backend implements.

The answering chain only needs three things from a language model: stream the
tokens of a chat completion, count tokens (to bound the prompt), and say
whether it is usable at all (for ``ASSISTANT_ANSWER_MODE=auto``). Keeping the
interface this narrow lets a local llama.cpp model and any OpenAI-compatible
server (vLLM, Ollama, llama.cpp's server, public-sector APIs) stand behind it
interchangeably, and lets tests use a tiny fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypedDict, runtime_checkable

from assistant.errors import AssistantError


class Message(TypedDict):
    """One chat message, in the OpenAI format every backend accepts."""

    role: str  # system | user | assistant
    content: str


class BackendError(AssistantError):
    """The backend failed (down, refused, malformed reply). Callers fall back."""


@runtime_checkable
class LLMBackend(Protocol):
    """A chat model that streams text."""

    #: Short name for logs and reports: "local", "openai", "fake".
    name: str

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the completion's text pieces as they are generated.

        May raise :class:`BackendError` (or anything else: callers treat every
        exception as a failure). Closing the iterator early must stop the
        generation, so that a deadline frees the model.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` costs in a prompt (exact or a safe over-estimate)."""
        ...

    def available(self) -> bool:
        """Whether the backend can answer now (cheap; used by ``auto`` mode)."""
        ...
