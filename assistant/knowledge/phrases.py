"""The phrase syntax of the lexicon: cue words the Région's staff can write.

A cue list in ``corpus/lexicon/*.yaml`` is a list of phrases matched on
normalised text (lower case, no accents, hyphens and apostrophes read as
spaces), whole words only. The syntax, kept small on purpose:

* ``entreprise`` — the word; ``salarie(e)(s)`` — letters in brackets are
  optional; ``medic*`` — any ending;
* ``chiffre d affaires`` — several words in a row (``d'affaires`` works too);
* ``[start up|startup|jeune pousse]`` — one of the alternatives,
  ``[start up|startup](s)`` with optional letters after it;
  ``[tres]?`` — an optional word or group;
* ``{ai}`` — any phrase of another cue list (here the list ``ai``);
* ``re:<regex>`` — a raw regular expression over normalised text, for
  developers only.

Each phrase compiles to one regular expression; a cue list is their
alternation. Errors name the phrase and what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.text.normalize import normalize

#: What separates two words: spaces, and the apostrophes and hyphens that
#: ``fold_aligned`` keeps (so the same cue runs on folded text of the same length).
SEPARATOR = r"[\s'\-]+"
_WORD_START = r"(?<![a-z0-9])"
_WORD_END = r"(?![a-z0-9])"
_WORD = re.compile(r"^[a-z0-9&€%@.+]+$")


class PhraseError(ValueError):
    """A phrase that does not follow the syntax (the message says where)."""


def compile_phrase(phrase: str, resolve: Callable[[str], str]) -> str:
    """The regular expression (without word boundaries) of one phrase.

    ``resolve(name)`` returns the regex of the cue list ``{name}``.
    """
    if phrase.startswith("re:"):
        body = phrase[3:].strip()
        try:
            re.compile(body)
        except re.error as exc:
            raise PhraseError(f"invalid regular expression ({exc})") from exc
        return body
    elements = _split(_normalise_phrase(phrase))
    if not elements:
        raise PhraseError("empty phrase")
    out = ""
    leading = True  # only optional elements so far: the next one needs no separator
    for element, optional in elements:
        body = f"(?:{_element(element, resolve)})"
        if leading:
            out += f"(?:{body}{SEPARATOR})?" if optional else body
            leading = optional
        elif optional:
            out += f"(?:{SEPARATOR}{body})?"
        else:
            out += f"{SEPARATOR}{body}"
    if all(optional for _, optional in elements):
        raise PhraseError("a phrase needs at least one word that is not optional")
    return out


def bounded(pattern: str) -> str:
    """Whole-word version of a compiled phrase or alternation."""
    return f"{_WORD_START}(?:{pattern}){_WORD_END}"


def _normalise_phrase(phrase: str) -> str:
    """Fold the phrase like the texts it is matched on (the syntax characters survive)."""
    return normalize(phrase)


def _split(phrase: str) -> list[tuple[str, bool]]:
    """Top-level elements of a phrase, each with whether it is optional."""
    elements: list[tuple[str, bool]] = []
    depth = 0
    current = ""
    tokens = phrase.split()
    for token in tokens:
        depth += token.count("[") - token.count("]")
        if depth < 0:
            raise PhraseError(f"']' without '[' near {token!r}")
        current = f"{current} {token}".strip()
        if depth == 0:
            optional = current.endswith("]?") or (current.endswith("?") and current[0] != "[")
            elements.append((current.removesuffix("?") if optional else current, optional))
            current = ""
    if depth:
        raise PhraseError("'[' without ']'")
    return elements


def _element(element: str, resolve: Callable[[str], str]) -> str:
    suffix = re.search(r"\]((?:\([a-z0-9]+\))+)$", element) if element.startswith("[") else None
    if suffix:  # "[start up|startup](s)": optional letters after a group
        return f"(?:{_element(element[: suffix.start(1)], resolve)}){_word(suffix.group(1))}"
    if element.startswith("[") and element.endswith("]"):
        alternatives = _alternatives(element[1:-1])
        if any(not alt.strip() for alt in alternatives):
            raise PhraseError(f"empty alternative in {element!r}")
        return "|".join(compile_phrase(alt.strip(), resolve) for alt in alternatives)
    if element.startswith("{") and element.endswith("}"):
        return resolve(element[1:-1].strip())
    return _word(element)


def _alternatives(body: str) -> list[str]:
    """Split ``a|b [c|d]`` at the top-level bars only."""
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _word(word: str) -> str:
    """One word: optional letters in brackets, a trailing ``*`` for any ending."""
    star = word.endswith("*")
    word = word.removesuffix("*")
    out = ""
    for piece in re.split(r"(\([^()]*\))", word):
        if not piece:
            continue
        if piece.startswith("("):
            inner = piece[1:-1]
            if not inner or not _WORD.match(inner):
                raise PhraseError(f"optional letters must be letters, in {word!r}")
            out += f"(?:{re.escape(inner)})?"
        elif _WORD.match(piece):
            out += re.escape(piece)
        else:
            raise PhraseError(f"unexpected character in {word!r}")
    if not out:
        raise PhraseError(f"empty word in {word!r}")
    if word.startswith("(") and word.endswith(")"):
        return out  # only optional letters: a suffix after a group
    return out + ("[a-z0-9]*" if star else "")
