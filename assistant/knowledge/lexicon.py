"""The lexicon: cue words and every user-facing message, as data.

Language knowledge lives in ``corpus/lexicon/*.yaml`` so that the Région's
team can add a synonym, a sector word or reword a message without a release.
Each file may hold two sections:

``cues``
    named lists of phrases (see :mod:`assistant.knowledge.phrases` for the
    syntax), nested by concern: ``org: {entreprise: [...]}`` is the cue list
    ``org.entreprise``. Lists keep the order they are written in, which is the
    order of priority where the code needs one (organisation types).
``messages``
    texts in both languages, one style everywhere: a leaf is
    ``{fr: "...", en: "..."}`` with the same ``{placeholders}`` in both;
    nested keys read as ``eligibility.field.staff``.

Everything is checked when loaded: a phrase that does not compile, a
reference to an unknown list, a message missing a language or a placeholder
is a :class:`~assistant.errors.KnowledgeError` naming the file, the entry and
what is wrong.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import KnowledgeError
from assistant.knowledge.phrases import PhraseError, bounded, compile_phrase
from assistant.text.normalize import normalize

LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Cue:
    """A compiled cue list: does a normalised text contain one of its phrases?"""

    name: str
    phrases: tuple[str, ...]
    pattern: re.Pattern[str]
    #: the alternation without word boundaries, to embed in a grammar
    body: str = ""

    def search(self, norm: str) -> re.Match[str] | None:
        """First match in ``norm`` (a text passed through :func:`normalize`)."""
        return self.pattern.search(norm)

    def finditer(self, norm: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(norm)

    def __contains__(self, norm: str) -> bool:
        return self.pattern.search(norm) is not None

    def in_text(self, text: str) -> bool:
        """Whether the raw ``text`` (normalised here) contains a phrase of the list."""
        return self.pattern.search(normalize(text)) is not None


@dataclass(frozen=True)
class Message:
    """One user-facing text in both languages."""

    key: str
    fr: str
    en: str

    def __call__(self, lang: str = "fr", **values: Any) -> str:
        template = self.en if lang == "en" else self.fr
        return template.format(**values) if values else template


@dataclass
class Lexicon:
    """Every cue list and message of ``corpus/lexicon``; see the module docstring."""

    cues: dict[str, Cue] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    #: where each entry comes from, for error messages ("lexicon/profile.yaml")
    origin: dict[str, str] = field(default_factory=dict)

    # -- reading ---------------------------------------------------------------
    def cue(self, name: str) -> Cue:
        """The cue list ``name``; a missing list is a data error naming it."""
        try:
            return self.cues[name]
        except KeyError:
            raise KnowledgeError(
                f"corpus/lexicon: the cue list '{name}' is missing (the code needs it; "
                "add it to one of the lexicon files)"
            ) from None

    def group(self, prefix: str) -> dict[str, Cue]:
        """The cue lists under ``prefix`` (``group("org")`` → {"entreprise": Cue, ...}), in order."""
        start = prefix + "."
        found = {
            name[len(start) :]: cue
            for name, cue in self.cues.items()
            if name.startswith(start) and "." not in name[len(start) :]
        }
        if not found:
            raise KnowledgeError(
                f"corpus/lexicon: no cue list under '{prefix}' (the code needs at least one)"
            )
        return found

    def message(self, key: str) -> Message:
        try:
            return self.messages[key]
        except KeyError:
            raise KnowledgeError(
                f"corpus/lexicon: the message '{key}' is missing (the code needs it; add it "
                "with its 'fr' and 'en' texts to one of the lexicon files)"
            ) from None

    def text(self, key: str, lang: str = "fr", **values: Any) -> str:
        """The message ``key`` in ``lang``, with its placeholders filled."""
        return self.message(key)(lang, **values)

    def labels(self, prefix: str, lang: str = "fr") -> dict[str, str]:
        """Messages under ``prefix`` as {last key part: text}: e.g. sector names."""
        start = prefix + "."
        out = {
            key[len(start) :]: msg(lang)
            for key, msg in self.messages.items()
            if key.startswith(start) and "." not in key[len(start) :]
        }
        if not out:
            raise KnowledgeError(f"corpus/lexicon: no message under '{prefix}'")
        return out

    # -- loading ---------------------------------------------------------------
    @classmethod
    def load(cls, directory: Path) -> Lexicon:
        """Read every ``*.yaml`` of ``directory`` (sorted by name)."""
        directory = Path(directory)
        if not directory.is_dir():
            raise KnowledgeError(
                f"{directory}: the lexicon folder is missing (it holds the cue words and "
                "messages; copy corpus/lexicon from the repository)"
            )
        raw_cues: dict[str, list[str]] = {}
        lexicon = cls()
        for path in sorted(directory.glob("*.yaml")):
            label = f"lexicon/{path.name}"
            data = _read(path, label)
            for name, phrases in _leaves(data.get("cues") or {}, label, "cues", _is_list):
                _claim(lexicon.origin, f"cue:{name}", label)
                raw_cues[name] = _phrases(phrases, label, name)
            for key, value in _leaves(data.get("messages") or {}, label, "messages", _is_text):
                _claim(lexicon.origin, f"message:{key}", label)
                lexicon.messages[key] = _message(key, value, label)
        lexicon.cues = _compile_all(raw_cues, lexicon.origin)
        return lexicon


# ----------------------------------------------------------------------------- helpers


def _read(path: Path, label: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{label}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{label}: expected 'cues:' and/or 'messages:' sections")
    unknown = set(data) - {"cues", "messages"}
    if unknown:
        raise KnowledgeError(f"{label}: unknown section(s) {sorted(unknown)}")
    return data


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _is_text(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) <= set(LANGUAGES) and bool(value)


def _leaves(node: Any, label: str, path: str, is_leaf: Any) -> Iterator[tuple[str, Any]]:
    """(dotted name, leaf) pairs of a nested mapping, in file order."""
    if not isinstance(node, Mapping):
        raise KnowledgeError(f"{label}: {path}: expected a mapping of names")
    for key, value in node.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", key):
            raise KnowledgeError(
                f"{label}: {path}: {key!r} is not a valid name (letters, digits, '_', '-')"
            )
        name = key if path in ("cues", "messages") else f"{path}.{key}"
        if is_leaf(value):
            yield name, value
        elif isinstance(value, Mapping):
            yield from _leaves(value, label, name, is_leaf)
        else:
            kind = "a list of phrases" if is_leaf is _is_list else "{fr: ..., en: ...}"
            raise KnowledgeError(f"{label}: {name}: expected {kind}")


def _claim(origin: dict[str, str], key: str, label: str) -> None:
    if key in origin:
        kind, name = key.split(":", 1)
        raise KnowledgeError(
            f"{label}: {kind} '{name}' is already defined in {origin[key]} (one definition only)"
        )
    origin[key] = label


def _phrases(value: list[Any], label: str, name: str) -> list[str]:
    out = []
    for position, phrase in enumerate(value, 1):
        if not isinstance(phrase, str | int) or isinstance(phrase, bool) or not str(phrase).strip():
            raise KnowledgeError(f"{label}: {name}: entry {position} must be a non-empty phrase")
        out.append(str(phrase).strip())
    if not out:
        raise KnowledgeError(f"{label}: {name}: the list is empty")
    return out


def _message(key: str, value: Mapping[str, Any], label: str) -> Message:
    texts = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise KnowledgeError(f"{label}: {key}: the '{lang}' text is missing or empty")
        texts[lang] = text.strip() if "\n" not in text.strip() else text.rstrip()
    fields = {lang: _placeholders(texts[lang], label, key, lang) for lang in LANGUAGES}
    if fields["fr"] != fields["en"]:
        raise KnowledgeError(
            f"{label}: {key}: the placeholders differ between 'fr' {sorted(fields['fr'])} "
            f"and 'en' {sorted(fields['en'])}"
        )
    return Message(key, texts["fr"], texts["en"])


def _placeholders(text: str, label: str, key: str, lang: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise KnowledgeError(
            f"{label}: {key} ({lang}): bad braces ({exc}); write {{{{ for a '{{'"
        ) from exc


class _Located(PhraseError):
    """A phrase error already prefixed with its file, list and phrase."""


def _compile_all(raw: dict[str, list[str]], origin: dict[str, str]) -> dict[str, Cue]:
    """Compile every cue list, resolving ``{name}`` references (cycles are errors)."""
    compiled: dict[str, str] = {}
    visiting: list[str] = []

    def resolve(name: str) -> str:
        if name in compiled:
            return compiled[name]
        if name not in raw:
            raise PhraseError(f"unknown cue list {{{name}}}")
        if name in visiting:
            raise PhraseError("circular reference: " + " -> ".join([*visiting, name]))
        visiting.append(name)
        parts = []
        for phrase in raw[name]:
            try:
                parts.append(compile_phrase(phrase, resolve))
            except _Located:
                raise
            except PhraseError as exc:
                label = origin.get(f"cue:{name}", "lexicon")
                raise _Located(f"{label}: {name}: phrase {phrase!r}: {exc}") from exc
        visiting.pop()
        # longest first: "chiffre d affaires" must win over "chiffre" at the same place
        compiled[name] = "|".join(sorted(parts, key=len, reverse=True))
        return compiled[name]

    cues = {}
    for name, phrases in raw.items():
        try:
            pattern = resolve(name)
        except PhraseError as exc:
            raise KnowledgeError(str(exc)) from exc
        cues[name] = Cue(name, tuple(phrases), re.compile(bounded(pattern)), pattern)
    return cues
