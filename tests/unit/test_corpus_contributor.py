"""What corpus/README.md tells the Région's team, done exactly so, without Python.

Each test copies the repository corpus to a temporary folder, edits one data
file as the note says, and checks that a fresh ``Knowledge`` of that folder
behaves accordingly.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from assistant.chain import AnswerPipeline
from assistant.eligibility import resolve_location
from assistant.eligibility.engine import evaluate
from assistant.eligibility.summary import summarise
from assistant.errors import KnowledgeError
from assistant.knowledge import Knowledge
from assistant.settings import PROJECT_ROOT


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for folder in ("data", "lexicon"):
        shutil.copytree(PROJECT_ROOT / "corpus" / folder, root / folder)
    return root


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_add_a_synonym(corpus: Path) -> None:
    before = Knowledge.load(corpus).profile_reader.read("une startup de toubibs à Albi")
    assert before.sector is None
    edit(
        corpus / "lexicon" / "profile.yaml",
        lambda d: d["cues"]["sector"]["sante"].append("toubib(s)"),
    )
    after = Knowledge.load(corpus).profile_reader.read("une startup de toubibs à Albi")
    assert after.sector == "sante"


def test_add_a_sector(corpus: Path) -> None:
    def sector(data):
        data["cues"]["sector"]["culture"] = ["musee(s)", "theatre(s)", "spectacle vivant"]

    def label(data):
        data["messages"]["label"]["sector"]["culture"] = {"fr": "culture", "en": "culture"}

    edit(corpus / "lexicon" / "profile.yaml", sector)
    # a sector without a name is refused at start-up, naming what is missing
    with pytest.raises(KnowledgeError, match=r"sectors \['culture'\] have cue words but no name"):
        Knowledge.load(corpus)
    edit(corpus / "lexicon" / "labels.yaml", label)
    knowledge = Knowledge.load(corpus)
    assert knowledge.profile_reader.read("notre musée à Albi").sector == "culture"
    assert knowledge.sector_labels("en")["culture"] == "culture"
    verdicts = knowledge.eligibility.evaluate_form({"org_type": "entreprise", "sector": "culture"})
    assert verdicts["profile"]["sector"] == "culture"


def test_add_a_place(corpus: Path) -> None:
    def city(data):
        tarn = next(d for d in data["departements"] if d["name"] == "Tarn")
        tarn["cities"].append("Puylaurens")

    assert resolve_location("à Puylaurens", Knowledge.load(corpus).gazetteer).departement is None
    edit(corpus / "data" / "locations.yaml", city)
    found = resolve_location("on est à puylaurens", Knowledge.load(corpus).gazetteer)
    assert (found.in_occitanie, found.departement) == (True, "Tarn")


def test_reword_a_message(corpus: Path) -> None:
    edit(
        corpus / "lexicon" / "answers.yaml",
        lambda d: d["messages"]["contact"]["next_step"].update(
            fr="Pour aller plus loin : {names}."
        ),
    )
    edit(
        corpus / "lexicon" / "planner.yaml",
        lambda d: d["messages"]["eligibility_summary"]["contact"].update(
            fr="Votre interlocuteur : {name}."
        ),
    )
    knowledge = Knowledge.load(corpus)
    searcher = SimpleNamespace(passages_of=lambda doc_id: [])
    pipeline = AnswerPipeline(searcher, SimpleNamespace(), knowledge)  # type: ignore[arg-type]
    line = pipeline.contact_line(knowledge.reference.contacts[:1], "fr")
    assert line == "Pour aller plus loin : AD'OCC."
    profile = knowledge.profile_reader.read("on est 3 à Perpignan, startup IA santé")
    opening = summarise(evaluate(profile, knowledge.rules, knowledge.gazetteer), "fr", knowledge)
    assert "Votre interlocuteur : AD'OCC." in opening.text


def test_a_message_with_a_wrong_placeholder_is_refused(corpus: Path) -> None:
    edit(
        corpus / "lexicon" / "answers.yaml",
        lambda d: d["messages"]["contact"]["next_step"].update(fr="Contactez {nom}."),
    )
    with pytest.raises(KnowledgeError, match=r"contact\.next_step: the placeholders differ"):
        Knowledge.load(corpus)
