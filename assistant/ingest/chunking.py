"""Heading- and paragraph-aware chunking, bounded in the embedding model's tokens.

Chunks never cross a section (so every chunk has one section path to cite),
paragraphs are packed greedily up to ``max_tokens``, over-long paragraphs are
split at sentence then word boundaries, and FAQ entries are kept whole: an
answer cut from its question is useless to retrieve.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.ingest.documents import Section, SourceDocument

#: Bump when chunk boundaries or texts change: the index then re-embeds.
CHUNKER_VERSION = "2"  # 2: HTML reduced to text, sentences addressed to a model removed

TokenCounter = Callable[[str], int]
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ0-9«\"(])")


def approx_tokens(text: str) -> int:
    """Rough token count (≈ 1.4 tokens per French word) for tests and planning."""
    return max(1, round(len(text.split()) * 1.4))


@dataclass(frozen=True)
class Chunk:
    """One passage to embed, store and cite."""

    id: str
    doc_id: str
    seq: int
    text: str
    embed_text: str
    metadata: dict[str, Any]

    @property
    def content_hash(self) -> str:
        return self.metadata["content_hash"]


def chunk_document(
    document: SourceDocument, max_tokens: int, count_tokens: TokenCounter = approx_tokens
) -> list[Chunk]:
    """Split one document into chunks carrying all citation metadata."""
    pieces: list[tuple[Section, str]] = []
    for section in document.sections:
        if document.kind == "faq":
            pieces.append((section, section.text))
            continue
        for text in _pack(section.text, max_tokens, count_tokens):
            pieces.append((section, text))
    return [_make_chunk(document, seq, section, text) for seq, (section, text) in enumerate(pieces)]


def _make_chunk(document: SourceDocument, seq: int, section: Section, text: str) -> Chunk:
    meta = document.meta
    source = meta.primary_source
    headings = section.headings
    if headings and headings[0] == meta.title:  # a Markdown H1 repeating the title
        headings = headings[1:]
    section_path = " > ".join(headings)
    context = [meta.title]
    if section_path:
        context.append(section_path)
    embed_text = "\n".join(context) + "\n\n" + text
    metadata: dict[str, Any] = {
        "doc_id": meta.id,
        "kind": document.kind,
        "title": meta.title,
        "section": section_path,
        "page": section.page if section.page is not None else -1,
        "source_title": source.title,
        "source_publisher": source.publisher or "",
        "source_url": source.url or "",
        "source_date": source.date or "",
        "sources_json": json.dumps(
            [s.model_dump() for s in meta.sources], ensure_ascii=False, sort_keys=True
        ),
        "audience": meta.audience,
        "topic": meta.topic,
        "envelope": meta.envelope or "",
        "language": meta.language,
        "confidence": meta.confidence,
        "last_reviewed": meta.last_reviewed.isoformat(),
        "path": document.path.name,
        "chunker_version": CHUNKER_VERSION,
        # sentences addressed to a model that ingestion removed from this section
        "instructions_json": json.dumps(section.instructions, ensure_ascii=False),
    }
    metadata["content_hash"] = hashlib.sha256(embed_text.encode("utf-8")).hexdigest()
    return Chunk(
        id=f"{meta.id}::{seq}",
        doc_id=meta.id,
        seq=seq,
        text=text,
        embed_text=embed_text,
        metadata=metadata,
    )


def _pack(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Greedy packing of paragraphs (then sentences, then words) under ``max_tokens``."""
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if count_tokens(paragraph) <= max_tokens:
            units.append(paragraph)
        else:
            units.extend(_split_long(paragraph, max_tokens, count_tokens))
    chunks: list[str] = []
    current: list[str] = []
    for unit in units:
        candidate = "\n\n".join([*current, unit])
        if current and count_tokens(candidate) > max_tokens:
            chunks.append("\n\n".join(current))
            current = [unit]
        else:
            current.append(unit)
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _split_long(paragraph: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_RE.split(paragraph):
        if count_tokens(sentence) > max_tokens:
            if current:
                out.append(current)
                current = ""
            out.extend(_split_words(sentence, max_tokens, count_tokens))
            continue
        candidate = f"{current} {sentence}".strip()
        if current and count_tokens(candidate) > max_tokens:
            out.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _split_words(sentence: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    out: list[str] = []
    words: list[str] = []
    for word in sentence.split():
        if words and count_tokens(" ".join([*words, word])) > max_tokens:
            out.append(" ".join(words))
            words = []
        words.append(word)
    if words:
        out.append(" ".join(words))
    return out
