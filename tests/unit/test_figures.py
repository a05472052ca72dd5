"""Figure extraction and matching: one canonical value per figure, strict equality."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.answer.figures import Figure, extract_figures, supported


def values(text: str, *, words: bool = False) -> list[tuple[str, object]]:
    return [(figure.kind, figure.value) for figure in extract_figures(text, words=words)]


SIXTY_MILLION = [("amount", 60_000_000)]


@pytest.mark.parametrize(
    "text",
    [
        "60 M€",
        "60 M €",
        "60\u00a0M€",
        "60 millions d'euros",
        "60 millions d’euros",
        "60 millions €",
        "60 000 000 €",
        "60\u202f000\u202f000 €",
        "60.000.000 €",
        "60,000,000 euros",
        "60 million euros",
        "€60m",
        "€60M",
        "€60 million",
        "€ 60 000 000",
        "60 MEUR",
        "EUR 60 million",
        "0,06 Md€",
    ],
)
def test_sixty_million_spellings(text: str) -> None:
    assert values(text) == SIXTY_MILLION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500 k€", [("amount", 500_000)]),
        ("500 000 €", [("amount", 500_000)]),
        ("€500k", [("amount", 500_000)]),
        ("1,5 Md€", [("amount", 1_500_000_000)]),
        ("un milliard d'euros", [("amount", 1_000_000_000)]),
        ("plus de 1 M€", [("amount", 1_000_000)]),
        ("un million d'euros", [("amount", 1_000_000)]),
        ("12,5 M€.", [("amount", 12_500_000)]),
        ("12,50 €", [("amount", Decimal("12.5"))]),
        ("de 1 à 2 M€", [("amount", 1_000_000), ("amount", 2_000_000)]),
    ],
)
def test_amounts(text: str, expected: list[tuple[str, object]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text", ["3,7 %", "3.7%", "3,7 pour cent", "3,7 pourcents", "3.7 percent", "3.7 per cent"]
)
def test_percent_spellings(text: str) -> None:
    assert values(text) == [("percent", Decimal("3.7"))]


def test_percent_range() -> None:
    assert values("entre 10 et 15 %") == [("percent", 10), ("percent", 15)]
    assert values("10-15 %") == [("percent", 10), ("percent", 15)]


@pytest.mark.parametrize(
    "text",
    [
        "11 juillet 2024",
        "jeudi 11 juillet 2024",
        "11/07/2024",
        "11.07.2024",
        "2024-07-11",
        "July 11, 2024",
        "July 11th, 2024",
        "Thursday, July 11, 2024",
        "11 July 2024",
        "11th of July 2024",
        "11 juil. 2024",
    ],
)
def test_date_spellings(text: str) -> None:
    assert values(text) == [("date", "2024-07-11")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1er août 2024", [("date", "2024-08-01")]),
        ("le 1er aout 2024", [("date", "2024-08-01")]),
        ("le 11 juillet", [("date", "--07-11")]),
        ("on July 11", [("date", "--07-11")]),
        ("31/02/2024", [("number", 31), ("month", "2024-02")]),  # not a date
        ("07/13/2024", [("date", "2024-07-13")]),
    ],
)
def test_date_edge_cases(text: str, expected: list[tuple[str, object]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize("text", ["juillet 2024", "July 2024", "2024-07", "07/2024", "juil. 2024"])
def test_month_spellings(text: str) -> None:
    assert values(text) == [("month", "2024-07")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en 2024", [("year", 2024)]),
        ("la période 2024-2028", [("year", 2024), ("year", 2028)]),
        ("2024–2028", [("year", 2024), ("year", 2028)]),
        ("2024-28", [("year", 2024), ("year", 2028)]),
        ("de 2024 à 2028", [("year", 2024), ("year", 2028)]),
    ],
)
def test_years_and_periods(text: str, expected: list[tuple[str, object]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize("text", ["3 500", "3\u202f500", "3,500", "3500", "3.500"])
def test_count_spellings(text: str) -> None:
    assert values(f"{text} salariés") == [("number", 3500)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Enveloppe 3", [("number", 3)]),
        ("la 3e enveloppe", [("number", 3)]),
        ("60 millions", [("number", 60_000_000)]),
        ("60,5", [("number", Decimal("60.5"))]),
        ("2 000 entreprises", [("number", 2000)]),
    ],
)
def test_plain_numbers(text: str, expected: list[tuple[str, object]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Le plan vaut beaucoup [1].",
        "Voir [1][2] et [3, 4] ou [5-7].",
        "H2020, 5G, COVID-19 et A350",
        "à 14h30",
        "un projet, une enveloppe, un appel",
        "cinq ans",
    ],
)
def test_not_figures(text: str) -> None:
    assert values(text) == []


def test_number_words_only_on_request() -> None:
    assert values("cinq ans et soixante millions d'euros", words=True) == [
        ("number", 5),
        ("amount", 60_000_000),
    ]
    assert values("un an", words=True) == []


def test_raw_and_span_point_into_original_text() -> None:
    text = "Le plan régional est doté de 60 millions d’euros [1]."
    (figure,) = extract_figures(text)
    assert figure.raw == "60 millions d’euros"
    assert text[figure.span[0] : figure.span[1]] == figure.raw


def test_citation_marker_next_to_figure_is_ignored() -> None:
    assert values("Il vise 2028 [12].") == [("year", 2028)]


def test_figure_is_frozen_and_hashable() -> None:
    figure = extract_figures("60 M€")[0]
    with pytest.raises(AttributeError):
        figure.value = 1  # type: ignore[misc]
    assert len({figure, figure}) == 1


def passage(text: str) -> list[Figure]:
    return extract_figures(text, words=True)


def answer(text: str) -> Figure:
    (figure,) = extract_figures(text)
    return figure


@pytest.mark.parametrize(
    ("answer_text", "passage_text"),
    [
        ("60 M€", "une enveloppe de 60 millions d'euros"),
        ("€60m", "60 000 000 €"),
        ("500 k€", "500 000 €"),
        ("60 M€", "une enveloppe de 60 millions"),
        ("3,7 %", "3.7%"),
        ("3,7 pour cent", "3,70 %"),
        ("11 juillet 2024", "le 11/07/2024"),
        ("July 11, 2024", "jeudi 11 juillet 2024"),
        ("juillet 2024", "le 11 juillet 2024"),
        ("le 11 juillet", "le 11 juillet 2024"),
        ("2024", "11/07/2024"),
        ("2028", "la période 2024-2028"),
        ("2024", "juillet 2024"),
        ("3 500", "3,500 salariés"),
        ("3500 salariés", "3 500 emplois"),
        ("250", "250 projets"),
        ("60 000 000", "60 M€"),
        ("5 ans", "cinq ans"),
        ("2 000", "en 2000"),
    ],
)
def test_supported(answer_text: str, passage_text: str) -> None:
    assert supported(answer(answer_text), passage(passage_text))


@pytest.mark.parametrize(
    ("answer_text", "passage_text"),
    [
        ("62 M€", "60 M€"),
        ("60 M€", "60 000 €"),
        ("6 M€", "60 M€"),
        ("12 juillet 2024", "11 juillet 2024"),
        ("11 juillet 2025", "11 juillet 2024"),
        ("3.5 %", "3,7 %"),
        ("3,7 %", "3,7 M€"),
        ("11 juillet 2024", "juillet 2024"),
        ("août 2024", "11 juillet 2024"),
        ("2025", "la période 2024-2028"),
        ("500 €", "500 projets"),
        ("3,7", "3,7 %"),
        ("1", "[1] Le plan"),
    ],
)
def test_not_supported(answer_text: str, passage_text: str) -> None:
    assert not supported(answer(answer_text), passage(passage_text))


def test_supported_with_no_passage_figures() -> None:
    assert not supported(answer("60 M€"), [])
