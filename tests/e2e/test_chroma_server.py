"""Client/server mode against a real `chroma run` on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import store
from assistant.core import Assistant
from assistant.indexer import build_index
from assistant.settings import Settings
from tests.integration.conftest import CountingEmbedder
from tests.servers import chroma_server

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_server_mode_builds_answers_and_updates_incrementally(
    tmp_path: Path, mini_corpus: Path, embedder
) -> None:
    with chroma_server(tmp_path / "chroma-data") as url:
        settings = Settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index", chroma_url=url)
        assert settings.chroma_mode == "server"
        first = build_index(settings, embedder=embedder)
        assert first.embedded == first.chunks > 0
        assert not (tmp_path / "index").exists(), "server mode must not write a local store"

        live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
        bot = Assistant(settings, embedder, live)
        top = bot.ask("Combien pour la recherche ?").citations[0]
        assert top.doc_id == "doc-recherche" and "14 M€" in top.excerpt

        again = build_index(settings, embedder=embedder)
        assert again.up_to_date

        doc = mini_corpus / "plan" / "total.md"
        doc.write_text(doc.read_text().replace("60 M€", "60 M€ (cinq ans)"))
        counting = CountingEmbedder(embedder)
        third = build_index(settings, embedder=counting)
        assert counting.encoded == third.embedded == 1
        live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
        assert live.manifest["build_id"] == third.build_id

        # a crash mid-build leaves the live collection answering, and no orphan collection
        (mini_corpus / "plan" / "recherche.md").write_text(
            (mini_corpus / "plan" / "recherche.md").read_text().replace("14 M€", "14 M€ !")
        )
        with pytest.raises(RuntimeError):
            build_index(settings, embedder=CountingEmbedder(embedder, fail_after=0))
        client = store.http_client(url)
        names = {c.name for c in client.list_collections()}
        prefix = settings.collection_prefix
        assert {f"{prefix}__manifest", f"{prefix}__{third.build_id}"} <= names
        assert names <= {
            f"{prefix}__manifest",
            f"{prefix}__{first.build_id}",
            f"{prefix}__{third.build_id}",
        }
        live = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
        assert live.manifest["build_id"] == third.build_id
        assert Assistant(settings, embedder, live).search("recherche", k=1)
