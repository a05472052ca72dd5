"""The answering chain, as LangChain runnables: rewrite | route | compose | guard | close.

* rewrite: an elliptic follow-up ("Et pour la recherche ?") becomes a
  standalone query (heuristic here; the LLM mode swaps in its own rewriter);
* route: eligibility questions (and answers to the engine's follow-up
  question) go to the eligibility engine; everything else is retrieved;
* compose: the extractive composer (the LLM mode swaps only this step), or a
  refusal with the contacts when the evidence says the plan does not cover it;
* guard: every figure must be in the passages its sentence cites; failing
  sentences are dropped and logged;
* close: the contacts line when one is useful, and the context the next turn
  starts from.

Every step reads a typed :class:`~assistant.turn.Turn` and returns only what it
changes; the runner applies the change and records the step's time. Words and
messages come from the corpus's :class:`~assistant.knowledge.Knowledge`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from assistant import citations
from assistant.answer.compose import Composed, compose
from assistant.answer.guard import guard_answer
from assistant.answer.scope import ScopeGuard
from assistant.conversation.rewrite import HeuristicRewriter, QueryRewriter
from assistant.eligibility.form import scheme_results
from assistant.knowledge import Knowledge
from assistant.retrieval.hybrid import Filters, HybridSearcher, Passage
from assistant.turn import Context, Turn

log = logging.getLogger(__name__)

Composer = Callable[[str, list[Passage], str], Composed]
Step = Callable[[Turn], Mapping[str, Any]]


def _timed(name: str, step: Step) -> RunnableLambda:
    """A runnable applying ``step``'s changes to the turn and recording its time."""

    def run(turn: Turn) -> Turn:
        started = time.perf_counter()
        changes = dict(step(turn))
        changes["timings_ms"] = {name: (time.perf_counter() - started) * 1000}
        return turn.updated(**changes)

    return RunnableLambda(run, name=name)


class AnswerPipeline:
    """Builds the chain from its parts; the LLM mode replaces ``composer``/``rewriter``."""

    def __init__(
        self,
        searcher: HybridSearcher,
        scope: ScopeGuard,
        knowledge: Knowledge,
        *,
        top_k: int = 5,
        rewriter: QueryRewriter | None = None,
        composer: Composer = compose,
    ) -> None:
        self.searcher = searcher
        self.scope = scope
        self.knowledge = knowledge
        self.reference = knowledge.reference
        self.reader = knowledge.profile_reader
        self.eligibility_service = knowledge.eligibility
        self.top_k = top_k
        self.rewriter = rewriter or HeuristicRewriter(knowledge.lexicon)
        self.composer = composer
        self.not_specified = knowledge.cue("answer.not_specified")
        self.asks_next_step = knowledge.cue("question.next_step")

    def build(self) -> Runnable:
        answer_from_corpus = _timed("retrieve", self.retrieve) | _timed("compose", self.compose)
        return (
            _timed("rewrite", self.rewrite)
            | _timed("route", self.route)
            | RunnableBranch(
                (lambda turn: turn.kind == "eligibility", _timed("eligibility", self.eligibility)),
                answer_from_corpus,
            )
            | _timed("guard", self.guard)
            | _timed("close", self.close)
        )

    def start(
        self,
        question: str,
        *,
        lang: str,
        history: Sequence[Mapping[str, str]] = (),
        filters: Filters | None = None,
        context: Context | None = None,
    ) -> Turn:
        """The turn the chain is invoked with (the context rebuilt from history if absent)."""
        history = tuple(history)
        if context is None:
            context = self.context_from_history(history)
        return Turn(
            question=question,
            lang=lang,
            history=history,
            filters=filters or Filters(),
            context=context,
        )

    # -- conversation -------------------------------------------------------------
    def context_from_history(self, history: Sequence[Mapping[str, str]]) -> Context:
        """Rebuild the context from the user turns, once (clients that send no context).

        Only the eligibility dialogue needs it: the profile so far and the field
        the engine asked for. Subjects of plain questions are recovered by the
        rewriter from the history itself.
        """
        context = Context()
        for turn in history:
            if turn.get("role") != "user":
                continue
            text = str(turn.get("content", ""))
            if self._continues_eligibility(text, context):
                result = self.eligibility_service.answer(
                    text, context.profile, expected_field=context.pending_field
                )
                context = Context(
                    profile=result.profile,
                    pending_field=result.follow_up_field,
                    last_intent=result.kind,
                    turns=context.turns + 1,
                )
            else:
                context = Context(turns=context.turns + 1)
        return context

    def _continues_eligibility(self, text: str, context: Context) -> bool:
        """An eligibility question, or a short reply to the engine's question."""
        if self.reader.is_eligibility_question(text):
            return True
        short_reply = len(text.split()) <= 8 and "?" not in text
        return bool(context.eligibility_active and context.pending_field and short_reply)

    # -- rewrite + route ------------------------------------------------------------
    def rewrite(self, turn: Turn) -> dict[str, Any]:
        return {"query": self.rewriter(turn.question, turn.history)}

    def route(self, turn: Turn) -> dict[str, Any]:
        """Eligibility or corpus; reads the asker's profile once for the whole turn."""
        context = turn.context
        question = turn.question
        if self.reader.is_eligibility_question(question):
            return {"kind": "eligibility", "intent": "eligibility"}
        if not context.eligibility_active:
            return {}
        short_reply = len(question.split()) <= 8 and "?" not in question
        profile = self.reader.read(question)
        # "et si on passe à 300 salariés ?" changes the profile under discussion
        if (context.pending_field and short_reply) or not profile.is_empty():
            return {"kind": "eligibility", "intent": "eligibility"}
        return {}

    # -- eligibility ------------------------------------------------------------
    def eligibility(self, turn: Turn) -> dict[str, Any]:
        context = turn.context
        size_only = (
            True
            if context.last_intent == "size"
            and not self.reader.is_eligibility_question(turn.question)
            else None
        )
        result = self.eligibility_service.answer(
            turn.question,
            previous=context.profile if context.eligibility_active else None,
            expected_field=context.pending_field if context.eligibility_active else None,
            size_only=size_only,
        )
        cited: list[Passage] = []
        guard_texts: list[str] = []
        declared = _declared_profile_text(result.profile)
        for doc_id in result.cited_doc_ids:
            chunks = self.searcher.passages_of(doc_id)
            if not chunks:
                log.warning("eligibility rule cites %s, absent from the index", doc_id)
                chunks = [Passage(id=doc_id, text="", metadata={"doc_id": doc_id})]
            cited.append(chunks[0])
            # the figures a verdict may state: the rule's document, and the profile the
            # user declared (echoed back as "Votre profil : 40 salariés...")
            guard_texts.append("\n".join(c.text for c in chunks) + "\n" + declared)
        return {
            "kind": "eligibility",
            "intent": result.kind,
            "lang": result.language,
            "text": result.text,
            "cited": tuple(cited),
            "guard_texts": tuple(guard_texts),
            # the engine's headings and the profile echo carry no marker: they are
            # checked against all the cited rules and the declared profile instead
            "guard_require_citation": False,
            "eligibility": _report_dict(result),
            "profile": result.profile,
        }

    # -- retrieve + compose -------------------------------------------------------
    def retrieve(self, turn: Turn) -> dict[str, Any]:
        filters, query, lang = turn.filters, turn.query, turn.lang
        result = self.searcher.search(query, k=self.top_k, filters=filters, lang=lang)
        changes: dict[str, Any] = {}
        if lang == "en" and filters.language is None:
            english = self.searcher.search(
                query,
                k=self.top_k,
                filters=Filters(filters.audience, filters.envelope, filters.topic, "en"),
                lang="en",
                vector=result.vector,  # same question: no second model call
            )
            if english.passages and english.best_dense >= self.scope.threshold + 0.1:
                result = english
            elif result.passages:
                changes["notice"] = self.knowledge.text("notice.english_fallback", "en")
        changes["search"] = result
        changes["timings_ms"] = result.timings_ms
        return changes

    def compose(self, turn: Turn) -> dict[str, Any]:
        result = turn.search
        assert result is not None, "retrieve runs before compose"
        decision = self.scope.decide(turn.question, result.best_dense, result.vector)
        if not decision.in_scope or not result.passages:
            return {**self._refusal(turn), "scope": decision}
        composed = self.composer(turn.query, result.passages, turn.lang)
        if not composed.text:
            return {**self._refusal(turn), "scope": decision}
        kind = "unspecified" if self.not_specified.in_text(composed.text) else "answer"
        changes: dict[str, Any] = {
            "scope": decision,
            "kind": kind,
            "text": composed.text,
            "cited": tuple(composed.cited),
            "guard_texts": tuple(p.text for p in composed.cited),
            "next_step": kind == "unspecified" or self.asks_next_step.in_text(turn.question),
        }
        # generative mode: the extractive safety net, and what to say if it is used
        fallback = getattr(composed, "fallback", None)
        if fallback is not None or getattr(composed, "replaced", False):
            changes.update(
                fallback=fallback,
                fallback_notice=composed.fallback_notice,  # type: ignore[attr-defined]
                replaced=composed.replaced,  # type: ignore[attr-defined]
            )
        notice = getattr(composed, "notice", None)
        if notice:
            changes["notice"] = _join(turn.notice, notice)
        return changes

    def _refusal(self, turn: Turn) -> dict[str, Any]:
        return {
            "kind": "refusal",
            "refused": True,
            "text": self.knowledge.text("answer.refusal", turn.lang),
            "cited": (),
            "guard_texts": (),
            "next_step": True,
            "notice": None,
        }

    # -- guard --------------------------------------------------------------------
    def guard(self, turn: Turn) -> dict[str, Any]:
        if not turn.cited:
            return {}
        checked = guard_answer(
            turn.text, list(turn.guard_texts), require_citation=turn.guard_require_citation
        )
        changes: dict[str, Any] = {"guard_dropped": tuple(checked.dropped)}
        texts, cited = list(turn.guard_texts), list(turn.cited)
        cites = any(1 <= n <= len(cited) for n in citations.cited_numbers(checked.text))
        if turn.fallback is not None and not (checked.ok and cites):
            # a generated answer is kept whole or not at all: the extractive one replaces it
            fallback = turn.fallback
            log.warning(
                "generated answer to %r failed the guard; extractive answer used", turn.query
            )
            texts, cited = [p.text for p in fallback.cited], list(fallback.cited)
            checked = guard_answer(fallback.text, texts)
            changes.update(
                kind="unspecified" if self.not_specified.in_text(fallback.text) else "answer",
                replaced=True,
                fallback=None,
                notice=_join(turn.notice, turn.fallback_notice),
            )
        text, kept = citations.renumber(checked.text, cited)
        if not text.strip():
            log.warning("guard dropped the whole answer to %r", turn.question)
            changes.update(
                kind="refusal",
                refused=True,
                text=self.knowledge.text("answer.ungrounded", turn.lang),
                cited=(),
                next_step=True,
            )
        else:
            changes.update(text=text, cited=tuple(kept))
        return changes

    # -- close --------------------------------------------------------------------
    def close(self, turn: Turn) -> dict[str, Any]:
        """The contacts when useful, and what the next turn needs to know."""
        audience = turn.filters.audience
        contacts = self.reference.contacts_for(audience) if turn.next_step else []
        text = turn.text
        if contacts:
            line = self.contact_line(contacts[:2], turn.lang)
            text = f"{text}\n\n{line}" if line else text
        return {"text": text, "contacts": tuple(contacts)}

    def contact_line(self, contacts: Sequence[Mapping[str, Any]], lang: str) -> str:
        """One short line naming whom to ask (no citation needed: no figure, data file)."""
        names = [c["name"] + (f" ({c['url']})" if c.get("url") else "") for c in contacts]
        if not names:
            return ""
        joined = f" {self.knowledge.text('word.or', lang)} ".join(names)
        return self.knowledge.text("contact.next_step", lang, names=joined)


def _join(*notices: str | None) -> str | None:
    return " ".join(n for n in notices if n) or None


def _declared_profile_text(profile: Any) -> str:
    """The numbers the user declared, in words the figure guard reads."""
    parts = []
    if getattr(profile, "staff", None) is not None:
        parts.append(f"{profile.staff} personnes")
    for name in ("turnover_eur", "balance_sheet_eur"):
        value = getattr(profile, name, None)
        if value is not None:
            parts.append(f"{int(value)} €")
    if getattr(profile, "company_age_years", None) is not None:
        parts.append(f"{profile.company_age_years:g} ans")
    return "Profil déclaré : " + ", ".join(parts) if parts else ""


def _report_dict(result: Any) -> dict[str, Any]:
    report = result.report
    out: dict[str, Any] = {
        "kind": result.kind,
        "profile": result.profile.to_dict(),
        "follow_up_field": result.follow_up_field,
        "text": result.text,
    }
    if report is not None:
        out["sme_category"] = str(report.sme_category) if report.sme_category else None
        out["results"] = scheme_results(report)
        out["follow_up_question"] = report.follow_up_question
    return out
