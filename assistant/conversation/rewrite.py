"""Rewriting of follow-up questions into standalone retrieval queries.

"Et pour la recherche ?" retrieves nothing useful on its own: it means
"Combien pour la recherche ?" after "Combien pour la formation ?". Retrieval
needs the standalone form. This module does it with heuristics only (no
LLM): spot elliptic questions, find the subject and the question frame of
the previous substantive user turn, then swap or carry the subject.

It is a separate, pure step behind the ``QueryRewriter`` protocol so an
LLM-based rewriter can replace ``HeuristicRewriter`` without touching callers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.knowledge.lexicon import Lexicon
from assistant.text.french import STOPWORDS, fold, fold_aligned
from assistant.text.language import detect_language

__all__ = ["HeuristicRewriter", "QueryRewriter", "Subject"]

History = Sequence[Mapping[str, str]]


class QueryRewriter(Protocol):
    """Turns a possibly elliptic question into a standalone query."""

    def __call__(self, question: str, history: History) -> str:
        """``history`` holds {"role": "user"|"assistant", "content": str} turns."""
        ...


@dataclass(frozen=True)
class Subject:
    """A topic of the plan a question can be about, with its phrases (lexicon)."""

    key: str
    terms: tuple[str, ...]


_GLOBAL_KEY = "__global__"
_MAX_CONTENT_WORDS = 6
_MAX_LOOKBACK = 8
_MAX_DEPTH = 4
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_CONNECTOR = re.compile(r"^[\s,]*(?:(?:et|ou|and|or|&)[\s,]*)?$")
_B, _E = r"(?<![a-z0-9'-])", r"(?![a-z0-9'-])"


class Grammar:
    """The follow-up grammar, with its words from the lexicon (``conversation.yaml``).

    Regexes run on ``fold_aligned`` text (same length as the question), so
    their spans cut the question as written.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        subjects = lexicon.group("subject")
        self.subjects = tuple(Subject(k, c.phrases) for k, c in subjects.items())
        keys = {**{k: c.body for k, c in subjects.items()}}
        keys[_GLOBAL_KEY] = lexicon.cue("scope.whole_plan").body
        self._keys = list(keys)
        groups = "|".join(f"(?P<k{i}>{body})" for i, body in enumerate(keys.values()))
        prep = lexicon.cue("follow_up.preposition").body
        art = lexicon.cue("follow_up.article").body
        self.mention = re.compile(
            rf"{_B}(?P<prep>(?:{prep})\s+)?"
            rf"(?P<art>(?:{art})(?:\s*'\s*|\s+))?"
            rf"(?P<term>{groups})(?:s|x)?{_E}"
        )
        self.leading = re.compile(
            rf"^(?:(?:{lexicon.cue('follow_up.leading').body})(?![a-z0-9-])[\s,:']*)+"
        )
        self.trailing = re.compile(
            rf"(?:[\s,]+(?:{lexicon.cue('follow_up.trailing').body}))*\s*[?!.…]*\s*$"
        )
        self.leading_kept = re.compile(rf"^(?:{lexicon.cue('follow_up.kept').body}){_E}")
        self.anaphora = re.compile(rf"{_B}(?:{lexicon.cue('follow_up.anaphora').body}){_E}")
        self.frame = re.compile(
            rf"{_B}(?:{lexicon.cue('question.frame').body}){_E}"
            # French verb-subject inversion: "peut-on", "dois-je"
            r"|^\w+(?:-t)?-(?:on|je|il|elle|ils|elles|nous|vous)(?![a-z])"
            rf"|^(?:{lexicon.cue('question.frame_start').body})(?![a-z])"
        )
        self.small_talk = lexicon.cue("small_talk")
        self.lexicon = lexicon

    def key(self, match: re.Match[str]) -> str:
        """The subject key of a ``mention`` match."""
        for index, key in enumerate(self._keys):
            if match.group(f"k{index}") is not None:
                return key
        raise AssertionError("mention without a subject group")  # pragma: no cover

    def language(self, text: str) -> str:
        return detect_language(text, self.lexicon)


@dataclass(frozen=True)
class _Mention:
    key: str
    start: int  # with preposition and article
    term_start: int
    end: int
    prep: str  # as written, "" when absent


@dataclass(frozen=True)
class _Analysis:
    """What a question says: its body (follow-up markers removed) and features."""

    text: str
    body: str  # original text minus leading follow-up words and trailing marks
    ending: str  # trailing punctuation as written (" ?", "?")
    mentions: tuple[_Mention, ...]  # in ``body``
    frame: bool
    trigger: bool
    anaphora: bool
    words: tuple[str, ...]  # folded content words of the body
    lang: str
    small_talk: bool = False

    @property
    def subjects(self) -> tuple[_Mention, ...]:
        return tuple(m for m in self.mentions if m.key != _GLOBAL_KEY)

    @property
    def global_scope(self) -> bool:
        return any(m.key == _GLOBAL_KEY for m in self.mentions)


def _analyse(question: str, grammar: Grammar) -> _Analysis:
    """Split off follow-up markers and find subjects, frame and anaphora."""
    text = question.strip()
    folded = fold_aligned(text)
    lead = grammar.leading.match(folded)
    start = lead.end() if lead else 0
    trail = grammar.trailing.search(folded, start)
    end = trail.start() if trail else len(text)
    body, folded_body = text[start:end].strip(), folded[start:end].strip()
    trailing_marks = re.search(r"\s*[?!.…]+\s*$", text)
    ending = trailing_marks.group(0).rstrip() if trailing_marks else ""
    words = tuple(w for w in _WORD.findall(fold(body)) if w not in STOPWORDS)
    return _Analysis(
        text=text,
        body=body,
        ending=ending,
        mentions=_mentions(folded_body, grammar),
        frame=bool(grammar.frame.search(folded_body)),
        trigger=bool(lead and lead.group(0).strip())
        or bool(grammar.leading_kept.match(folded_body)),
        anaphora=bool(grammar.anaphora.search(folded_body)),
        words=words,
        lang=grammar.language(text),
        small_talk=bool(words) and all(grammar.small_talk.search(w) for w in words),
    )


def _mentions(folded_body: str, grammar: Grammar) -> tuple[_Mention, ...]:
    """Subject (and scope) mentions, with their preposition and article."""
    found = []
    for match in grammar.mention.finditer(folded_body):
        found.append(
            _Mention(
                key=grammar.key(match),
                start=match.start(),
                term_start=match.start("term"),
                end=match.end(),
                prep=(match["prep"] or "").strip(),
            )
        )
    return tuple(found)


def _is_elliptic(analysis: _Analysis) -> bool:
    """Whether the question depends on the conversation to be understood.

    True for anaphora ("ce montant", "it"), for short follow-ups opening
    with "et", "and", "what about", "quid de", "pour"..., and for short
    questions naming neither a subject of the plan nor its global scope
    ("Quels critères ?"). Small talk ("Merci !") is never elliptic.
    """
    if analysis.small_talk:
        return False
    short = len(analysis.words) <= _MAX_CONTENT_WORDS
    if analysis.anaphora:
        return True
    if short and analysis.trigger:
        return True
    return short and not analysis.mentions


class HeuristicRewriter:
    """Rule-based ``QueryRewriter``: swaps or carries the previous subject."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.grammar = Grammar(lexicon)

    def is_elliptic(self, question: str) -> bool:
        """Whether ``question`` depends on the conversation (see ``_is_elliptic``)."""
        return _is_elliptic(_analyse(question, self.grammar))

    def __call__(self, question: str, history: History) -> str:
        """Return a standalone version of ``question`` (unchanged if already one)."""
        return self._rewrite(question, history, depth=0)

    def _rewrite(self, question: str, history: History, *, depth: int) -> str:
        analysis = _analyse(question, self.grammar)
        if depth > _MAX_DEPTH or not _is_elliptic(analysis):
            return question
        if analysis.subjects and analysis.frame:
            return question  # "Et pour la recherche, combien ?" stands alone
        previous = self._previous(history, depth=depth)
        if previous is None:
            return question
        if not analysis.body:
            return previous.text  # "Et alors ?": the previous question again
        if analysis.mentions:
            rewritten = _swap_subject(analysis, previous)
        else:
            rewritten = _carry_subject(analysis, previous)
        return _capitalise(rewritten)

    def _previous(self, history: History, *, depth: int) -> _Analysis | None:
        """The latest earlier user turn with a subject or a frame, resolved."""
        user_turns = [
            (index, turn["content"])
            for index, turn in enumerate(history)
            if turn.get("role") == "user" and isinstance(turn.get("content"), str)
        ]
        for index, content in reversed(user_turns[-_MAX_LOOKBACK:]):
            resolved = self._rewrite(content, history[:index], depth=depth + 1)
            candidate = _analyse(resolved, self.grammar)
            if candidate.mentions or candidate.frame:
                return candidate
        return None


def _swap_subject(follow: _Analysis, previous: _Analysis) -> str:
    """Put the follow-up's subject in place of the previous one's."""
    old = previous.subjects
    replacement = follow.body
    first = follow.mentions[0]
    if not old:
        return f"{previous.body} {replacement}{follow.ending or previous.ending}"
    group_end = _group_end(previous.body, old)
    if first.start == 0:
        replacement = _fit(replacement, first, old[0], previous.body)
    replaced_keys = {m.key for m in old if m.end <= group_end}
    new_term = follow.body[first.term_start : first.end]
    pieces = [previous.body[: old[0].start], replacement]
    cursor = group_end
    for mention in old:
        if mention.start >= group_end and mention.key in replaced_keys:
            pieces.append(previous.body[cursor : mention.term_start])
            pieces.append(new_term)
            cursor = mention.end
    pieces.append(previous.body[cursor:])
    return "".join(pieces) + (follow.ending or previous.ending)


def _fit(replacement: str, new: _Mention, old: _Mention, previous_body: str) -> str:
    """Match the new subject's framing to the old one's.

    "Et la recherche ?" borrows the old preposition ("pour la recherche");
    "pour la santé" replacing a bare "formation" ("le volet formation")
    loses its own ("le volet santé").
    """
    old_bare = old.term_start == old.start
    if old_bare:
        return replacement[new.term_start :]
    if not new.prep and old.prep:
        return f"{previous_body[old.start : old.start + len(old.prep)]} {replacement}"
    return replacement


def _group_end(body: str, mentions: Sequence[_Mention]) -> int:
    """End of the first run of mentions joined only by "et", "ou", commas."""
    end = mentions[0].end
    for mention in mentions[1:]:
        if not _CONNECTOR.match(body[end : mention.start]):
            break
        end = mention.end
    return end


def _carry_subject(follow: _Analysis, previous: _Analysis) -> str:
    """Bring the previous subject (or question) into a follow-up lacking one."""
    ending = follow.ending or previous.ending
    if not follow.frame:
        return f"{previous.body} {follow.body}{ending}"
    if previous.subjects:
        context = _subject_phrase(previous)
    else:
        context = "(" + " ".join(previous.words) + ")"
    return f"{follow.body} {context}{ending}"


def _subject_phrase(previous: _Analysis) -> str:
    """The previous subject as written, with a preposition ("pour la formation")."""
    old = previous.subjects
    phrase = previous.body[old[0].start : _group_end(previous.body, old)]
    if old[0].prep:
        return phrase
    return f"{'for' if previous.lang == 'en' else 'pour'} {phrase}"


def _capitalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:1].upper() + text[1:]
