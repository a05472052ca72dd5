"""A full or unwritable index folder ends ``assistant index`` with one French sentence and
a non-zero exit code, the live index untouched (issue 16)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import store
from assistant.errors import AssistantError
from assistant.indexer import build_index
from assistant.settings import Settings
from tests.conftest import md_doc, write

pytestmark = pytest.mark.model


def _disk_full() -> None:
    """In the child: files cannot grow past 64 KB, as on a full disk (EFBIG, not a signal)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, resource.RLIM_INFINITY))


def test_full_disk_ends_index_with_one_sentence_and_keeps_the_live_index(
    tmp_settings: Settings, embedder
) -> None:
    first = build_index(tmp_settings, embedder=embedder)
    corpus = Path(tmp_settings.corpus_dir)
    write(corpus / "plan" / "new.md", md_doc("doc-new", "Nouveau", "# Nouveau\nTexte neuf.\n"))
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(tmp_settings.index_dir),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "index"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=_disk_full,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (error,) = [line for line in proc.stderr.splitlines() if line.startswith("Erreur")]
    assert "Impossible d'écrire l'index" in error and "n'a pas été modifié" in error
    live = store.read_embedded_manifest(tmp_settings.index_dir)
    assert live["build_id"] == first.build_id
    builds = [p.name for p in (Path(tmp_settings.index_dir) / store.BUILDS_DIR).iterdir()]
    assert builds == [first.build_id], "the partial build must be removed"
    index = store.open_live_index(tmp_settings, store.ProjectEmbeddingFunction(embedder))
    assert index.collection.count() == first.chunks


def test_unwritable_index_folder_is_reported_before_any_embedding(
    mini_corpus: Path, tmp_path: Path
) -> None:
    blocker = write(tmp_path / "not-a-folder", "a file where the index folder should be\n")
    settings = Settings(corpus_dir=mini_corpus, index_dir=blocker / "index")
    with pytest.raises(AssistantError) as caught:
        build_index(settings)  # no embedder given: reported before the model is loaded
    message = str(caught.value)
    assert message.startswith("Impossible d'écrire l'index dans") and "\n" not in message
