"""Switch to a newly published index without a restart.

``assistant index`` publishes a build by moving ``index/current`` (or the live
record on a Chroma server) and prunes old builds. A server that kept answering
from its start-up build would eventually read a deleted folder (500 on every
answer, while ``/readyz`` still said ready). So every
``ASSISTANT_INDEX_WATCH_SECONDS`` a background thread:

1. refreshes this process's lease on the build it serves (``assistant.store.Lease``),
   which publishing never prunes;
2. when the live manifest names another build, opens it and builds a new
   ``Assistant`` on it (BM25 index, scope examples) in the background, then
   swaps it in with one assignment: requests already running finish on the
   old object, the next ones use the new one; then moves the lease.

A build that cannot be opened (half-written, wrong model) is logged and the
current one kept; the next tick tries again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from assistant import store

log = logging.getLogger(__name__)


class IndexWatcher:
    """Background thread keeping ``gate`` on the live build."""

    def __init__(self, gate: Any, settings: Any, interval: float) -> None:
        self.gate = gate
        self.settings = settings
        self.interval = interval
        self.lease = store.Lease(settings)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lease.hold(store.build_name(gate.live))

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="index-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.lease.release()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watcher must outlive any one bad build
                log.exception("index watch: check failed; keeping the current index")

    def check(self) -> bool:
        """One tick: switch if a new build is live; True when it switched."""
        current = self.gate.manifest or {}
        live = store.read_live_manifest(self.settings)
        if not live or live.get("build_id") == current.get("build_id"):
            self.lease.hold(store.build_name(self.gate.live))  # drops the previous build
            return False
        log.info("index watch: build %s published, loading it", live.get("build_id"))
        old = store.build_name(self.gate.live)
        embedder = self.gate.embedder
        try:
            opened = store.open_live_index(self.settings, store.ProjectEmbeddingFunction(embedder))
            # hold both while switching: requests running on the old build finish on it
            self.lease.hold(old, store.build_name(opened))
            fresh = self.gate.unwrapped.with_index(opened)
        except Exception:
            self.lease.hold(old)
            raise
        self.gate.swap(fresh)
        log.info("index watch: now serving build %s", opened.manifest.get("build_id"))
        return True
