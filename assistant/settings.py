"""One settings object for the whole project.

Every tunable lives here and is read from ``ASSISTANT_*`` environment variables
(or an optional ``.env`` file), so that operators change behaviour without
touching code and ``assistant config`` can show exactly what is in force.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Repository root when running from a checkout / editable install.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_models_dir() -> Path:
    # Shared by every clone on the machine: the embedding weights are 1.2 GB and
    # should be fetched once, not once per checkout.
    return Path(user_cache_dir("occitanie-ia-assistant")) / "models"


class Settings(BaseSettings):
    """Effective configuration (environment variables ``ASSISTANT_<FIELD>``)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", validate_default=True
    )

    # --- where things live -------------------------------------------------
    models_dir: Path = Field(
        default_factory=_default_models_dir,
        description="Folder holding verified models (shared between clones).",
    )
    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus", description="Plan texts, FAQs and data files."
    )
    index_dir: Path = Field(
        default=PROJECT_ROOT / "index", description="Persisted index (embedded Chroma)."
    )

    # --- vector store ------------------------------------------------------
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (http://host:port); unset = embedded store.",
    )
    collection_prefix: str = Field(
        default="plan_ia_occitanie", description="Prefix of the Chroma collection names."
    )

    # --- embedding model ---------------------------------------------------
    embedding_model: str = Field(
        default="google/embeddinggemma-300m",
        description="Embedding model id (a manifest in assistant/models/manifests).",
    )
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="auto = bfloat16 on CPUs with native bf16 support, else float32.",
    )
    embedding_batch_size: int = Field(default=16, ge=1, le=256)

    # --- chunking ----------------------------------------------------------
    chunk_max_tokens: int = Field(
        default=320, ge=32, le=2048, description="Upper bound of a chunk, in model tokens."
    )

    # --- retrieval ---------------------------------------------------------
    retrieval_top_k: int = Field(default=5, ge=1, le=50, description="Passages returned.")
    retrieval_dense_k: int = Field(default=20, ge=1, le=200, description="Dense candidates.")
    retrieval_lexical_k: int = Field(default=20, ge=1, le=200, description="BM25 candidates.")
    retrieval_rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant.")
    retrieval_dense_weight: float = Field(default=1.0, ge=0)
    retrieval_lexical_weight: float = Field(default=1.0, ge=0)

    # --- misc --------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    host: str = Field(default="127.0.0.1", description="Address `assistant serve` binds.")
    port: int = Field(default=7860, ge=1, le=65535)

    @field_validator("chroma_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def chroma_mode(self) -> str:
        """``server`` when a Chroma URL is configured, else ``embedded``."""
        return "server" if self.chroma_url else "embedded"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own ``Settings``)."""
    return Settings()
