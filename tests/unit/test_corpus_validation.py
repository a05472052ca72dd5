"""Corpus files an attacker or a tired editor could write: each is refused with its file,
entry and field named, before any embedding work (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def _bad_values(corpus: Path) -> dict[str, Path]:
    """One document per closed field, each with a value the corpus does not define."""
    return {
        "envelope": write(
            corpus / "plan" / "env.md",
            md_doc("doc-env", "E", "# E\nTexte.\n", envelope="enveloppe-inexistante"),
        ),
        "topic": write(
            corpus / "faq" / "topic.yaml",
            _faq('  - {id: faq-topic, question: "Q ?", answer: "R."}\n', topic="meteo"),
        ),
        "audience": write(
            corpus / "faq" / "audience.yaml",
            _faq('  - {id: faq-aud, question: "Q ?", answer: "R."}\n', audience="martiens"),
        ),
    }


def test_unknown_envelope_topic_or_audience_is_skipped_with_file_entry_and_field(
    mini_corpus: Path,
) -> None:
    bad = _bad_values(mini_corpus)
    result = load_corpus(mini_corpus)
    assert {"doc-env", "faq-topic", "faq-aud"}.isdisjoint(d.id for d in result.documents)
    assert {(p.path, p.field) for p in result.problems} == {(bad[f], f) for f in bad}
    assert any("enveloppe-inexistante" in str(p) and "[doc-env]" in str(p) for p in result.problems)
    assert any("meteo" in str(p) and "[faq-topic]" in str(p) for p in result.problems)


def test_unknown_values_fail_index_strict(mini_corpus: Path, tmp_path: Path) -> None:
    _bad_values(mini_corpus)
    settings = Settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match="enveloppe-inexistante"):
        build_index(settings, strict=True)


def test_faq_question_or_answer_that_is_not_text_is_refused(mini_corpus: Path) -> None:
    path = write(
        mini_corpus / "faq" / "types.yaml",
        _faq(
            '  - {id: faq-int-q, question: 123, answer: "R."}\n'
            '  - {id: faq-int-a, question: "Q ?", answer: 60000000}\n'
            '  - {id: faq-list, question: ["Q ?"], answer: "R."}\n'
            '  - {id: faq-ok, question: "Q ?", answer: "R."}\n'
        ),
    )
    result = load_corpus(mini_corpus)
    ids = {d.id for d in result.documents}
    assert "faq-ok" in ids and {"faq-int-q", "faq-int-a", "faq-list"}.isdisjoint(ids)
    found = {(p.path, p.entry, p.field) for p in result.problems}
    assert found == {
        (path, "faq-int-q", "question"),
        (path, "faq-int-a", "answer"),
        (path, "faq-list", "question"),
    }
    assert all("text" in p.reason for p in result.problems)


def _cli(*args: str, corpus: Path, index: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index)}
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_strict_output_prints_entry_ids_literally(mini_corpus: Path, tmp_path: Path) -> None:
    write(
        mini_corpus / "faq" / "bad.yaml",
        _faq('  - {id: faq-ent-001, question: "Q ?", answer: "R."}\n', topic="meteo"),
    )
    proc = _cli("index", "--strict", corpus=mini_corpus, index=tmp_path / "index")
    assert proc.returncode == 1
    error = proc.stderr[proc.stderr.index("Erreur") :]  # the message, not the log lines
    assert "[faq-ent-001] (topic)" in error, proc.stderr
    assert "Traceback" not in proc.stderr
    check = _cli("corpus", "check", "--strict", corpus=mini_corpus, index=tmp_path / "index")
    assert check.returncode == 1 and "[faq-ent-001] (topic)" in check.stderr
