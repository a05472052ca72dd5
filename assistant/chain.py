"""The answering chain, as LangChain runnables: rewrite | route | compose | guard.

* rewrite: an elliptic follow-up ("Et pour la recherche ?") becomes a
  standalone query (heuristic here; the LLM mode swaps in its own rewriter);
* route: eligibility questions (and answers to the engine's follow-up
  question) go to the eligibility engine; everything else is retrieved;
* compose: the extractive composer (the LLM mode swaps only this step), or a
  refusal with the contacts when the evidence says the plan does not cover it;
* guard: every figure must be in the passages its sentence cites; failing
  sentences are dropped and logged.

Each step reads and extends one state dict, and records its time.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from assistant.answer.compose import Composed, compose
from assistant.answer.guard import cited_indices, guard_answer
from assistant.answer.scope import ScopeGuard
from assistant.conversation.rewrite import HeuristicRewriter, QueryRewriter
from assistant.eligibility import extract_profile, is_eligibility_question
from assistant.eligibility.form import scheme_results
from assistant.eligibility.service import answer_question
from assistant.reference import ReferenceData
from assistant.retrieval.hybrid import Filters, HybridSearcher, Passage

log = logging.getLogger(__name__)

Composer = Callable[[str, list[Passage], str], Composed]

NOT_SPECIFIED_RE = re.compile(
    r"ne (le |la |les )?précis|pas précisé|ne sont pas précisé|non précisé|not specif|"
    r"do not specify|does not specify|aucun(e)? (date|plafond|taux)",
    re.IGNORECASE,
)
NEXT_STEP_RE = re.compile(
    r"\b(contacter|contact|appeler|joindre|interlocuteur|qui (dois-je|faut-il)|comment (faire|"
    r"postuler|candidater|déposer|deposer|obtenir|demander|bénéficier|beneficier)|démarche|"
    r"demarche|dossier|candidature|apply|who (should|do) i|how (do|can) i)\b",
    re.IGNORECASE,
)
REFUSAL_TEXT = {
    "fr": "Les documents du Plan IA Occitanie ne couvrent pas cette question.",
    "en": "The documents of the Occitanie AI Plan do not cover this question.",
}
UNGROUNDED_TEXT = {
    "fr": "Je n'ai pas trouvé dans les documents du plan de réponse vérifiable à cette question.",
    "en": "I found no verifiable answer to this question in the plan documents.",
}
ENGLISH_FALLBACK_NOTICE = (
    "No English document covers this question: the answer below comes from the French documents."
)


def _timed(name: str, step: Callable[[dict[str, Any]], dict[str, Any]]) -> RunnableLambda:
    def run(state: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        out = step(state)
        out.setdefault("timings_ms", {})[name] = (time.perf_counter() - started) * 1000
        return out

    return RunnableLambda(run, name=name)


class AnswerPipeline:
    """Builds the chain from its parts; the LLM mode replaces ``composer``/``rewriter``."""

    def __init__(
        self,
        searcher: HybridSearcher,
        scope: ScopeGuard,
        reference: ReferenceData,
        *,
        top_k: int = 5,
        rewriter: QueryRewriter | None = None,
        composer: Composer = compose,
    ) -> None:
        self.searcher = searcher
        self.scope = scope
        self.reference = reference
        self.top_k = top_k
        self.rewriter = rewriter or HeuristicRewriter()
        self.composer = composer

    def build(self) -> Runnable:
        answer_from_corpus = _timed("retrieve", self.retrieve) | _timed("compose", self.compose)
        return (
            _timed("rewrite", self.rewrite)
            | RunnableBranch(
                (self.is_eligibility, _timed("eligibility", self.eligibility)),
                answer_from_corpus,
            )
            | _timed("guard", self.guard)
        )

    # -- rewrite ----------------------------------------------------------------
    def rewrite(self, state: dict[str, Any]) -> dict[str, Any]:
        state["query"] = self.rewriter(state["question"], state["history"])
        return state

    # -- eligibility ------------------------------------------------------------
    def is_eligibility(self, state: dict[str, Any]) -> bool:
        question = state["question"]
        context = eligibility_context(state["history"])
        state["eligibility_context"] = context
        if is_eligibility_question(question):
            return True
        if not context.active:
            return False
        short_reply = len(question.split()) <= 8 and "?" not in question
        # "et si on passe à 300 salariés ?" changes the profile under discussion
        return bool((context.pending and short_reply) or not extract_profile(question).is_empty())

    def eligibility(self, state: dict[str, Any]) -> dict[str, Any]:
        context: EligibilityContext = state.get("eligibility_context") or EligibilityContext()
        size_only = (
            True
            if context.last_kind == "size" and not is_eligibility_question(state["question"])
            else None
        )
        result = answer_question(
            state["question"],
            previous=context.profile,
            expected_field=context.pending,
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
        state.update(
            kind="eligibility",
            lang=result.language,
            text=result.text,
            cited=cited,
            guard_texts=guard_texts,
            # the engine's headings and the profile echo carry no marker: they are
            # checked against all the cited rules and the declared profile instead
            guard_require_citation=False,
            eligibility=_report_dict(result),
        )
        return state

    # -- retrieve + compose -------------------------------------------------------
    def retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        filters: Filters = state["filters"]
        query, lang = state["query"], state["lang"]
        result = self.searcher.search(query, k=self.top_k, filters=filters, lang=lang)
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
                state["notice"] = ENGLISH_FALLBACK_NOTICE
        state["search"] = result
        state.setdefault("timings_ms", {}).update(result.timings_ms)
        return state

    def compose(self, state: dict[str, Any]) -> dict[str, Any]:
        result = state["search"]
        lang = state["lang"]
        decision = self.scope.decide(state["question"], result.best_dense, result.vector)
        state["scope"] = decision
        if not decision.in_scope or not result.passages:
            return self._refusal(state)
        composed = self.composer(state["query"], result.passages, lang)
        if not composed.text:
            return self._refusal(state)
        kind = "unspecified" if NOT_SPECIFIED_RE.search(composed.text) else "answer"
        state.update(
            kind=kind,
            text=composed.text,
            cited=composed.cited,
            guard_texts=[p.text for p in composed.cited],
        )
        # LLM mode: the extractive fallback, notices and whether the stream was replaced
        state.update(getattr(composed, "chain_state", {}))
        if state.get("generation_notice"):
            state["notice"] = _join(state.get("notice"), state["generation_notice"])
        if kind == "unspecified" or NEXT_STEP_RE.search(state["question"]):
            state["next_step"] = True
        return state

    def _refusal(self, state: dict[str, Any]) -> dict[str, Any]:
        state.update(
            kind="refusal",
            refused=True,
            text=REFUSAL_TEXT[state["lang"]],
            cited=[],
            guard_texts=[],
            next_step=True,
            notice=None,
        )
        return state

    # -- guard --------------------------------------------------------------------
    def guard(self, state: dict[str, Any]) -> dict[str, Any]:
        lang = state["lang"]
        if state.get("cited"):
            checked = guard_answer(
                state["text"],
                state["guard_texts"],
                require_citation=state.get("guard_require_citation", True),
            )
            state["guard_dropped"] = checked.dropped
            cites = any(1 <= n <= len(state["cited"]) for n in cited_indices(checked.text))
            if state.get("fallback") is not None and not (checked.ok and cites):
                # a generated answer is kept whole or not at all: the extractive one replaces it
                self._use_fallback(state)
                checked = guard_answer(state["text"], state["guard_texts"])
            text, cited = renumber(checked.text, state["cited"])
            if not text.strip():
                log.warning("guard dropped the whole answer to %r", state["question"])
                state.update(kind="refusal", refused=True, text=UNGROUNDED_TEXT[lang], cited=[])
                state["next_step"] = True
            else:
                state.update(text=text, cited=cited)
        audience = state["filters"].audience
        contacts = self.reference.contacts_for(audience) if state.get("next_step") else []
        if contacts:
            line = self.reference.contact_line(audience, lang)
            state["text"] = f"{state['text']}\n\n{line}" if line else state["text"]
        state["contacts"] = contacts
        return state

    def _use_fallback(self, state: dict[str, Any]) -> None:
        fallback: Composed = state.pop("fallback")
        log.warning(
            "generated answer to %r failed the guard; extractive answer used", state["query"]
        )
        state.update(
            text=fallback.text,
            cited=fallback.cited,
            guard_texts=[p.text for p in fallback.cited],
            kind="unspecified" if NOT_SPECIFIED_RE.search(fallback.text) else "answer",
            replaced=True,
            notice=_join(state.get("notice"), state.get("fallback_notice")),
        )


def _join(*notices: str | None) -> str | None:
    return " ".join(n for n in notices if n) or None


def renumber(text: str, cited: list[Passage]) -> tuple[str, list[Passage]]:
    """Keep only the passages still cited after the guard, numbered 1..m in order of use."""
    order: list[int] = []
    for number in (int(n) for n in re.findall(r"\[(\d+)\]", text)):
        if 1 <= number <= len(cited) and number not in order:
            order.append(number)
    mapping = {old: new for new, old in enumerate(order, 1)}

    def replace(match: re.Match[str]) -> str:
        old = int(match.group(1))
        return f"[{mapping[old]}]" if old in mapping else ""

    return re.sub(r"\[(\d+)\]", replace, text), [cited[i - 1] for i in order]


@dataclass
class EligibilityContext:
    """Where an eligibility dialogue stands after the earlier turns."""

    profile: Any = None
    pending: str | None = None  # the field the engine asked for
    active: bool = False  # the last user turn was an eligibility turn
    last_kind: str | None = None  # "eligibility" or "size"


def eligibility_context(history: list[dict[str, str]]) -> EligibilityContext:
    """Replay earlier user turns: the profile so far and the field the engine asked for."""
    context = EligibilityContext()
    for turn in history:
        if turn.get("role") != "user":
            continue
        text = str(turn.get("content", ""))
        short_reply = len(text.split()) <= 8 and "?" not in text
        if is_eligibility_question(text) or (context.active and context.pending and short_reply):
            result = answer_question(text, previous=context.profile, expected_field=context.pending)
            context = EligibilityContext(result.profile, result.follow_up_field, True, result.kind)
        else:
            context = EligibilityContext()
    return context


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
