"""The repository's corpus: valid, complete, and every fact of the fact sheet findable."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.corpus_check import check_corpus
from assistant.ingest.loaders import load_corpus
from tests.conftest import REPO_CORPUS

EVAL_DIR = Path(__file__).resolve().parents[1] / "eval"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(REPO_CORPUS)


def test_repository_corpus_passes_the_check() -> None:
    problems, summary = check_corpus(REPO_CORPUS)
    assert problems == []
    assert "22 M€ + 10 M€ + 14 M€ + 9 M€ + 5 M€ = 60 M€ ✓" in summary
    assert "18 M€ + 4 M€ = 22 M€ ✓" in summary


def test_faq_counts_per_audience_and_language(corpus) -> None:
    faq = [d for d in corpus.documents if d.kind == "faq"]
    fr = Counter(d.meta.audience for d in faq if d.meta.language == "fr")
    assert fr["entreprise"] >= 40
    assert fr["citoyen"] >= 20
    assert sum(d.meta.language == "en" for d in faq) >= 10
    assert any(d.meta.language == "en" and d.kind == "document" for d in corpus.documents)


def test_every_document_says_how_sure_it_is(corpus) -> None:
    for doc in corpus.documents:
        assert doc.meta.sources and doc.meta.sources[0].title
        assert doc.meta.confidence in {"confirmed", "seed-only", "uncertain"}


def test_every_fact_of_the_fact_sheet_is_findable() -> None:
    docs = {d.id: "\n".join(s.text for s in d.sections) for d in load_corpus(REPO_CORPUS).documents}
    facts = yaml.safe_load((EVAL_DIR / "fact_sheet_facts.yaml").read_text(encoding="utf-8"))
    assert len(facts) >= 45
    missing = [
        f"{f['fact']} ({f['doc']})"
        for f in facts
        if f["doc"] not in docs or not re.search(f["pattern"], docs[f["doc"]], re.IGNORECASE)
    ]
    assert missing == []


def test_unknowns_are_stated_not_invented(corpus) -> None:
    text = {d.id: "\n".join(s.text for s in d.sections) for d in corpus.documents}[
        "plan-non-precise"
    ]
    for topic in ("date", "plafond", "taux"):
        assert re.search(topic, text, re.IGNORECASE), topic
    assert re.search(r"AD'OCC", text)


def test_contradictions_name_both_sources(corpus) -> None:
    all_text = "\n".join(s.text for d in corpus.documents for s in d.sections)
    assert re.search(r"50\s?M€", all_text) and re.search(r"60\s?M€", all_text)
    assert re.search(r"3,7\s?%", all_text) and re.search(r"3,5\s?%", all_text)


def test_golden_set_covers_every_category() -> None:
    data = yaml.safe_load((EVAL_DIR / "questions.yaml").read_text(encoding="utf-8"))
    questions = data["questions"]
    assert len(questions) >= 80
    assert len({q["id"] for q in questions}) == len(questions)
    categories = Counter(q["category"] for q in questions)
    for category in (
        "paraphrase",
        "informal",
        "typo",
        "followup",
        "english",
        "eligibility",
        "out_of_scope",
        "unspecified",
    ):
        assert categories[category] >= 5, category
    ids = {d.id for d in load_corpus(REPO_CORPUS).documents}
    for q in questions:
        assert set(q["expected_docs"]) <= ids or q["expect_refusal"], q["id"]
        for pattern in q["must_contain"] + q["must_not_contain"]:
            re.compile(pattern)


# --------------------------------------------------------------------------- broken copies


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(REPO_CORPUS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_amounts_that_do_not_add_up_are_reported(corpus_copy: Path) -> None:
    _edit(corpus_copy / "data" / "envelopes.yaml", "amount_eur: 14000000", "amount_eur: 15000000")
    problems, _ = check_corpus(corpus_copy)
    assert any("envelopes.yaml" in p and "60 M€" in p and "61 M€" in p for p in problems)
    assert any("[recherche]" in p and "15 M€ is not written" in p for p in problems)
    # the page still says 14 M€ (it also writes ANITI's national 20 M€, once): both named
    assert any("[recherche]" in p and "writes 14 M€" in p for p in problems), problems


def test_a_table_figure_its_document_contradicts_is_reported_with_both_values(
    corpus_copy: Path,
) -> None:
    """An editor changes the R&D sub-envelope in the table, not in its plan page."""
    _edit(corpus_copy / "data" / "envelopes.yaml", "amount_eur: 18000000", "amount_eur: 19000000")
    problems, summary = check_corpus(corpus_copy)
    found = [p for p in problems if "[filiere-rd]" in p and "plan-env-filiere" in p]
    assert len(found) == 1, problems
    assert "envelopes.yaml" in found[0] and "(amount_eur)" in found[0]
    assert "19 M€" in found[0] and "writes 18 M€" in found[0], found[0]
    assert "Corpus valide." not in summary


def test_sub_envelopes_must_add_up_to_their_parent(corpus_copy: Path) -> None:
    _edit(corpus_copy / "data" / "envelopes.yaml", "amount_eur: 4000000", "amount_eur: 5000000")
    problems, _ = check_corpus(corpus_copy)
    assert any("[filiere]" in p and "18 M€ + 5 M€" in p for p in problems)


def test_invented_phone_number_is_reported(corpus_copy: Path) -> None:
    _edit(
        corpus_copy / "data" / "contacts.yaml",
        'role: "agence régionale',
        'role: "appelez le 05 61 00 00 00, agence régionale',
    )
    problems, _ = check_corpus(corpus_copy)
    assert any("contacts.yaml [adocc] (role)" in p and "phone" in p for p in problems)


def test_faq_entry_without_language_and_duplicate_id_are_reported(corpus_copy: Path) -> None:
    path = corpus_copy / "faq" / "entreprises.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  language: fr\n", "", 1)  # drop the default language
    text = text.replace("id: faq-ent-002", "id: faq-ent-001", 1)
    path.write_text(text, encoding="utf-8")
    problems, _ = check_corpus(corpus_copy)
    assert any("entreprises.yaml" in p and "(language)" in p for p in problems)


def test_check_cli_exits_non_zero_with_file_and_field(corpus_copy: Path) -> None:
    import subprocess
    import sys

    _edit(corpus_copy / "plan" / "plan-env-recherche.md", "audience: ", "audience: martiens #")
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "corpus", "check"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ASSISTANT_CORPUS_DIR": str(corpus_copy)},
        check=False,
    )
    assert proc.returncode == 1
    assert "plan-env-recherche.md" in proc.stderr and "(audience)" in proc.stderr
