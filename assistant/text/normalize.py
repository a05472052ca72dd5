"""The one normalisation cue words and places are matched on.

Users type "sante", "Sète", "SETE" or "Bagnols sur Ceze": every comparison of
words (lexicon cues, place names, profile extraction) goes through
:func:`normalize`, so that accents, case, hyphens and apostrophes do not
matter. It builds on :func:`assistant.text.french.fold`, the one accent
folding of the project.
"""

from __future__ import annotations

import functools
import re

from assistant.text.french import fold

_SEPARATORS = re.compile(r"[-‐‑–—_/'`´]+")
_SPACES = re.compile(r"\s+")
_CA = re.compile(r"\b[çÇ]a\b")


@functools.lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lower-case, accent-free, hyphens and apostrophes turned into spaces.

    "ça" becomes "cela" first so that the accent-free form does not collide
    with the abbreviation "CA" (chiffre d'affaires). Memoised: the same
    question is read by several steps of one turn.
    """
    text = fold(_CA.sub("cela", text))
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = _SEPARATORS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
