"""The embedding model, loaded from the verified models dir, never from a hub.

One :class:`Embedder` per process: it wraps a ``SentenceTransformer`` and
applies the model's own prompts ("query" for questions, "document" for
passages), which EmbeddingGemma needs for good retrieval.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.models.batching import QueryBatcher, QueryCache
from assistant.models.fetch import require_installed
from assistant.models.manifest import ModelManifest, get_manifest

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

# The process must never reach for a hub: set before sentence-transformers loads.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def cpu_has_native_bf16() -> bool:
    """True on CPUs with bf16 instructions (AVX512-BF16 or AMX), where bf16 is ~2x faster."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_dtype(setting: str) -> str:
    """Map the ``embedding_dtype`` setting to a concrete dtype name."""
    if setting == "auto":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
    return setting


class Embedder(Embeddings):
    """Sentence embeddings with the model's query/document prompts.

    Implements LangChain's ``Embeddings`` so the same object serves the index,
    the retriever and any LangChain component.
    """

    def __init__(
        self,
        path: Path,
        manifest: ModelManifest,
        *,
        dtype: str = "float32",
        batch_size: int = 16,
        query_cache: int = 0,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.path = Path(path)
        self.manifest = manifest
        self.dtype = dtype
        self.batch_size = batch_size
        _quiet_model_logs()
        self.model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        if dtype == "bfloat16":
            self.model.to(torch.bfloat16)
        self.model.eval()
        self._query_batcher = QueryBatcher(self._encode_queries_now)
        self.query_cache = QueryCache(query_cache)

    # -- identity -----------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self.manifest.id

    @property
    def weights_sha256(self) -> str:
        return self.manifest.weights_sha256

    @property
    def dimension(self) -> int:
        return self.manifest.dimension

    @cached_property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length or 512)

    # -- tokens -------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (used to bound chunk size)."""
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def truncate(self, text: str, max_tokens: int) -> str:
        """The start of ``text`` that fits in ``max_tokens`` model tokens (cut between tokens).

        Bounds what one question costs: a 2,000-character question is ~2,000
        tokens of attention for the model, tens of seconds of CPU under load,
        while the retrieval of a real question never needs more than its start.
        """
        if max_tokens <= 0 or len(text) <= max_tokens:  # a token is at least one character
            return text
        encoded = self.model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        offsets = encoded.get("offset_mapping") or []
        if len(offsets) <= max_tokens:
            return text
        return text[: offsets[max_tokens - 1][1]].rstrip()

    # -- encoding -----------------------------------------------------------
    def encode_documents(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Passage embeddings (normalised, float32) with the "document" prompt."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = self.model.encode(
            texts,
            prompt_name=self.manifest.document_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(out, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Question embeddings (normalised, float32) with the "query" prompt.

        A single question goes through the batcher, so concurrent requests share
        one forward pass instead of competing for the cores, and through the
        query cache: a question asked again (an example button, a common
        question, the call-centre view's search of what it just asked) costs
        no model call. The vector depends only on the model and the text, so
        the cache never goes stale when the index changes.
        """
        if len(texts) == 1:
            text = texts[0]
            vector = self.query_cache.get(text)
            if vector is None:
                vector = self.query_cache.put(text, self._query_batcher.encode(text))
            return vector[None, :]
        return self._encode_queries_now(texts)

    def _encode_queries_now(self, texts: list[str]) -> np.ndarray:
        out = self.model.encode(
            texts,
            prompt_name=self.manifest.query_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    # -- LangChain Embeddings -------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_queries([text])[0].tolist()


def _quiet_model_logs() -> None:
    """Library chatter (weight-loading bars, prompt lists) is noise in a CLI and in logs."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)


def load_embedder(settings: Settings) -> Embedder:
    """Load the configured model from the models dir (clear error if not fetched)."""
    manifest = get_manifest(settings.embedding_model)
    path = require_installed(settings.models_dir, manifest)
    dtype = resolve_dtype(settings.embedding_dtype)
    log.info("loading %s (%s) from %s", manifest.id, dtype, path)
    return Embedder(
        path,
        manifest,
        dtype=dtype,
        batch_size=settings.embedding_batch_size,
        query_cache=settings.embedding_query_cache,
    )
