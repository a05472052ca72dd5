"""Which language a question is written in (French or English, the corpus's two).

Function-word counting is enough here: questions are short, the choice is
binary, and a tie goes to French, the product's first language.
"""

from __future__ import annotations

import re

from assistant.text.french import fold

_EN_WORDS = re.compile(
    r"\b(?:the|we|are|is|our|with|which|what|who|when|where|why|am|i|my|for|company|employees|"
    r"can|eligible|any|how|do|does|in|and|of|to|much|many|there|it|this|that|you|your|about)\b"
)
_FR_WORDS = re.compile(
    r"\b(?:le|la|les|de|des|du|est|on|nous|je|une|un|quelles?|quels?|pour|dans|et|suis|sommes|"
    r"aides?|salaries|entreprise|qui|quand|combien|comment|ou|sur|avec|pas|ce|ca|c'est|mon|ma|"
    r"mes|vous|il|elle|au|aux|en)\b"
)


def detect_language(text: str) -> str:
    """``"en"`` when English function words outnumber French ones, else ``"fr"``."""
    folded = fold(text)
    return "en" if len(_EN_WORDS.findall(folded)) > len(_FR_WORDS.findall(folded)) else "fr"
