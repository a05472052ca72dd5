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
from dataclasses import dataclass, field

from assistant.answer.figures import extract_figures
from assistant.citations import cite
from assistant.knowledge.lexicon import Lexicon
from assistant.retrieval.hybrid import Passage
from assistant.text.french import fold_aligned, tokenize
from assistant.text.injection import is_instruction
from assistant.text.normalize import normalize

MAX_SENTENCES = 3
#: A supporting sentence must score at least this share of the best one.
SUPPORT_RATIO = 0.75
MAX_BULLETS = 6
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[«\"(]?[A-ZÀ-ÖØ-Þ0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")

_FIGURE_KINDS = {
    "amount": {"amount"},
    "date": {"date", "month", "year"},
    "count": {"number", "amount"},
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


def _score(unit: Unit, rank: int, q_tokens: set[str], types: set[str]) -> float:
    lang = str(unit.passage.metadata.get("language", "fr"))
    tokens = _tokens(unit.text, lang)
    unit.overlap = len(q_tokens & tokens)
    overlap = unit.overlap / max(1, len(q_tokens))
    score = overlap + 0.6 / (1 + rank)
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

    def __init__(self, lexicon: Lexicon, depth: int = 4) -> None:
        self.wants = lexicon.group("question.wants")
        self.open_question = lexicon.cue("question.open")
        self.leading_yes = re.compile(
            r"^(?:" + lexicon.cue("answer.leading_yes").body + r")\s*[:,]\s*(?=\w)"
        )
        self.depth = depth

    def question_types(self, question: str) -> set[str]:
        """What the question wants: {"amount", "date", "list", "count"} (a subset)."""
        norm = normalize(question)
        return {name for name, cue in self.wants.items() if cue.search(norm)}

    def __call__(self, question: str, passages: list[Passage], lang: str = "fr") -> Composed:
        return compose(question, passages, lang, self)


def compose(
    question: str,
    passages: list[Passage],
    lang: str,
    words: ExtractiveComposer,
) -> Composed:
    """Pick and order the sentences that answer ``question``, each citing its passage."""
    if not passages:
        return Composed(text="")
    depth = words.depth
    types = words.question_types(question)
    q_tokens = _tokens(question, lang) | _tokens(question, "fr" if lang == "en" else "en")
    # answer in one language: the question's when the passages have it, else French
    same_language = [p for p in passages if p.metadata.get("language", "fr") == lang]
    if same_language:
        passages = same_language
    candidates: list[Unit] = []
    for rank, passage in enumerate(passages[:depth]):
        for unit in passage_units(passage):
            if is_instruction(unit.text):  # orders to a model are not information
                continue
            unit.score = _score(unit, rank, q_tokens, types)
            candidates.append(unit)
    if not candidates:
        return Composed(text="")
    candidates.sort(key=lambda u: u.score, reverse=True)
    best = candidates[0]
    chosen: list[Unit] = [best]

    if "list" in types or best.bullet:
        bullets = [u for u in passage_units(best.passage) if u.bullet]
        if len(bullets) >= 2:
            lead = [u for u in passage_units(best.passage) if not u.bullet][:1]
            chosen = lead + bullets[:MAX_BULLETS]
            return _render(chosen)

    for unit in candidates[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if unit.score < SUPPORT_RATIO * best.score or unit.bullet or not unit.overlap:
            continue
        if any(_similar(unit.text, c.text) for c in chosen):
            continue
        chosen.append(unit)
    # the best sentence first, then supporting ones in reading order
    rest = sorted(chosen[1:], key=lambda u: (passages.index(u.passage), u.position))
    if words.open_question.in_text(question):
        best, rest = _without_yes(best, words), [_without_yes(u, words) for u in rest]
    return _render([best, *rest])


def _without_yes(unit: Unit, words: ExtractiveComposer) -> Unit:
    """ "Oui : le plan s'appelle…" → "Le plan s'appelle…" (only "oui": a "non" carries meaning)."""
    match = words.leading_yes.match(fold_aligned(unit.text))  # same length: spans fit
    if match is None:
        return unit
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
