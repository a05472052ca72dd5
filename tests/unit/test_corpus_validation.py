"""Corpus files an attacker or a tired editor could write: each is refused with its file,
entry and field named, before any embedding work (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.indexer import build_index
from assistant.ingest.loaders import load_corpus
from assistant.settings import Settings
from tests.conftest import md_doc, write


def _faq(entries: str, **defaults: str) -> str:
    values = {
        "audience": "entreprise",
        "language": "fr",
        "topic": "contacts",
        "confidence": "confirmed",
        "last_reviewed": "2026-11-27",
        **defaults,
    }
    head = "".join(f"  {k}: {v}\n" for k, v in values.items())
    return f"defaults:\n{head}  sources: [{{title: S}}]\nentries:\n{entries}"


def test_duplicate_id_names_both_files_and_keeps_the_first(mini_corpus: Path) -> None:
    # "context/" sorts before "faq/": the copy is read first, as in the probe
    intruder = write(
        mini_corpus / "context" / "intrus.yaml",
        _faq('  - {id: faq-contact, question: "Qui ?", answer: "Personne."}\n'),
    )
    result = load_corpus(mini_corpus)
    (problem,) = result.problems
    text = str(problem)
    assert "faq-contact" in text and "intrus.yaml" in text and "faq/faq.yaml" in text
    kept = [d for d in result.documents if d.id == "faq-contact"]
    assert [d.path for d in kept] == [intruder]


def test_duplicate_id_stops_the_index_even_without_strict(
    mini_corpus: Path, tmp_path: Path
) -> None:
    write(mini_corpus / "plan" / "copie.md", md_doc("doc-total", "Copie", "# Copie\nAutre.\n"))
    settings = Settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index")
    with pytest.raises(CorpusError) as caught:
        build_index(settings)  # no embedder: the error comes before any model load
    message = str(caught.value)
    assert "doc-total" in message and "copie.md" in message and "total.md" in message
    assert not (tmp_path / "index").exists()
