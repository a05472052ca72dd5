"""The web app end to end: one real server and one Chromium for the whole session.

The server runs ``assistant serve`` on a copy of the repository corpus plus one
hostile document (HTML and script in its title, headings and text), indexed
incrementally from ``var/test-index`` so only that document is embedded. A
second loopback port serves a "host site" page that embeds the widget.
Screenshots go to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from tests.conftest import REPO_CORPUS, REPO_TEST_INDEX
from tests.servers import free_port, running

CHROMIUM = Path(os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = PROJECT_ROOT / "screenshots"

#: A corpus document written by an attacker: every field carries markup.
HOSTILE_ID = "zz-hostile-xss"
HOSTILE_DOC = """\
---
id: zz-hostile-xss
title: "Jardins xylophoniques <img src=x onerror=alert('title')>"
audience: tous
topic: plan
envelope: null
language: fr
confidence: confirmed
last_reviewed: 2024-07-11
sources:
  - title: "Source <script>alert('source')</script>"
    publisher: "test"
    date: "2024-07"
    url: "https://example.org/?q=\\"><img src=x onerror=alert('url')>"
---
# Jardins xylophoniques <script>alert('h1')</script>

## Le programme <svg onload=alert('h2')>

Le Plan IA Occitanie finance les jardins xylophoniques <img src=x onerror=alert('body')>
pour initier les écoliers à l'intelligence artificielle. <a href="javascript:alert('link')">lien</a>
"""
XSS_QUESTION = "<img src=x onerror=alert('question')> Que sont les jardins xylophoniques ?"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y chromium (see `make browsers`)",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory, repo_settings: Settings, embedder) -> Settings:
    """Repository corpus + the hostile document, indexed from a copy of the test index."""
    from assistant.indexer import build_index

    root = tmp_path_factory.mktemp("e2e")
    corpus = root / "corpus"
    shutil.copytree(REPO_CORPUS, corpus)
    (corpus / "plan" / f"{HOSTILE_ID}.md").write_text(HOSTILE_DOC, encoding="utf-8")
    index = root / "index"
    shutil.copytree(REPO_TEST_INDEX, index, symlinks=True)
    settings = Settings(
        corpus_dir=corpus,
        index_dir=index,
        chroma_url=None,
        feedback_db=root / "feedback.sqlite3",
    )
    build_index(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def app_url(e2e_settings: Settings, host_port: int, tmp_path_factory) -> Iterator[str]:
    """``assistant serve`` on loopback, started once for every browser test."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_CORPUS_DIR": str(e2e_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(e2e_settings.index_dir),
        "ASSISTANT_CHROMA_URL": "",
        "ASSISTANT_FEEDBACK_DB": str(e2e_settings.feedback_db),
        "ASSISTANT_EMBED_ORIGINS": f"http://127.0.0.1:{host_port}",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "10000",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    cmd = [str(Path(sys.executable).with_name("assistant")), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    log = tmp_path_factory.mktemp("logs") / "app-server.log"
    # loading the model takes ~20 s alone, minutes on a shared 2-core machine
    ready = float(os.environ.get("ASSISTANT_TEST_SERVER_TIMEOUT", "600"))
    with running(cmd, f"{url}/readyz", ready, log, env=env):
        yield url


def host_page(app_url: str, widget: bool) -> str:
    """A host site with its own styles and a global, to check the widget leaks nothing."""
    script = (
        f'<script src="{app_url}/widget.js" defer data-lang="fr" data-position="right" '
        'data-colour="#00558c" data-title="Aide Plan IA"></script>'
        if widget
        else ""
    )
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Site hôte</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ font-family: Georgia, serif; color: rgb(20, 40, 60); background: rgb(250, 245, 230); }}
  h1 {{ font-size: 40px; color: rgb(120, 0, 0); }}
  button {{ background: rgb(0, 128, 0); font-size: 18px; }}
  div, p {{ margin: 7px; line-height: 1.7; }}
</style>
<script>window.hostValue = 42;</script>
</head><body>
<h1 id="h">Commune de test</h1>
<p id="p">Bienvenue sur le site de la commune.</p>
<div id="d">Un bloc</div><button id="b" type="button">Bouton du site</button>
{script}
</body></html>"""


@pytest.fixture(scope="session")
def host_site(app_url: str, host_port: int, tmp_path_factory) -> Iterator[str]:
    """Serve ``with-widget.html`` and ``control.html`` from another origin."""
    root = tmp_path_factory.mktemp("host-site")
    (root / "with-widget.html").write_text(host_page(app_url, True), encoding="utf-8")
    (root / "control.html").write_text(host_page(app_url, False), encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", host_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{host_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str):
    """A fresh context (own storage) whose dialogs are recorded: any dialog is an XSS."""
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, base_url=app_url
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # A CSP that blocks part of a page breaks it silently: make it loud.
    blocked: list[str] = []
    page.on(
        "console",
        lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    # generous: CI shares 2 cores with the model, and Gradio's first load is slow
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    yield page
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


def ask_chat(page, question: str) -> None:
    """Type ``question`` in the page's "Votre question" box (chat or widget) and press Enter."""
    box = page.get_by_label("Votre question")
    box.fill(question)
    box.press("Enter")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
