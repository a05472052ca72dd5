"""The two steps the generative mode swaps into the chain: compose and rewrite.

``LLMComposer`` has the signature of the extractive ``compose`` and always
computes the extractive answer first (milliseconds): it is what the user gets
when the backend is down, slow or erroring, and what replaces a generated
answer the figure guard rejects (the chain does the replacing, from the
``chain_state`` of the returned value). ``LLMCondenser`` turns a follow-up
into a standalone question, and falls back to the heuristic rewriter.

Tokens go to whoever set :data:`TOKEN_SINK` (``Assistant.ask_stream``), and
each generation is recorded in :data:`DRAFTS` when someone listens
(``assistant eval`` counts unsupported figures before the guard from it).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.compose import Composed, ExtractiveComposer
from assistant.answer.figures import extract_figures, supported
from assistant.citations import cited_numbers
from assistant.citations import strip as strip_markers
from assistant.conversation.rewrite import QueryRewriter
from assistant.knowledge.lexicon import Cue, Lexicon
from assistant.llm.base import LLMBackend
from assistant.llm.deadline import Generation, generate
from assistant.llm.prompts import (
    PromptPassage,
    build_answer_prompt,
    clean_answer,
    clean_condensed,
    condense_messages,
    is_refusal,
    leaks_prompt,
)
from assistant.retrieval.hybrid import Passage
from assistant.text.injection import instruction_cue, strip_instructions

log = logging.getLogger(__name__)

#: Receives each generated piece of text while an answer is being written.
TOKEN_SINK: ContextVar[Callable[[str], None] | None] = ContextVar("llm_token_sink", default=None)
#: When set to a list, every answer generation appends its :class:`Draft`.
DRAFTS: ContextVar[list[Draft] | None] = ContextVar("llm_drafts", default=None)

#: Words every answer may use without saying anything new.
_TOPIC_WORDS = "Plan IA Occitanie Région régional intelligence artificielle AI plan programme"
STOP = ["<<<", "\n\nQuestion", "\nQuestion :"]


@dataclass
class Draft:
    """One generated answer, before the guard (for evaluation and logs)."""

    question: str
    text: str
    passages: list[str]
    outcome: str  # ok | refusal | echo | leak | off_evidence | empty | timeout | error
    started: float  # time.perf_counter() when generation started
    first_token_s: float | None
    seconds: float
    prompt_tokens: int


@dataclass
class Generated(Composed):
    """A composed answer plus what the chain needs to check and replace it."""

    fallback: Composed | None = None
    #: shown when the chain replaces this answer by ``fallback``
    fallback_notice: str | None = None
    notice: str | None = None
    replaced: bool = False
    draft: Draft | None = field(default=None, repr=False)


@contextmanager
def record_drafts() -> Iterator[list[Draft]]:
    """Collect the drafts of the generations run inside the block (same thread)."""
    drafts: list[Draft] = []
    token = DRAFTS.set(drafts)
    try:
        yield drafts
    finally:
        DRAFTS.reset(token)


@dataclass
class GenerationLimits:
    """Deadlines and sizes, from settings."""

    max_answer_tokens: int = 220
    prompt_max_tokens: int = 950
    max_passages: int = 3
    temperature: float = 0.0
    deadline_s: float = 25.0
    first_token_s: float = 15.0
    condense_s: float = 6.0


class LLMComposer:
    """Compose with an LLM, the extractive answer kept as the safety net."""

    def __init__(
        self,
        backend: LLMBackend,
        lexicon: Lexicon,
        limits: GenerationLimits | None = None,
        extractive: Callable[[str, list[Passage], str], Composed] | None = None,
    ) -> None:
        self.backend = backend
        self.lexicon = lexicon
        self.model_directed = instruction_cue(lexicon)
        self.limits = limits or GenerationLimits()
        self.extractive = extractive or ExtractiveComposer(lexicon)

    def __call__(
        self,
        question: str,
        passages: list[Passage],
        lang: str = "fr",
        plan: Any = None,
        mention: str | None = None,
    ) -> Composed:
        # sentences addressed to a model are removed before anything reads the passages:
        # the prompt, the extractive safety net and the guard then all see the same text
        passages = [_without_instructions(p, self.model_directed) for p in passages]
        hints = {k: v for k, v in (("plan", plan), ("mention", mention)) if v is not None}
        safety = self.extractive(question, passages, lang, **hints)  # type: ignore[call-arg]
        if not passages:
            return safety
        limits = self.limits
        started = time.perf_counter()
        try:
            prompt = build_answer_prompt(
                question,
                [_prompt_passage(p) for p in passages],
                lang,
                count_tokens=self.backend.count_tokens,
                budget=limits.prompt_max_tokens,
                max_passages=limits.max_passages,
                hint=self._hint(plan),
            )
        except Exception as exc:  # a tokenizer failing is a backend failure
            log.warning("could not build the prompt: %r", exc)
            return self._unavailable(safety, lang)
        given = [passages[i] for i in prompt.kept]
        generation = generate(
            self.backend,
            prompt.messages,
            max_tokens=limits.max_answer_tokens,
            temperature=limits.temperature,
            first_token_s=limits.first_token_s,
            deadline_s=limits.deadline_s,
            stop=STOP,
            on_token=TOKEN_SINK.get(),
        )
        text = clean_answer(generation.text)
        outcome = _outcome(generation, text)
        if outcome == "ok" and echoes(text, question):
            outcome = "echo"
        if outcome == "ok" and not agrees_with(text, given, safety.cited):
            outcome = "off_evidence"
        self._record(question, text, given, outcome, started, generation, prompt.tokens)
        if outcome in ("timeout", "error", "empty"):
            return self._unavailable(safety, lang, streamed=bool(generation.text))
        if outcome == "leak":
            log.warning("generated answer repeats the prompt; extractive answer used")
            return Generated(safety.text, safety.cited, notice=self._replaced(lang), replaced=True)
        if outcome == "off_evidence":
            log.info("generated answer rests on other passages than the answer; extractive used")
            return Generated(safety.text, safety.cited, notice=self._replaced(lang), replaced=True)
        if outcome in ("refusal", "echo"):
            # The calibrated scope check already judged the question in scope (the chain
            # refuses before composing otherwise); a small model refuses far too often
            # when the answer is there, so its refusal yields the extractive answer.
            log.info("generated %s for an in-scope question; extractive answer used", outcome)
            notice = self.lexicon.text("notice.llm_extracted", lang)
            return Generated(safety.text, safety.cited, notice=notice, replaced=True)
        return Generated(text, given, fallback=safety, fallback_notice=self._replaced(lang))

    def _hint(self, plan: Any) -> str:
        """What the planner expects ("un montant recopié du passage…"), for the prompt."""
        key = f"llm_hint.{getattr(plan, 'intent', '')}"
        return self.lexicon.text(key, "fr") if key in self.lexicon.messages else ""

    def _replaced(self, lang: str) -> str:
        return self.lexicon.text("notice.llm_replaced", lang)

    def _unavailable(self, safety: Composed, lang: str, *, streamed: bool = True) -> Generated:
        notice = self.lexicon.text("notice.llm_unavailable", lang)
        return Generated(safety.text, safety.cited, notice=notice, replaced=streamed)

    def _record(
        self,
        question: str,
        text: str,
        given: list[Passage],
        outcome: str,
        started: float,
        generation: Generation,
        prompt_tokens: int,
    ) -> None:
        drafts = DRAFTS.get()
        if drafts is None:
            return
        drafts.append(
            Draft(
                question=question,
                text=text,
                passages=[p.text for p in given],
                outcome=outcome,
                started=started,
                first_token_s=generation.first_token_s,
                seconds=generation.seconds,
                prompt_tokens=prompt_tokens,
            )
        )


def _without_instructions(passage: Passage, cue: Cue) -> Passage:
    text = strip_instructions(passage.text, cue)
    return passage if text == passage.text else dataclasses.replace(passage, text=text)


def _prompt_passage(passage: Passage) -> PromptPassage:
    """An FAQ passage without its question line (a question in the data distracts)."""
    if passage.is_faq and "\n" in passage.text:
        return PromptPassage(passage.text.split("\n", 1)[1])
    return PromptPassage(passage.text, str(passage.metadata.get("title", "")))


def echoes(text: str, question: str) -> bool:
    """The answer only repeats the question's words ("La Région veut-elle épauler… [1].").

    A small model at a loss rewrites the question as a statement and cites a
    passage: no figure to catch, nothing said. An answer must add at least
    one word the question does not have.
    """
    from assistant.text.french import tokenize

    said = set(tokenize(strip_markers(text)))
    return not (said - set(tokenize(question)) - _topic_terms())


@functools.cache
def _topic_terms() -> frozenset[str]:
    """The analysed :data:`_TOPIC_WORDS`, in both languages (computed once)."""
    from assistant.text.french import tokenize

    return frozenset(tokenize(_TOPIC_WORDS, "fr")) | frozenset(tokenize(_TOPIC_WORDS, "en"))


def agrees_with(text: str, given: Sequence[Passage], evidence: Sequence[Passage]) -> bool:
    """The generated answer rests on the evidence the extractive composer chose.

    The figure guard proves a figure is written in the passage its sentence
    cites, not that it answers the question: a small model asked for the
    services-publics envelope may quote, with its citation, the research one
    from another passage. The extractive composer picks its passages for the
    question (answer accuracy 0.93 on the golden set), so a generated answer
    must cite at least one of them, or state only figures they contain.
    """
    if not evidence:
        return True
    cited = {given[n - 1].id for n in cited_numbers(text) if 0 < n <= len(given)}
    if cited & {p.id for p in evidence}:
        return True
    figures = extract_figures(text)
    pool = [f for p in evidence for f in extract_figures(p.text, words=True)]
    return bool(figures) and all(supported(f, pool) for f in figures)


def _outcome(generation: Generation, text: str) -> str:
    if not generation.ok:
        return generation.outcome
    if not text:
        return "empty"
    if leaks_prompt(text):
        return "leak"
    if is_refusal(text):
        return "refusal"
    return "ok"


class LLMCondenser:
    """Follow-up → standalone question with the LLM; heuristics when it cannot."""

    def __init__(
        self,
        backend: LLMBackend,
        fallback: QueryRewriter,
        limits: GenerationLimits | None = None,
    ) -> None:
        self.backend = backend
        self.limits = limits or GenerationLimits()
        self.fallback = fallback

    def __call__(self, question: str, history: Sequence[Mapping[str, str]]) -> str:
        if not any(turn.get("role") == "user" for turn in history):
            return self.fallback(question, history)
        generation = generate(
            self.backend,
            condense_messages(question, history),
            max_tokens=80,
            temperature=0.0,
            first_token_s=self.limits.condense_s,
            deadline_s=self.limits.condense_s,
            stop=["\n", "<<<"],
            on_token=None,  # never streamed to the user
        )
        condensed = clean_condensed(generation.text, question) if generation.ok else None
        if condensed is None:
            log.info("LLM condense unusable (%s); heuristic rewrite", generation.outcome)
            return self.fallback(question, history)
        return condensed
