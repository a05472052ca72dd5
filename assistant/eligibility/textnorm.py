"""Text normalisation shared by location matching and profile extraction.

Users type "sante", "Sète", "SETE" or "Bagnols sur Ceze": every comparison goes
through :func:`normalize` so that accents, case, hyphens and apostrophes do not
matter.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[-‐‑–—_/'’`´]+")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """Remove diacritics ("é" -> "e"), keeping the base letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower-case, accent-free, hyphens and apostrophes turned into spaces.

    "ça" becomes "cela" first so that the accent-free form does not collide
    with the abbreviation "CA" (chiffre d'affaires).
    """
    text = re.sub(r"\bça\b|\bÇa\b", "cela", text)
    text = strip_accents(text.replace("œ", "oe").replace("Œ", "oe")).lower()
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = _SEPARATORS.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
