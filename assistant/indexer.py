"""Build the index from the corpus: incremental, atomic, with a manifest.

* incremental: an embedding is reused when a chunk's text (content hash) was
  already embedded by the same model in the live index, so editing one FAQ
  entry re-embeds one chunk; an unchanged corpus is detected from its hash and
  costs no model load at all;
* atomic: every build goes to a new build folder (or a new server collection)
  and is published only when complete, so a crash mid-build leaves the
  previous index serving;
* the manifest records the model id and weight hash, the encoder (backend
  and precision: ONNX float32 or int8, torch float32 or bfloat16), chunker
  version and corpus hash, which is how a query refuses an index built by
  another model or encoder, and how ``assistant index`` knows to re-index when
  the configured encoder changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import store  # first: it sets Chroma's telemetry off before chromadb loads
from assistant.errors import AssistantError, CorpusError
from assistant.ingest.chunking import CHUNKER_VERSION, Chunk, chunk_document
from assistant.ingest.loaders import corpus_files, corpus_hash, load_corpus
from assistant.models.manifest import get_manifest

if TYPE_CHECKING:
    from assistant.models.embedder import Embedder
    from assistant.settings import Settings

log = logging.getLogger(__name__)

#: Called with (chunks embedded so far, chunks to embed).
IndexProgress = Callable[[int, int], None]
_WRITE_BATCH = 256


class IndexWriteError(AssistantError):
    """The index folder (or Chroma server) refused the new build: full, read-only...

    One French sentence for the operator; the live index is untouched because a
    build is only published once complete.
    """


_DISK_REASONS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota disque dépassé",
    errno.EFBIG: "fichier trop gros pour le disque (disque plein ou taille maximale atteinte)",
    errno.EROFS: "disque en lecture seule",
    errno.EACCES: "droits d'écriture refusés",
    errno.EPERM: "droits d'écriture refusés",
    errno.ENOTDIR: "un fichier occupe la place d'un dossier",
}


def _write_error(where: str, exc: BaseException) -> IndexWriteError:
    if isinstance(exc, OSError):
        reason = _DISK_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    else:  # Chroma reports SQLite's "disk I/O error" / "database or disk is full" as text
        reason = " ".join(str(exc).split()) or type(exc).__name__
    return IndexWriteError(
        f"Impossible d'écrire l'index dans {where} ({reason}) : libérez de la place ou "
        "donnez les droits d'écriture, puis relancez « assistant index » ; l'index en "
        "service n'a pas été modifié."
    )


def _check_writable(index_dir: Path) -> None:
    """Fail before any embedding work when the index folder cannot take a new build."""
    builds = index_dir / store.BUILDS_DIR
    probe = builds / f".write-test-{os.getpid()}"
    try:
        builds.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as out:
            out.write(b"\0" * 4096)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise _write_error(str(index_dir), exc) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


@dataclass
class BuildReport:
    """What a build did (printed by the CLI, asserted by the tests)."""

    up_to_date: bool = False
    build_id: str | None = None
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    problems: list[str] = field(default_factory=list)
    #: sentences addressed to a model, removed from the indexed text
    flagged: list[str] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


def _model_identity(settings: Settings, embedder: Embedder | None = None) -> dict[str, Any]:
    """Model and encoder an index built now would record (nothing is loaded)."""
    if embedder is not None:
        return {
            "id": embedder.model_id,
            "weights_sha256": embedder.weights_sha256,
            **embedder.encoding,
        }
    from assistant.models.embedder import resolve_encoding

    manifest = get_manifest(settings.embedding_model)
    return {
        "id": manifest.id,
        "weights_sha256": manifest.weights_sha256,
        **resolve_encoding(settings, manifest).as_dict(),
    }


def built_encoding(built: dict[str, Any]) -> dict[str, str]:
    """Backend and precision an index manifest's ``embedding_model`` records.

    Indexes made before the ONNX backend record only a dtype: torch built them.
    """
    return {
        "backend": str(built.get("backend") or "torch"),
        "precision": str(built.get("precision") or built.get("dtype") or "float32"),
    }


def _same_vectors(built: dict[str, Any], model: dict[str, Any]) -> bool:
    """Same model weights and same encoder: the index's vectors are what we would compute."""
    return (
        built.get("id") == model["id"]
        and built.get("weights_sha256") == model["weights_sha256"]
        and built_encoding(built) == {"backend": model["backend"], "precision": model["precision"]}
    )


def is_up_to_date(
    settings: Settings,
    live: dict[str, Any] | None,
    c_hash: str,
    embedder: Embedder | None = None,
) -> bool:
    """True when the live index was built from this corpus, model, encoder and chunker."""
    if not live:
        return False
    return (
        live.get("format") == store.INDEX_FORMAT
        and live.get("corpus_hash") == c_hash
        and live.get("chunker_version") == CHUNKER_VERSION
        and live.get("chunk_max_tokens") == settings.chunk_max_tokens
        and _same_vectors(live.get("embedding_model", {}), _model_identity(settings, embedder))
    )


def build_index(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    force: bool = False,
    strict: bool = False,
    progress: IndexProgress | None = None,
) -> BuildReport:
    """Build (or bring up to date) the live index from ``settings.corpus_dir``."""
    started = time.perf_counter()
    corpus_dir = Path(settings.corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist (ASSISTANT_CORPUS_DIR)")
    c_hash = corpus_hash(corpus_dir)
    live = store.read_live_manifest(settings)
    if not force and is_up_to_date(settings, live, c_hash, embedder):
        return BuildReport(
            up_to_date=True,
            build_id=live["build_id"],
            documents=live["counts"]["documents"],
            chunks=live["counts"]["chunks"],
            unchanged=live["counts"]["chunks"],
            problems=list(live.get("problems", [])),
            flagged=list(live.get("flagged", [])),
            seconds=time.perf_counter() - started,
        )

    loaded = load_corpus(
        corpus_dir, corpus_files(corpus_dir), max_document_mb=settings.max_document_mb
    )
    problems = [str(p) for p in loaded.problems]
    for problem in problems:
        log.warning("skipped: %s", problem)
    flagged = [str(f) for f in loaded.flagged]
    for line in flagged:
        log.warning("removed: %s", line)
    fatal = [str(p) for p in loaded.problems if p.fatal]
    if fatal:
        raise CorpusError("corpus errors (fix them, then index again):\n  " + "\n  ".join(fatal))
    if strict and (problems or flagged):
        raise CorpusError(
            "malformed corpus files (--strict):\n  " + "\n  ".join(problems + flagged)
        )
    if not loaded.documents:
        raise CorpusError(f"no valid document in {corpus_dir}")
    if not settings.chroma_url:
        _check_writable(Path(settings.index_dir))

    if embedder is None:
        from assistant.models.embedder import load_embedder

        embedder = load_embedder(settings)
    chunks: list[Chunk] = []
    for document in loaded.documents:
        chunks.extend(chunk_document(document, settings.chunk_max_tokens, embedder.count_tokens))

    previous = _previous_chunks(settings, live, embedder)
    report = BuildReport(
        documents=len(loaded.documents), chunks=len(chunks), problems=problems, flagged=flagged
    )
    report.build_id = dt.datetime.now(dt.UTC).strftime("b%Y%m%d%H%M%S") + uuid.uuid4().hex[:6]

    vectors: dict[str, list[float]] = {}
    by_hash = previous["by_hash"]
    to_embed: list[Chunk] = []
    for chunk in chunks:
        old_hash = previous["hash_by_id"].get(chunk.id)
        if old_hash is None:
            report.added += 1
        elif old_hash == chunk.content_hash:
            report.unchanged += 1
        else:
            report.updated += 1
        if chunk.content_hash in by_hash:
            vectors[chunk.id] = by_hash[chunk.content_hash]
            report.reused += 1
        else:
            to_embed.append(chunk)
    report.removed = len(set(previous["hash_by_id"]) - {c.id for c in chunks})

    embed_started = time.perf_counter()
    _embed(embedder, to_embed, vectors, settings.embedding_batch_size, progress)
    report.embedded = len(to_embed)
    report.embed_seconds = time.perf_counter() - embed_started

    manifest = _manifest(settings, embedder, report, c_hash, loaded.documents, chunks)
    from chromadb.errors import ChromaError

    try:
        _write_and_publish(settings, embedder, manifest, chunks, vectors)
    except (OSError, ChromaError) as exc:  # the partial build is already removed
        raise _write_error(settings.chroma_url or str(settings.index_dir), exc) from exc
    report.seconds = time.perf_counter() - started
    return report


def _previous_chunks(
    settings: Settings, live: dict[str, Any] | None, embedder: Embedder
) -> dict[str, Any]:
    """Content hashes and reusable vectors of the live index (same model and encoder only)."""
    empty: dict[str, Any] = {"hash_by_id": {}, "by_hash": {}}
    if not live:
        return empty
    same_model = _same_vectors(live.get("embedding_model", {}), _model_identity(settings, embedder))
    try:
        index = store.open_live_index(settings, store.ProjectEmbeddingFunction(embedder))
        got = index.collection.get(
            include=["metadatas", "embeddings"] if same_model else ["metadatas"]
        )
    except Exception as exc:  # a corrupt live index must not block a rebuild
        log.warning("previous index unreadable, rebuilding from scratch: %s", exc)
        return empty
    hash_by_id = {
        i: m.get("content_hash") for i, m in zip(got["ids"], got["metadatas"], strict=True)
    }
    by_hash: dict[str, list[float]] = {}
    if same_model and got.get("embeddings") is not None:
        for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
            by_hash[meta["content_hash"]] = list(vector)
    return {"hash_by_id": hash_by_id, "by_hash": by_hash}


def _embed(
    embedder: Embedder,
    chunks: list[Chunk],
    vectors: dict[str, list[float]],
    batch_size: int,
    progress: IndexProgress | None,
) -> None:
    """Embed in length-sorted groups: padding waste stays as low as one big encode call.

    Groups of a few batches keep the progress bar moving; either encoder sorts
    again inside a group, which costs nothing on sorted input.
    """
    ordered = sorted(chunks, key=lambda c: len(c.embed_text), reverse=True)
    group = max(batch_size * 4, 32)
    done = 0
    if progress:
        progress(0, len(ordered))
    for start in range(0, len(ordered), group):
        part = ordered[start : start + group]
        matrix = embedder.encode_documents([c.embed_text for c in part])
        for chunk, vector in zip(part, matrix, strict=True):
            vectors[chunk.id] = vector.tolist()
        done += len(part)
        if progress:
            progress(done, len(ordered))


def _manifest(
    settings: Settings,
    embedder: Embedder,
    report: BuildReport,
    c_hash: str,
    documents: list[Any],
    chunks: list[Chunk],
) -> dict[str, Any]:
    per_doc: dict[str, int] = {}
    for chunk in chunks:
        per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
    return {
        "format": store.INDEX_FORMAT,
        "build_id": report.build_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "collection": _collection_name(settings, report.build_id or ""),
        "chroma_mode": settings.chroma_mode,
        "embedding_model": {
            "id": embedder.model_id,
            "weights_sha256": embedder.weights_sha256,
            "dimension": embedder.dimension,
            "backend": embedder.backend,
            "precision": embedder.precision,
            "dtype": embedder.dtype,
        },
        "chunker_version": CHUNKER_VERSION,
        "chunk_max_tokens": settings.chunk_max_tokens,
        "corpus_hash": c_hash,
        "counts": {
            "documents": report.documents,
            "chunks": report.chunks,
            "embedded": report.embedded,
            "reused": report.reused,
            "added": report.added,
            "updated": report.updated,
            "removed": report.removed,
        },
        "documents": {
            d.id: {"title": d.meta.title, "path": d.path.name, "chunks": per_doc.get(d.id, 0)}
            for d in documents
        },
        "problems": report.problems,
        "flagged": report.flagged,
    }


def _collection_name(settings: Settings, build_id: str) -> str:
    if settings.chroma_url:
        return f"{settings.collection_prefix}__{build_id}"
    return settings.collection_prefix


def _write_and_publish(
    settings: Settings,
    embedder: Embedder,
    manifest: dict[str, Any],
    chunks: list[Chunk],
    vectors: dict[str, list[float]],
) -> None:
    ef = store.ProjectEmbeddingFunction(embedder)
    if settings.chroma_url:
        client = store.http_client(settings.chroma_url)
        try:
            collection = store.open_collection(client, manifest["collection"], ef, create=True)
            _add_all(collection, chunks, vectors)
            store.publish_server(client, settings.collection_prefix, manifest)
        except BaseException:
            _drop_collection(client, manifest["collection"])
            raise
        return
    index_dir = Path(settings.index_dir)
    build_dir = index_dir / store.BUILDS_DIR / str(manifest["build_id"])
    try:
        client = store.persistent_client(build_dir / "chroma")
        collection = store.open_collection(client, manifest["collection"], ef, create=True)
        _add_all(collection, chunks, vectors)
        (build_dir / store.MANIFEST_FILE).write_text(_dump(manifest))
        del collection, client
        store.publish_embedded(index_dir, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise


def _add_all(collection: Any, chunks: list[Chunk], vectors: dict[str, list[float]]) -> None:
    for start in range(0, len(chunks), _WRITE_BATCH):
        part = chunks[start : start + _WRITE_BATCH]
        collection.add(
            ids=[c.id for c in part],
            documents=[c.text for c in part],
            embeddings=[vectors[c.id] for c in part],
            metadatas=[c.metadata for c in part],
        )


def _drop_collection(client: Any, name: str) -> None:
    with contextlib.suppress(Exception):  # nothing to clean up
        client.delete_collection(name)


def _dump(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)
