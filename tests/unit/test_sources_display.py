"""Sources read as sources: titles, publishers, addresses and confidence in words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.corpus_check import check_corpus
from assistant.display import SourceDisplay, format_date
from assistant.ingest.loaders import load_corpus, load_file
from assistant.knowledge.lexicon import Lexicon
from tests.conftest import REPO_CORPUS, write

INTERNAL_CODES = ("seed-only", "uncertain", "confirmed", "non datée")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_CORPUS)


@pytest.fixture(scope="module")
def display() -> SourceDisplay:
    return SourceDisplay(Lexicon.load(REPO_CORPUS / "lexicon"))


def test_every_title_reads_as_a_title_and_every_source_names_its_publisher(corpus) -> None:
    for document in corpus.documents:
        assert not document.meta.title.rstrip().endswith("?"), document.id
        for source in document.meta.sources:
            assert (source.publisher or "").strip(), (document.id, source.title)
            assert "titre non relevé" not in source.title


def test_sources_carry_the_public_addresses_of_the_fact_sheet(corpus) -> None:
    urls = {s.url for d in corpus.documents for s in d.meta.sources if s.url}
    assert "https://laregion.fr/Des-IA-de-confiance-et-responsables-en-Occitanie" in urls
    assert "https://midenews.com/?p=13302" in urls
    assert all(u.startswith("https://") for u in urls)
    linked = [d for d in corpus.documents if any(s.url for s in d.meta.sources)]
    assert len(linked) >= 75, "most documents can be opened at their source"
    # a publisher the fact sheet gives no address for stays without one
    aides = [s for d in corpus.documents for s in d.meta.sources if s.publisher == "les-aides.fr"]
    assert aides and all(s.url is None for s in aides)


def test_faq_titles_are_shown_and_phrasings_only_indexed(corpus) -> None:
    from assistant.ingest.chunking import chunk_document

    entry = next(d for d in corpus.documents if d.id == "faq-cit-001")
    assert entry.meta.title == "Le Plan IA Occitanie en bref"
    (chunk,) = chunk_document(entry, max_tokens=400)
    assert "c koi le plan ia" in chunk.embed_text, "the user phrasing is indexed"
    assert chunk.metadata["title"] == "Le Plan IA Occitanie en bref"
    assert chunk.metadata["section"] == ""


def test_faq_entry_takes_variants(tmp_path: Path) -> None:
    path = write(
        tmp_path / "faq.yaml",
        """
        defaults:
          audience: tous
          language: fr
          topic: plan
          confidence: confirmed
          last_reviewed: 2026-11-27
          sources: [{title: "S", publisher: "p", date: "2024", url: null}]
        entries:
          - id: q1
            title: "Budget du plan"
            variants: ["c combien le plan ?", "budget plan ia ?"]
            answer: "60 M€."
        """,
    )
    (doc,), problems = load_file(path)
    assert problems == []
    assert doc.meta.title == "Budget du plan"
    assert doc.sections[0].text == "c combien le plan ? / budget plan ia ?\n60 M€."
    assert "variants" not in doc.meta.model_dump()


def test_citation_hides_the_phrasings_and_lists_every_source(corpus) -> None:
    import json

    from assistant.core import citation_from
    from assistant.ingest.chunking import chunk_document

    entry = next(d for d in corpus.documents if d.id == "faq-ent-017")
    (chunk,) = chunk_document(entry, max_tokens=400)
    citation = citation_from(1, chunk.text, chunk.metadata, score=1.0)
    assert "date limite pour deposer" not in citation.excerpt
    assert citation.title == "Date limite de dépôt (non précisée)"
    assert len(citation.sources) == len(json.loads(chunk.metadata["sources_json"]))


@pytest.mark.parametrize(
    ("code", "lang", "words"),
    [
        ("confirmed", "fr", "confirmé par plusieurs sources"),
        ("seed-only", "fr", "une seule source : article de presse"),
        ("uncertain", "fr", "à vérifier : information possiblement datée"),
        ("seed-only", "en", "single source: press article"),
        ("unknown-code", "fr", ""),
    ],
)
def test_confidence_in_words(display: SourceDisplay, code: str, lang: str, words: str) -> None:
    assert display.confidence(code, lang) == words


def test_dates_in_words() -> None:
    assert format_date("2025-12-11", "fr") == "11 décembre 2025"
    assert format_date("2025-12-11", "en") == "December 11, 2025"
    assert format_date("2024-07", "fr") == "juillet 2024"
    assert format_date("2022", "en") == "2022"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_card_shows_the_openable_source_in_the_interface_language(
    display: SourceDisplay, lang: str
) -> None:
    citation = {
        "n": 2,
        "title": "Enveloppe recherche",
        "section": "Montant",
        "confidence": "seed-only",
        "sources": [
            {"title": "Fiche", "publisher": "Projet", "date": None, "url": None},
            {
                "title": "Article",
                "publisher": "Centre Inffo",
                "date": "2025-12-11",
                "url": "https://www.centre-inffo.fr/x",
            },
            {"title": "Piège", "publisher": "X", "date": None, "url": "javascript:alert(1)"},
        ],
    }
    view = display.citation(citation, lang)
    assert view["source"]["url"] == "https://www.centre-inffo.fr/x"
    assert [s["url"] for s in view["others"]] == [None, None], "only http(s) links"
    assert view["others"][0]["date"] == ("undated" if lang == "en" else "non datée")
    shown = str(view)
    assert "seed-only" not in shown


def test_check_fails_on_a_question_title_or_a_source_without_publisher(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    path = corpus / "faq" / "citoyens.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('title: "Le Plan IA Occitanie en bref"', 'title: "c koi le plan ?"', 1)
    path.write_text(text, encoding="utf-8")
    recherche = corpus / "plan" / "plan-env-recherche.md"
    text = recherche.read_text(encoding="utf-8")
    start = text.index("    publisher: ")
    end = text.index("\n", start)
    recherche.write_text(text[:start] + '    publisher: ""' + text[end:], encoding="utf-8")
    problems, summary = check_corpus(corpus)
    assert any("[faq-cit-001] (title)" in p and "question" in p for p in problems)
    assert any("plan-env-recherche" in p and "publisher" in p for p in problems)
    assert "source sans adresse" in summary, "missing addresses are warned about"
