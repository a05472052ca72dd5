"""Extraction and comparison of figures (amounts, percentages, dates, counts).

The figure guard must recognise that "60 M€", "60 millions d'euros",
"60 000 000 €" and "€60m" are the same amount, and that "11 juillet 2024"
is "11/07/2024", while refusing "62 M€" for "60 M€". Every figure is
therefore reduced to a ``kind`` and a canonical ``value``; comparison is
exact equality on those, with a few deliberate cross-kind rules (a year in an
answer is supported by a full date in a passage, a count by an amount...).

Extraction runs ordered regex rules over an accent-folded copy of the text
that keeps the original length, so spans index the original and ``raw`` is
the text as written. Each accepted match is masked so later, more generic
rules (plain numbers) cannot re-read its digits.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.citations import MARKER
from assistant.text.french import fold_aligned
from assistant.text.numbers import NUMBER_WORDS, canonical, parse_number

__all__ = ["KINDS", "Figure", "FigureKind", "extract_figures", "supported"]

FigureKind = Literal["amount", "percent", "date", "month", "year", "number"]
KINDS: tuple[FigureKind, ...] = ("amount", "percent", "date", "month", "year", "number")
FigureValue = int | Decimal | str


@dataclass(frozen=True)
class Figure:
    """One figure found in a text.

    ``value`` is canonical: euros (``int``, or ``Decimal`` for cents) for
    amounts, "YYYY-MM-DD" for dates ("--MM-DD" when the year is not written),
    "YYYY-MM" for months, ``int`` for years, and ``int`` when whole else
    ``Decimal`` for percents and plain numbers (``int`` and ``Decimal``
    compare and hash equal, so 3.70 % == 3.7 % and 10 % == 10.0 %). ``raw``
    is the text as written and ``span`` its (start, end) offsets in it.
    """

    kind: FigureKind
    value: FigureValue
    raw: str
    span: tuple[int, int]


# A handler turns a match into figures: (kind, value, start, end) tuples.
_Found = tuple[FigureKind, FigureValue, int, int]
_Handler = Callable[[re.Match[str]], list[_Found]]

_MASK = "\x1f"
_MONTHS = {
    "janvier": 1, "janv": 1, "january": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "march": 3, "mar": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "september": 9, "sept": 9, "sep": 9,
    "octobre": 10, "october": 10, "oct": 10,
    "novembre": 11, "november": 11, "nov": 11,
    "decembre": 12, "december": 12, "dec": 12,
}  # fmt: skip
# Full names only where a bare word could be ambiguous ("may", "mar.").
_FULL_MONTHS = {
    name: number
    for name, number in _MONTHS.items()
    if len(name) > 4 or name in {"mars", "mai", "juin", "aout", "june", "july"}
}


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation, longest first so "juillet" wins over "juil"."""
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternation(_MONTHS)})\.?(?![a-z])"
_FULL_MONTH = rf"(?P<month>{_alternation(_FULL_MONTHS)})(?![a-z])"
# English month-first without a year ("July 11"); "may" is too often a verb.
_EN_MONTH_NAMES = ("january", "february", "march", "april", "june", "july", "august",
                   "september", "october", "november", "december")  # fmt: skip
_EN_MONTH = rf"(?P<month>{_alternation(_EN_MONTH_NAMES)})"
_DAY = r"(?P<day>\d{1,2}|premier)(?:er|st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})(?![\d])"
# No letter (or "letter-") right before a number: "H2020", "COVID-19" are names.
_START = r"(?<![a-z0-9_])(?<![a-z]-)(?<![a-z]\.)"
_NUM = r"(?:\d{1,3}(?: \d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)*)"
_WORD_NUM = rf"(?:{_alternation(NUMBER_WORDS)})"

_EURO = r"(?:euros?(?![a-z])|€|eur(?![a-z]))"
_OF_EUROS = rf"(?:d'\s?|d |de |of )?{_EURO}"
_UNITS: tuple[tuple[str, FigureKind, int], ...] = (
    (rf"(?:millions?|mn)\s{_OF_EUROS}|m\s?{_EURO}|meur(?![a-z])", "amount", 10**6),
    (rf"(?:milliards?|billions?)\s{_OF_EUROS}|(?:mds?|mrds?|bn)\s?{_EURO}", "amount", 10**9),
    (rf"(?:milliers?|thousand)\s{_OF_EUROS}|k\s?{_EURO}|keur(?![a-z])", "amount", 10**3),
    (_EURO, "amount", 1),
    (
        r"%|pour\s?cents?(?![a-z])|pourcents?(?![a-z])|per\s?cent(?![a-z])|percent(?![a-z])",
        "percent",
        1,
    ),
    (r"millions?(?![a-z])", "number", 10**6),
    (r"(?:milliards?|billions?)(?![a-z])", "number", 10**9),
)
#: How people type amounts in a question ("CA de 2,5 millions", "bilan 12M", "500k"):
#: read only from user text (``lenient=True``), never from answers or passages.
_USER_UNITS: tuple[tuple[str, FigureKind, int], ...] = (
    (r"(?:md|mds|mrds?|bn)(?![a-z0-9])", "amount", 10**9),
    (r"(?:m|mio|millions?)(?![a-z0-9])", "amount", 10**6),
    (r"(?:k|ke|mille)(?![a-z0-9])", "amount", 10**3),
)
_UNIT = "|".join(f"(?P<u{index}>{pattern})" for index, (pattern, _, _) in enumerate(_UNITS))
_ALL_UNITS = _UNITS[:5] + _USER_UNITS
_USER_UNIT = "|".join(
    f"(?P<u{index}>{pattern})" for index, (pattern, _, _) in enumerate(_ALL_UNITS)
)
_PREFIX_SCALES = {"m": 10**6, "mn": 10**6, "million": 10**6, "millions": 10**6,
                  "bn": 10**9, "billion": 10**9, "billions": 10**9,
                  "k": 10**3, "thousand": 10**3}  # fmt: skip


def _date_value(year: int, month: int, day: int | None) -> str | None:
    """ISO form of a date, or ``None`` when it does not exist (31/02)."""
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    leap_year = year if year else 2024
    if not 1 <= day <= calendar.monthrange(leap_year, month)[1]:
        return None
    prefix = f"{year:04d}" if year else "-"
    return f"{prefix}-{month:02d}-{day:02d}"


def _day(text: str) -> int:
    return 1 if text == "premier" else int(text)


def _named_date(match: re.Match[str]) -> list[_Found]:
    """ "11 juillet 2024", "July 11, 2024", "1er août 2024"."""
    value = _date_value(int(match["year"]), _MONTHS[match["month"]], _day(match["day"]))
    return [("date", value, *match.span())] if value else []


def _day_month(match: re.Match[str]) -> list[_Found]:
    """ "11 juillet" without a year: "--07-11", supported by any year's 11 July."""
    value = _date_value(0, _FULL_MONTHS[match["month"]], _day(match["day"]))
    return [("date", value, *match.span())] if value else []


def _numeric_date(match: re.Match[str]) -> list[_Found]:
    """ "11/07/2024" (day first, as in French; swapped only if impossible)."""
    first, second, year = int(match["a"]), int(match["b"]), int(match["year"])
    day, month = (second, first) if second > 12 >= first else (first, second)
    value = _date_value(year, month, day)
    return [("date", value, *match.span())] if value else []


def _iso_date(match: re.Match[str]) -> list[_Found]:
    value = _date_value(int(match["year"]), int(match["m"]), int(match["d"]))
    return [("date", value, *match.span())] if value else []


def _named_month(match: re.Match[str]) -> list[_Found]:
    value = _date_value(int(match["year"]), _MONTHS[match["month"]], None)
    return [("month", value, *match.span())] if value else []


def _numeric_month(match: re.Match[str]) -> list[_Found]:
    """ "2024-07" or "07/2024"."""
    value = _date_value(int(match["year"]), int(match["m"]), None)
    return [("month", value, *match.span())] if value else []


def _year_range(match: re.Match[str]) -> list[_Found]:
    """ "2024-2028", "2024–28": both ends are years of the period."""
    start = int(match["start"])
    end_text = match["end"]
    end = int(end_text) if len(end_text) == 4 else start // 100 * 100 + int(end_text)
    if not start < end <= start + 50:
        return []
    return [
        ("year", start, match.start("start"), match.end("start")),
        ("year", end, match.start("end"), match.end("end")),
    ]


def _word_scale_amount(match: re.Match[str]) -> list[_Found]:
    """ "un million d'euros": the "un" here is a real quantity."""
    scale = 10**6 if match["scale"].startswith("million") else 10**9
    return [("amount", scale, *match.span())]


def _prefixed_amount(match: re.Match[str]) -> list[_Found]:
    """ "€60m", "€ 500k", "EUR 1.5 million"."""
    suffix = (match["suffix"] or "").strip()
    scale = _PREFIX_SCALES.get(suffix, 1)
    value = parse_number(match["num"], prefer_decimal=scale > 1)
    if value is None:
        return []
    return [("amount", canonical(value * scale), *match.span())]


def _unit_kind(match: re.Match[str]) -> tuple[FigureKind, int]:
    """Which unit matched (of ``_UNITS``, or ``_ALL_UNITS`` for user text): kind and multiplier."""
    units = _ALL_UNITS if match.re in _USER_PATTERNS else _UNITS
    for index, (_, kind, scale) in enumerate(units):
        if match[f"u{index}"] is not None:
            return kind, scale
    raise AssertionError("unit group without a unit")  # pragma: no cover


def _united(match: re.Match[str]) -> list[_Found]:
    """A number (or a range of two) followed by a unit: "60 M€", "3,7 %", "10 à 15 %"."""
    kind, scale = _unit_kind(match)
    prefer_decimal = scale > 1 or kind == "percent"
    found: list[_Found] = []
    for group in ("low", "low_b", "num"):
        text = match[group]
        if text is None or (group != "num" and _yearlike(text)):
            # "en 2024 à 60 M€": a year is not the low end of an amount range.
            continue
        value = _number_or_word(text, prefer_decimal=prefer_decimal)
        if value is None:
            return []
        end = match.end() if group == "num" else match.end(group)
        found.append((kind, canonical(value * scale), match.start(group), end))
    return found


def _yearlike(text: str) -> bool:
    return text.isdigit() and len(text) == 4 and 1900 <= int(text) <= 2100


def _number_or_word(text: str, *, prefer_decimal: bool) -> Decimal | None:
    if text in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[text])
    return parse_number(text, prefer_decimal=prefer_decimal)


def _ordinal(match: re.Match[str]) -> list[_Found]:
    """ "3e enveloppe", "2nd call": the ordinal's number."""
    return [("number", int(match["num"]), *match.span())]


def _plain(match: re.Match[str]) -> list[_Found]:
    """A bare number: a year when it looks like one, else a count."""
    text = match.group(0)
    value = parse_number(text)
    if value is None:
        return []
    if _yearlike(text):
        return [("year", int(text), *match.span())]
    return [("number", canonical(value), *match.span())]


def _word(match: re.Match[str]) -> list[_Found]:
    return [("number", NUMBER_WORDS[match.group(0)], *match.span())]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_CITATION = MARKER
_DIGIT_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_compile(rf"{_START}(?P<year>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"), _iso_date),
    (_compile(rf"{_START}(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep){_YEAR}"), _numeric_date),
    (_compile(rf"{_START}{_DAY}\s(?:of\s)?{_MONTH},?\s{_YEAR}"), _named_date),
    (_compile(rf"(?<![a-z]){_MONTH}\s{_DAY},?\s{_YEAR}"), _named_date),
    (_compile(rf"(?<![a-z]){_MONTH}\s(?:de\s|of\s)?{_YEAR}"), _named_month),
    (_compile(rf"{_START}(?P<start>(?:19|20)\d{{2}})\s?[-–—/]\s?(?P<end>\d{{4}}|\d{{2}})(?![\d])"), _year_range),
    (_compile(rf"{_START}(?P<year>\d{{4}})-(?P<m>\d{{2}})(?![\d-])"), _numeric_month),
    (_compile(rf"{_START}(?P<m>\d{{1,2}})/{_YEAR}"), _numeric_month),
    (_compile(rf"{_START}{_DAY}\s{_FULL_MONTH}"), _day_month),
    (_compile(rf"(?<![a-z]){_EN_MONTH}\s{_DAY}(?![\d])"), _day_month),
    (_compile(rf"(?<![a-z])(?:un|une|one|a)\s(?P<scale>millions?|milliards?|billions?)\s{_OF_EUROS}"), _word_scale_amount),
    (_compile(rf"(?:€|(?<![a-z])eur)\s?(?P<num>{_NUM})(?P<suffix>\s?(?:millions?|mn|m|billions?|bn|k|thousand)(?![a-z]))?"), _prefixed_amount),
)  # fmt: skip


def _united_rule(number: str, unit: str = _UNIT) -> re.Pattern[str]:
    """Number (optionally a range "X à Y", "entre X et Y") followed by a unit."""
    low = (
        rf"(?:(?P<low>{number})\s?(?:-|–|a|to)\s?"
        rf"|(?:entre|between|from|de)\s(?P<low_b>{number})\s(?:et|and|to|a)\s)"
    )
    return _compile(rf"{_START}(?:{low})?(?P<num>{number})\s{{0,2}}(?:{unit})")


_UNIT_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = ((_united_rule(_NUM), _united),)
_USER_UNIT_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_united_rule(_NUM, _USER_UNIT), _united),
)
_USER_PATTERNS = frozenset(pattern for pattern, _ in _USER_UNIT_RULES)
_TAIL_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_compile(rf"{_START}(?P<num>\d+)(?:ere|er|re|eme|e|nde|nd|st|rd|th)(?![a-z0-9])"), _ordinal),
    (_compile(rf"{_START}{_NUM}(?![a-z0-9])"), _plain),
)  # fmt: skip
_WORD_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_united_rule(_WORD_NUM), _united),
    (_compile(rf"(?<![a-z'-]){_WORD_NUM}(?![a-z'-])"), _word),
)


def extract_figures(text: str, *, words: bool = False, lenient: bool = False) -> list[Figure]:
    """Return the figures of ``text`` in reading order.

    ``lenient=True`` reads amounts the way people type them in a question
    ("2,5 millions", "12M", "500k": euros); answers and passages never get it.
    Memoised (the same passages are read for every question that retrieves
    them: this was a quarter of an answer's Python time); figures are frozen,
    and each caller gets its own list.
    """
    return list(_figures(text, words, lenient))


@functools.lru_cache(maxsize=16384)
def _figures(text: str, words: bool, lenient: bool = False) -> tuple[Figure, ...]:
    """The figures of ``text`` (see :func:`extract_figures`).

    Citation markers ("[1]", "[2, 3]") are never figures. ``words=True`` also
    reads numbers written in words ("cinq ans", "soixante millions d'euros");
    the guard enables it for passages only, so a passage's "cinq" supports an
    answer's "5" while answers are not penalised for "les deux volets".
    "un"/"une" are never numbers, except in "un million d'euros".
    """
    work = fold_aligned(text)
    work = _CITATION.sub(lambda m: _MASK * len(m.group(0)), work)
    units = _USER_UNIT_RULES if lenient else _UNIT_RULES
    rules = _DIGIT_RULES + units + (_WORD_RULES if words else ()) + _TAIL_RULES
    found: list[_Found] = []
    for pattern, handler in rules:
        work = _apply(pattern, handler, work, found)
    found.sort(key=lambda item: (item[2], item[3]))
    return tuple(
        Figure(kind, value, text[start:end], (start, end)) for kind, value, start, end in found
    )


def _apply(pattern: re.Pattern[str], handler: _Handler, work: str, found: list[_Found]) -> str:
    """Run one rule, record its figures and mask their characters."""
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(work):
        results = handler(match)
        found.extend(results)
        spans.extend((start, end) for _, _, start, end in results)
    if not spans:
        return work
    chars = list(work)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def supported(figure: Figure, passage_figures: Sequence[Figure]) -> bool:
    """Whether a passage states ``figure``: canonical equality, kind-aware.

    Deliberately strict on values (62 M€ is not 60 M€, 3.5 % is not 3.7 %)
    and lenient only on how precisely the passage phrases it: a year is
    supported by a date, month or period of that year, a month by a date in
    that month, "11 juillet" by "11 juillet 2024", a count by an equal amount
    ("60 millions" vs "60 M€") and an amount by a count of at least a million
    ("une enveloppe de 60 millions").
    """
    return any(_matches(figure, other) for other in passage_figures)


def _matches(answer: Figure, passage: Figure) -> bool:
    """One answer figure against one passage figure."""
    check = _MATCHERS[answer.kind]
    return check(answer.value, passage)


def _amount_matches(value: FigureValue, passage: Figure) -> bool:
    if passage.kind == "amount":
        return passage.value == value
    return passage.kind == "number" and passage.value == value and _big(value)


def _big(value: FigureValue) -> bool:
    return isinstance(value, int | Decimal) and value >= 10**6


def _percent_matches(value: FigureValue, passage: Figure) -> bool:
    return passage.kind == "percent" and passage.value == value


def _date_matches(value: FigureValue, passage: Figure) -> bool:
    if passage.kind != "date":
        return False
    text, other = str(value), str(passage.value)
    if text.startswith("--"):
        return other.endswith(text[1:])
    return other == text


def _month_matches(value: FigureValue, passage: Figure) -> bool:
    if passage.kind == "month":
        return passage.value == value
    return passage.kind == "date" and str(passage.value).startswith(f"{value}-")


def _year_matches(value: FigureValue, passage: Figure) -> bool:
    if passage.kind in {"year", "number"}:
        return passage.value == value
    if passage.kind in {"date", "month"}:
        return str(passage.value).startswith(f"{value}-")
    return False


def _number_matches(value: FigureValue, passage: Figure) -> bool:
    return passage.kind in {"number", "amount", "year"} and passage.value == value


_MATCHERS: dict[str, Callable[[FigureValue, Figure], bool]] = {
    "amount": _amount_matches,
    "percent": _percent_matches,
    "date": _date_matches,
    "month": _month_matches,
    "year": _year_matches,
    "number": _number_matches,
}
