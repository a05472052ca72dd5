"""French analyzer: what BM25 sees must not depend on accents, case or spelling of figures."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from assistant.text import fold, fold_aligned, parse_number, stem, tokenize
from assistant.text.french import STOPWORDS, tokenize_many


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Région", "region"),
        ("ÉTHIQUE", "ethique"),
        ("l’IA", "l'ia"),
        ("cœur", "coeur"),
        ("Lætitia", "laetitia"),
        ("aéronautique", "aeronautique"),
        ("60\u00a0M€", "60 m€"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_aligned_keeps_length_and_folds() -> None:
    text = "Sécurité œuvre l’IA\u202f: 60\u00a0M€"
    folded = fold_aligned(text)
    assert len(folded) == len(text)
    assert folded.startswith("securite oeuvre"[:10])
    assert "l'ia" in folded
    assert "60 m€" in folded


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Région", "region"),
        ("REGION", "région"),
        ("formations", "formation"),
        ("former", "formation"),
        ("éthique", "ethique"),
        ("l'IA", "l’IA"),
        ("intelligence artificielle", "IA"),
        ("Intelligences artificielles", "ia"),
        ("petites et moyennes entreprises", "PME"),
        ("aéronautique", "aeronautique"),
        ("entreprises", "entreprise"),
    ],
)
def test_equivalent_spellings_give_same_tokens(left: str, right: str) -> None:
    assert tokenize(left) == tokenize(right)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l'IA", ["ia"]),
        ("L’IA", ["ia"]),
        ("d'ANITI", ["aniti"]),
        ("qu'un", []),
        ("jusqu'en 2028", ["2028"]),
        ("la période 2024-2028", ["period", "2024", "2028"]),
    ],
)
def test_elisions_and_ranges(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_stopwords_removed() -> None:
    tokens = tokenize("Quel est le montant de la formation pour les entreprises ?")
    assert tokens == ["mont", "format", "entrepris"]
    assert not set(tokens) & STOPWORDS


def test_english_stopwords_removed_in_french_mode() -> None:
    assert tokenize("the plan and the region") == ["plan", "region"]


@pytest.mark.parametrize(
    "text",
    [
        "60 M€",
        "60 M €",
        "60 millions d'euros",
        "60 millions d’euros",
        "60 millions €",
        "60 000 000 €",
        "60\u202f000\u202f000 €",
        "60,000,000 euros",
        "60 million euros",
        "€60m",
        "60m€",
        "60 MEUR",
    ],
)
def test_amount_spellings_collapse(text: str) -> None:
    assert tokenize(text) == ["60", "meur"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500 k€", ["500", "keur"]),
        ("500 000 €", ["500", "keur"]),
        ("0,5 M€", ["500", "keur"]),
        ("1,5 Md€", ["1500", "meur"]),
        ("12 €", ["12", "eur"]),
        ("3,7 %", ["3.7", "pct"]),
        ("3.7%", ["3.7", "pct"]),
        ("3,7 pour cent", ["3.7", "pct"]),
        ("60,5", ["60.5"]),
        ("3 500 salariés", ["3500", "salar"]),
        ("3500", ["3500"]),
        ("en 2024.", ["2024"]),
    ],
)
def test_numbers_and_units(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_identifiers_with_digits_kept_whole() -> None:
    assert tokenize("H2020 et 5G") == ["h2020", "5g"]


def test_english_mode_uses_english_stemmer_and_synonyms() -> None:
    tokens = tokenize("How much for AI training in SMEs? €60 million", lang="en")
    assert tokens == ["ia", "train", "pme", "60", "meur"]
    assert tokenize("trainings", lang="en") == tokenize("training", lang="en")


def test_unknown_language_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        tokenize("hola", lang="es")


def test_empty_and_punctuation_only() -> None:
    assert tokenize("") == []
    assert tokenize(" ?! … ") == []


def test_stem_uses_synonyms() -> None:
    assert stem("former") == stem("formation") == "format"


def test_tokenize_many_matches_tokenize() -> None:
    texts = ["La Région", "les formations"]
    assert tokenize_many(texts) == [tokenize(text) for text in texts]


def test_stemmer_is_thread_safe() -> None:
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(200):
            results.append(tokenize("Les formations régionales en intelligence artificielle"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(tokens == results[0] for tokens in results)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("60 000 000", Decimal(60000000)),
        ("60,000,000", Decimal(60000000)),
        ("60.000.000", Decimal(60000000)),
        ("3,500", Decimal(3500)),
        ("3.500", Decimal(3500)),
        ("3,7", Decimal("3.7")),
        ("1,234.5", Decimal("1234.5")),
        ("1.234,5", Decimal("1234.5")),
        ("12", Decimal(12)),
        ("abc", None),
        ("1,2,3", None),
    ],
)
def test_parse_number(raw: str, expected: Decimal | None) -> None:
    assert parse_number(raw) == expected


def test_parse_number_prefer_decimal() -> None:
    assert parse_number("1,250", prefer_decimal=True) == Decimal("1.25")


def test_feminine_participles_meet_their_masculine_form() -> None:
    # "plan IA adoptée le combien ?" must find "le plan a été adopté le 11 juillet"
    assert tokenize("adoptée") == tokenize("adopté") == tokenize("adoptees") == ["adopt"]
    assert tokenize("créée") == tokenize("créé") and tokenize("années") == tokenize("année")
