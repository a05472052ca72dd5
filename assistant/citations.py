"""Citation markers in answers: ``[1]``, ``[1, 2]``, ``[1-3]``, ``[1][2]``.

One grammar, one owner: the figure guard reads which passages a sentence
cites, the figure reader masks markers so "[2]" is never a figure, the
composers write them, and the chain renumbers them after the guard. Every
form a model or a person writes is understood (commas, semicolons, ranges,
spaces, adjacent markers); numbers that point to no passage are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "MARKER",
    "Marker",
    "cite",
    "cited_numbers",
    "marker_text",
    "markers",
    "renumber",
    "strip",
]

T = TypeVar("T")

#: One marker: numbers separated by ",", ";" or ranges "a-b" / "a–b", in brackets.
MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\s*\]")
#: A range wider than this is not a citation range ("[1-900]" cites 1 and 900).
_MAX_RANGE = 50


@dataclass(frozen=True)
class Marker:
    """One marker of a text: its span and the numbers it cites, in order, without repeats."""

    start: int
    end: int
    numbers: tuple[int, ...]


def _expand(body: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", body.strip()):
        bounds = [int(b) for b in re.split(r"\s*[-–]\s*", part)]
        low, high = bounds[0], bounds[-1]
        if len(bounds) == 2 and low <= high and high - low < _MAX_RANGE:
            numbers.extend(range(low, high + 1))
        else:
            numbers.extend(bounds)
    return list(dict.fromkeys(numbers))


def markers(text: str) -> list[Marker]:
    """Every marker of ``text``, in reading order."""
    return [Marker(m.start(), m.end(), tuple(_expand(m.group(1)))) for m in MARKER.finditer(text)]


def cited_numbers(text: str) -> list[int]:
    """The distinct numbers ``text`` cites, sorted ("[2][1, 3]" -> [1, 2, 3])."""
    return sorted({n for marker in markers(text) for n in marker.numbers})


def strip(text: str) -> str:
    """``text`` without its markers (and the space before them)."""
    return re.sub(r"\s*" + MARKER.pattern, "", text)


def marker_text(numbers: Sequence[int]) -> str:
    """ "[1, 2]", "[1-3]": consecutive runs of three or more as a range."""
    parts: list[str] = []
    run: list[int] = []
    for number in [*sorted(numbers), None]:
        if run and (number is None or number != run[-1] + 1):
            parts.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)))
            run = []
        if number is not None:
            run.append(number)
    return "[" + ", ".join(parts) + "]"


def renumber(text: str, cited: Sequence[T]) -> tuple[str, list[T]]:
    """Keep the passages still cited in ``text``, numbered 1..m in order of first use.

    ``cited[i - 1]`` is the passage behind number ``i``. Numbers outside
    ``cited`` are dropped (a marker left empty disappears); adjacent markers
    ("[1][2]") are merged into one ("[1, 2]").
    """
    order: list[int] = []
    for marker in markers(text):
        for number in marker.numbers:
            if 1 <= number <= len(cited) and number not in order:
                order.append(number)
    mapping = {old: new for new, old in enumerate(order, 1)}
    merged = _merge_adjacent(text)
    out: list[str] = []
    cursor = 0
    for marker in markers(merged):
        new = [mapping[n] for n in marker.numbers if n in mapping]
        before = merged[cursor : marker.start]
        # a marker left with no passage goes, with the space before it
        out.append(before + marker_text(new) if new else before.rstrip(" "))
        cursor = marker.end
    out.append(merged[cursor:])
    return "".join(out), [cited[i - 1] for i in order]


def _merge_adjacent(text: str) -> str:
    """ "[1][2]" and "[1] [2]" -> "[1, 2]" (one marker per place)."""
    pattern = re.compile(r"(?:" + MARKER.pattern + r"[ \t]*){2,}")

    def merge(match: re.Match[str]) -> str:
        numbers = [n for m in markers(match.group(0)) for n in m.numbers]
        trailing = match.group(0)[len(match.group(0).rstrip(" \t")) :]
        return "[" + ", ".join(map(str, dict.fromkeys(numbers))) + "]" + trailing

    return pattern.sub(merge, text)


def cite(sentence: str, *numbers: int) -> str:
    """Put the marker before the final punctuation: 'Le plan vaut 60 M€ [1].'"""
    sentence = sentence.strip()
    marker = marker_text(list(dict.fromkeys(numbers)))
    match = re.search(r"[.!?…:;]+$", sentence)
    if match:
        return f"{sentence[: match.start()].rstrip()} {marker}{match.group(0)}"
    return f"{sentence} {marker}"
