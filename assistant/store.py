"""Chroma access in both modes, and where the live index is.

* embedded (default): ``index/current`` is a symlink to ``index/builds/<id>/``
  holding a PersistentClient folder and ``manifest.json``; a build is published
  by atomically replacing the symlink;
* server (``ASSISTANT_CHROMA_URL``): every build is a collection
  ``<prefix>__<id>`` on the server, and the record ``live`` of the collection
  ``<prefix>__manifest`` holds the live manifest; publishing upserts that
  record.

A serving process holds a *lease* on the build it answers from (a file in
``index/leases/``, or a ``lease:...`` record next to the live record in server
mode), refreshed while it runs. Publishing prunes old builds but never a leased
one: a server that has not switched yet keeps its build readable.

Collections always carry the project's own embedding function: Chroma's
default one would download a model at run time.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings

from assistant.errors import AssistantError, IndexMissingError

if TYPE_CHECKING:
    from assistant.models.embedder import Embedder
    from assistant.settings import Settings

log = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
LIVE_LINK = "current"
BUILDS_DIR = "builds"
LIVE_RECORD = "live"
INDEX_FORMAT = 1
LEASES_DIR = "leases"
LEASE_PREFIX = "lease:"
#: A lease from another host (its process cannot be checked) counts while this fresh.
LEASE_TTL_SECONDS = 3600.0
_lease_numbers = itertools.count(1)


class ProjectEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma adapter around :class:`Embedder` (document prompt / query prompt)."""

    def __init__(self, embedder: Embedder | None = None, model_id: str = "") -> None:
        self._embedder = embedder
        self._model_id = embedder.model_id if embedder is not None else model_id

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            raise AssistantError("this collection was opened without the embedding model")
        return self._embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.encode_documents(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(self.embedder.encode_queries(list(input)))

    @staticmethod
    def name() -> str:
        return "occitanie-ia-assistant"

    def get_config(self) -> dict[str, Any]:
        return {"model_id": self._model_id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ProjectEmbeddingFunction:
        # Never loads a model here: Chroma calls this for bookkeeping.
        return ProjectEmbeddingFunction(model_id=str(config.get("model_id", "")))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


def chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def persistent_client(path: Path) -> chromadb.ClientAPI:
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def http_client(url: str) -> chromadb.ClientAPI:
    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise AssistantError(f"ASSISTANT_CHROMA_URL={url!r} is not a URL like http://host:8000")
    try:
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=chroma_settings(),
        )
    except Exception as exc:  # connection errors surface at construction
        raise AssistantError(f"cannot reach the Chroma server at {url}: {exc}") from exc


def open_collection(
    client: chromadb.ClientAPI, name: str, ef: ProjectEmbeddingFunction, *, create: bool
) -> Any:
    if create:
        return client.create_collection(
            name=name, embedding_function=ef, configuration={"hnsw": {"space": "cosine"}}
        )
    return client.get_collection(name=name, embedding_function=ef)


# --------------------------------------------------------------------------- live index


@dataclass
class LiveIndex:
    """The index that answers queries: its manifest and its Chroma collection."""

    manifest: dict[str, Any]
    collection: Any
    location: str


def read_embedded_manifest(index_dir: Path) -> dict[str, Any] | None:
    """Manifest of the live embedded build, or None when there is none."""
    link = Path(index_dir) / LIVE_LINK
    try:
        return json.loads((link / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None


def read_server_manifest(client: chromadb.ClientAPI, prefix: str) -> dict[str, Any] | None:
    try:
        pointer = client.get_collection(f"{prefix}__manifest")
    except Exception:
        return None
    got = pointer.get(ids=[LIVE_RECORD], include=["documents"])
    if not got["ids"]:
        return None
    return json.loads(got["documents"][0])


def read_live_manifest(settings: Settings) -> dict[str, Any] | None:
    """The live manifest in the configured mode (None if nothing was built)."""
    if settings.chroma_url:
        return read_server_manifest(http_client(settings.chroma_url), settings.collection_prefix)
    return read_embedded_manifest(settings.index_dir)


def open_live_index(settings: Settings, ef: ProjectEmbeddingFunction) -> LiveIndex:
    """Open the live collection, or fail with the command that builds it."""
    hint = "Run `assistant index` (or `make index`) to build it."
    if settings.chroma_url:
        client = http_client(settings.chroma_url)
        manifest = read_server_manifest(client, settings.collection_prefix)
        if manifest is None:
            raise IndexMissingError(f"No index on the Chroma server {settings.chroma_url}. {hint}")
        location = settings.chroma_url
    else:
        manifest = read_embedded_manifest(settings.index_dir)
        if manifest is None:
            raise IndexMissingError(f"No index in {settings.index_dir}. {hint}")
        location = str((Path(settings.index_dir) / LIVE_LINK).resolve())
        client = None
    try:
        if client is None:
            client = persistent_client(Path(location) / "chroma")
        collection = open_collection(client, manifest["collection"], ef, create=False)
    except Exception as exc:
        raise IndexMissingError(
            f"The index at {location} is unreadable or incomplete ({exc}). "
            "Run `assistant index --force` to rebuild it."
        ) from exc
    return LiveIndex(manifest=manifest, collection=collection, location=location)


def build_name(live: LiveIndex) -> str:
    """What a lease names: the build folder (embedded) or the collection (server)."""
    if live.manifest.get("collection") and live.location.startswith(("http://", "https://")):
        return str(live.manifest["collection"])
    return Path(live.location).name


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lease_is_current(lease: dict[str, Any], now: float) -> bool:
    if lease.get("host") == socket.gethostname():
        return _pid_alive(int(lease.get("pid", 0) or 0))
    return now - float(lease.get("updated", 0) or 0) < LEASE_TTL_SECONDS


class Lease:
    """This process's claim on the build it serves (embedded or server mode)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.key = f"{socket.gethostname()}-{os.getpid()}-{next(_lease_numbers)}"
        self.builds: list[str] = []
        self._pointer: Any = None
        #: last failure logged as a warning: a read-only index folder (index built
        #: elsewhere, mounted read-only) is reported once, not at every watcher tick
        self._failure = ""

    def _server_pointer(self) -> Any:
        """The server's manifest collection (client made once, not at every refresh)."""
        if self._pointer is None:
            self._pointer = _pointer(http_client(str(self.settings.chroma_url)), self.settings)
        return self._pointer

    def _record(self) -> dict[str, Any]:
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "builds": self.builds,
            "updated": time.time(),
        }

    def hold(self, *builds: str) -> None:
        """Claim ``builds`` (only them; refreshes the claim); never raises (logged instead)."""
        self.builds = [b for b in builds if b]
        try:
            if self.settings.chroma_url:
                pointer = self._server_pointer()
                record = self._record()
                pointer.upsert(
                    ids=[LEASE_PREFIX + self.key],
                    documents=[json.dumps(record)],
                    embeddings=[[0.0]],
                    metadatas=[{"collection": ",".join(self.builds)}],
                )
            else:
                folder = Path(self.settings.index_dir) / LEASES_DIR
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{self.key}.tmp"
                tmp.write_text(json.dumps(self._record()))
                os.replace(tmp, folder / f"{self.key}.json")
        except Exception as exc:
            self._pointer = None  # reconnect next time
            level = logging.DEBUG if str(exc) == self._failure else logging.WARNING
            self._failure = str(exc)
            log.log(level, "could not write the index lease: %s", exc)
        else:
            self._failure = ""

    def release(self) -> None:
        try:
            if self.settings.chroma_url:
                self._server_pointer().delete(ids=[LEASE_PREFIX + self.key])
            else:
                (Path(self.settings.index_dir) / LEASES_DIR / f"{self.key}.json").unlink(
                    missing_ok=True
                )
        except Exception as exc:
            log.warning("could not release the index lease: %s", exc)


def _pointer(client: chromadb.ClientAPI, settings: Settings) -> Any:
    return client.get_or_create_collection(
        f"{settings.collection_prefix}__manifest", embedding_function=None
    )


def leased_builds(index_dir: Path) -> set[str]:
    """Build folders some serving process still answers from (stale leases are removed)."""
    folder = Path(index_dir) / LEASES_DIR
    now = time.time()
    held: set[str] = set()
    for path in folder.glob("*.json") if folder.is_dir() else []:
        try:
            lease = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if _lease_is_current(lease, now):
            held.update(str(b) for b in lease.get("builds", []))
        else:
            path.unlink(missing_ok=True)
    return held


def leased_collections(pointer: Any) -> set[str]:
    """Collections leased by serving processes (server mode)."""
    got = pointer.get(include=["documents"])
    now = time.time()
    held: set[str] = set()
    for record_id, doc in zip(got["ids"], got["documents"], strict=True):
        if not record_id.startswith(LEASE_PREFIX):
            continue
        try:
            lease = json.loads(doc)
        except ValueError:
            continue
        if _lease_is_current(lease, now):
            held.update(str(b) for b in lease.get("builds", []))
    return held


def publish_embedded(index_dir: Path, build_dir: Path, keep: int = 2) -> None:
    """Point ``index/current`` at ``build_dir`` atomically, then prune old builds.

    A build leased by a serving process is never pruned, however old.
    """
    index_dir = Path(index_dir)
    link = index_dir / LIVE_LINK
    tmp = index_dir / f".{LIVE_LINK}.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(BUILDS_DIR) / build_dir.name)
    os.replace(tmp, link)  # atomic on POSIX
    builds = sorted(
        (p for p in (index_dir / BUILDS_DIR).iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    live = link.resolve()
    leased = leased_builds(index_dir)
    for old in builds[:-keep]:
        if old.resolve() != live and old.name not in leased:
            shutil.rmtree(old, ignore_errors=True)


def publish_server(
    client: chromadb.ClientAPI, prefix: str, manifest: dict[str, Any], keep: int = 2
) -> None:
    """Make ``manifest['collection']`` live on the server, then prune old unleased builds."""
    pointer = client.get_or_create_collection(f"{prefix}__manifest", embedding_function=None)
    pointer.upsert(
        ids=[LIVE_RECORD],
        documents=[json.dumps(manifest)],
        embeddings=[[0.0]],
        metadatas=[{"collection": manifest["collection"]}],
    )
    builds = sorted(
        c.name
        for c in client.list_collections()
        if c.name.startswith(f"{prefix}__b") and c.name != manifest["collection"]
    )
    leased = leased_collections(pointer)
    for name in builds[: max(0, len(builds) - (keep - 1))]:
        if name not in leased:
            client.delete_collection(name)
