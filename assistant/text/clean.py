"""Text that cannot be processed: lone surrogates and control characters.

A JSON string may carry ``"\\ud800"`` (half of a UTF-16 pair): Python accepts
it, but the tokenizer, the JSON encoder of an error message or a log handler
then fail on it, far from where it came in. Control characters (other than
tab and line breaks) are never part of a question and break logs and CSV
exports. They are refused where text enters, with the character named.
"""

from __future__ import annotations

import re

#: C0 controls except \t \n \r, DEL, C1 controls, lone surrogates, non-characters.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

MESSAGES = {
    "fr": "Le texte contient un caractère invalide ({code}) : retirez-le et réessayez.",
    "en": "The text contains an invalid character ({code}): remove it and try again.",
}


def first_invalid(text: str) -> str | None:
    """``"U+D800"`` for the first character that cannot be processed, else None."""
    match = _INVALID.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def invalid_text_message(code: str, lang: str = "fr") -> str:
    """The sentence shown for an invalid character (French unless ``lang`` is en)."""
    return MESSAGES["en" if lang == "en" else "fr"].format(code=code)
