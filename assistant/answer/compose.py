"""The extractive composer: the embedded default, no LLM.

It answers with the corpus's own sentences, chosen for the question: the
sentence that carries what was asked (a figure for "combien", a date for
"quand") comes first, at most two supporting sentences follow, and lists are
kept as bullets. Every sentence cites its passage as [n]. Because nothing is
generated, the answer can only be as wrong as the retrieval, and the figure
guard still checks it like any other mode.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.figures import extract_figures
from assistant.citations import cite
from assistant.knowledge.lexicon import Lexicon
from assistant.retrieval.hybrid import Passage
from assistant.text.french import fold_aligned, tokenize
from assistant.text.injection import instruction_cue, is_instruction
from assistant.text.normalize import normalize

MAX_SENTENCES = 3
#: The longest extractive answer: 450 characters with the contact line that may follow.
MAX_CHARS = 340
#: How much the retrieval rank of a sentence's passage counts next to its overlap
#: with the question's telling words (idf-weighted, 0..1).
RANK_WEIGHT = 0.6
#: A supporting sentence must score at least this share of the best one.
SUPPORT_RATIO = 0.75
MAX_BULLETS = 6
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[«\"(]?[A-ZÀ-ÖØ-Þ0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")

_FIGURE_KINDS = {
    "amount": {"amount"},
    "date": {"date", "month", "year"},
    "count": {"number"},
    "percent": {"percent"},
}


@dataclass
class Unit:
    """A sentence or bullet of a passage, a candidate for the answer."""

    text: str
    passage: Passage
    position: int
    bullet: bool = False
    score: float = 0.0
    overlap: int = 0  # query terms the unit contains
    #: the corpus says this sentence reports an error or an unconfirmed claim
    discredited: bool = False
    #: the sentence itself says the claim is probably wrong (a clause may quote it)
    flags_itself: bool = False


@dataclass
class Composed:
    """The composed answer and the passages it cites, in citation order."""

    text: str
    cited: list[Passage] = field(default_factory=list)


def passage_units(passage: Passage) -> list[Unit]:
    """Split a passage into sentences and bullets (an FAQ's question line is skipped)."""
    text = passage.text
    if passage.is_faq and "\n" in text:
        text = text.split("\n", 1)[1]
    units: list[Unit] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("|") or line.startswith("#"):
            continue
        if _BULLET.match(line):
            units.append(Unit(_BULLET.sub("", line), passage, len(units), bullet=True))
            continue
        for sentence in _SENTENCE_SPLIT.split(line):
            sentence = sentence.strip()
            if len(sentence) > 2:
                units.append(Unit(sentence, passage, len(units)))
    return units


@functools.lru_cache(maxsize=16384)
def _tokens(text: str, lang: str) -> frozenset[str]:
    """Analysed terms of a sentence; memoised, as the same passages come back often."""
    return frozenset(tokenize(text, lang=lang if lang in ("fr", "en") else "fr"))


def _score(
    unit: Unit,
    rank: int,
    q_tokens: set[str],
    types: set[str],
    weight: Callable[[str], float] | None = None,
) -> float:
    lang = str(unit.passage.metadata.get("language", "fr"))
    tokens = _tokens(unit.text, lang)
    shared = q_tokens & tokens
    unit.overlap = len(shared)
    if weight is None:
        overlap = unit.overlap / max(1, len(q_tokens))
    else:  # the question's telling words count more than "région" or "plan"
        overlap = sum(map(weight, shared)) / max(1e-9, sum(map(weight, q_tokens)))
    score = overlap + RANK_WEIGHT / (1 + rank)
    wanted = set().union(*(_FIGURE_KINDS.get(t, set()) for t in types)) if types else set()
    if wanted and {f.kind for f in extract_figures(unit.text)} & wanted:
        score += 0.35
    if unit.passage.is_faq and unit.position == 0:
        score += 0.25  # FAQ answers are written direct-answer-first
    if len(unit.text) < 25:
        score -= 0.2  # fragments ("Voir ci-dessous.") make poor answers
    return score


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= 0.7


class ExtractiveComposer:
    """The composer of the embedded default, with the question words of one lexicon."""

    def __init__(
        self,
        lexicon: Lexicon,
        depth: int = 4,
        max_chars: int = MAX_CHARS,
        weight: Callable[[str], float] | None = None,
    ) -> None:
        """``weight``: how telling an analysed term is (the corpus's idf), or even weights."""
        self.weight = weight
        self.money = lexicon.cue("money")
        self.wants = lexicon.group("question.wants")
        self.open_question = lexicon.cue("question.open")
        self.yes_no = lexicon.cue("yes_no")
        self.leading_yes = re.compile(
            r"^(?:" + lexicon.cue("answer.leading_yes").body + r")\s*[:,]\s*(?=\w)"
        )
        self.stock_opening = re.compile(
            r"^(?:" + lexicon.cue("stock_opening").body + r")\s*[:,]\s*(?=\w)"
        )
        self.discredited = lexicon.cue("discredited")
        #: sentences addressed to a model (corpus/lexicon/safety.yaml): never quoted
        self.model_directed = instruction_cue(lexicon)
        self.not_specified = lexicon.cue("answer.not_specified")
        self.reported = lexicon.cue("reported")
        self.dangling = re.compile(r"^(?:" + lexicon.cue("dangling_start").body + r")(?![a-z0-9])")
        self.depth = depth
        self.max_chars = max_chars

    def question_types(self, question: str, plan: Any = None) -> set[str]:
        """What the question wants: {"amount", "date", "list", "count"} (a subset)."""
        norm = normalize(question)
        types = {name for name, cue in self.wants.items() if cue.search(norm)}
        if plan is not None and plan.intent in ("amount", "date", "list"):
            types.add(plan.intent)
        if plan is not None and plan.intent == "who":
            types -= {"date", "amount", "count"}  # "qui présidait… quand…": a name
        if "count" in types and not self.money.search(norm):
            types.discard("amount")  # "combien d'initiatives": a number, not euros
        return types

    def mark(self, units: list[Unit]) -> None:
        """Flag the sentences the corpus itself discredits ("… probablement une erreur")."""
        for i, unit in enumerate(units):
            norm = normalize(unit.text)
            if self.discredited.search(norm):
                unit.flags_itself = True
                if self.reported.search(norm):
                    unit.discredited = True
                elif i and self.reported.search(normalize(units[i - 1].text)):
                    # "Une source mentionne le 12 juillet. Il s'agit probablement d'une erreur."
                    units[i - 1].discredited = True
                    unit.discredited = True

    def dangles(self, unit: Unit) -> bool:
        """A sentence that leans on the one before ("Il a reçu le label…")."""
        return unit.position > 0 and bool(self.dangling.match(fold_aligned(unit.text)))

    def __call__(
        self,
        question: str,
        passages: list[Passage],
        lang: str = "fr",
        plan: Any = None,
        mention: str | None = None,
    ) -> Composed:
        """``mention``: the answer's first sentence must name it (a contact's name)."""
        return compose(question, passages, lang, self, plan, mention)


def compose(
    question: str,
    passages: list[Passage],
    lang: str,
    words: ExtractiveComposer,
    plan: Any = None,
    mention: str | None = None,
) -> Composed:
    """Pick and order the sentences that answer ``question``, each citing its passage.

    The direct answer first, at most two supporting sentences, within
    ``words.max_chars``; never a sentence the corpus marks as an error (a clause
    saying that one source differs may follow the confirmed fact), never a
    sentence that starts with a pronoun pointing at a sentence left out.
    """
    if not passages:
        return Composed(text="")
    depth = words.depth
    types = words.question_types(question, plan)
    q_tokens = _tokens(question, lang) | _tokens(question, "fr" if lang == "en" else "en")
    # answer in one language: the question's when the passages have it, else French
    same_language = [p for p in passages if p.metadata.get("language", "fr") == lang]
    if same_language:
        passages = same_language
    candidates: list[Unit] = []
    for rank, passage in enumerate(passages[:depth]):
        units = passage_units(passage)
        words.mark(units)
        for unit in units:
            if is_instruction(unit.text, words.model_directed):  # orders, not information
                continue
            unit.score = _score(unit, rank, q_tokens, types, words.weight)
            if unit.discredited and not unit.flags_itself:
                continue  # "Une source mentionne le 12 juillet": never said as such
            if words.dangles(unit):
                unit.score -= 0.3
            candidates.append(unit)
    if not candidates:
        return Composed(text="")
    candidates.sort(key=lambda u: u.score, reverse=True)
    lead = [u for u in candidates if not u.discredited]
    if mention:
        named = normalize(mention)
        lead = [u for u in lead if named in normalize(u.text)] or lead
    best = lead[0] if lead else candidates[0]
    chosen: list[Unit] = [best]

    introduces = best.text.rstrip().endswith(":")  # "une IA de confiance doit être :"
    if "list" in types or best.bullet or introduces:
        units = [
            u
            for u in passage_units(best.passage)
            if not is_instruction(u.text, words.model_directed)
        ]
        bullets = [u for u in units if u.bullet]
        if len(bullets) >= 2:
            lead = [u for u in units if not u.bullet][:1]
            chosen = lead + bullets[:MAX_BULLETS]
            return _render(chosen)

    # the sentence right after the best one in its passage often completes it
    # ("…doubler les créations. Le chiffre cible de 30 par an…"): it may support it
    following = [
        u
        for u in candidates
        if u.passage is best.passage and u.position == best.position + 1 and not u.bullet
    ]
    size = len(best.text)
    limit = 1 if plan is not None and plan.intent == "contact" else MAX_SENTENCES
    best_unspecified = words.not_specified.in_text(best.text)
    for unit in [*following, *candidates[1:]]:
        if len(chosen) >= limit or unit in chosen:
            continue
        if not best_unspecified and words.not_specified.in_text(unit.text):
            continue  # "…ne précisent aucune date limite" does not support a date given
        if (
            unit.passage is not best.passage
            and unit.overlap < min(2, len(q_tokens))
            and not (unit.overlap and _figure_kinds(unit) & _wanted(types))
        ):
            continue  # another passage must share words, or the figure asked for
        is_next = unit in following and (unit.overlap or _figure_kinds(unit) & _wanted(types))
        if not is_next and (
            unit.score < SUPPORT_RATIO * best.score or unit.bullet or not unit.overlap
        ):
            continue
        if unit.discredited and not _states_confirmed(best, unit):
            continue  # a source that differs is named only next to the confirmed fact
        if any(_similar(unit.text, c.text) or _repeats(unit, c) for c in chosen):
            continue
        if words.dangles(unit) and not is_next:
            continue
        if size + len(unit.text) + 6 > words.max_chars:
            continue
        size += len(unit.text) + 6
        chosen.append(unit)
    # the best sentence first, then supporting ones in reading order
    rest = sorted(chosen[1:], key=lambda u: (passages.index(u.passage), u.position))
    yes_no = plan.yes_no if plan is not None else not words.open_question.in_text(question)
    if not yes_no:
        best, rest = _without_yes(best, words), [_without_yes(u, words) for u in rest]
    return _render([best, *rest])


def _wanted(types: set[str]) -> set[str]:
    return set().union(*(_FIGURE_KINDS.get(t, set()) for t in types)) if types else set()


def _figure_kinds(unit: Unit) -> set[str]:
    return {f.kind for f in extract_figures(unit.text)}


def _repeats(unit: Unit, other: Unit) -> bool:
    """Both state the same figures about the same thing: the second says nothing new."""
    mine = {(f.kind, f.value) for f in extract_figures(unit.text)}
    theirs = {(f.kind, f.value) for f in extract_figures(other.text)}
    if not mine or not mine <= theirs:
        return False
    a, b = set(tokenize(unit.text)), set(tokenize(other.text))
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= 0.5


def _states_confirmed(best: Unit, discredited: Unit) -> bool:
    """The discredited clause sits next to the fact it contradicts (same passage)."""
    return discredited.passage is best.passage and discredited.flags_itself


def _without_yes(unit: Unit, words: ExtractiveComposer) -> Unit:
    """ "Oui : le plan s'appelle…" → "Le plan s'appelle…" on an open question.

    Only "oui" and stock openings ("Possiblement :", "Parce que…"): a "non" carries
    meaning even after an open question ("Qui peut candidater, les communes ?").
    """
    folded = fold_aligned(unit.text)  # same length: spans fit
    match = words.leading_yes.match(folded)
    if match is None:
        stock = words.stock_opening.match(folded)
        if stock is None or folded.startswith(("non", "no ")):
            return unit
        match = stock
    text = unit.text[match.end() :]
    return dataclasses.replace(unit, text=text[:1].upper() + text[1:])


def _render(units: list[Unit]) -> Composed:
    cited: list[Passage] = []
    prose: list[str] = []
    bullets: list[str] = []
    for unit in units:
        if unit.passage not in cited:
            cited.append(unit.passage)
        marked = cite(unit.text, cited.index(unit.passage) + 1)
        (bullets if unit.bullet else prose).append(marked)
    text = " ".join(prose)
    if bullets:
        text = (text + "\n" if text else "") + "\n".join(f"- {b}" for b in bullets)
    return Composed(text=text, cited=cited)
