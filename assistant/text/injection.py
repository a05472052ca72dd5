"""Text in a document or a question that gives orders to a language model.

A corpus document (or a question) may carry sentences written to steer a
model ("ignore your instructions...", "you are now..."). They are never
information for a reader: the generative mode removes them from passages
before building its prompt, and the extractive composer never quotes them.
"""

from __future__ import annotations

import re

__all__ = ["INSTRUCTION_REMOVED", "is_instruction", "strip_instructions"]

#: Sentences that address a model rather than a reader: removed from passages.
INJECTION = re.compile(
    r"\b(ignore[rz]?|oublie[rz]?|disregard|forget)\b[^.!?\n]{0,40}\b(instructions?|consignes?|"
    r"règles|regles|rules|prompt)\b"
    r"|\b(prompt|message|instructions?)\s+(système|systeme|system)\b"
    r"|\bsystem\s+(prompt|message)\b"
    r"|\b(tu es|vous êtes|you are) (désormais|maintenant|now)\b"
    r"|\b(nouvelles?|new) (consignes?|instructions?)\b"
    r"|\b(en tant qu'|as an? )(ia|ai|assistant|modèle|language model)\b[^.!?\n]{0,40}\b(dois|must)\b"
    r"|\b(réponds|répondez|answer|respond) (toujours|always|uniquement|only)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")
INSTRUCTION_REMOVED = "[consigne retirée]"


def is_instruction(sentence: str) -> bool:
    """The sentence addresses a model rather than a reader."""
    return bool(INJECTION.search(sentence))


def strip_instructions(text: str) -> str:
    """Remove the sentences of a passage that give orders to a model."""
    if not INJECTION.search(text):
        return text
    out = []
    for sentence in _SENTENCE.findall(text):
        out.append(INSTRUCTION_REMOVED + " " if INJECTION.search(sentence) else sentence)
    return "".join(out).strip()
