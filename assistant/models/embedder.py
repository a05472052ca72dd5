"""The embedding model, loaded from the verified models dir, never from a hub.

One :class:`Embedder` per process. It applies the model's own prompts
("query" for questions, "document" for passages), which EmbeddingGemma needs
for good retrieval, and runs them through one of two encoders:

* ``onnx`` (:class:`~assistant.models.onnx_encoder.OnnxEncoder`): the graph
  exported by ``assistant models fetch``, run by ONNX Runtime, about twice as
  fast as torch on a CPU without native bfloat16 and the same vectors (cosine
  1.000000); ``int8`` uses its dynamically quantised copy;
* ``torch`` (:class:`TorchEncoder`): sentence-transformers itself, float32 or
  bfloat16.

``ASSISTANT_EMBEDDING_BACKEND=auto`` (the default) takes ONNX when its export
is installed, torch otherwise. Which encoder built an index is recorded in its
manifest: queries must be encoded the same way (see ``check_index_matches``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ModelMissingError
from assistant.models.batching import QueryBatcher, QueryCache
from assistant.models.fetch import require_installed
from assistant.models.length_batches import length_batches
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


class Encoder(Protocol):
    """What the :class:`Embedder` needs from a backend."""

    backend: str
    precision: str
    max_seq_length: int

    def encode(self, texts: list[str], prompt_name: str, batch_size: int = 16) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...


class TorchEncoder:
    """sentence-transformers on torch (float32, or bfloat16 on CPUs that have it)."""

    backend = "torch"

    def __init__(self, path: Path, dtype: str = "float32") -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        _quiet_model_logs()
        self.precision = dtype
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        if dtype == "bfloat16":
            self.model.to(torch.bfloat16)
        self.model.eval()
        self.max_seq_length = int(self.model.max_seq_length or 512)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character span of each token of ``text`` (no special tokens)."""
        encoded = self.model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        return [tuple(span) for span in encoded.get("offset_mapping") or []]

    def encode(self, texts: list[str], prompt_name: str, batch_size: int = 16) -> np.ndarray:
        """Batches of similar token length (see :mod:`assistant.models.length_batches`)."""
        prompt = (self.model.prompts or {}).get(prompt_name, "")
        lengths = [self.count_tokens(prompt + text) for text in texts]
        out = np.empty((len(texts), self.model.get_sentence_embedding_dimension()), np.float32)
        for rows in length_batches(lengths, max(1, batch_size)):
            out[rows] = self.model.encode(
                [texts[i] for i in rows],
                prompt_name=prompt_name,
                batch_size=len(rows),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return out


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
        encoder: Encoder | None = None,
    ) -> None:
        """``encoder`` defaults to torch at ``dtype`` (see :func:`load_embedder`)."""
        self.path = Path(path)
        self.manifest = manifest
        self.batch_size = batch_size
        self.encoder: Encoder = encoder or TorchEncoder(self.path, dtype)
        self._query_batcher = QueryBatcher(
            self._encode_queries_now, length=lambda text: self.encoder.count_tokens(text)
        )
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

    @property
    def backend(self) -> str:
        """``onnx`` or ``torch``: recorded in the index manifest."""
        return self.encoder.backend

    @property
    def precision(self) -> str:
        """``float32``, ``bfloat16`` (torch) or ``int8`` (ONNX): recorded in the index manifest."""
        return self.encoder.precision

    @property
    def dtype(self) -> str:
        """Former name of :attr:`precision` (index manifests keep both)."""
        return self.precision

    @property
    def encoding(self) -> dict[str, str]:
        """How vectors are made: an index and its queries must agree on it."""
        return {"backend": self.backend, "precision": self.precision}

    @property
    def max_seq_length(self) -> int:
        return self.encoder.max_seq_length

    # -- tokens -------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (used to bound chunk size)."""
        return self.encoder.count_tokens(text)

    def truncate(self, text: str, max_tokens: int) -> str:
        """The start of ``text`` that fits in ``max_tokens`` model tokens (cut between tokens).

        Bounds what one question costs: a 2,000-character question is ~2,000
        tokens of attention for the model, tens of seconds of CPU under load,
        while the retrieval of a real question never needs more than its start.
        """
        if max_tokens <= 0 or len(text) <= max_tokens:  # a token is at least one character
            return text
        offsets = self.encoder.token_offsets(text)
        if len(offsets) <= max_tokens:
            return text
        return text[: offsets[max_tokens - 1][1]].rstrip()

    # -- encoding -----------------------------------------------------------
    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Passage embeddings (normalised, float32) with the "document" prompt."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.encoder.encode(texts, self.manifest.document_prompt, self.batch_size)

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
        return self.encoder.encode(texts, self.manifest.query_prompt, self.batch_size)

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


@dataclass(frozen=True)
class Encoding:
    """The encoder the settings select, decided without loading any model."""

    backend: str
    precision: str
    #: the ONNX graph (``onnx`` only)
    graph: Path | None = None
    #: why ``auto`` did not pick ONNX (for the log)
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"backend": self.backend, "precision": self.precision}


def resolve_encoding(settings: Settings, manifest: ModelManifest | None = None) -> Encoding:
    """Backend and precision for ``settings`` (cheap: file checks only, nothing loaded).

    ``auto`` is ONNX when ``onnxruntime`` is importable and the export at the
    wanted precision is installed, torch otherwise; ``onnx`` insists (a clear
    error names the command that makes the export); ``torch`` never looks at ONNX.
    """
    from assistant.models import onnx_export
    from assistant.models.onnx_encoder import onnxruntime_available

    manifest = manifest or get_manifest(settings.embedding_model)
    torch_choice = Encoding("torch", resolve_dtype(settings.embedding_dtype))
    if settings.embedding_backend == "torch":
        return torch_choice
    precision = "int8" if settings.embedding_quantize == "int8" else "float32"
    if settings.embedding_backend == "onnx":
        if not onnxruntime_available():
            raise ModelMissingError(
                "ASSISTANT_EMBEDDING_BACKEND=onnx but onnxruntime is not installed "
                "(pip install onnxruntime), or set ASSISTANT_EMBEDDING_BACKEND=torch."
            )
        graph = onnx_export.require_exported(settings.models_dir, manifest, precision)
        return Encoding("onnx", precision, graph)
    if not onnxruntime_available():
        return Encoding(torch_choice.backend, torch_choice.precision, reason="no onnxruntime")
    if not onnx_export.is_exported(settings.models_dir, manifest, precision):
        return Encoding(
            torch_choice.backend,
            torch_choice.precision,
            reason=f"no ONNX export ({precision}): run `assistant models fetch`",
        )
    return Encoding(
        "onnx", precision, onnx_export.onnx_path(settings.models_dir, manifest, precision)
    )


def load_embedder(settings: Settings) -> Embedder:
    """Load the configured model from the models dir (clear error if not fetched)."""
    manifest = get_manifest(settings.embedding_model)
    path = require_installed(settings.models_dir, manifest)
    choice = resolve_encoding(settings, manifest)
    if choice.reason:
        log.info("embedding backend torch (%s)", choice.reason)
    log.info("loading %s (%s, %s) from %s", manifest.id, choice.backend, choice.precision, path)
    encoder: Encoder
    if choice.backend == "onnx":
        from assistant.models.onnx_encoder import OnnxEncoder

        assert choice.graph is not None
        encoder = OnnxEncoder(path, choice.graph, precision=choice.precision)
    else:
        encoder = TorchEncoder(path, choice.precision)
    return Embedder(
        path,
        manifest,
        batch_size=settings.embedding_batch_size,
        query_cache=settings.embedding_query_cache,
        encoder=encoder,
    )
