"""One settings object for the whole project.

Every tunable lives here and is read from ``ASSISTANT_*`` environment variables
(or an optional ``.env`` file), so that operators change behaviour without
touching code and ``assistant config`` can show exactly what is in force.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_cache_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    embedding_backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="auto = ONNX Runtime when its export is installed (`assistant models "
        "fetch` makes it), else torch; onnx = insist on it; torch = sentence-transformers.",
    )
    embedding_quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8 = the ONNX graph with dynamically quantised weights (faster, "
        "opt-in: it lowers retrieval quality on the golden set, see README).",
    )
    embedding_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="torch backend only: auto = bfloat16 on CPUs with native bf16 "
        "support, else float32.",
    )
    embedding_batch_size: int = Field(default=16, ge=1, le=256)
    embedding_query_cache: int = Field(
        default=4096,
        ge=0,
        le=1_000_000,
        description="Question embeddings kept in memory (3 KB each; 0 = none): the example "
        "questions and the common ones cost no model call when asked again.",
    )

    # --- corpus ------------------------------------------------------------
    max_document_mb: float = Field(
        default=5,
        gt=0,
        description="Largest corpus file indexed (MB); a bigger file is skipped with a "
        "message before any embedding work (a 50 MB file would take hours to embed).",
    )

    # --- chunking ----------------------------------------------------------
    chunk_max_tokens: int = Field(
        default=320, ge=32, le=2048, description="Upper bound of a chunk, in model tokens."
    )

    # --- retrieval ---------------------------------------------------------
    retrieval_top_k: int = Field(default=5, ge=1, le=50, description="Passages returned.")
    retrieval_dense_k: int = Field(default=20, ge=1, le=200, description="Dense candidates.")
    retrieval_lexical_k: int = Field(default=20, ge=1, le=200, description="BM25 candidates.")
    retrieval_rrf_k: int = Field(
        default=5, ge=1, description="Reciprocal rank fusion constant (tuned on the golden set)."
    )
    query_max_tokens: int = Field(
        default=128,
        ge=0,
        description="Model tokens of a question used for retrieval (embedded and BM25 query; "
        "0 = all): bounds the CPU one request costs; 128 leaves the golden set unchanged.",
    )
    retrieval_dense_weight: float = Field(default=1.0, ge=0)
    retrieval_lexical_weight: float = Field(default=1.0, ge=0)

    # --- refusal (calibrated with `assistant eval --calibrate`) -----------------
    refusal_threshold: float = Field(
        default=0.25, description="Minimum dense similarity of the best passage to answer."
    )
    refusal_margin: float = Field(
        default=0.12,
        description="Refuse when off-topic examples are this much closer than the corpus.",
    )

    # --- misc --------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    host: str = Field(default="127.0.0.1", description="Address `assistant serve` binds.")
    port: int = Field(default=7860, ge=1, le=65535)

    # --- web app -----------------------------------------------------------
    # (owned by the web app: ui/, assistant/feedback.py)
    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Sites allowed to embed /embed (CSP frame-ancestors) and to call the API "
            "(CORS), comma-separated origins, e.g. https://www.laregion.fr."
        ),
    )
    rate_limit_per_minute: int = Field(
        default=30, ge=0, description="API requests per client and minute (0 = no limit)."
    )
    rate_limit_tokens_per_request: int = Field(
        default=32,
        ge=0,
        description="A question counts as one request per this many model tokens in the "
        "rate limit (a 128-token question counts 4): long questions cost the cores more; "
        "0 = every question counts 1.",
    )
    feedback_db: Path = Field(
        default=PROJECT_ROOT / "var" / "feedback.sqlite3",
        description="SQLite file of the thumbs up/down left in the chat.",
    )
    max_request_bytes: int = Field(
        default=64_000, ge=1_000, description="Largest API request body accepted (bytes)."
    )
    max_gradio_request_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description="Largest body accepted by the chat's Gradio routes (the browser sends "
        "the conversation kept in the page with each question).",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDR networks, comma-separated) whose "
        "X-Forwarded-For names the client; empty = the socket peer is the client.",
    )
    answer_concurrency: int = Field(
        default=16,
        ge=1,
        le=64,
        description="Answers computed at once by the web app (others wait their turn).",
    )
    index_watch_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How often the server checks for a newly published index and switches "
        "to it without a restart (0 = never; old builds it serves are then kept).",
    )
    request_deadline_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Longest wait for a turn to answer; past it the client gets 503 with "
        "Retry-After and a message to retry, instead of a held connection.",
    )

    # --- the Région's side: database, staff, hand-off, question log ---------
    # (owned by issue 15: assistant/db/, assistant/accounts.py, ui/staff/)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the shared database (postgresql://user@host/db); "
        "unset = the embedded SQLite file ASSISTANT_FEEDBACK_DB.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs staff session cookies and the answers 👍/👎 rate (chat and API), "
        "keys the hash of client addresses; "
        "set the same value on every replica (unset = random per process).",
    )
    staff_users: SecretStr = Field(
        default=SecretStr(""),
        description="Staff accounts 'name:role:argon2-hash' separated by spaces or newlines "
        "(role: agent, editor or admin); see `assistant users hash`.",
    )
    staff_users_file: Path | None = Field(
        default=None, description="File of staff accounts, one 'name:role:argon2-hash' a line."
    )
    cookie_secure: bool = Field(
        default=True,
        description="Staff session cookie only sent over HTTPS (keep on in production).",
    )
    session_hours: float = Field(default=8.0, gt=0, description="Lifetime of a staff session.")
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins in a row before an account is locked."
    )
    login_lockout_minutes: float = Field(
        default=15.0, gt=0, description="How long a locked account stays locked."
    )
    smtp_url: str | None = Field(
        default=None,
        description="smtp://[user:password@]host:port (smtps:// for TLS) to notify the team "
        "of new hand-off tickets; unset = no e-mail.",
    )
    handoff_email: str = Field(
        default="", description="Team address notified of each new hand-off ticket."
    )
    smtp_from: str = Field(
        default="assistant-ia@localhost", description="Sender of the notification e-mails."
    )
    retention_days: int = Field(
        default=90, ge=1, description="Question log rows, feedback and closed tickets kept (days)."
    )
    review_months: int = Field(
        default=12, ge=1, description="A document whose last_reviewed is older is flagged stale."
    )
    reports_dir: Path = Field(
        default=PROJECT_ROOT / "reports",
        description="Where `assistant eval` writes its reports (the console shows the last).",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/0 to share the rate limit between replicas; "
        "unset = each process counts alone.",
    )
    question_log: bool = Field(
        default=True, description="Keep the (redacted) question log the editors' console reads."
    )

    # --- generative mode ---------------------------------------------------
    # (owned by the generative mode: assistant/llm/). The LLM writes, the figure
    # guard checks, and the extractive answer replaces anything unsupported.
    answer_mode: Literal["extractive", "llm", "auto"] = Field(
        default="extractive",
        description=(
            "extractive = the embedded composer (no LLM); llm = an LLM writes the answer; "
            "auto = llm when a backend is configured and reachable, otherwise extractive."
        ),
    )
    llm_backend: Literal["local", "openai"] = Field(
        default="local",
        description="local = llama-cpp-python with the GGUF of ASSISTANT_LLM_MODEL; "
        "openai = an OpenAI-compatible server (vLLM, Ollama, llama.cpp server...).",
    )
    llm_model: str = Field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m",
        description="Local GGUF (a manifest in assistant/models/manifests).",
    )
    llm_threads: int = Field(
        default=0, ge=0, description="CPU threads of the local model (0 = all cores but one)."
    )
    llm_context_tokens: int = Field(
        default=4096, ge=512, description="Context window allocated for the local model."
    )
    llm_openai_base_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible API (…/v1)."
    )
    llm_openai_api_key: SecretStr | None = Field(
        default=None, description="API key of the OpenAI-compatible server (if it needs one)."
    )
    llm_openai_model: str = Field(
        default="default", description="Model name sent to the OpenAI-compatible server."
    )
    llm_temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    llm_max_answer_tokens: int = Field(
        default=220, ge=16, le=2048, description="Upper bound of a generated answer."
    )
    llm_prompt_max_tokens: int = Field(
        default=950,
        ge=400,
        description="Prompt budget (system prompt and worked example included, ~250 tokens): "
        "lowest-ranked passages are dropped to fit it.",
    )
    llm_max_passages: int = Field(
        default=3, ge=1, le=20, description="Passages given to the LLM at most."
    )
    llm_deadline_seconds: float = Field(
        default=25.0,
        gt=0,
        description="Total time for a generated answer; past it the extractive answer is given.",
    )
    llm_first_token_seconds: float = Field(
        default=15.0, gt=0, description="Time allowed before the first generated token."
    )
    llm_condense: bool = Field(
        default=True, description="Rewrite follow-up questions with the LLM (else heuristics)."
    )
    llm_condense_seconds: float = Field(
        default=6.0, gt=0, description="Deadline of the follow-up rewrite (then heuristics)."
    )

    @field_validator("llm_openai_base_url")
    @classmethod
    def _blank_url_is_none(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator("embed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept "https://a.fr, https://b.fr"; keep only scheme://host[:port] origins."""
        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        if not isinstance(value, list):
            return value
        origins = []
        for item in value:
            origin = str(item).strip().rstrip("/")
            scheme, sep, rest = origin.partition("://")
            if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
                raise ValueError(
                    f"ASSISTANT_EMBED_ORIGINS: {item!r} is not an origin like https://www.example.fr"
                )
            origins.append(origin)
        return origins

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        """Accept "10.0.0.1, 10.1.0.0/16"; every item must be an address or a network."""
        import ipaddress

        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        if not isinstance(value, list):
            return value
        for item in value:
            try:
                ipaddress.ip_network(str(item).strip(), strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"ASSISTANT_TRUSTED_PROXIES: {item!r} is not an address or network"
                ) from exc
        return [str(item).strip() for item in value]

    @field_validator("chroma_url", "database_url", "smtp_url", "redis_url")
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
