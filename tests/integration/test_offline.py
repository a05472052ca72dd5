"""Everything offline: the app opens no connection beyond loopback, at start-up or answering.

In-process and cheap: ``socket.socket.connect`` and ``socket.getaddrinfo`` are
wrapped for the test, every attempt to reach (or even resolve) a non-loopback
address is recorded and refused (without a network, the DNS lookup is where an
outbound call first shows), and the threads
the app starts (Gradio's telemetry ran in one) are waited for before checking.
Gradio's telemetry is switched on in the environment, as an operator's shell
might have it: the app must turn it off itself.
"""

from __future__ import annotations

import ipaddress
import socket
import threading

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings

pytestmark = pytest.mark.model


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple):  # unix sockets
        return True
    try:
        return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
    except ValueError:  # a host name: it would need a DNS query first
        return str(address[0]) == "localhost"


def test_no_outbound_connection_at_start_up_or_while_answering(
    bot, repo_settings: Settings, tmp_path, monkeypatch
) -> None:
    from ui.server import create_app

    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(sock: socket.socket, address: object, _real=real_connect):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            attempts.append(address)
            raise OSError("outbound connection refused by the test")
        return _real(sock, address)

    def guarded_ex(sock: socket.socket, address: object):
        try:
            guarded(sock, address, real_connect_ex)
        except OSError:
            return 111
        return 0

    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "", "localhost") and not _is_loopback((name, 0)):
            attempts.append(name)
            raise socket.gaierror(socket.EAI_NONAME, "name resolution refused by the test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "True")
    before = set(threading.enumerate())
    settings = repo_settings.model_copy(
        update={"feedback_db": tmp_path / "feedback.sqlite3", "index_watch_seconds": 0}
    )
    with TestClient(create_app(bot, settings)) as client:
        assert client.get("/").status_code == 200
        assert client.get("/config").status_code == 200
        answer = client.post("/api/v1/ask", json={"question": "Combien pour la formation ?"})
        assert answer.status_code == 200 and "9 M€" in answer.json()["answer"]
        assert client.get("/api/v1/search", params={"q": "budget"}).status_code == 200
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)
    assert attempts == [], f"outbound connections attempted: {attempts}"
