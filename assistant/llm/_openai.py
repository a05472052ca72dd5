"""``openai`` backend: any OpenAI-compatible server, through langchain-openai.

vLLM, Ollama, llama.cpp's server and several public-sector APIs speak this
protocol; URL, key and model name come from settings. Retries are off: the
deadline logic falls back to the extractive answer instead of waiting.
Token counts use a conservative characters-per-token ratio, since the
server's tokenizer is unknown here (over-estimating keeps prompts in budget).
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.llm.base import BackendError, Message

#: French text runs at ~4 characters per token on common tokenizers; 3 over-counts.
CHARS_PER_TOKEN = 3.0


class OpenAICompatibleBackend:
    """Chat completions from an OpenAI-compatible HTTP API."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s
        self._chat = ChatOpenAI(
            base_url=self.base_url,
            api_key=api_key or "not-needed",  # type: ignore[arg-type]
            model=model,
            timeout=timeout_s,
            max_retries=0,
            streaming=True,
            temperature=0.0,
        )

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        try:
            for chunk in self._chat.stream(
                [dict(m) for m in messages],
                stop=stop,
                max_tokens=max_tokens,
                temperature=temperature,
            ):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except GeneratorExit:
            raise
        except Exception as exc:  # openai raises many types; callers need one
            raise BackendError(f"{self.base_url}: {exc}") from exc

    def count_tokens(self, text: str) -> int:
        return int(len(text) / CHARS_PER_TOKEN) + 1

    def available(self) -> bool:
        """Whether the server answers ``GET /models`` (2 s at most)."""
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.get(f"{self.base_url}/models", headers=headers, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code < 500 and response.status_code not in (401, 403)
