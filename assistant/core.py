"""The Python contract: ``Assistant.from_settings()`` then ``ask()``.

Other work (UI, API, evaluation) relies on exactly these names. The model and
the index are loaded once, in ``from_settings``; ``ask`` is then cheap and
safe to call from several threads.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import store
from assistant.errors import AssistantError, IndexMismatchError
from assistant.ingest.chunking import CHUNKER_VERSION
from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from assistant.models.embedder import Embedder

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
EMPTY_QUESTION_TEXT = (
    "Posez votre question sur le Plan IA Occitanie 2024-2028 : montants, enveloppes, "
    "public visé, calendrier ou contacts."
)


class QuestionError(AssistantError, ValueError):
    """The question cannot be processed as given (too long, not text)."""


@dataclass
class Citation:
    """One cited passage: what the user clicks to check an answer."""

    n: int
    doc_id: str
    title: str
    section: str
    page: int | None
    excerpt: str
    score: float
    source_title: str = ""
    source_url: str | None = None
    source_date: str = ""
    confidence: str = ""
    audience: str = ""
    language: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """What ``ask`` returns."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    question: str = ""
    query: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "refused": self.refused,
        }


def check_index_matches(manifest: dict[str, Any], embedder: Embedder) -> None:
    """Refuse an index built by another model or chunker (its vectors would be noise)."""
    built = manifest.get("embedding_model", {})
    if (
        built.get("id") != embedder.model_id
        or built.get("weights_sha256") != embedder.weights_sha256
    ):
        raise IndexMismatchError(
            f"The index was built with {built.get('id')} "
            f"(weights {str(built.get('weights_sha256'))[:12]}…) but the configured model is "
            f"{embedder.model_id} (weights {embedder.weights_sha256[:12]}…). "
            "Run `assistant index --force` to rebuild it."
        )
    if manifest.get("chunker_version") != CHUNKER_VERSION:
        raise IndexMismatchError(
            f"The index was built by chunker v{manifest.get('chunker_version')}, this code is "
            f"v{CHUNKER_VERSION}. Run `assistant index` to rebuild it."
        )


class Assistant:
    """Loads settings, model and index once; answers questions with citations."""

    def __init__(self, settings: Settings, embedder: Embedder, live: store.LiveIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        self.live = live

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        from assistant.models.embedder import load_embedder

        settings = settings or get_settings()
        embedder = load_embedder(settings)
        live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
        check_index_matches(live.manifest, embedder)
        return cls(settings, embedder, live)

    @property
    def manifest(self) -> dict[str, Any]:
        return self.live.manifest

    # -- retrieval ------------------------------------------------------------
    def search(self, query: str, k: int | None = None) -> list[Citation]:
        """Dense search over the live collection (best first)."""
        k = k or self.settings.retrieval_top_k
        vector = self.embedder.encode_queries([query])[0]
        got = self.live.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        citations = []
        for n, (doc, meta, dist) in enumerate(
            zip(got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True), 1
        ):
            citations.append(citation_from(n, doc, meta, score=1.0 - float(dist)))
        return citations

    # -- answering ------------------------------------------------------------
    def ask(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        """Answer ``question`` (the conversation so far in ``history``) with citations."""
        started = time.perf_counter()
        question = validate_question(question)
        if not question:
            return Answer(text=EMPTY_QUESTION_TEXT, refused=True, question=question)
        citations = self.search(question)
        lines = [f"- {c.excerpt} [{c.n}]" for c in citations[:3]]
        text = "Passages les plus pertinents :\n" + "\n".join(lines)
        answer = Answer(text=text, citations=citations[:3], question=question, query=question)
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return answer


def validate_question(question: Any) -> str:
    """Normalise a question; reject what cannot be a question with a clear message."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = " ".join(question.replace("\x00", " ").split())
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters long; the limit is "
            f"{MAX_QUESTION_CHARS}. Please shorten it."
        )
    return question


def citation_from(n: int, text: str, meta: dict[str, Any], score: float) -> Citation:
    """Build a citation from a stored chunk's metadata."""
    page = meta.get("page", -1)
    return Citation(
        n=n,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        page=int(page) if isinstance(page, int) and page >= 0 else None,
        excerpt=text,
        score=round(score, 4),
        source_title=str(meta.get("source_title", "")),
        source_url=str(meta.get("source_url") or "") or None,
        source_date=str(meta.get("source_date", "")),
        confidence=str(meta.get("confidence", "")),
        audience=str(meta.get("audience", "")),
        language=str(meta.get("language", "")),
    )
