"""Chunking: bounded in tokens, section-aware, FAQ entries whole, full metadata."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.chunking import approx_tokens, chunk_document
from assistant.ingest.loaders import load_file
from tests.conftest import md_doc, write

REQUIRED = {
    "doc_id",
    "title",
    "section",
    "page",
    "source_title",
    "source_url",
    "source_date",
    "audience",
    "topic",
    "envelope",
    "language",
    "content_hash",
}


def _doc(tmp_path: Path, body: str):
    (doc,), _ = load_file(write(tmp_path / "d.md", md_doc("d", "Titre", body, "formation")))
    return doc


def test_chunks_are_bounded_and_never_cross_sections(tmp_path: Path) -> None:
    long_par = " ".join(f"Phrase numéro {i} sur la formation." for i in range(120))
    doc = _doc(tmp_path, f"# Titre\n## A\n{long_par}\n\nCourt.\n\n## B\nAutre section.\n")
    chunks = chunk_document(doc, max_tokens=60, count_tokens=approx_tokens)
    assert all(approx_tokens(c.text) <= 60 for c in chunks)
    assert {c.metadata["section"] for c in chunks} == {"A", "B"}
    assert chunks[-1].text == "Autre section." and chunks[-1].metadata["section"] == "B"
    # the text is preserved, in order, across the chunks of a section
    joined = " ".join(c.text for c in chunks if c.metadata["section"] == "A")
    assert joined.split() == f"{long_par} Court.".split()


def test_chunk_metadata_is_complete_and_flat(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "# Titre\n## Montant\n9 M€.\n")
    (chunk,) = chunk_document(doc, max_tokens=200)
    assert set(chunk.metadata) >= REQUIRED
    assert chunk.metadata["envelope"] == "formation"
    assert chunk.metadata["source_title"] == "Source de test d"
    assert chunk.id == "d::0"
    # Chroma metadata values must be scalars
    assert all(isinstance(v, str | int | float | bool) for v in chunk.metadata.values())
    # the embedded text carries the title and section for context; the cited text does not
    assert chunk.embed_text.startswith("Titre\nMontant\n\n") and chunk.text == "9 M€."


def test_faq_entry_is_one_chunk_even_if_long(mini_corpus: Path) -> None:
    (doc,), _ = load_file(mini_corpus / "faq" / "faq.yaml")
    chunks = chunk_document(doc, max_tokens=5)
    assert len(chunks) == 1
    assert chunks[0].text.startswith("Qui contacter") and "AD'OCC" in chunks[0].text


def test_content_hash_is_stable_and_tracks_text(tmp_path: Path) -> None:
    a = chunk_document(_doc(tmp_path, "# Titre\nTexte A.\n"), 200)[0]
    b = chunk_document(_doc(tmp_path, "# Titre\nTexte A.\n"), 200)[0]
    c = chunk_document(_doc(tmp_path, "# Titre\nTexte B.\n"), 200)[0]
    assert a.content_hash == b.content_hash != c.content_hash
