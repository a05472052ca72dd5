"""``gradio_client`` against the running app, and the server's own HTTP surface."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_gradio_client_asks_the_running_app(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("Combien pour la formation ?", "fr", api_name="/ask")
    assert "9 M€" in result["answer"]
    assert result["citations"] and result["citations"][0]["n"] == 1
    info = client.view_api(return_format="dict", print_info=False)
    assert list(info["named_endpoints"]) == ["/ask"], "internal UI events stay private"


def test_running_server_routes(app_url: str) -> None:
    def get(path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(app_url + path, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    for path in ("/", "/agent", "/embed", "/widget.js", "/healthz", "/readyz", "/docs"):
        assert get(path)[0] == 200, path
    status, _, body = get("/gradio_api/file=/etc/passwd")
    assert status in (403, 404) and b"root:" not in body
    request = urllib.request.Request(
        app_url + "/api/v1/ask",
        data=json.dumps({"question": "Quel est le budget total ?"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["citations"]
