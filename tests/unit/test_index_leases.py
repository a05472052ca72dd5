"""Publishing prunes old builds, but never the one a serving process still answers from."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

from assistant import store
from assistant.settings import Settings


def _builds(index_dir: Path, names: list[str]) -> list[Path]:
    out = []
    for i, name in enumerate(names):
        build = index_dir / store.BUILDS_DIR / name
        build.mkdir(parents=True)
        stamp = time.time() - 100 + i
        os.utime(build, (stamp, stamp))
        out.append(build)
    return out


def test_a_leased_build_survives_pruning(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    b1, b2, b3, b4 = _builds(index_dir, ["b1", "b2", "b3", "b4"])
    lease = store.Lease(Settings(index_dir=index_dir, chroma_url=None))
    lease.hold("b1")
    store.publish_embedded(index_dir, b3)
    store.publish_embedded(index_dir, b4)
    assert b1.is_dir(), "the build a server answers from is kept"
    assert not b2.exists(), "an unleased old build is pruned"
    assert b3.is_dir() and b4.is_dir()
    assert (index_dir / "current").resolve() == b4.resolve()
    lease.release()
    b5 = _builds(index_dir, ["b5"])[0]
    store.publish_embedded(index_dir, b5)
    assert not b1.exists(), "released: pruned like any old build"


def test_a_lease_of_a_dead_process_is_ignored_and_removed(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    b1, b2, b3 = _builds(index_dir, ["b1", "b2", "b3"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    leases = index_dir / store.LEASES_DIR
    leases.mkdir()
    stale = leases / "dead.json"
    record = {"host": socket.gethostname(), "pid": dead.pid, "builds": ["b1"], "updated": 0}
    stale.write_text(json.dumps(record))
    store.publish_embedded(index_dir, b3)
    assert not b1.exists() and not stale.exists()
    assert b2.is_dir() and b3.is_dir()


def test_server_mode_never_deletes_a_leased_collection() -> None:
    import chromadb

    client = chromadb.EphemeralClient(settings=store.chroma_settings())
    prefix = "lease_test"
    for name in ("b1", "b2", "b3", "b4"):
        client.create_collection(f"{prefix}__{name}", embedding_function=None)
    pointer = client.get_or_create_collection(f"{prefix}__manifest", embedding_function=None)
    lease = {"host": socket.gethostname(), "pid": os.getpid(), "builds": [f"{prefix}__b1"]}
    pointer.upsert(
        ids=[store.LEASE_PREFIX + "server-1"],
        documents=[json.dumps({**lease, "updated": time.time()})],
        embeddings=[[0.0]],
    )
    store.publish_server(client, prefix, {"collection": f"{prefix}__b4", "build_id": "b4"})
    left = {c.name for c in client.list_collections()}
    assert f"{prefix}__b1" in left, "leased by a running server"
    assert f"{prefix}__b2" not in left
    assert {f"{prefix}__b3", f"{prefix}__b4"} <= left
    assert store.read_server_manifest(client, prefix)["build_id"] == "b4"
