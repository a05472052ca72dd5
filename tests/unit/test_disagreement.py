"""The envelopes table and the plan text it cites disagree: the computed answer says so.

No model here: the passages are the documents' sections (the index cuts them the
same way for these short pages); the whole chain, on the real index, is in
``tests/integration/test_disagreement.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answer.computed import Calculator
from assistant.answer.disagreement import text_amount
from assistant.answer.guard import guard_answer
from assistant.answer.planner import Plan
from assistant.ingest.loaders import load_corpus
from assistant.knowledge import Knowledge
from assistant.retrieval.hybrid import Passage
from tests.conftest import REPO_CORPUS

AMOUNT = Plan(intent="amount", operation="amount", envelopes=("recherche",))


def _calculator(corpus: Path) -> Calculator:
    documents = {d.id: d for d in load_corpus(corpus).documents}

    def passages_of(doc_id: str) -> list[Passage]:
        document = documents.get(doc_id)
        if document is None:
            return []
        return [
            Passage(id=f"{doc_id}::{i}", text=s.text, metadata={"doc_id": doc_id})
            for i, s in enumerate(document.sections)
        ]

    return Calculator(Knowledge.load(corpus), passages_of)


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Calculator:
    """The research envelope changed to 15 M€ in the table only (its page says 14 M€)."""
    corpus = tmp_path_factory.mktemp("edited") / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    path = corpus / "data" / "envelopes.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("amount_eur: 14000000", "amount_eur: 15000000"), "utf-8")
    return _calculator(corpus)


def test_the_text_amount_is_the_one_the_page_repeats() -> None:
    page = [
        "Enveloppe recherche : 14 M€ sur 60 M€.",
        "ANITI a reçu une dotation nationale de 20 M€. La répartition des 14 M€...",
    ]
    assert text_amount(page, 15_000_000, explained={60_000_000}) == 14_000_000
    assert text_amount(page, 14_000_000, explained={60_000_000}) is None  # they agree
    assert text_amount(["Aucun montant ici."], 15_000_000, explained=set()) is None


@pytest.mark.parametrize(
    ("lang", "opening", "table"),
    [
        ("fr", "Les sources ne concordent pas", "le tableau des enveloppes indique 15 M€"),
        ("en", "The sources disagree", "the envelope table says 15 M€"),
    ],
)
def test_amount_answer_names_both_values_and_cites_the_text(
    edited: Calculator, lang: str, opening: str, table: str
) -> None:
    answer = edited.answer(AMOUNT, lang)
    assert answer is not None and answer.disagreements
    assert answer.text.startswith(opening), answer.text
    assert table in answer.text and "14 M€ [1]" in answer.text, answer.text
    assert answer.figure is None  # no figure is given as the amount
    assert "14 M€" in answer.cited[0].text and answer.cited[0].doc_id == "plan-env-recherche"
    # the guard passes it: 14 M€ from the cited passage, 15 M€ named as the table's
    checked = guard_answer(answer.text, answer.guard_texts())
    assert checked.ok and checked.text == answer.text
    assert not guard_answer(answer.text, [p.text for p in answer.cited]).ok


def test_whole_plan_operations_name_the_disagreeing_envelope(edited: Calculator) -> None:
    answer = edited.answer(Plan(intent="compute", operation="ranking"), "fr")
    assert answer is not None and "« Recherche »" in answer.text, answer.text
    # the smallest envelope does not depend on the research amount: still answered
    smallest = edited.answer(Plan(intent="compute", operation="smallest"), "fr")
    assert smallest is not None and not smallest.disagreements
    assert "5 M€" in smallest.text
    # "c'est pour qui ?" asks no amount: left to the texts, as before
    audience = Plan(intent="audience", operation="audience", envelopes=("recherche",))
    assert edited.answer(audience, "fr") is None


def test_the_repository_data_still_answers_the_amount() -> None:
    answer = _calculator(REPO_CORPUS).answer(AMOUNT, "fr")
    assert answer is not None and not answer.disagreements
    assert "14 M€ [1]" in answer.text and "concordent" not in answer.text
