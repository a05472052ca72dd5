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


def instruction_sentences(text: str, cue: Cue) -> list[str]:
    """The sentences of ``text`` that address a model, as written (bullet marks removed)."""
    if not is_instruction(text, cue):
        return []
    return [
        _BULLET.sub("", sentence).strip()
        for line in text.splitlines()
        for sentence in _sentences(line)
        if is_instruction(sentence, cue)
    ]


def strip_instructions(text: str, cue: Cue, marker: str = INSTRUCTION_REMOVED) -> str:
    """``text`` without its sentences addressed to a model (each replaced by ``marker``).

    Lines and paragraphs keep their places; a bullet left empty disappears.
    """
    if not is_instruction(text, cue):
        return text
    lines = []
    for line in text.split("\n"):
        parts = _sentences(line)
        if not any(is_instruction(part, cue) for part in parts):
            lines.append(line)
            continue
        kept = " ".join(p for p in (marker if is_instruction(p, cue) else p for p in parts) if p)
        if _CONTENT.search(_BULLET.sub("", kept)):
            lines.append(kept)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
