"""Which language a question is written in (French or English, the corpus's two).

Function-word counting is enough here: questions are short, the choice is
binary, and a tie goes to French, the product's first language. The function
words are data (``corpus/lexicon/conversation.yaml``, ``language.en`` / ``.fr``).
"""

from __future__ import annotations

from assistant.knowledge.lexicon import Lexicon
from assistant.text.normalize import normalize


def detect_language(text: str, lexicon: Lexicon) -> str:
    """``"en"`` when English function words outnumber French ones, else ``"fr"``."""
    norm = normalize(text)
    english = len(lexicon.cue("language.en").pattern.findall(norm))
    french = len(lexicon.cue("language.fr").pattern.findall(norm))
    return "en" if english > french else "fr"
