"""Real servers on loopback for tests: free ports, start, wait until ready, stop."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s ({last})")


@contextlib.contextmanager
def running(
    cmd: list[str], ready_url: str, timeout: float, log: Path, env=None
) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` until the block ends; its output goes to ``log`` (shown on failure)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            try:
                wait_http(ready_url, timeout, proc)
            except Exception:
                sys.stderr.write(log.read_text(errors="replace")[-3000:])
                raise
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """A real ``chroma run`` on loopback; yields its URL."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    url = f"http://127.0.0.1:{port}"
    cmd = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"{url}/api/v2/heartbeat", 60, path.parent / "chroma-server.log"):
        yield url
