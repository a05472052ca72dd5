"""A city, département, region or postal code resolves to Occitanie or not."""

from __future__ import annotations

import pytest

from assistant.eligibility import resolve_location
from tests.knowledge import GAZETTEER

# (text, in_occitanie, département number or None)
CASES = [
    ("Toulouse", True, "31"),
    ("toulouse", True, "31"),
    ("Albi", True, "81"),
    ("Castres", True, "81"),
    ("Perpignan", True, "66"),
    ("Montpellier", True, "34"),
    ("Beziers", True, "34"),
    ("SETE", True, "34"),
    ("Nimes", True, "30"),
    ("Alès", True, "30"),
    ("Foix", True, "09"),
    ("Pamiers", True, "09"),
    ("Carcassonne", True, "11"),
    ("Narbonne", True, "11"),
    ("Rodez", True, "12"),
    ("Millau", True, "12"),
    ("Auch", True, "32"),
    ("Cahors", True, "46"),
    ("Figeac", True, "46"),
    ("Mende", True, "48"),
    ("Tarbes", True, "65"),
    ("Lourdes", True, "65"),
    ("Montauban", True, "82"),
    ("Haute-Garonne", True, "31"),
    ("haute garonne", True, "31"),
    ("Tarn-et-Garonne", True, "82"),
    ("Tarn", True, "81"),
    ("Hautes-Pyrénées", True, "65"),
    ("Pyrenees orientales", True, "66"),
    ("Lozère", True, "48"),
    ("Ariege", True, "09"),
    ("Herault", True, "34"),
    ("Gers", True, "32"),
    ("Aveyron", True, "12"),
    ("Lot", True, "46"),
    ("une PME dans le Lot", True, "46"),
    ("31000", True, "31"),
    ("nous sommes au 34000 Montpellier", True, "34"),
    ("CP 66100", True, "66"),
    ("dans le 81", True, "81"),
    ("Occitanie", True, None),
    ("Midi-Pyrénées", True, None),
    ("Paris", False, None),
    ("Lyon", False, None),
    ("Marseille", False, None),
    ("Bordeaux", False, None),
    ("Nantes", False, None),
    ("Lille", False, None),
    ("Strasbourg", False, None),
    ("Nice", False, None),
    ("Rennes", False, None),
    ("Grenoble", False, None),
    ("75011", False, None),
    ("Lot-et-Garonne", False, None),
    ("Bouches-du-Rhône", False, None),
    ("Nouvelle-Aquitaine", False, None),
    ("", None, None),
    ("un lot de 40 pièces", None, None),
    ("un projet de 40000 €", None, None),
    ("une idée nice", None, None),
]


@pytest.mark.parametrize(("text", "inside", "number"), CASES)
def test_resolve_location(text, inside, number) -> None:
    result = resolve_location(text, GAZETTEER)
    assert result.in_occitanie is inside
    assert result.departement_number == number


def test_occitanie_wins_when_several_places_are_named() -> None:
    result = resolve_location("siège à Paris, établissement R&D à Labège", GAZETTEER)
    assert result.in_occitanie is True
    assert result.departement == "Haute-Garonne"
    assert result.matched == "Labège"


def test_label_names_city_and_departement() -> None:
    assert resolve_location("Albi", GAZETTEER).label == "Albi (Tarn, 81)"
