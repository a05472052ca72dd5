"""Heuristic follow-up rewriting: elliptic questions become standalone queries."""

from __future__ import annotations

import pytest

from assistant.conversation.rewrite import HeuristicRewriter, QueryRewriter
from assistant.text import fold
from tests.knowledge import LEXICON

REWRITER = HeuristicRewriter(LEXICON)
rewrite_query = REWRITER
is_elliptic = REWRITER.is_elliptic
SUBJECTS = REWRITER.grammar.subjects


def turns(*questions: str) -> list[dict[str, str]]:
    """A history where each user question got an assistant reply about training."""
    history: list[dict[str, str]] = []
    for question in questions:
        history.append({"role": "user", "content": question})
        history.append({"role": "assistant", "content": "La formation reçoit 12 M€ [1]."})
    return history


def folded(text: str) -> str:
    return fold(text)


def test_canonical_follow_up_swaps_subject() -> None:
    result = rewrite_query("Et pour la recherche ?", turns("Combien pour la formation ?"))
    assert "recherche" in folded(result)
    assert "combien" in folded(result)
    assert "formation" not in folded(result)
    assert result == "Combien pour la recherche ?"


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        ("Et la recherche ?", "Combien pour la formation ?", "Combien pour la recherche ?"),
        ("et pour la sante ?", "combien pour la formation ?", "Combien pour la sante ?"),
        ("Et pour les PME ?", "Combien pour la formation ?", "Combien pour les PME ?"),
        (
            "Quid de la recherche ?",
            "Quel montant est consacré à la formation ?",
            "Quel montant est consacré à la recherche ?",
        ),
        (
            "Même question pour la santé",
            "Qui pilote le volet formation ?",
            "Qui pilote le volet santé ?",
        ),
        ("Et au total ?", "Combien pour la formation ?", "Combien au total ?"),
        ("And research?", "How much for training?", "How much for research?"),
        ("What about research?", "How much for training?", "How much for research?"),
        ("And for SMEs?", "How much for training?", "How much for SMEs?"),
        (
            "Et pour les PME ?",
            "Combien pour la formation et la recherche ?",
            "Combien pour les PME ?",
        ),
        (
            "Et pour la recherche ?",
            "Combien pour la formation et qui gère la formation ?",
            "Combien pour la recherche et qui gère la recherche ?",
        ),
        (
            "Et pour la recherche ?",
            "Quel est le budget du plan ?",
            "Quel est le budget du plan pour la recherche ?",
        ),
    ],
)
def test_new_subject_replaces_old(question: str, previous: str, expected: str) -> None:
    result = rewrite_query(question, turns(previous))
    assert result == expected


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        (
            "Et qui peut en bénéficier ?",
            "Combien pour la formation ?",
            "Qui peut en bénéficier pour la formation ?",
        ),
        (
            "Et qui peut en beneficier ?",
            "combien pour la formation ?",
            "Qui peut en beneficier pour la formation ?",
        ),
        (
            "Quand ce montant sera-t-il versé ?",
            "Combien pour la formation ?",
            "Quand ce montant sera-t-il versé pour la formation ?",
        ),
        (
            "Quels critères ?",
            "Quelles aides pour l'agriculture ?",
            "Quels critères pour l'agriculture ?",
        ),
        (
            "Peut-on candidater ?",
            "Quelles aides pour les PME ?",
            "Peut-on candidater pour les PME ?",
        ),
        ("And who can apply?", "How much for training?", "Who can apply for training?"),
        ("Et en 2025 ?", "Combien pour la formation ?", "Combien pour la formation en 2025 ?"),
        ("Et qui le gère ?", "Quel est le budget du plan ?", "Qui le gère (budget plan) ?"),
        ("Et alors ?", "Combien pour la formation ?", "Combien pour la formation ?"),
    ],
)
def test_anaphora_and_missing_subject_carry_it(question: str, previous: str, expected: str) -> None:
    assert rewrite_query(question, turns(previous)) == expected


def test_carried_subject_follows_a_chain_of_follow_ups() -> None:
    history = turns("Combien pour la formation ?", "Et pour la recherche ?")
    result = rewrite_query("Et qui peut en bénéficier ?", history)
    assert "recherche" in result
    assert "formation" not in result


def test_small_talk_turns_are_skipped_as_context() -> None:
    history = turns("Quels projets dans la santé ?", "Merci")
    assert rewrite_query("Et l'aérospatial ?", history) == "Quels projets dans l'aérospatial ?"


@pytest.mark.parametrize(
    "question",
    [
        "Quel est le budget total du plan ?",
        "Combien pour la formation ?",
        "Qui pilote le plan IA de la Région Occitanie ?",
        "Quelles sont les actions prévues pour les PME en 2025 et comment candidater ?",
        "Et pour la recherche, combien ?",
        "Comment ça marche pour les PME ?",
        "Merci !",
        "How much does the plan allocate to research?",
    ],
)
def test_standalone_questions_unchanged(question: str) -> None:
    assert rewrite_query(question, turns("Combien pour la formation ?")) == question


@pytest.mark.parametrize("question", ["Et pour la recherche ?", "Et qui peut en bénéficier ?"])
def test_empty_history_unchanged(question: str) -> None:
    assert rewrite_query(question, []) == question


def test_assistant_turns_are_ignored() -> None:
    history = [{"role": "assistant", "content": "Combien pour la formation ? 12 M€."}]
    assert rewrite_query("Et pour la recherche ?", history) == "Et pour la recherche ?"


def test_subject_comes_from_user_not_assistant() -> None:
    history = [
        {"role": "user", "content": "Combien pour la santé ?"},
        {"role": "assistant", "content": "La formation et l'agriculture reçoivent 12 M€."},
    ]
    result = rewrite_query("Et qui peut en bénéficier ?", history)
    assert "santé" in result
    assert "formation" not in result
    assert "agriculture" not in result


def test_malformed_history_items_are_ignored() -> None:
    history = [
        {"role": "system", "content": "Combien pour la santé ?"},
        {"role": "user"},
        {"role": "user", "content": "Combien pour la formation ?"},
    ]
    assert rewrite_query("Et pour la recherche ?", history) == "Combien pour la recherche ?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Et pour la recherche ?", True),
        ("And research?", True),
        ("Quid de la santé ?", True),
        ("Combien coûte-t-elle ?", True),
        ("Quels critères ?", True),
        ("What about it?", True),
        ("Combien pour la formation ?", False),
        ("Quel est le budget total du plan ?", False),
        ("Merci beaucoup !", False),
    ],
)
def test_is_elliptic(question: str, expected: bool) -> None:
    assert is_elliptic(question) is expected


def test_heuristic_rewriter_satisfies_protocol() -> None:
    rewriter: QueryRewriter = HeuristicRewriter(LEXICON)
    assert rewriter("Et la recherche ?", turns("Combien pour la formation ?")) == (
        "Combien pour la recherche ?"
    )


def test_subject_vocabulary_is_folded_and_unique() -> None:
    terms = [term for subject in SUBJECTS for term in subject.terms]
    assert all(term == fold(term).replace("-", " ") for term in terms)
    assert len(terms) == len(set(terms))
    assert {"formation", "recherche", "sante", "pme", "aniti"} <= {s.key for s in SUBJECTS}
