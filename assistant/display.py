"""How a source reads to a person: title, publisher, date, link and confidence in words.

Every page (chat, call-centre view, widget) and the API show sources through
this one module, so that nobody sees an internal code (``seed-only``) or a
date in ISO form, and everything is in the interface language. The words
come from ``corpus/lexicon/labels.yaml`` (``label.confidence``,
``label.source``): the Région's staff can reword them without touching code.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.knowledge.lexicon import Lexicon

__all__ = ["SourceDisplay", "format_date"]

_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)


def format_date(value: Any, lang: str) -> str:
    """ "2025-12-11" → "11 décembre 2025"; "2024-07" → "juillet 2024"; other text unchanged."""
    text = "" if value is None else str(value).strip()
    match = _ISO.match(text)
    if not match:
        return text
    year, month, day = match.groups()
    if not month or not 1 <= int(month) <= 12:
        return year
    name = _MONTHS["en" if lang == "en" else "fr"].split()[int(month) - 1]
    if not day:
        return f"{name} {year}"
    return f"{name} {int(day)}, {year}" if lang == "en" else f"{int(day)} {name} {year}"


def _url(value: Any) -> str | None:
    if isinstance(value, str) and _URL.match(value.strip()):
        return value.strip()
    return None


class SourceDisplay:
    """Display words for sources, read from the lexicon once."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    @classmethod
    @functools.cache
    def default(cls) -> SourceDisplay:
        """The repository's labels (for pages rendered without an ``Assistant`` at hand)."""
        from assistant.knowledge.lexicon import Lexicon
        from assistant.settings import PROJECT_ROOT

        return cls(Lexicon.load(PROJECT_ROOT / "corpus" / "lexicon"))

    def label(self, key: str, lang: str, **values: Any) -> str:
        return self.lexicon.text(f"label.source.{key}", lang, **values)

    def confidence(self, code: Any, lang: str) -> str:
        """The document's confidence in words ("" for an unknown or missing code)."""
        key = f"label.confidence.{code}"
        return self.lexicon.text(key, lang) if key in self.lexicon.messages else ""

    def date(self, value: Any, lang: str) -> str:
        return format_date(value, lang) or self.label("undated", lang)

    def source(self, source: dict[str, Any], lang: str) -> dict[str, Any]:
        """One source as shown: title, publisher, date in words, link (only http(s))."""
        return {
            "title": str(source.get("title") or ""),
            "publisher": str(source.get("publisher") or ""),
            "date": self.date(source.get("date"), lang),
            "url": _url(source.get("url")),
        }

    def citation(self, citation: dict[str, Any], lang: str) -> dict[str, Any]:
        """What a source card shows for one citation (``Citation.to_dict()``).

        ``source`` is the first source that can be opened (else the primary one), so
        that every card has a link whenever any of its sources has an address;
        ``others`` are the remaining sources.
        """
        raw = list(citation.get("sources") or [])
        if not raw and citation.get("source_title"):
            raw = [
                {
                    "title": citation.get("source_title"),
                    "publisher": citation.get("source_publisher"),
                    "date": citation.get("source_date"),
                    "url": citation.get("source_url"),
                }
            ]
        shown = [self.source(s, lang) for s in raw]
        main = next((s for s in shown if s["url"]), shown[0] if shown else None)
        where = [str(citation.get("section") or "")]
        if citation.get("page"):
            where.append(self.label("page", lang, page=citation["page"]))
        return {
            "n": citation.get("n"),
            "title": str(citation.get("title") or ""),
            "where": " · ".join(w for w in where if w),
            "source": main,
            "others": [s for s in shown if s is not main],
            "confidence": self.confidence(citation.get("confidence"), lang),
            "labels": {
                key: self.label(key, lang) for key in ("source", "reliability", "open", "others")
            },
        }
