"""What the pages render from an answer: clickable markers, cards in words, sorted verdicts."""

from __future__ import annotations

import re

import pytest

from assistant.knowledge import Knowledge
from tests.conftest import REPO_CORPUS
from ui.eligibility_form import parse_number, profile_from_fields
from ui.render import answer_html, eligibility_html

ANSWER = {
    "answer": "Le plan est doté de 60 M€ [1]. La formation reçoit 9 M€ [1, 2].",
    "lang": "fr",
    "citations": [
        {
            "n": 1,
            "doc_id": "plan-overview",
            "title": "Le Plan IA Occitanie",
            "section": "Budget",
            "confidence": "seed-only",
            "excerpt": "60 M€",
            "sources": [
                {
                    "title": "Article",
                    "publisher": "La Gazette du Midi",
                    "date": "2024-07",
                    "url": "https://gazette-du-midi.fr/x",
                }
            ],
        },
        {
            "n": 2,
            "doc_id": "faq-ent-012",
            "title": "Enveloppe formation (9 M€)",
            "section": "",
            "confidence": "uncertain",
            "excerpt": "9 M€",
            "sources": [{"title": "Fiche", "publisher": "Projet", "date": None, "url": None}],
        },
    ],
}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(REPO_CORPUS)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_markers_link_to_their_cards_and_words_replace_codes(lang: str) -> None:
    html = answer_html(ANSWER, lang)
    refs = re.findall(r'<a class="oc-ref" href="#oc-src-(\d)"', html)
    assert refs == ["1", "1", "2"]
    assert 'class="oc-card oc-src-1"' in html and 'class="oc-card oc-src-2"' in html
    assert 'href="https://gazette-du-midi.fr/x"' in html
    for code in ("seed-only", "uncertain", "2024-07"):
        assert code not in html
    if lang == "en":
        assert "single source: press article" in html and "July 2024" in html
        assert "undated" in html and "non datée" not in html
    else:
        assert "une seule source : article de presse" in html and "juillet 2024" in html


def test_eligibility_matches_first_then_to_check_then_collapsed_non_matches() -> None:
    result = {
        "results": [
            {"scheme_name": "A", "verdict": "ne correspond pas"},
            {"scheme_name": "B", "verdict": "à vérifier"},
            {"scheme_name": "C", "verdict": "correspond"},
        ]
    }
    html = eligibility_html(result, "en")
    assert html.index(">C<") < html.index(">B<") < html.index("<details") < html.index(">A<")
    assert "does not match" in html and "to be checked" in html


def test_blank_numbers_stay_unknown_with_the_same_verdict_as_the_chat(knowledge) -> None:
    assert parse_number("") is None and parse_number("1 200 000 €") == 1_200_000
    fields = profile_from_fields("entreprise", "", "", "", "Hérault", "sante", "", "", "")
    assert "turnover_eur" not in fields and "staff" not in fields
    form = knowledge.eligibility.evaluate_form(fields)
    assert form["sme_category"] is None, "an empty form is not a micro-company"
    chat = knowledge.eligibility.answer("Nous sommes une entreprise de santé dans l'Hérault")
    verdicts = {r["scheme_id"]: r["verdict"] for r in form["results"]}
    assert verdicts == {r.scheme_id: str(r.verdict) for r in chat.report.results}


def test_creation_year_is_used(knowledge) -> None:
    fields = profile_from_fields("startup", "3", "", "", "Haute-Garonne", "", "", "", "2024")
    assert fields["creation_year"] == 2024
    form = knowledge.eligibility.evaluate_form(fields)
    assert form["profile"]["company_age_years"] is not None
