"""The acceptance flow in Chromium, on a real ``assistant serve`` with staff accounts.

A citizen asks an uncovered question in the widget, asks for an adviser and
leaves an e-mail; an agent logs in, sees the ticket with the transcript and
marks it treated; an editor logs in and sees the question in the unanswered
group, with a drafted FAQ entry.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistant.accounts import hash_password
from assistant.settings import Settings
from tests.e2e.conftest import ask_chat, screenshot
from tests.servers import free_port, running

pytestmark = [pytest.mark.slow, pytest.mark.model]

AGENT = ("conseiller", "mot-de-passe-conseiller")
EDITOR = ("editrice", "mot-de-passe-editrice")
UNCOVERED = "Quelle est la recette du cassoulet ?"


@pytest.fixture(scope="module")
def staff_url(e2e_settings: Settings, tmp_path_factory) -> Iterator[str]:
    """``assistant serve`` with an agent and an editor account (SQLite database)."""
    root = tmp_path_factory.mktemp("staff-e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    users = (
        f"{AGENT[0]}:agent:{hash_password(AGENT[1])} {EDITOR[0]}:editor:{hash_password(EDITOR[1])}"
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_CORPUS_DIR": str(e2e_settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(e2e_settings.index_dir),
        "ASSISTANT_CHROMA_URL": "",
        "ASSISTANT_FEEDBACK_DB": str(root / "assistant.sqlite3"),
        "ASSISTANT_DATABASE_URL": "",
        "ASSISTANT_STAFF_USERS": users,
        "ASSISTANT_SECRET_KEY": "secret de test des navigateurs",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "10000",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    cmd = [str(Path(sys.executable).with_name("assistant")), "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port)]
    with running(cmd, f"{url}/readyz", 180, root / "server.log", env=env):
        yield url


def new_page(browser, base_url: str):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, base_url=base_url
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def log_in(page, who: tuple[str, str], target: str) -> None:
    page.goto(target)
    expect(page).to_have_url(f"{page.url.split('/staff')[0]}/staff/login?next={target}")
    page.get_by_label("Identifiant").fill(who[0])
    page.get_by_label("Mot de passe").fill(who[1])
    page.get_by_role("button", name="Se connecter").click()


def test_widget_handoff_then_agent_then_editor(browser, staff_url: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    # -- the citizen, in the widget -------------------------------------------------------
    citizen = new_page(browser, staff_url)
    citizen.goto("/embed")
    ask_chat(citizen, UNCOVERED)
    offer = citizen.locator(".msg.assistant .offer-button")
    expect(offer).to_be_visible()
    offer.click()
    citizen.get_by_label("E-mail (facultatif)").fill("habitant@exemple.fr")
    citizen.get_by_label("J'accepte que la Région conserve").check()
    citizen.get_by_role("button", name="Envoyer la demande").click()
    done = citizen.locator(".msg.handoff-done")
    expect(done).to_contain_text("est transmise à un conseiller")
    screenshot(citizen, "widget-handoff")
    citizen.context.close()

    # -- the agent ------------------------------------------------------------------------
    agent = new_page(browser, staff_url)
    log_in(agent, AGENT, "/agent/inbox")
    expect(agent.get_by_role("heading", name="Demandes de conseiller")).to_be_visible()
    row = agent.locator("tr.st-ticket", has_text="cassoulet")
    expect(row).to_contain_text("nouveau")
    row.get_by_role("link").click()
    expect(agent.locator(".st-transcript")).to_contain_text("cassoulet")
    expect(agent.get_by_text("habitant@exemple.fr")).to_be_visible()
    agent.get_by_label("État").select_option("traite")
    agent.get_by_role("button", name="Changer l'état").click()
    expect(agent.locator("h1 .st-state")).to_have_text("traité")
    assert not Axe().run(agent).violations_count, Axe().run(agent).generate_report()
    screenshot(agent, "agent-ticket")
    agent.context.close()

    # -- the editor -----------------------------------------------------------------------
    editor = new_page(browser, staff_url)
    log_in(editor, EDITOR, "/admin")
    group = editor.locator(".st-cluster", has_text="cassoulet")
    expect(group).to_be_visible()
    assert editor.locator("svg.st-chart").count() == 3
    screenshot(editor, "admin-console")
    results = Axe().run(editor)
    assert not results.violations_count, results.generate_report()
    group.get_by_role("link", name="Rédiger une entrée de FAQ").click()
    draft = editor.get_by_label("Entrée YAML (format du corpus)")
    expect(draft).to_contain_text("question:")
    expect(draft).to_contain_text("cassoulet")
    editor.context.close()
