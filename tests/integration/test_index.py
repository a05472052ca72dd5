"""Index builds with the real model and a real embedded Chroma store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import store
from assistant.core import Assistant
from assistant.errors import CorpusError, IndexMismatchError, IndexMissingError
from assistant.indexer import build_index
from assistant.settings import Settings
from tests.conftest import md_doc, write
from tests.integration.conftest import CountingEmbedder

pytestmark = pytest.mark.model


def _bot(settings: Settings, embedder) -> Assistant:
    live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
    return Assistant(settings, embedder, live)


def test_build_then_answer_with_citation(tmp_settings: Settings, embedder) -> None:
    report = build_index(tmp_settings, embedder=embedder)
    assert report.documents == 4 and report.embedded == report.chunks > 0
    answer = _bot(tmp_settings, embedder).ask("Combien pour la recherche en IA ?")
    top = answer.citations[0]
    assert top.doc_id == "doc-recherche"
    assert "14 M€" in top.excerpt
    assert top.title == "Enveloppe recherche" and top.section == "Montant"
    assert top.source_title == "Source de test doc-recherche"


def test_reindex_unchanged_corpus_is_a_no_op(tmp_settings: Settings, embedder) -> None:
    first = build_index(tmp_settings, embedder=embedder)
    counting = CountingEmbedder(embedder)
    again = build_index(tmp_settings, embedder=counting)
    assert again.up_to_date and counting.encoded == 0
    assert again.build_id == first.build_id


def test_reindex_reembeds_only_changed_chunks(tmp_settings: Settings, embedder) -> None:
    build_index(tmp_settings, embedder=embedder)
    corpus = Path(tmp_settings.corpus_dir)
    doc = corpus / "plan" / "formation.md"
    doc.write_text(doc.read_text().replace("sont visés", "sont visés en priorité"))
    (corpus / "plan" / "recherche.md").unlink()
    write(
        corpus / "plan" / "new.md",
        md_doc("doc-new", "Nouveau", "# Nouveau\nServices publics : 5 M€.\n"),
    )
    counting = CountingEmbedder(embedder)
    report = build_index(tmp_settings, embedder=counting)
    assert counting.encoded == report.embedded == 2  # the edited chunk and the new one
    assert report.updated == 1 and report.added == 1 and report.removed == 1
    assert report.reused == report.chunks - 2
    bot = _bot(tmp_settings, embedder)
    ids = {c.doc_id for c in bot.search("recherche ANITI Toulouse", k=10)}
    assert "doc-recherche" not in ids and "doc-new" in ids


def test_malformed_file_is_skipped_and_strict_fails(tmp_settings: Settings, embedder) -> None:
    bad = write(Path(tmp_settings.corpus_dir) / "plan" / "bad.md", "# pas de front matter\n")
    report = build_index(tmp_settings, embedder=embedder)
    assert report.documents == 4
    assert any(str(bad) in p and "front matter" in p for p in report.problems)
    with pytest.raises(CorpusError, match="bad.md"):
        build_index(tmp_settings, embedder=embedder, force=True, strict=True)


def test_failed_build_leaves_previous_index_answering(tmp_settings: Settings, embedder) -> None:
    first = build_index(tmp_settings, embedder=embedder)
    corpus = Path(tmp_settings.corpus_dir)
    for i in range(6):
        write(corpus / "plan" / f"extra{i}.md", md_doc(f"extra{i}", f"Extra {i}", f"Texte {i}.\n"))
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(tmp_settings, embedder=CountingEmbedder(embedder, fail_after=0))
    live = store.read_embedded_manifest(tmp_settings.index_dir)
    assert live["build_id"] == first.build_id
    builds = list((Path(tmp_settings.index_dir) / store.BUILDS_DIR).iterdir())
    assert [b.name for b in builds] == [first.build_id], "the partial build must be removed"
    answer = _bot(tmp_settings, embedder).ask("Quand le plan a-t-il été adopté ?")
    cited = [c.doc_id for c in answer.citations]
    assert "doc-total" in cited and not any(d.startswith("extra") for d in cited)


def test_index_built_with_another_model_is_refused(tmp_settings: Settings, embedder) -> None:
    build_index(tmp_settings, embedder=embedder)
    manifest_path = Path(tmp_settings.index_dir) / store.LIVE_LINK / store.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["embedding_model"]["id"] = "other/model"
    manifest_path.write_text(json.dumps(manifest))
    from assistant.core import check_index_matches

    with pytest.raises(IndexMismatchError, match="other/model.*assistant index --force"):
        check_index_matches(manifest, embedder)


def test_index_built_by_another_encoder_is_refused_then_reindexed(
    tmp_settings: Settings, embedder
) -> None:
    """ONNX and torch (or int8 and float32) vectors must not mix in one search."""
    from assistant.core import check_index_matches

    build_index(tmp_settings, embedder=embedder)
    manifest_path = Path(tmp_settings.index_dir) / store.LIVE_LINK / store.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    other = "torch" if embedder.backend == "onnx" else "onnx"
    manifest["embedding_model"]["backend"] = other
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(
        IndexMismatchError, match=f"built with the {other} encoder.*assistant index"
    ):
        check_index_matches(manifest, embedder)
    counting = CountingEmbedder(embedder)
    report = build_index(tmp_settings, embedder=counting)  # not "up to date": re-indexed
    assert not report.up_to_date and report.embedded == report.chunks == counting.encoded
    rebuilt = json.loads(manifest_path.read_text())["embedding_model"]
    assert (rebuilt["backend"], rebuilt["precision"]) == (embedder.backend, embedder.precision)
    check_index_matches(json.loads(manifest_path.read_text()), embedder)


def test_missing_index_names_the_command(tmp_settings: Settings, embedder) -> None:
    with pytest.raises(IndexMissingError, match="assistant index"):
        store.open_live_index(tmp_settings, store.ProjectEmbeddingFunction(embedder))


def test_corrupt_index_is_reported_and_rebuild_recovers(tmp_settings: Settings, embedder) -> None:
    build_index(tmp_settings, embedder=embedder)
    live_dir = (Path(tmp_settings.index_dir) / store.LIVE_LINK).resolve()
    (live_dir / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database")
    with pytest.raises(IndexMissingError, match="unreadable"):
        store.open_live_index(tmp_settings, store.ProjectEmbeddingFunction(embedder))
    report = build_index(tmp_settings, embedder=embedder, force=True)
    assert report.embedded == report.chunks  # nothing reusable from a corrupt index
    assert _bot(tmp_settings, embedder).search("formation", k=1)
