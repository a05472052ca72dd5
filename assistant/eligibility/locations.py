"""Decide whether a place named by the user is in Occitanie.

The plan targets the region's actors, so the location is the first thing the
engine checks. Places come from ``corpus/data/locations.yaml``; matching is
accent- and case-insensitive and also understands postal codes ("31000") and
département numbers ("dans le 34").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import KnowledgeError
from assistant.text.normalize import normalize

_MONEY_AFTER = re.compile(r"^\s*(?:€|eur\b|euros?\b|k\b|m\b|ke\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """One name that can be found in a text, and what it resolves to."""

    key: str  # normalised name
    label: str  # name as written in the data file
    in_occitanie: bool
    departement: str | None = None
    number: str | None = None
    ambiguous: bool = False


@dataclass(frozen=True)
class LocationResolution:
    """What a text says about location.

    ``in_occitanie`` is None when no known place was found: the engine then
    asks for the location instead of guessing.
    """

    in_occitanie: bool | None
    departement: str | None = None
    departement_number: str | None = None
    matched: str | None = None
    text: str | None = None

    @property
    def label(self) -> str | None:
        """'Albi (Tarn, 81)' style label for answers."""
        if self.matched is None:
            return None
        if self.departement and self.matched != self.departement:
            return f"{self.matched} ({self.departement}, {self.departement_number})"
        if self.departement:
            return f"{self.departement} ({self.departement_number})"
        return self.matched


@dataclass(frozen=True)
class Gazetteer:
    """All known places plus the set of Occitanie département numbers."""

    places: tuple[Place, ...]
    numbers: dict[str, tuple[str, str]]  # "31" -> ("Haute-Garonne", "Toulouse")
    #: words that must precede an ambiguous name ("lot", "nice") for it to count
    place_cues: tuple[str, ...] = ()


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def build_gazetteer(data: dict[str, Any]) -> Gazetteer:
    """Turn the YAML mapping into places sorted longest-first.

    Longest-first matters: "Tarn-et-Garonne" must win over "Tarn" and
    "Lot-et-Garonne" (outside) over "Lot" (inside).
    """
    ambiguous = {normalize(a) for a in _as_list(data.get("ambiguous"))}
    places: dict[str, Place] = {}
    numbers: dict[str, tuple[str, str]] = {}

    def add(label: str, inside: bool, dep: str | None = None, num: str | None = None) -> None:
        key = normalize(label)
        if key and key not in places:
            places[key] = Place(key, label, inside, dep, num, key in ambiguous)

    for dep in data.get("departements", []):
        name, number = str(dep["name"]), str(dep["number"]).zfill(2)
        numbers[number] = (name, str(dep.get("prefecture", "")))
        add(name, True, name, number)
        for alias in _as_list(dep.get("aliases")):
            add(alias, True, name, number)
        add(str(dep.get("prefecture", "")), True, name, number)
        for city in _as_list(dep.get("cities")):
            add(city, True, name, number)
    for name in _as_list(data.get("regions_in")):
        add(name, True)
    for name in _as_list(data.get("outside")):
        add(name, False)
    ordered = sorted(places.values(), key=lambda p: len(p.key), reverse=True)
    cues = tuple(normalize(c) for c in _as_list(data.get("ambiguous_cues")))
    return Gazetteer(tuple(ordered), numbers, cues)


def load_gazetteer(path: Path) -> Gazetteer:
    """Read the locations file (``corpus/data/locations.yaml``) and check its shape."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"{path}: cannot be read ({exc})".replace("\n", " ")) from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path}: expected a mapping (departements, outside...)")
    for position, dep in enumerate(data.get("departements") or [], 1):
        if not isinstance(dep, dict) or not dep.get("name") or not dep.get("number"):
            raise KnowledgeError(
                f"{path} [departements #{position}]: 'name' and 'number' are required"
            )
    if not data.get("departements"):
        raise KnowledgeError(f"{path} (departements): the list of départements is required")
    try:
        return build_gazetteer(data)
    except (TypeError, ValueError, AttributeError) as exc:
        raise KnowledgeError(f"{path}: malformed entry ({exc})") from exc


def _has_place_cue(norm: str, start: int, cues: tuple[str, ...]) -> bool:
    before = norm[:start].rstrip()
    return any(before == cue or before.endswith(" " + cue) for cue in cues)


def _find_places(norm: str, gazetteer: Gazetteer) -> list[tuple[int, Place]]:
    """All non-overlapping place names in ``norm``, in text order."""
    taken = [False] * len(norm)
    found: list[tuple[int, Place]] = []
    whole_text = norm.strip(" .!?,;:")
    for place in gazetteer.places:
        for match in re.finditer(rf"(?<![a-z0-9]){re.escape(place.key)}(?![a-z0-9])", norm):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            cues = gazetteer.place_cues
            if (
                place.ambiguous
                and whole_text != place.key
                and not _has_place_cue(norm, start, cues)
            ):
                continue
            taken[start:end] = [True] * (end - start)
            found.append((start, place))
    return sorted(found, key=lambda item: item[0])


def _find_codes(text: str, gazetteer: Gazetteer) -> list[tuple[int, bool, str | None]]:
    """Postal codes and "dans le 31" style département numbers."""
    results: list[tuple[int, bool, str | None]] = []
    for match in re.finditer(r"(?<!\d)(?<!\d[.,])(\d{5})(?!\d)(?![.,]\d)", text):
        if _MONEY_AFTER.match(text[match.end() :]):
            continue
        prefix = match.group(1)[:2]
        results.append((match.start(), prefix in gazetteer.numbers, prefix))
    norm = normalize(text)
    for match in re.finditer(
        r"(?:dans le|departement|dept|dpt)\s*(?:n°|no)?\s*(\d{2}|2a|2b)\b|\((\d{2})\)", norm
    ):
        number = match.group(1) or match.group(2)
        results.append((match.start(), number in gazetteer.numbers, number))
    return sorted(results)


def resolve_location(text: str | None, gazetteer: Gazetteer) -> LocationResolution:
    """Resolve a city, département, region or postal code found in ``text``.

    If several places are named, one in Occitanie wins: an establishment in the
    region is what the regional schemes look at.
    """
    if not text or not text.strip():
        return LocationResolution(None, text=text)
    gaz = gazetteer
    norm = normalize(text)
    places = _find_places(norm, gaz)
    for _, place in places:
        if place.in_occitanie:
            return LocationResolution(True, place.departement, place.number, place.label, text)
    for _, inside, number in _find_codes(text, gaz):
        if inside and number:
            dep, _prefecture = gaz.numbers[number]
            return LocationResolution(True, dep, number, dep, text)
    if places:
        return LocationResolution(False, matched=places[0][1].label, text=text)
    for _, inside, number in _find_codes(text, gaz):
        if not inside:
            return LocationResolution(False, matched=f"code {number}", text=text)
    return LocationResolution(None, text=text)
