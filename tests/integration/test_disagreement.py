"""A Région editor changes an envelope in ``envelopes.yaml`` but not its plan page.

The research envelope becomes 15 M€ in the table while ``plan-env-recherche``
still says 14 M€. Before, the computed answer could not be cited, and retrieval
answered a neighbouring question; now the user reads that the sources disagree,
with both values, the text's cited, and whom to ask. The data files are read
when the assistant starts, not indexed: the edited copy shares the repository's
test index (no re-embedding).
"""

from __future__ import annotations

import shutil

import pytest

from assistant import store
from assistant.core import Assistant
from assistant.knowledge import Knowledge
from assistant.settings import Settings
from tests.conftest import REPO_CORPUS

pytestmark = pytest.mark.model

QUESTION = "Combien pour la recherche ?"


@pytest.fixture(scope="module")
def edited_bot(tmp_path_factory, embedder, repo_settings: Settings) -> Assistant:
    corpus = tmp_path_factory.mktemp("edited") / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    path = corpus / "data" / "envelopes.yaml"
    text = path.read_text(encoding="utf-8")
    assert "amount_eur: 14000000" in text
    path.write_text(text.replace("amount_eur: 14000000", "amount_eur: 15000000"), "utf-8")
    live = store.open_live_index(repo_settings, store.ProjectEmbeddingFunction(embedder))
    return Assistant(repo_settings, embedder, live, knowledge=Knowledge.load(corpus))


def test_disagreeing_sources_are_said_with_both_values_and_the_contact(edited_bot) -> None:
    answer = edited_bot.ask(QUESTION)
    first = answer.text.split("\n", 1)[0]
    assert first.startswith("Les sources ne concordent pas"), answer.text
    assert "certitude" in first
    assert "le tableau des enveloppes indique 15 M€" in first, first
    assert "le texte du plan 14 M€ [1]" in first, first
    assert answer.kind == "unspecified" and not answer.refused
    cited = answer.citations[0]
    assert cited.n == 1 and cited.doc_id == "plan-env-recherche" and "14 M€" in cited.excerpt
    # whom to ask, as for what the texts do not say
    assert answer.contacts and answer.contacts[0]["name"] in answer.text
    assert "Prochaine étape" in answer.text


def test_english_question_gets_it_in_english(edited_bot) -> None:
    answer = edited_bot.ask("How much goes to research?")
    assert answer.lang == "en"
    assert answer.text.startswith("The sources disagree"), answer.text
    assert "15 M€" in answer.text and "14 M€ [1]" in answer.text
    assert answer.contacts and "Next step" in answer.text


def test_the_unchanged_data_still_answers_the_figure(bot) -> None:
    answer = bot.ask(QUESTION)
    assert answer.kind == "answer" and "14 M€ [1]" in answer.text, answer.text
    assert "concordent" not in answer.text and "15 M€" not in answer.text
