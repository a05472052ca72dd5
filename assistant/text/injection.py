"""Text in a document that gives orders to a language model.

A corpus document may carry sentences written to steer a model ("ignore your
instructions...", "tu es maintenant..."). They are never information for a
reader. What counts as one is data: the cue list ``model_directed`` of
``corpus/lexicon/safety.yaml``, matched on normalised text like every cue.

* at ingestion they are removed from the indexed text and kept in the chunk
  metadata (``instructions_json``), and ``assistant corpus check`` lists them;
* at answer time (defence in depth, for indexes built before or passages
  split differently) the extractive composer never quotes one and the
  generative mode removes them before building its prompt.
"""

from __future__ import annotations

import re

from assistant.knowledge.lexicon import Cue, Lexicon
from assistant.text.normalize import normalize

__all__ = [
    "CUE",
    "INSTRUCTION_REMOVED",
    "instruction_cue",
    "instruction_sentences",
    "is_instruction",
    "strip_instructions",
]

#: The cue list of the lexicon that recognises sentences addressed to a model.
CUE = "model_directed"
INSTRUCTION_REMOVED = "[consigne retirée]"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_CONTENT = re.compile(r"\w")


def instruction_cue(lexicon: Lexicon) -> Cue:
    """The lexicon's list (a missing list is a data error naming it)."""
    return lexicon.cue(CUE)


def is_instruction(sentence: str, cue: Cue) -> bool:
    """The sentence addresses a model rather than a reader."""
    return cue.search(normalize(sentence)) is not None


def _sentences(line: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(line) if part.strip()]


def _blocks(paragraph: str) -> list[str]:
    """The lines of a paragraph, soft-wrapped lines joined: a sentence is never cut in two.

    A bullet or a heading starts its own block; a plain line continues the one above
    (Markdown and PDF text wrap sentences over several lines).
    """
    blocks: list[str] = []
    for line in paragraph.split("\n"):
        starts = _BULLET.match(line) or line.lstrip().startswith(("#", "|"))
        if blocks and line.strip() and not starts and blocks[-1].strip():
            blocks[-1] = f"{blocks[-1].rstrip()} {line.strip()}"
        else:
            blocks.append(line)
    return blocks


def _paragraphs(text: str) -> list[str]:
    return re.split(r"\n[ \t]*\n", text)


def instruction_sentences(text: str, cue: Cue) -> list[str]:
    """The sentences of ``text`` that address a model, as written (bullet marks removed)."""
    if not is_instruction(text, cue):
        return []
    return [
        _BULLET.sub("", sentence).strip()
        for paragraph in _paragraphs(text)
        for block in _blocks(paragraph)
        for sentence in _sentences(block)
        if is_instruction(sentence, cue)
    ]


def strip_instructions(text: str, cue: Cue, marker: str = INSTRUCTION_REMOVED) -> str:
    """``text`` without its sentences addressed to a model (each replaced by ``marker``).

    Paragraphs and bullets keep their places (a paragraph holding one is re-flowed
    on one line); a bullet left empty disappears. Text without one is returned as is.
    """
    if not is_instruction(text, cue):
        return text
    paragraphs = []
    for paragraph in _paragraphs(text):
        if not is_instruction(paragraph, cue):
            paragraphs.append(paragraph)
            continue
        lines = []
        for block in _blocks(paragraph):
            parts = _sentences(block)
            kept = [marker if is_instruction(p, cue) else p for p in parts]
            line = " ".join(k for k in kept if k)
            if _CONTENT.search(_BULLET.sub("", line)):
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs).strip()
