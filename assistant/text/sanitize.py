"""HTML in a corpus document reduced to its text, at ingestion, for every format.

The corpus is written by people, copied from web pages and PDFs: a stray
``<script>``, an ``<img onerror=…>`` or a ``javascript:`` link must never reach
an answer, an excerpt or an API client (the chat escapes HTML, API clients may
not). Markdown, FAQ YAML, plain text, PDF, DOCX and HTML text all go through
:func:`html_to_text` once, when loaded, so nothing downstream has to care.

Ordinary text is returned unchanged (same bytes, so the same embeddings): only
tags, entities and script links are touched. A parser would "repair" texts that
are not HTML at all ("R&D" loses its ampersand in html.parser), hence the small
set of patterns below, applied until the text no longer changes (entities can
hide a second layer: ``&lt;script&gt;``).
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_text"]

#: Elements whose content is never text for a reader.
_DROPPED = r"script|style|iframe|object|embed|noscript|template|svg|math|textarea|select"
_DROPPED_ELEMENT = re.compile(rf"<({_DROPPED})\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
#: an unclosed <script> or <style> swallows the rest, as in a browser (an unclosed <svg> or a
#: void <embed> does not: only its tag goes)
_DROPPED_OPEN = re.compile(r"<(?:script|style)\b[^>]*>.*", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>", re.IGNORECASE)
_BREAK = re.compile(r"<(?:br|hr)\b[^>]*>|</(?:p|div|li|tr|h[1-6]|blockquote|pre)\s*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<![A-Za-z][^<>]*>|<\?[^<>]*>")
_UNSAFE_SCHEME = r"(?:(?:java|vb|live)script\s*:|data\s*:\s*text/html)"
#: [label](javascript:…) or ![alt](javascript:…), one level of brackets in the address
_MD_LINK = re.compile(
    rf"(!?)\[([^\]]*)\]\(\s*<?{_UNSAFE_SCHEME}(?:[^()]|\([^()]*\))*\)", re.IGNORECASE
)
_BARE_SCHEME = re.compile(rf"{_UNSAFE_SCHEME}[^\s\])>\"']*", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKUP = re.compile(rf"<[A-Za-z!/?]|{_ENTITY.pattern}|{_UNSAFE_SCHEME}", re.IGNORECASE)


def html_to_text(text: str) -> str:
    """The text a reader sees: tags removed, scripts and script links gone."""
    for _ in range(4):  # each round may uncover an encoded layer
        if not _MARKUP.search(text):
            return text
        text = _once(text)
    return _TAG.sub("", _BARE_SCHEME.sub("", text)).replace("<", "‹").replace(">", "›")


def _once(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _DROPPED_ELEMENT.sub("", text)
    text = _DROPPED_OPEN.sub("", text)  # an unclosed <script>: the rest is its content
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    text = _BARE_SCHEME.sub("", text)
    if _ENTITY.search(text):
        text = html.unescape(text)
    return text
