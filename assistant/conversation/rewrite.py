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

from assistant.text.french import STOPWORDS, fold, fold_aligned

__all__ = [
    "SUBJECTS",
    "HeuristicRewriter",
    "QueryRewriter",
    "Subject",
    "is_elliptic",
    "rewrite_query",
]

History = Sequence[Mapping[str, str]]


class QueryRewriter(Protocol):
    """Turns a possibly elliptic question into a standalone query."""

    def __call__(self, question: str, history: History) -> str:
        """``history`` holds {"role": "user"|"assistant", "content": str} turns."""
        ...


@dataclass(frozen=True)
class Subject:
    """A topic of the plan a question can be about, with its folded FR/EN terms."""

    key: str
    terms: tuple[str, ...]


SUBJECTS: tuple[Subject, ...] = (
    Subject("formation", ("formation", "former", "competences", "training", "skills",
                          "upskilling", "reskilling")),
    Subject("recherche", ("recherche", "research", "laboratoire", "labo", "chercheur",
                          "researcher")),
    Subject("filieres", ("filiere", "secteurs cles", "secteur cle", "secteur", "industrie",
                         "key sectors", "key sector", "sector", "industry", "industries")),
    Subject("sante", ("sante", "health", "healthcare", "medical", "medecine", "hopital",
                      "hopitaux")),
    Subject("agriculture", ("agriculture", "agricole", "agroalimentaire", "agri-food",
                            "agritech", "farming", "viticulture")),
    Subject("aerospatial", ("aerospatial", "aerospatiale", "aeronautique", "spatial",
                            "aerospace", "aeronautics", "space")),
    Subject("mobilite", ("mobilite", "transport", "mobility", "transportation")),
    Subject("services_publics", ("services publics", "service public", "administration",
                                 "collectivite", "agents publics", "public services",
                                 "public service", "public sector", "secteur public")),
    Subject("ethique", ("ethique", "ia de confiance", "ia responsable", "ethics", "ethical",
                        "trustworthy ai", "responsible ai")),
    Subject("pme", ("pme", "tpe", "eti", "entreprise", "start-up", "startup", "sme",
                    "smes", "companies", "company", "business", "businesses")),
    Subject("aniti", ("aniti",)),
    Subject("infrastructures", ("infrastructure", "calcul", "supercalculateur", "data center",
                                "centre de donnees", "centres de donnees", "computing",
                                "compute", "hpc")),
    Subject("donnees", ("donnees", "data")),
    Subject("emploi", ("emploi", "metier", "jobs", "employment")),
    Subject("education", ("education", "lycee", "lyceen", "etudiant", "universite", "ecole",
                          "students", "student", "schools", "universities")),
    Subject("environnement", ("environnement", "climat", "energie", "transition ecologique",
                              "environment", "climate", "energy")),
    Subject("cybersecurite", ("cybersecurite", "cybersecurity")),
    Subject("tourisme", ("tourisme", "tourism")),
)  # fmt: skip
"""Domain subjects (folded terms). Plurals in "s"/"x" are matched automatically."""

# Scope words that make a question standalone and, in a follow-up, replace the subject.
_GLOBAL_TERMS = ("ensemble du plan", "l'ensemble du plan", "au total", "en tout", "total",
                 "globalement", "global", "plan", "programme", "occitanie", "region",
                 "overall", "in total", "whole plan")  # fmt: skip
_GLOBAL_KEY = "__global__"

_PREPOSITIONS = ("pour", "de", "du", "des", "dans", "sur", "en", "a", "au", "aux", "chez",
                 "concernant", "vers", "for", "in", "on", "to", "of", "about", "regarding",
                 "into", "within")  # fmt: skip
_ARTICLES = ("la", "le", "les", "l'", "the", "leur", "leurs", "nos", "notre", "votre", "vos",
             "ses", "son", "sa", "d'", "a", "an", "cette", "ce", "cet", "ces")  # fmt: skip

# Leading words that mark a follow-up and are removed from it.
_LEADING = re.compile(
    r"^(?:(?:et\s+si|et|and|mais|but|alors|so|ok|d'accord|aussi|also|idem|"
    r"quid\s+(?:de|des|du)(?=\s)|quid\s+d'|what\s+about|how\s+about|what\s+of|"
    r"meme\s+question|same\s+question)(?![a-z'])[\s,:]*)+"
)
_TRAILING = re.compile(r"(?:[\s,]+(?:aussi|also|too|as\s+well|egalement|alors))*\s*[?!.…]*\s*$")
# Leading words that mark a follow-up but stay (they introduce the subject).
_LEADING_KEPT = re.compile(r"^(?:pour|for|concernant|regarding|en\s+ce\s+qui\s+concerne|cote)\b")
_ANAPHORA = re.compile(
    r"(?<![a-z'-])(?:elle|elles|ils|celle-ci|celui-ci|celles-ci|ceux-ci|celle-la|celui-la|"
    r"ca|cela|ce\s+montant|cette\s+somme|cette\s+enveloppe|ce\s+budget|ce\s+volet|cet\s+axe|"
    r"ce\s+dispositif|ce\s+secteur|cette\s+filiere|cette\s+mesure|ce\s+domaine|"
    r"en\s+beneficier|en\s+profiter|y\s+acceder|y\s+candidater|y\s+postuler|y\s+participer|"
    r"it|its|they|them|those|these|that\s+one|this\s+one|that\s+amount|this\s+amount|"
    r"that\s+area|this\s+area|that\s+sector)(?![a-z'-])"
)
_FRAME = re.compile(
    r"(?<![a-z'-])(?:combien|montant|budget|qui|quand|comment|quel|quelle|quels|quelles|"
    r"pourquoi|quoi|lequel|laquelle|lesquels|lesquelles|que|qu'|date|calendrier|delai|"
    r"how\s+much|how\s+many|how|who|when|what|which|why|where|amount|deadline)(?![a-z'-])"
    r"|^\w+(?:-t)?-(?:on|je|il|elle|ils|elles|nous|vous)(?![a-z])"
    r"|^(?:can|could|is|are|does|do|did|will|should|may|est-ce|y\s+a-t-il)(?![a-z])"
)
_SMALL_TALK = frozenset(
    (
        "merci", "thanks", "thank", "ok", "okay", "accord", "super", "parfait", "bonjour",
        "hello", "hi", "salut", "cool", "genial", "bien", "great", "nice", "top", "bravo",
        "beaucoup", "lot", "vraiment"
    )
)  # fmt: skip
_MAX_CONTENT_WORDS = 6
_MAX_LOOKBACK = 8
_MAX_DEPTH = 4
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def _terms_pattern(terms: Sequence[str]) -> str:
    ordered = sorted(terms, key=len, reverse=True)
    return "|".join(re.escape(term).replace(r"\ ", r"\s+") for term in ordered)


_TERM_KEYS = {term: subject.key for subject in SUBJECTS for term in subject.terms}
_TERM_KEYS.update(dict.fromkeys(_GLOBAL_TERMS, _GLOBAL_KEY))
_MENTION = re.compile(
    rf"(?<![a-z'-])(?P<prep>(?:{_terms_pattern(_PREPOSITIONS)})\s+)?"
    rf"(?P<art>(?:l'|d')\s*|(?:{_terms_pattern(_ARTICLES)})\s+)?"
    rf"(?P<term>{_terms_pattern(list(_TERM_KEYS))})(?:s|x)?(?![a-z'-])"
)
_CONNECTOR = re.compile(r"^[\s,]*(?:(?:et|ou|and|or|&)[\s,]*)?$")


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

    @property
    def subjects(self) -> tuple[_Mention, ...]:
        return tuple(m for m in self.mentions if m.key != _GLOBAL_KEY)

    @property
    def global_scope(self) -> bool:
        return any(m.key == _GLOBAL_KEY for m in self.mentions)


def _analyse(question: str) -> _Analysis:
    """Split off follow-up markers and find subjects, frame and anaphora."""
    text = question.strip()
    folded = fold_aligned(text)
    lead = _LEADING.match(folded)
    start = lead.end() if lead else 0
    trail = _TRAILING.search(folded, start)
    end = trail.start() if trail else len(text)
    body, folded_body = text[start:end].strip(), folded[start:end].strip()
    trailing_marks = re.search(r"\s*[?!.…]+\s*$", text)
    ending = trailing_marks.group(0).rstrip() if trailing_marks else ""
    words = tuple(w for w in _WORD.findall(fold(body)) if w not in STOPWORDS)
    return _Analysis(
        text=text,
        body=body,
        ending=ending,
        mentions=_mentions(folded_body),
        frame=bool(_FRAME.search(folded_body)),
        trigger=bool(lead and lead.group(0).strip()) or bool(_LEADING_KEPT.match(folded_body)),
        anaphora=bool(_ANAPHORA.search(folded_body)),
        words=words,
        lang=_language(folded),
    )


def _mentions(folded_body: str) -> tuple[_Mention, ...]:
    """Subject (and scope) mentions, with their preposition and article."""
    found = []
    for match in _MENTION.finditer(folded_body):
        term = re.sub(r"\s+", " ", match["term"])
        found.append(
            _Mention(
                key=_TERM_KEYS[term],
                start=match.start(),
                term_start=match.start("term"),
                end=match.end(),
                prep=(match["prep"] or "").strip(),
            )
        )
    return tuple(found)


def _language(folded: str) -> str:
    """ "en" when English function words outnumber French ones, else "fr"."""
    words = _WORD.findall(folded)
    english = sum(word in _EN_HINTS for word in words)
    french = sum(word in _FR_HINTS for word in words)
    return "en" if english > french else "fr"


_EN_HINTS = frozenset(
    (
        "and", "the", "for", "what", "how", "much", "many", "who", "when", "which", "about", "is",
        "are", "of", "to", "in", "does", "do", "can"
    )
)  # fmt: skip
_FR_HINTS = frozenset(
    (
        "et", "la", "le", "les", "pour", "quel", "quelle", "combien", "qui", "quand", "des", "du",
        "de", "est", "sont", "en", "au", "aux"
    )
)  # fmt: skip


def is_elliptic(question: str) -> bool:
    """Whether ``question`` depends on the conversation to be understood.

    True for anaphora ("ce montant", "it"), for short follow-ups opening
    with "et", "and", "what about", "quid de", "pour"..., and for short
    questions naming neither a subject of the plan nor its global scope
    ("Quels critères ?"). Small talk ("Merci !") is never elliptic.
    """
    return _is_elliptic(_analyse(question))


def _is_elliptic(analysis: _Analysis) -> bool:
    if analysis.words and all(word in _SMALL_TALK for word in analysis.words):
        return False
    short = len(analysis.words) <= _MAX_CONTENT_WORDS
    if analysis.anaphora:
        return True
    if short and analysis.trigger:
        return True
    return short and not analysis.mentions


class HeuristicRewriter:
    """Rule-based ``QueryRewriter``: swaps or carries the previous subject."""

    def __call__(self, question: str, history: History) -> str:
        """Return a standalone version of ``question`` (unchanged if already one)."""
        return self._rewrite(question, history, depth=0)

    def _rewrite(self, question: str, history: History, *, depth: int) -> str:
        analysis = _analyse(question)
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
            candidate = _analyse(resolved)
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


_DEFAULT = HeuristicRewriter()


def rewrite_query(question: str, history: History) -> str:
    """Rewrite ``question`` into a standalone query using ``history``.

    Non-elliptic questions, and any question without an earlier substantive
    user turn, are returned unchanged. Assistant turns are ignored.
    """
    return _DEFAULT(question, history)
