"""Parsing of numbers written the French or the English way.

The same digits are written "60 000 000", "60,000,000", "60.000.000" or
"60000000", and a decimal is "3,7" in French but "3.7" in English. Both the
BM25 analyzer and the figure guard must agree on one canonical value, or a
query (or an answer) would not match the passage that states the same figure.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

#: Numbers written in words, French and English: the one table (the figure guard
#: reads passages with it; the profile reader reads "on est trois"). "un"/"une"/"one"
#: are left out on purpose: they are articles far more often than quantities.
NUMBER_WORDS: dict[str, int] = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000,
    "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100,
}  # fmt: skip

# Thin spaces and no-break spaces are common thousands separators in French.
_SPACES = " \u00a0\u202f\u2009"
_GROUPED = re.compile(r"^\d{1,3}(?:[" + _SPACES + r"]\d{3})+(?:[.,]\d+)?$")


def parse_number(raw: str, *, prefer_decimal: bool = False) -> Decimal | None:
    """Return the value of a written number, or ``None`` if it is not one.

    Rules, in order (why: each resolves a real ambiguity of FR/EN writing):

    * spaces between groups of three digits are thousands separators;
    * when both "," and "." occur, the last one is the decimal mark;
    * one separator repeated ("60,000,000", "60.000.000") is a grouping;
    * a single "," or "." followed by exactly three digits ("3,500",
      "3.500") is a thousands separator, because counts are far more common
      than three-decimal values in this corpus; ``prefer_decimal`` flips that
      for contexts where a decimal is the natural reading ("1,250 M€", "12,500 %");
    * any other single separator is the decimal mark ("60,5", "3.7").
    """
    text = raw.strip()
    if not text or not text[0].isdigit():
        return None
    if any(ch in text for ch in _SPACES):
        if not _GROUPED.match(text):
            return None
        text = "".join(ch for ch in text if ch not in _SPACES)
    normalised = _normalise_separators(text, prefer_decimal=prefer_decimal)
    if normalised is None:
        return None
    try:
        return Decimal(normalised)
    except InvalidOperation:
        return None


def _normalise_separators(text: str, *, prefer_decimal: bool) -> str | None:
    """Turn a digit string with "," / "." into a plain ``Decimal`` literal."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        if text.count(decimal_mark) > 1:
            return None
        return text.replace(group_mark, "").replace(decimal_mark, ".")
    mark = "," if commas else "." if dots else ""
    if not mark:
        return text
    parts = text.split(mark)
    if len(parts) > 2:
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            return "".join(parts)
        return None
    head, tail = parts
    if len(tail) == 3 and 1 <= len(head) <= 3 and not prefer_decimal:
        return head + tail
    return f"{head}.{tail}"


def canonical(value: Decimal) -> int | Decimal:
    """Return an ``int`` for whole values, else a normalised ``Decimal``.

    ``int`` and ``Decimal`` compare and hash equal, so either may be stored.
    """
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def number_token(value: Decimal) -> str:
    """Render a value as a stable search token ("60000000", "60.5")."""
    result = canonical(value)
    return str(result) if isinstance(result, int) else format(result, "f")


def format_eur(amount: float, lang: str = "fr") -> str:
    """A human amount: '2 M€', '2,5 M€', '800 k€' (or '2.5 M€' in English)."""
    if amount >= 1_000_000:
        value, unit = amount / 1_000_000, "M€"
    elif amount >= 1000:
        value, unit = amount / 1000, "k€"
    else:
        value, unit = amount, "€"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if lang == "fr":
        text = text.replace(".", ",")
    return f"{text} {unit}"
