"""The figure guard: drop answer sentences whose figures the cited passages lack.

A generated answer is trusted only as far as its citations go. Amounts,
percentages, dates and counts are what users act on and what models most
often invent or blend, so each sentence carrying a figure must cite at least
one passage, and every figure in it must appear (after normalisation, see
``figures``) in the passages it cites. Failing sentences are removed rather
than the whole answer refused: the rest is usually right and useful.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assistant.answer.figures import Figure, extract_figures, supported
from assistant.citations import MARKER, cited_numbers

__all__ = [
    "Derived",
    "DroppedSentence",
    "GuardResult",
    "cited_indices",
    "guard_answer",
    "split_sentences",
    "unsupported_figures",
]

logger = logging.getLogger("assistant.guard")

REASON_NO_CITATION = "figures without citation"
REASON_BAD_CITATION = "cites no existing passage"
REASON_UNSUPPORTED = "figures absent from the cited passages"


@dataclass(frozen=True)
class DroppedSentence:
    """A sentence removed by the guard, with the figures that failed and why."""

    sentence: str
    unsupported: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class GuardResult:
    """The guarded answer; ``ok`` is true when nothing had to be dropped."""

    text: str
    dropped: list[DroppedSentence] = field(default_factory=list)
    checked_figures: int = 0
    ok: bool = True


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int  # offset in the whole answer


@dataclass(frozen=True)
class _Line:
    raw: str
    prefix: str  # indentation and list/heading marker, kept on rebuild
    sentences: tuple[_Sentence, ...]


_PREFIX = re.compile(r"^\s*(?:(?:[-*•+–]|\d{1,2}[.)]|#{1,6}|>)\s+)?")
_END = re.compile(
    r"[.!?…]+[»”\"')]*"
    rf"(?:\s*{MARKER.pattern})*"
    r"(?P<space>\s+)"
    r"(?=[«“\"(]?\s?[A-ZÀ-ÖØ-Þ0-9])"
)
_LAST_WORD = re.compile(r"(\w+)[.!?…]+$")
# Words whose trailing period does not end a sentence ("M. Dupont", "p. 12").
_ABBREVIATIONS = frozenset(
    (
        "mme", "mmes", "mlle", "mlles", "mm", "dr", "pr", "st", "ste", "cf", "env", "art", "vol",
        "fig", "chap", "p", "pp", "av", "bd", "vs", "ex", "janv", "fevr", "févr", "avr", "juil",
        "sept", "oct", "nov", "dec", "déc", "jan", "feb", "apr", "aug"
    )
)  # fmt: skip


def cited_indices(sentence: str) -> list[int]:
    """Citation numbers of a sentence: "[1]", "[2][3]", "[1, 2]", "[1-3]"."""
    return cited_numbers(sentence)


def split_sentences(text: str) -> list[str]:
    """Split an answer into sentences, French-aware.

    Each non-empty line is split at ".", "!", "?" or "…" followed by a
    capital or a digit; citation markers after the punctuation stay with
    their sentence; abbreviations ("M.", "p.", "cf.") do not split. A list
    item ("- ...", "1. ...") is a sentence of its own, returned without its
    marker so the marker is never read as a figure.
    """
    return [sentence.text for line in _segment(text) for sentence in line.sentences]


def _segment(text: str) -> list[_Line]:
    """Lines of the answer, each with its prefix and its sentences."""
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        prefix = _PREFIX.match(raw).group(0)  # type: ignore[union-attr]
        body = raw[len(prefix) :]
        sentences = _split_body(body, offset + len(prefix)) if body.strip() else ()
        lines.append(_Line(raw, prefix, tuple(sentences)))
        offset += len(raw) + 1
    return lines


def _split_body(body: str, offset: int) -> list[_Sentence]:
    """Sentences of one line body, with absolute offsets."""
    sentences: list[_Sentence] = []
    start = 0
    for match in _END.finditer(body):
        space = match.start("space")
        if _is_abbreviation(body[max(0, space - 80) : space]):
            continue
        _add(sentences, body, start, match.start("space"), offset)
        start = match.end()
    _add(sentences, body, start, len(body), offset)
    return sentences


def _add(sentences: list[_Sentence], body: str, start: int, end: int, offset: int) -> None:
    piece = body[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        sentences.append(_Sentence(stripped, offset + start + lead))


def _is_abbreviation(before: str) -> bool:
    """Whether the period ending ``before`` belongs to an abbreviation."""
    before = MARKER.sub("", before).rstrip()
    if not before.endswith("."):
        return False
    match = _LAST_WORD.search(before)
    if match is None:
        return False
    word = match.group(1)
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "M. Dupont", "J. Martin"
    return word.lower() in _ABBREVIATIONS


@dataclass(frozen=True)
class Derived:
    """A computed figure the guard accepts: its kind and value, and the citations it needs.

    "soit environ 23 %" is in no passage; it passes only in a sentence that
    cites every passage its inputs come from (``needs``: citation numbers).
    """

    kind: str
    value: Decimal
    needs: frozenset[int]


def guard_answer(
    text: str,
    passages: Sequence[str],
    *,
    require_citation: bool = True,
    derived: Sequence[Derived] = (),
) -> GuardResult:
    """Drop the sentences of ``text`` whose figures the cited passages lack.

    ``passages[i - 1]`` is the text cited as "[i]". A sentence without
    figures always passes. With figures, it must cite at least one existing
    passage (unless ``require_citation`` is false, in which case an uncited
    sentence is checked against all passages) and every figure must be
    supported by the union of the passages it cites, or be a ``derived`` figure
    whose inputs the sentence cites. The returned text keeps the layout: list
    markers, headings and paragraph breaks.
    """
    passage_figures = [extract_figures(passage, words=True) for passage in passages]
    lines = _segment(text)
    dropped: list[DroppedSentence] = []
    checked = 0
    kept_lines: list[str] = []
    for line in lines:
        kept: list[str] = []
        for sentence in line.sentences:
            figures = extract_figures(sentence.text)
            checked += len(figures)
            failure = _check(sentence.text, figures, passage_figures, require_citation, derived)
            if failure is None:
                kept.append(sentence.text)
            else:
                dropped.append(failure)
                _log(failure)
        _rebuild_line(line, kept, kept_lines)
    return GuardResult(
        text=_tidy("\n".join(kept_lines)),
        dropped=dropped,
        checked_figures=checked,
        ok=not dropped,
    )


def _check(
    sentence: str,
    figures: list[Figure],
    passage_figures: list[list[Figure]],
    require_citation: bool,
    derived: Sequence[Derived] = (),
) -> DroppedSentence | None:
    """``None`` when the sentence passes, else why it is dropped."""
    if not figures:
        return None
    raws = tuple(figure.raw for figure in figures)
    cited = cited_indices(sentence)
    pool = _pool(cited, passage_figures, require_citation)
    if pool is None:
        reason = REASON_BAD_CITATION if cited else REASON_NO_CITATION
        return DroppedSentence(sentence, raws, reason)
    missing = tuple(
        figure.raw
        for figure in figures
        if not supported(figure, pool) and not _derived(figure, derived, set(cited))
    )
    return DroppedSentence(sentence, missing, REASON_UNSUPPORTED) if missing else None


def _derived(figure: Figure, derived: Sequence[Derived], cited: set[int]) -> bool:
    """A computed figure whose every input the sentence cites."""
    return any(
        d.kind == figure.kind and d.value == figure.value and d.needs <= cited for d in derived
    )


def _pool(
    cited: list[int], passage_figures: list[list[Figure]], require_citation: bool
) -> list[Figure] | None:
    """Figures of the passages a sentence may rely on; ``None`` if none."""
    valid = [index for index in cited if 1 <= index <= len(passage_figures)]
    if valid:
        return [figure for index in valid for figure in passage_figures[index - 1]]
    if cited or require_citation:
        return None
    return [figure for figures in passage_figures for figure in figures]


def _log(dropped: DroppedSentence) -> None:
    logger.warning(
        "guard dropped a sentence (%s; unsupported: %s): %s",
        dropped.reason,
        ", ".join(dropped.unsupported),
        dropped.sentence,
    )


def _rebuild_line(line: _Line, kept: list[str], out: list[str]) -> None:
    """Append the line as it was, trimmed of dropped sentences, or not at all."""
    if not line.sentences or len(kept) == len(line.sentences):
        out.append(line.raw)
    elif kept:
        out.append(line.prefix + " ".join(kept))


def _tidy(text: str) -> str:
    """Collapse the blank lines that dropped lines can leave behind."""
    return re.sub(r"\n(?:[ \t]*\n)+", "\n\n", text).strip("\n")


def unsupported_figures(
    text: str, passages: Sequence[str], *, require_citation: bool = True
) -> list[Figure]:
    """Every figure of ``text`` not supported by what its sentence cites.

    For evaluation (count of unsupported figures). Spans are offsets in
    ``text``. An uncited figure counts as unsupported when citations are
    required, as in ``guard_answer``.
    """
    passage_figures = [extract_figures(passage, words=True) for passage in passages]
    result: list[Figure] = []
    for line in _segment(text):
        for sentence in line.sentences:
            figures = extract_figures(sentence.text)
            pool = _pool(cited_indices(sentence.text), passage_figures, require_citation)
            for figure in figures:
                if pool is None or not supported(figure, pool):
                    start, end = figure.span
                    span = (start + sentence.start, end + sentence.start)
                    result.append(Figure(figure.kind, figure.value, figure.raw, span))
    return result
