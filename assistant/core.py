"""The Python contract: ``Assistant.from_settings()`` then ``ask()``.

Other work (UI, API, evaluation) relies on exactly these names. The model and
the index are loaded once, in ``from_settings``; ``ask`` is then cheap and
safe to call from several threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import store
from assistant.errors import IndexMismatchError, InputError
from assistant.ingest.chunking import CHUNKER_VERSION
from assistant.retrieval.hybrid import Filters
from assistant.settings import Settings, get_settings
from assistant.text.clean import first_invalid, invalid_text_message
from assistant.text.language import detect_language
from assistant.turn import Context, Turn

if TYPE_CHECKING:
    from assistant.knowledge import Knowledge
    from assistant.llm.base import LLMBackend
    from assistant.models.embedder import Embedder

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000


class QuestionError(InputError):
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
    source_publisher: str = ""
    #: every source of the document (title, publisher, date, url), primary first
    sources: list[dict[str, Any]] = field(default_factory=list)

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
    kind: str = "answer"  # answer | refusal | unspecified | eligibility | empty
    lang: str = "fr"
    contacts: list[dict[str, Any]] = field(default_factory=list)
    notice: str | None = None
    eligibility: dict[str, Any] | None = None
    #: the generated text was replaced by the extractive answer (LLM mode)
    replaced: bool = False
    #: what the question asked for (answer planner): amount, date, contact, ...
    intent: str = ""
    #: how each computed figure was derived from cited ones
    derivations: list[dict[str, Any]] = field(default_factory=list)
    #: the conversation's state after this turn: send it back with the next question
    context: dict[str, Any] = field(default_factory=dict)
    #: the filters asked for gave a worse answer than none: this one is unfiltered
    filters_ignored: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "refused": self.refused,
            "kind": self.kind,
            "lang": self.lang,
            "contacts": self.contacts,
            "notice": self.notice,
            "query": self.query,
            "eligibility": self.eligibility,
            "intent": self.intent,
            "derivations": self.derivations,
            "context": self.context,
            "filters_ignored": self.filters_ignored,
        }


def _whole_answer(ask: Any) -> Iterator[dict[str, Any]]:
    """The one ``final`` event of an extractive answer, computed when first asked for."""
    from assistant.llm.streaming import final_event

    yield final_event(ask())


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
    from assistant.indexer import built_encoding

    if built_encoding(built) != embedder.encoding:
        was, now = built_encoding(built), embedder.encoding
        raise IndexMismatchError(
            f"The index was built with the {was['backend']} encoder in {was['precision']} but "
            f"questions would be encoded with {now['backend']} in {now['precision']}: their "
            "vectors must come from the same encoder. Run `assistant index` to re-index with "
            "the configured one, or set ASSISTANT_EMBEDDING_BACKEND / "
            "ASSISTANT_EMBEDDING_QUANTIZE / ASSISTANT_EMBEDDING_DTYPE back to what built it."
        )
    if manifest.get("chunker_version") != CHUNKER_VERSION:
        raise IndexMismatchError(
            f"The index was built by chunker v{manifest.get('chunker_version')}, this code is "
            f"v{CHUNKER_VERSION}. Run `assistant index` to rebuild it."
        )


class Assistant:
    """Loads settings, model and index once; answers questions with citations."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        live: store.LiveIndex,
        llm_backend: LLMBackend | None = None,
        knowledge: Knowledge | None = None,
    ) -> None:
        """``llm_backend`` overrides the one ``settings`` would build (generative mode).

        ``knowledge`` is the corpus's data (loaded from ``settings.corpus_dir`` when not given).
        """
        from assistant.answer.compose import ExtractiveComposer
        from assistant.answer.scope import ScopeGuard
        from assistant.chain import AnswerPipeline
        from assistant.knowledge import Knowledge
        from assistant.retrieval.hybrid import HybridSearcher

        self.settings = settings
        self.embedder = embedder
        self.live = live
        self.knowledge = knowledge or Knowledge.load(settings.corpus_dir)
        self.reference = self.knowledge.reference
        from assistant.display import SourceDisplay

        #: source titles, dates and confidence in words, for every page and the API
        self.display = SourceDisplay(self.knowledge.lexicon)
        self.searcher = HybridSearcher(
            live.collection,
            embedder,
            dense_k=settings.retrieval_dense_k,
            lexical_k=settings.retrieval_lexical_k,
            rrf_k=settings.retrieval_rrf_k,
            dense_weight=settings.retrieval_dense_weight,
            lexical_weight=settings.retrieval_lexical_weight,
            query_max_tokens=settings.query_max_tokens,
        )
        self.scope = ScopeGuard(
            embedder,
            self.reference.off_topic,
            threshold=settings.refusal_threshold,
            margin=settings.refusal_margin,
            other_regions=self.knowledge.cue("other_region"),
        )
        from assistant.llm import answer_steps

        # ASSISTANT_ANSWER_MODE: swaps rewrite and compose
        # the question's telling words weigh by the corpus's idf when picking sentences
        extractive = ExtractiveComposer(self.knowledge.lexicon, weight=self.searcher.lexical.idf)
        steps = answer_steps(settings, self.knowledge, backend=llm_backend, extractive=extractive)
        self.answer_mode = steps.mode
        self.llm_backend = steps.backend

        def pipeline(composer: Any, rewriter: Any = None) -> AnswerPipeline:
            return AnswerPipeline(
                self.searcher,
                self.scope,
                self.knowledge,
                top_k=settings.retrieval_top_k,
                rewriter=rewriter,
                composer=composer,
            )

        self.pipeline = pipeline(steps.composer or extractive, steps.rewriter)
        self.chain = self.pipeline.build()
        # The exact, instant answer (call-centre view, ``mode="extractive"``): the
        # same chain with the embedded composer, whatever the configured mode.
        self.extractive_chain = (
            self.chain if self.answer_mode == "extractive" else pipeline(extractive).build()
        )

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

    def with_index(self, live: store.LiveIndex) -> Assistant:
        """The same assistant (model, LLM backend) on another index, corpus data reloaded.

        Used to switch to a new build without a restart: the new object is made
        in the background, then swapped in between requests.
        """
        check_index_matches(live.manifest, self.embedder)
        return type(self)(
            self.settings,
            self.embedder,
            live,
            llm_backend=self.llm_backend,
        )

    # -- retrieval ------------------------------------------------------------
    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None
    ) -> list[Citation]:
        """Hybrid search (best first), for the agent view and the API."""
        query = self.validate_question(query)
        if not query:
            return []
        result = self.searcher.search(
            query,
            k=k or self.settings.retrieval_top_k,
            filters=filters or Filters(),
            lang=self.detect_language(query),
        )
        return [citation_from_passage(n, p) for n, p in enumerate(result.passages, 1)]

    # -- answering ------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        lang: str | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
        context: dict[str, Any] | Context | None = None,
        next_step: bool | None = None,
    ) -> Answer:
        """Answer ``question`` (the conversation so far in ``history``) with citations.

        ``mode="extractive"`` answers with the embedded composer even in generative
        mode: the exact sentences of the sources in milliseconds (call-centre view).
        ``context`` is ``Answer.context`` of the previous turn: the subject and profile
        under discussion (without it they are rebuilt from ``history``).
        ``next_step=False`` leaves out the "Prochaine étape" line unless the question
        asks how to proceed or whom to contact (``True``: always when contacts apply).

        Filters never make the answer worse: when the filtered answer is a refusal,
        cites nothing, or answers what the unfiltered one says the texts do not
        specify, the unfiltered answer is returned with ``filters_ignored`` and a notice.
        """
        answer = self._ask(question, history, lang, filters, mode, context, next_step)
        if filters is None or filters.is_empty():
            return answer
        plain = self._ask(question, history, lang, None, mode, context, next_step)
        if not _worse(answer, plain):
            return answer
        plain.filters_ignored = True
        ignored = self.knowledge.text("notice.filters_ignored", plain.lang)
        plain.notice = f"{ignored} {plain.notice}" if plain.notice else ignored
        return plain

    def _ask(
        self,
        question: str,
        history: list[dict[str, str]] | None,
        lang: str | None,
        filters: Filters | None,
        mode: str | None,
        context: dict[str, Any] | Context | None,
        next_step: bool | None,
    ) -> Answer:
        started = time.perf_counter()
        question = self.validate_question(question, lang)
        lang = (
            lang if lang in ("fr", "en") else self.detect_language(question) if question else "fr"
        )
        if not question:
            return Answer(
                text=self.knowledge.text("answer.empty_question", lang), kind="empty", lang=lang
            )
        if not isinstance(context, Context):
            context = Context.from_dict(context) if context else None
        chain = self.extractive_chain if mode == "extractive" else self.chain
        turn: Turn = chain.invoke(
            self.pipeline.start(
                question,
                lang=lang,
                history=_clean_history(history),
                filters=filters,
                context=context,
                next_step=next_step,
            )
        )
        citations = [citation_from_passage(n, p) for n, p in enumerate(turn.cited, 1)]
        timings = dict(turn.timings_ms)
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            text=turn.text,
            citations=citations,
            refused=turn.refused,
            question=question,
            query=turn.query or question,
            timings_ms=timings,
            kind=turn.kind,
            lang=turn.lang,
            contacts=[_public_contact(c) for c in turn.contacts],
            notice=turn.notice,
            eligibility=dict(turn.eligibility) if turn.eligibility else None,
            replaced=turn.replaced,
            intent=turn.intent,
            derivations=[d.to_dict(turn.cited) for d in turn.derivations],
            context=turn.next_context().to_dict(),
        )

    def ask_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        lang: str | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
        context: dict[str, Any] | None = None,
        next_step: bool | None = None,
    ) -> Iterator[dict[str, Any]]:
        """``ask``, streamed: token events, then ``{"type": "final", "answer", "replaced"}``.

        The question and the context are validated now (``InputError`` at call time,
        not mid-stream); see ``assistant.llm.streaming`` for the event format.
        """
        from assistant.llm.streaming import stream_answer

        question = self.validate_question(question, lang)
        checked = Context.from_dict(context) if context else None

        def ask() -> Answer:
            return self.ask(question, history, lang, filters, mode, checked, next_step)

        if mode == "extractive" or self.answer_mode == "extractive":
            # nothing is generated, so no token to relay: answer in the caller's thread
            return _whole_answer(ask)
        return stream_answer(ask)

    # -- language and input ------------------------------------------------------
    def detect_language(self, text: str) -> str:
        return detect_language(text, self.knowledge.lexicon)

    def validate_question(self, question: Any, lang: str | None = None) -> str:
        """Normalise a question; reject what cannot be a question with a clear message."""
        return validate_question(question, self.knowledge, lang)

    # -- reference data -------------------------------------------------------
    def envelopes(self) -> list[dict[str, Any]]:
        """Envelope records of ``corpus/data/envelopes.yaml`` (for fact cards)."""
        return [dict(e) for e in self.reference.envelopes]

    def contacts(self) -> list[dict[str, Any]]:
        return [_public_contact(c) for c in self.reference.contacts]

    def sources_date(self) -> str:
        """Most recent review date of the indexed documents (shown under the chat)."""
        dates = [str(m.get("last_reviewed", "")) for m in self.searcher.metadatas]
        return max((d for d in dates if d), default="")

    def eligibility(self, profile: dict[str, Any], lang: str = "fr") -> dict[str, Any]:
        """Verdicts for a structured profile (the form and ``POST /api/v1/eligibility``)."""
        return self.knowledge.eligibility.evaluate_form(
            profile, lang=lang if lang in ("fr", "en") else "fr"
        )


def _worse(filtered: Answer, plain: Answer) -> bool:
    """Whether the filtered answer is worse than the unfiltered one (see ``Assistant.ask``)."""
    if plain.refused or plain.kind == "empty":
        return False
    if filtered.refused or (plain.citations and not filtered.citations):
        return True
    return plain.kind == "unspecified" and filtered.kind == "answer"


def _clean_history(history: list[dict[str, str]] | None) -> list[dict[str, str]]:
    turns = []
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant"):
            turns.append({"role": turn["role"], "content": str(turn.get("content", ""))[:4000]})
    return turns[-12:]


def _public_contact(contact: dict[str, Any]) -> dict[str, Any]:
    return {k: contact.get(k) for k in ("id", "name", "role", "details", "url")}


def citation_from_passage(n: int, passage: Any) -> Citation:
    score = passage.dense if passage.dense is not None else passage.score
    return citation_from(n, passage.text, passage.metadata, score=float(score or 0.0))


def validate_question(question: Any, knowledge: Knowledge, lang: str | None = None) -> str:
    """Normalise a question; reject what cannot be a question with a clear message."""
    lang = lang if lang in ("fr", "en") else "fr"
    if not isinstance(question, str):
        raise QuestionError(knowledge.text("error.question_not_text", lang))
    code = first_invalid(question)
    if code:
        raise QuestionError(invalid_text_message(code, lang))
    question = " ".join(question.replace("\x00", " ").split())
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            knowledge.text(
                "error.question_too_long", lang, length=len(question), limit=MAX_QUESTION_CHARS
            )
        )
    return question


def citation_from(n: int, text: str, meta: dict[str, Any], score: float) -> Citation:
    """Build a citation from a stored chunk's metadata."""
    page = meta.get("page", -1)
    if meta.get("kind") == "faq" and "\n" in text:
        text = text.split("\n", 1)[1]  # the user phrasings are indexed, never shown
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
        source_publisher=str(meta.get("source_publisher", "")),
        sources=_sources(meta),
    )


def _sources(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's sources as stored with the chunk (empty if absent or unreadable)."""
    import json

    try:
        sources = json.loads(str(meta.get("sources_json") or "[]"))
    except ValueError:
        return []
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []
