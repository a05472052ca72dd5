"""French (and English) analyzer producing BM25 tokens.

bm25s is fed pre-tokenized text, so this module decides what "the same word"
means for lexical retrieval. Users type without accents ("region"), with
typographic apostrophes ("l’IA"), and write amounts many ways ("60 M€",
"60 millions d'euros"); all of these must meet the passages' tokens.

Pipeline: fold -> normalise numbers and units -> split elisions -> phrase
synonyms -> split -> drop stopwords -> stem (PyStemmer, Snowball).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

import Stemmer

from assistant.text.numbers import number_token, parse_number

__all__ = ["STOPWORDS", "fold", "fold_aligned", "stem", "tokenize"]

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'"})
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}

_FR_STOPWORDS = """
a ai aie aient aies ait alors as au aucun aucune aupres aura aurai auraient aurais
aurait auras aurez auriez aurons auront aussi autre autres aux avaient avais avait
avant avec avez aviez avions avoir avons ayant c ca car ce ceci cela celle celles
celui ces cet cette ceux chaque chez comme comment combien d dans de des donc dont du
elle elles en encore entre es est et etaient etais etait etant ete etes etre eu eue
eues eurent eus eut eux fait faut fois fut furent ici il ils j je jusqu l la le les
leur leurs lors lorsqu lui m ma mais me meme memes mes moi moins mon n ne ni nos
notre nous on ont or ou par parce pas peu peut peuvent plus pour pourquoi puis
puisqu qu quand que quel quelle quelles quels qui quoi s sa sans se sera serait
ses si sinon soit son sont sous suis sur t ta te tes toi ton tous tout toute
toutes tres tu un une unes uns vers via voici voila vos votre vous y
"""

_EN_STOPWORDS = """
about after all also am an and any are at be been being but by can could did do
does doing for from had has have having he her here hers him his how i if in into
is it its itself just many may me might more most much must my no nor not of off
on once only other our ours out over own same she should so some such than that
the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you
your yours
"""

STOPWORDS: frozenset[str] = frozenset((_FR_STOPWORDS + _EN_STOPWORDS).split())
"""Folded French + English stopwords; compact on purpose (question words included)."""

# Tokens produced by normalisation that must never be stemmed or dropped.
_PROTECTED = frozenset({"meur", "mdeur", "keur", "eur", "pct", "ia", "pme", "aniti"})

# Stems that mean the same thing for retrieval ("former des agents" ~ "formation").
_STEM_SYNONYMS = {
    "fr": {"form": "format", "formon": "format"},
    "en": {"ai": "ia", "sme": "pme", "smes": "pme"},
}

# Applied on folded text, before elision splitting. Order matters: longest first.
_UNIT_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        # Currency first: "€60m", "€ 1.5 bn", "eur 500k".
        (r"(?:€|\beur)\s?(\d[\d.,]*)\s?(?:m|mn|million|millions)\b", r" \1 meur "),
        (r"(?:€|\beur)\s?(\d[\d.,]*)\s?(?:bn|md|billion|billions)\b", r" \1 mdeur "),
        (r"(?:€|\beur)\s?(\d[\d.,]*)\s?(?:k|thousand)\b", r" \1 keur "),
        (r"(?:€|\beur)\s?(\d[\d.,]*)", r" \1 eur "),
        (r"\bmillions? (?:d'|d |de )?(?:euros?|€|eur)(?![a-z])", " meur "),
        (r"\bmilliards? (?:d'|d |de )?(?:euros?|€|eur)(?![a-z])", " mdeur "),
        (r"\bmilliers? (?:d'|d |de )?(?:euros?|€|eur)(?![a-z])", " keur "),
        (r"(?<![a-z])m\s?€|\bmeur\b|(?<=\d)m€|\bmillions?\b", " meur "),
        (r"\bmds?\s?€|\bmilliards?\b|\bbillions?\b", " mdeur "),
        (r"(?<![a-z])k\s?€|\bkeur\b", " keur "),
        (r"€|\beuros?\b|\beur\b", " eur "),
        (r"%|\bpour ?cent\b|\bper ?cent\b|\bpourcents?\b", " pct "),
    )
)

_PHRASE_SYNONYMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"\bintelligences? artificielles?\b", " ia "),
        (r"\bartificial intelligence\b", " ia "),
        (r"\bpetites? et moyennes? entreprises?\b", " pme "),
        (r"\bsmall and medium[- ]sized (?:enterprises|businesses|companies)\b", " pme "),
        (r"\bsmall and medium (?:enterprises|businesses|companies)\b", " pme "),
        (r"\baujourd'hui\b", " aujourdhui "),
    )
)

_ELISION = re.compile(r"\b(?:l|d|qu|j|c|n|s|m|t|jusqu|lorsqu|puisqu|quoiqu)'")
_NUMBER = re.compile(
    r"(?<![a-z0-9.,])(?:\d{1,3}(?: \d{3})+(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)*)(?![a-z0-9])"
)
_NUMERIC = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?![a-z0-9])|[a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase, strip accents, normalise apostrophes and ligatures.

    Why: users often type without accents and with straight apostrophes;
    folding both sides makes "Région" and "region" the same string.
    """
    text = text.translate(_APOSTROPHES)
    for ligature, replacement in _LIGATURES.items():
        text = text.replace(ligature, replacement)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def fold_aligned(text: str) -> str:
    """Fold character by character, keeping the length of ``text``.

    Why: regexes written for folded ASCII can then run on the result and
    their spans index the original text directly (for ``raw`` excerpts and
    in-place substitutions). Ligatures become their first letter here.
    """
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Fold one character into exactly one character."""
    ch = ch.translate(_APOSTROPHES)
    if ch in _LIGATURES:
        return _LIGATURES[ch][0]
    base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
    folded = base[0].lower() if len(base) == 1 else ch.lower()
    return folded if len(folded) == 1 else ch


class _StemmerCache(threading.local):
    """One PyStemmer instance per (thread, language): they are not thread-safe."""

    def __init__(self) -> None:
        self.stemmers: dict[str, Stemmer.Stemmer] = {}

    def get(self, lang: str) -> Stemmer.Stemmer:
        """Return the cached stemmer for ``lang`` ("fr" or "en")."""
        if lang not in self.stemmers:
            algorithm = "english" if lang == "en" else "french"
            self.stemmers[lang] = Stemmer.Stemmer(algorithm)
        return self.stemmers[lang]


_STEMMERS = _StemmerCache()


def stem(word: str, lang: str = "fr") -> str:
    """Stem one folded word (Snowball) and apply the stem synonyms.

    Folding turns the feminine participle "adoptée" into "adoptee", which Snowball
    (written for accented French) leaves as "adopte" while "adopté" gives "adopt":
    the "-ee(s)" ending is cut back to "-e" first, so both forms meet.
    """
    if lang == "fr" and len(word) > 4 and word.endswith(("ee", "ees")):
        word = word[: -2 if word.endswith("ees") else -1]
    stemmed = _STEMMERS.get(lang).stemWord(word)
    return _STEM_SYNONYMS.get(lang, {}).get(stemmed, stemmed)


def tokenize(text: str, lang: str = "fr") -> list[str]:
    """Turn text into BM25 tokens: folded, stopword-free, stemmed.

    Amount units collapse to a few tokens ("M€", "millions d'euros" and
    "million" -> ``meur``; "€"/"euros" -> ``eur``; "%"/"pour cent" ->
    ``pct``) and numbers to one canonical form ("60 000 000" ->
    ``60000000``, "60,5" -> ``60.5``), so every way of writing a figure
    meets the others.
    """
    if lang not in {"fr", "en"}:
        raise ValueError(f"unsupported language {lang!r}: expected 'fr' or 'en'")
    normalised = _normalise(fold(text), lang)
    words = _canonical_amounts(_TOKEN.findall(normalised))
    return [_finish(word, lang) for word in _keep(words, lang)]


def tokenize_many(texts: Iterable[str], lang: str = "fr") -> list[list[str]]:
    """Tokenize a corpus (the shape bm25s expects for pre-tokenized input)."""
    return [tokenize(text, lang) for text in texts]


def _normalise(folded: str, lang: str) -> str:
    """Rewrite numbers, units, elisions and multi-word synonyms in place."""
    # Numbers twice: grouped digits must be joined before "€ 60 000 000" is
    # split by the unit rules, and "€60m" only exposes "60" after them.
    text = _NUMBER.sub(_number_repl, folded)
    for pattern, repl in _UNIT_RULES:
        text = pattern.sub(repl, text)
    text = _NUMBER.sub(_number_repl, text)
    for pattern, repl in _PHRASE_SYNONYMS:
        text = pattern.sub(repl, text)
    text = _ELISION.sub(" ", text)
    return text


_SCALES = {
    "eur": Decimal(1),
    "keur": Decimal(10**3),
    "meur": Decimal(10**6),
    "mdeur": Decimal(10**9),
}


def _canonical_amounts(words: list[str]) -> list[str]:
    """Rescale "<number> <unit>" pairs so one amount has one spelling.

    "60 000 000 €", "60 M€" and "0,06 Md€" all become ``60 meur``; "500 000 €"
    and "500 k€" become ``500 keur``: the largest unit keeping the number >= 1.
    """
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        unit = words[index + 1] if index + 1 < len(words) else ""
        if unit in _SCALES and _NUMERIC.fullmatch(word):
            out.extend(_rescale(Decimal(word) * _SCALES[unit]))
            index += 2
            continue
        out.append(word)
        index += 1
    return out


def _rescale(euros: Decimal) -> list[str]:
    """Express an amount in euros with the largest unit giving a value >= 1."""
    for unit in ("meur", "keur"):
        if euros >= _SCALES[unit]:
            return [number_token(euros / _SCALES[unit]), unit]
    return [number_token(euros), "eur"]


def _number_repl(match: re.Match[str]) -> str:
    """Replace a written number by its canonical token (unchanged if unparsable)."""
    value = parse_number(match.group(0))
    return match.group(0) if value is None else number_token(value)


def _keep(words: Iterable[str], lang: str) -> Iterable[str]:
    """Drop stopwords and stray single letters, but keep digits and our tokens."""
    synonyms = _STEM_SYNONYMS.get(lang, {})
    for word in words:
        if (
            word in _PROTECTED
            or word in synonyms
            or word[0].isdigit()
            or (len(word) > 1 and word not in STOPWORDS)
        ):
            yield word


def _finish(word: str, lang: str) -> str:
    """Stem alphabetic words; numbers and protected tokens pass through."""
    if word in _PROTECTED or not word.isalpha():
        return word
    if word in _STEM_SYNONYMS.get(lang, {}):
        return _STEM_SYNONYMS[lang][word]
    return stem(word, lang)
