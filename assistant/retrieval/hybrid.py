"""Dense + lexical search fused by reciprocal rank fusion, with metadata filters.

Dense search understands paraphrases ("la part formation" ~ "enveloppe
compétences"); BM25 nails exact terms, names and figures ("ANITI", "18 M€")
that embeddings blur. RRF combines their ranks without calibrating their
scores against each other. Weights and depths come from the settings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.retrieval.lexical import LexicalIndex
from assistant.text.french import tokenize


@dataclass(frozen=True)
class Filters:
    """Metadata filters; ``audience`` also keeps documents meant for everyone (``tous``)."""

    audience: str | None = None
    envelope: str | None = None
    topic: str | None = None
    language: str | None = None

    def is_empty(self) -> bool:
        return not (self.audience or self.envelope or self.topic or self.language)

    def accepts(self, meta: dict[str, Any]) -> bool:
        if self.audience and meta.get("audience") not in (self.audience, "tous"):
            return False
        if self.envelope and meta.get("envelope") != self.envelope:
            return False
        if self.topic and meta.get("topic") != self.topic:
            return False
        return not (self.language and meta.get("language") != self.language)

    def to_where(self) -> dict[str, Any] | None:
        """The same filter in Chroma's ``where`` syntax."""
        clauses: list[dict[str, Any]] = []
        if self.audience:
            clauses.append({"audience": {"$in": [self.audience, "tous"]}})
        if self.envelope:
            clauses.append({"envelope": self.envelope})
        if self.topic:
            clauses.append({"topic": self.topic})
        if self.language:
            clauses.append({"language": self.language})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass
class Passage:
    """One retrieved chunk with the evidence of both retrievers."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0  # fused (RRF) score
    dense: float | None = None  # cosine similarity to the query
    lexical: float | None = None  # BM25 score
    dense_rank: int | None = None
    lexical_rank: int | None = None

    @property
    def doc_id(self) -> str:
        return str(self.metadata.get("doc_id", ""))

    @property
    def is_faq(self) -> bool:
        return self.metadata.get("kind") == "faq"

    @property
    def context_text(self) -> str:
        """Title and section with the text: what BM25 and sentence scoring read."""
        parts = [str(self.metadata.get("title", "")), str(self.metadata.get("section", ""))]
        return "\n".join(p for p in parts if p) + "\n\n" + self.text


@dataclass
class SearchResult:
    """Passages plus what it took to find them (for the benchmark and refusal)."""

    passages: list[Passage]
    best_dense: float
    best_lexical: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None  # the query embedding (reused by the scope check)


class HybridSearcher:
    """Holds the live collection, the embedder and the in-memory BM25 index."""

    def __init__(
        self,
        collection: Any,
        embedder: Any,
        *,
        dense_k: int = 20,
        lexical_k: int = 20,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        dedup_threshold: float = 0.85,
        query_max_tokens: int = 0,
    ) -> None:
        self.collection = collection
        self.query_max_tokens = query_max_tokens
        self.embedder = embedder
        self.dense_k = dense_k
        self.lexical_k = lexical_k
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.dedup_threshold = dedup_threshold
        got = collection.get(include=["documents", "metadatas"])
        self.ids: list[str] = list(got["ids"])
        self.texts: list[str] = list(got["documents"])
        self.metadatas: list[dict[str, Any]] = list(got["metadatas"])
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        contexts = [
            Passage(i, t, m).context_text
            for i, t, m in zip(self.ids, self.texts, self.metadatas, strict=True)
        ]
        self.lexical = LexicalIndex(contexts, [m.get("language", "fr") for m in self.metadatas])
        self._token_sets = [set(tokenize(t)) for t in self.texts]

    def __len__(self) -> int:
        return len(self.ids)

    def passage(self, index: int) -> Passage:
        return Passage(self.ids[index], self.texts[index], self.metadatas[index])

    def passages_of(self, doc_id: str) -> list[Passage]:
        """All chunks of a document, in order (to cite a whole rule source)."""
        found = [self.passage(i) for i, m in enumerate(self.metadatas) if m.get("doc_id") == doc_id]
        return sorted(found, key=lambda p: p.id)

    def bounded(self, query: str) -> str:
        """``query`` cut to ``query_max_tokens`` model tokens (0 = no limit).

        The embedded and the lexical query are the same cut text: the work one
        question costs is bounded whatever its length.
        """
        if not self.query_max_tokens or len(query) <= self.query_max_tokens:
            return query
        truncate = getattr(self.embedder, "truncate", None)
        return truncate(query, self.query_max_tokens) if truncate else query

    # -- the two retrievers ---------------------------------------------------
    def dense_search(
        self, query: str, k: int, filters: Filters | None = None, vector: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity), best first."""
        if vector is None:
            vector = self.embedder.encode_queries([query])[0]
        where = filters.to_where() if filters else None
        got = self.collection.query(
            query_embeddings=[np.asarray(vector).tolist()],
            n_results=min(k, len(self.ids)),
            where=where,
            include=["distances"],
        )
        return [
            (self.position[i], 1.0 - float(d))
            for i, d in zip(got["ids"][0], got["distances"][0], strict=True)
            if i in self.position
        ]

    def lexical_search(
        self, query: str, k: int, filters: Filters | None = None, lang: str = "fr"
    ) -> list[tuple[int, float]]:
        """(chunk position, BM25 score), best first; chunks sharing no term are left out."""
        scores = self.lexical.scores(query, lang=lang)
        if filters and not filters.is_empty():
            for i, meta in enumerate(self.metadatas):
                if not filters.accepts(meta):
                    scores[i] = 0.0
        order = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    # -- fusion ---------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        lang: str = "fr",
        mode: str = "hybrid",
        vector: np.ndarray | None = None,
    ) -> SearchResult:
        """Top ``k`` passages; ``mode`` = hybrid | dense | lexical (for ablations).

        ``vector``: the query's embedding when the caller already has it (a second
        search of the same query with other filters costs no model call).
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        query = self.bounded(query)
        dense: list[tuple[int, float]] = []
        if mode == "lexical":
            vector = None
        elif vector is None:
            vector = self.embedder.encode_queries([query])[0]
        if mode in ("hybrid", "dense"):
            t1 = time.perf_counter()
            timings["embed_query"] = (t1 - t0) * 1000
            dense = self.dense_search(query, self.dense_k, filters, vector=vector)
            t0 = time.perf_counter()
            timings["dense_search"] = (t0 - t1) * 1000
        lexical: list[tuple[int, float]] = []
        if mode in ("hybrid", "lexical"):
            lexical = self.lexical_search(query, self.lexical_k, filters, lang=lang)
            t1 = time.perf_counter()
            timings["lexical_search"] = (t1 - t0) * 1000
            t0 = t1

        fused: dict[int, Passage] = {}
        for weight, hits, kind in (
            (self.dense_weight, dense, "dense"),
            (self.lexical_weight, lexical, "lexical"),
        ):
            for rank, (index, value) in enumerate(hits, 1):
                passage = fused.setdefault(index, self.passage(index))
                passage.score += weight / (self.rrf_k + rank)
                setattr(passage, kind, value)
                setattr(passage, f"{kind}_rank", rank)
        ranked = sorted(fused.values(), key=lambda p: p.score, reverse=True)
        result = self._dedup(ranked, k)
        timings["fusion"] = (time.perf_counter() - t0) * 1000
        return SearchResult(
            passages=result,
            best_dense=max((v for _, v in dense), default=0.0),
            best_lexical=max((v for _, v in lexical), default=0.0),
            timings_ms=timings,
            vector=vector,
        )

    def _dedup(self, ranked: list[Passage], k: int) -> list[Passage]:
        """Drop near-duplicates of a better-ranked passage (token-set Jaccard)."""
        kept: list[Passage] = []
        kept_sets: list[set[str]] = []
        for passage in ranked:
            tokens = self._token_sets[self.position[passage.id]]
            if any(_jaccard(tokens, other) >= self.dedup_threshold for other in kept_sets):
                continue
            kept.append(passage)
            kept_sets.append(tokens)
            if len(kept) == k:
                break
        return kept


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
