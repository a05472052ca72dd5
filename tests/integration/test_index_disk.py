"""A full or unwritable index folder ends ``assistant index`` with one French sentence and
a non-zero exit code, the live index untouched (issue 16)."""

from __future__ import annotations

import logging
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


def _mount_read_only(folder: Path) -> None:
    """Bind-mount ``folder`` read-only over itself: a real EROFS, which even root cannot write."""
    try:
        subprocess.run(
            ["mount", "--bind", str(folder), str(folder)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"mounting is not permitted here (needs root / CAP_SYS_ADMIN): {exc}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        subprocess.run(["umount", str(folder)], check=False)
        pytest.skip(f"remounting read-only is not permitted here: {exc}")


def test_read_only_index_folder_ends_index_with_one_sentence_and_keeps_the_live_index(
    tmp_settings: Settings, embedder, caplog: pytest.LogCaptureFixture
) -> None:
    first = build_index(tmp_settings, embedder=embedder)
    corpus = Path(tmp_settings.corpus_dir)
    write(corpus / "plan" / "new.md", md_doc("doc-new", "Nouveau", "# Nouveau\nTexte neuf.\n"))
    index_dir = Path(tmp_settings.index_dir)
    env = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(index_dir),
    }
    _mount_read_only(index_dir)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "index"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        # (Serving from a read-only folder is not supported: Chroma's embedded store
        # may write while reading, to purge its log; only the leases are checked here.)
        lease = store.Lease(tmp_settings)
        build = (index_dir / store.LIVE_LINK).resolve().name
        for _tick in range(3):  # the index watcher refreshes its lease every few seconds
            lease.hold(build)  # logged, never raised
        lease.release()
    finally:
        subprocess.run(["umount", "--lazy", str(index_dir)], check=True)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "lease" in warnings[0].getMessage(), "one warning, no spam"
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (error,) = [line for line in proc.stderr.splitlines() if line.startswith("Erreur")]
    assert "Impossible d'écrire l'index" in error and "lecture seule" in error
    assert "n'a pas été modifié" in error
    assert store.read_embedded_manifest(index_dir)["build_id"] == first.build_id
    index = store.open_live_index(tmp_settings, store.ProjectEmbeddingFunction(embedder))
    assert index.collection.count() == first.chunks
