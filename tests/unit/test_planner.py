"""The answer planner, computed answers and the eligibility summary, without the model.

Passages come from the repository corpus as loaded documents (one passage per
section), so the computed answers cite the same sentences as in production.
"""

from __future__ import annotations

import functools
import re

import pytest

from assistant.answer.computed import Calculator
from assistant.answer.guard import Derived, guard_answer
from assistant.answer.planner import Plan, Planner
from assistant.conversation.rewrite import HeuristicRewriter
from assistant.ingest.loaders import load_corpus
from assistant.retrieval.hybrid import Passage
from assistant.turn import Context, Subject
from tests.knowledge import KNOWLEDGE, LEXICON

PLANNER = Planner(KNOWLEDGE, HeuristicRewriter(LEXICON))


@functools.cache
def _sections() -> dict[str, list[Passage]]:
    found: dict[str, list[Passage]] = {}
    for document in load_corpus(KNOWLEDGE.corpus_dir).documents:
        found[document.id] = [
            Passage(f"{document.id}:{i}", section.text, {"doc_id": document.id})
            for i, section in enumerate(document.sections)
        ]
    return found


def passages_of(doc_id: str) -> list[Passage]:
    return _sections().get(doc_id, [])


CALCULATOR = Calculator(KNOWLEDGE, passages_of)


def plan(question: str, context: Context | None = None) -> Plan:
    return PLANNER.plan(question, context or Context())


# --------------------------------------------------------------------------- planning


@pytest.mark.parametrize(
    ("question", "intent", "operation", "envelopes"),
    [
        ("quelle est la plus petite enveloppe ?", "compute", "smallest", ()),
        ("combien hors filière IA ?", "compute", "remainder", ("filiere",)),
        ("quelle part du total va à la recherche ?", "compute", "share", ("recherche",)),
        ("combien pour la recherche et la formation ensemble ?", "compute", "sum", None),
        ("ça fait combien par an en moyenne, le plan ?", "compute", "per_year", ()),
        ("enveloppe formation montant", "amount", "amount", ("formation",)),
        ("recherche", "amount", "amount", ("recherche",)),
        ("Quel est le budget du plan ?", "amount", "total", ()),
        ("combien pour les start-up dans le plan ?", "amount", None, ()),
        # a bare name is "what is it", not the amount of the envelope it belongs to
        ("aniti", "definition", None, None),
        ("c quoi aniti", "definition", None, None),
        ("contact entreprise", "contact", None, None),
        ("on s'adresse a qui pour un projet IA ? on est une pme", "contact", None, None),
        ("date adoption", "date", None, ()),
        ("Qui présidait la Région quand le plan IA a été adopté ?", "who", None, None),
        # a count is no amount, and "par an" about creations is no budget average
        ("combien d'entreprises IA en Occitanie ?", "fact", None, None),
        ("Quel objectif de créations d'entreprises par an ?", "fact", None, None),
        # "quelle fraction de la richesse régionale" is not about the plan's budget
        ("Quelle fraction de la richesse régionale part dans la recherche ?", "fact", None, None),
    ],
)
def test_what_kind_of_answer(question, intent, operation, envelopes) -> None:
    got = plan(question)
    assert (got.intent, got.operation) == (intent, operation), question
    if envelopes is not None:
        assert got.envelopes == envelopes


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("c quand la date limite pr deposer ?", "deadline"),
        ("plafond subvention", "ceiling"),
        ("Combien la Région donne pour chaque entreprise ?", "ceiling"),
        ("taux cofinancement", "rate"),
        ("combien pour la formation en 2025 ?", "yearly"),
        ("combien l'État met dans l'IA en France ?", "national"),
        ("où en est mon dossier de subvention ?", "personal"),
        ("quelles entreprises ont déjà reçu de l'argent du plan ?", "beneficiaries"),
    ],
)
def test_known_unknowns(question: str, topic: str) -> None:
    got = plan(question)
    assert (got.intent, got.topic) == ("unknown", topic)


def test_a_named_scheme_is_no_unknown() -> None:
    assert plan("de minimis plafond").intent != "unknown"
    # "jusqu'en 2028" is the plan's end, not a yearly breakdown
    assert plan("Quelle somme la Région a-t-elle mise sur la table jusqu'en 2028 ?").topic is None


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("PME de 40 salariés à Albi dans l'agroalimentaire, quelles aides ?", "eligibility"),
        ("suis-je éligible ?", "eligibility"),
        ("quelles aides pour nous ? labo de recherche à Montpellier", "eligibility"),
        ("on est une asso à Rodez, on peut avoir quelque chose ?", "eligibility"),
        ("180 salariés et 30 M€ de CA, on est une PME ?", "size"),
        ("Mon entreprise a 300 salariés, on est encore une PME ?", "size"),
        # company questions that ask something else are answered directly
        ("on s'adresse a qui pour un projet IA ? on est une pme", None),
        ("Who should a company contact?", None),
        ("quel est le montant maximal de subvention ?", None),
        ("combien ya pour les entreprise de la sante dans le plan ia", None),
        ("quelles aides pour les PME ?", None),
        # "-moi" after a verb, and the plan's own name, describe nobody
        ("Parle-moi du Plan IA Occitanie", None),
        ("Présente-moi le Plan IA Occitanie en une phrase.", None),
        ("je cherche des infos sur le plan ia occitanie", None),
        ("on est une startup a toulouse, y a quoi pour moi", "eligibility"),
    ],
)
def test_eligibility_only_when_the_asker_describes_itself_and_asks(question, route) -> None:
    got = plan(question).intent
    assert (got if got in ("eligibility", "size") else None) == route


def test_follow_ups_take_the_subject_and_the_question_of_the_conversation() -> None:
    research = Context(subject=Subject(envelope="recherche"), last_intent="amount")
    assert plan("et en pourcentage ?", research).operation == "share"
    assert plan("et en pourcentage ?", research).envelopes == ("recherche",)
    share = Context(subject=Subject(envelope="recherche"), last_intent="compute:share")
    follow = plan("et pour la formation ?", share)
    assert (follow.operation, follow.envelopes) == ("share", ("formation",))
    # a follow-up with its own question word does not inherit the previous one
    dated = Context(subject=Subject(), last_intent="date")
    assert plan("Et il avait été annoncé où ?", dated).intent != "date"
    # after an eligibility answer, a point of the verdicts
    profile = PLANNER.reader.read("PME de 40 salariés à Albi dans l'agroalimentaire")
    dialogue = Context(profile=profile, last_intent="eligibility")
    point = plan("et pour former mes salariés ?", dialogue)
    assert (point.intent, point.envelopes) == ("eligibility_point", ("formation",))


# --------------------------------------------------------------------------- computing


def compute(question: str, lang: str = "fr", context: Context | None = None):
    return CALCULATOR.answer(plan(question, context), lang)


def test_a_share_shows_its_derivation_and_cites_both_inputs() -> None:
    answer = compute("quelle part du total va à la recherche ?")
    assert answer is not None
    assert re.search(r"environ 23 %", answer.text)
    assert re.search(r"14 M€ \[1\] sur 60 M€ \[2\]", answer.text)
    derivation = answer.derivations[0]
    assert derivation.expression == "14 M€ / 60 M€ = environ 23 %"
    assert [i.to_dict(answer.cited)["citation"] for i in derivation.inputs] == [1, 2]
    assert [p.metadata["doc_id"] for p in answer.cited] == ["plan-env-recherche", "plan-overview"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("quelle est la plus petite enveloppe ?", r"Services publics » : 5 M€"),
        ("quelle enveloppe est la mieux dotée ?", r"Filière IA » : 22 M€"),
        (
            "combien hors filière IA ?",
            r"38 M€ aux autres enveloppes \(60 M€ \[1\] moins 22 M€ \[2\]\)",
        ),
        ("combien pour la recherche et la formation ensemble ?", r"23 M€ ensemble"),
        ("la recherche a combien de plus que la formation ?", r"reçoit 5 M€ de plus"),
        ("ça fait combien par an en moyenne, le plan ?", r"12 M€ par an"),
        ("quelle part de la filière va à la R&D ?", r"environ 82 %"),
        ("what share of the budget goes to training?", r"15%"),
    ],
)
def test_computed_answers(question: str, expected: str) -> None:
    lang = "en" if question.startswith("what") else "fr"
    answer = compute(question, lang)
    assert answer is not None and re.search(expected, answer.text), answer and answer.text


def test_the_ranking_lists_every_envelope_largest_first() -> None:
    answer = compute("classe les enveloppes de la plus grosse à la plus petite")
    amounts = re.findall(r"(\d+) M€ \[\d\]$", answer.text, re.MULTILINE)
    assert amounts == ["22", "14", "10", "9", "5"]


def test_the_guard_accepts_a_derived_figure_only_with_its_inputs_cited() -> None:
    answer = compute("quelle part du total va à la recherche ?")
    passages = [p.text for p in answer.cited]
    derived = [Derived("percent", 23, frozenset({1, 2}))]
    assert guard_answer(answer.text, passages, derived=derived).ok
    # the same figure with one input's citation missing is dropped
    partial = "La recherche représente environ 23 % du plan [1]."
    assert not guard_answer(partial, passages, derived=derived).ok
    # and without a derivation it is an unsupported figure
    assert not guard_answer(answer.text, passages).ok


# --------------------------------------------------------------------------- eligibility


def test_the_eligibility_answer_opens_with_three_lines() -> None:
    from assistant.eligibility import summary
    from assistant.eligibility.engine import evaluate

    profile = PLANNER.reader.read("on est 3 à Perpignan, startup IA santé")
    report = evaluate(profile, KNOWLEDGE.rules, KNOWLEDGE.gazetteer)
    opening = summary.summarise(report, "fr", KNOWLEDGE)
    lines = opening.text.split("\n")
    assert len(lines) <= 3
    assert "18 M€" in lines[0] and "10 M€" in lines[0]
    assert "AD'OCC" in lines[1]
    assert opening.best_scheme == "filiere-rd"
    assert not re.search(r"adoption_ia|seed-only|_", opening.text)
