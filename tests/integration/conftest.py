"""Integration helpers around the real embedding model."""

from __future__ import annotations

from assistant.models.embedder import Embedder


class CountingEmbedder:
    """Wraps the real embedder to count (and optionally break) document encodes."""

    def __init__(self, inner: Embedder, fail_after: int | None = None) -> None:
        self.inner = inner
        self.encoded = 0
        self.fail_after = fail_after

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode_documents(self, texts, **kwargs):
        if self.fail_after is not None and self.encoded + len(texts) > self.fail_after:
            raise RuntimeError("simulated crash in the middle of a build")
        self.encoded += len(texts)
        return self.inner.encode_documents(texts, **kwargs)
