"""Hand-off, the agents' inbox, the editors' console and staff login, over HTTP.

The app runs in-process (TestClient over https://testserver, so the Secure
cookie is sent back) on the real model and corpus, with its database on a real
PostgreSQL and notifications to a real aiosmtpd server.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import text

from assistant.accounts import hash_password
from assistant.settings import Settings
from tests.dbservers import create_database, postgres_server
from tests.integration.test_storage import PII, PII_COMMENT, PII_QUESTION, all_text, assert_no_pii
from tests.servers import free_port
from ui.server import create_app

pytestmark = pytest.mark.model

AGENT_PASSWORD = "mot-de-passe-agent-1"
EDITOR_PASSWORD = "mot-de-passe-editrice"
HTML = {"accept": "text/html"}


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def staff_settings(repo_settings: Settings, tmp_path_factory, smtp) -> Iterator[Settings]:
    users = " ".join(
        [
            f"agent1:agent:{hash_password(AGENT_PASSWORD)}",
            f"editrice:editor:{hash_password(EDITOR_PASSWORD)}",
        ]
    )
    with postgres_server() as pg:
        yield repo_settings.model_copy(
            update={
                "rate_limit_per_minute": 1000,
                "feedback_db": tmp_path_factory.mktemp("staff") / "unused.sqlite3",
                "database_url": create_database(pg.url),
                "staff_users": users,
                "secret_key": "un secret partagé par les répliques",
                "smtp_url": f"smtp://127.0.0.1:{smtp[1]}",
                "handoff_email": "conseillers@example.fr",
                "login_max_failures": 3,
                "reports_dir": tmp_path_factory.mktemp("reports"),
            }
        )


@pytest.fixture(scope="module")
def app(bot, staff_settings: Settings):
    return create_app(bot, staff_settings)


def client_of(app) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def login(app, name: str, password: str) -> TestClient:
    client = client_of(app)
    form = client.get("/staff/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    response = client.post(
        "/staff/login",
        data={"username": name, "password": password, "csrf": csrf, "next": "/agent/inbox"},
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def test_staff_pages_are_off_without_accounts(bot, repo_settings: Settings, tmp_path: Path) -> None:
    settings = repo_settings.model_copy(update={"feedback_db": tmp_path / "f.sqlite3"})
    client = client_of(create_app(bot, settings))
    assert client.get("/admin", headers=HTML).status_code == 404
    assert client.get("/agent/inbox").status_code == 404
    assert client.get("/agent").status_code == 200, "the public call-centre view is unchanged"


def test_unauthenticated_access_is_refused(app) -> None:
    client = client_of(app)
    page = client.get("/admin", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/staff/login?next=/admin"
    assert client.get("/agent/inbox").status_code == 401
    assert client.get("/agent/inbox/1").status_code == 401
    assert client.post("/agent/inbox/1/state", data={"state": "traite"}).status_code == 401
    forged = client_of(app)
    forged.cookies.set("oc_staff", "eyJrIjoicyIsInUiOiJhZ2VudDEifQ.c2lnbmF0dXJl")
    assert forged.get("/agent/inbox").status_code == 401, "an unsigned cookie is no session"


def test_login_sets_a_hardened_cookie_and_roles_are_enforced(app) -> None:
    client = client_of(app)
    form = client.get("/staff/login")
    assert "default-src 'self'; script-src 'self'" in form.headers["content-security-policy"]
    no_csrf = client.post("/staff/login", data={"username": "agent1", "password": AGENT_PASSWORD})
    assert no_csrf.status_code == 403
    csrf = csrf_of(client.get("/staff/login").text)
    ok = client.post(
        "/staff/login",
        data={
            "username": "agent1",
            "password": AGENT_PASSWORD,
            "csrf": csrf,
            "next": "//evil.example",
        },
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/agent/inbox", "no open redirect"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert client.get("/agent/inbox").status_code == 200
    assert client.get("/admin").status_code == 403, "an agent is not an editor"


def test_repeated_failures_lock_the_account(app) -> None:
    client = client_of(app)
    for _ in range(3):
        csrf = csrf_of(client.get("/staff/login").text)
        bad = client.post(
            "/staff/login", data={"username": "editrice", "password": "non", "csrf": csrf}
        )
        assert bad.status_code in (401, 429)
        assert "incorrect" in bad.text or "verrouillé" in bad.text
    csrf = csrf_of(client.get("/staff/login").text)
    locked = client.post(
        "/staff/login", data={"username": "editrice", "password": EDITOR_PASSWORD, "csrf": csrf}
    )
    assert locked.status_code == 429 and "verrouillé" in locked.text
    staff = app.state.staff
    with staff.db.session() as s:  # the lock is in the shared database; lift it for the next tests
        s.execute(text("DELETE FROM login_failures"))


def test_handoff_to_agent_inbox_with_notification(app, smtp, caplog) -> None:
    inbox, _ = smtp
    public = client_of(app)
    asked = public.post("/api/v1/ask", json={"question": "Combien pour la formation ?"}).json()
    body = {
        "transcript": [
            {"role": "user", "content": PII_QUESTION},
            {"role": "assistant", "content": "Les textes du plan ne le précisent pas."},
            {"role": "user", "content": "Combien pour la formation ?"},
            {"role": "assistant", "content": asked["answer"]},
        ],
        "sources": asked["citations"],
        "profile": {"org_type": "pme", "employees": 12},
        "consent": True,
        "email": "contact.pme@exemple.fr",
        "message": PII_COMMENT,
        "source": "widget",
    }
    created = public.post("/api/v1/handoff", json=body)
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["status"] == "nouveau" and "n° " in ticket["message"]
    assert public.get(f"/api/v1/handoff/{ticket['ticket']}").json()["status"] == "nouveau"
    assert public.get("/api/v1/handoff/nope").status_code == 404

    deadline = time.monotonic() + 20
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    mail = email.message_from_string(inbox.messages[-1], policy=email.policy.default)
    assert f"n° {ticket['number']}" in mail["subject"] and mail["to"] == "conseillers@example.fr"
    body_text = mail.get_content()
    assert f"/agent/inbox/{ticket['number']}" in body_text
    assert "contact.pme@exemple.fr" not in body_text, "contact details stay behind the login"
    assert_no_pii(body_text)

    agent = login(app, "agent1", AGENT_PASSWORD)
    listing = agent.get("/agent/inbox?state=nouveau")
    assert f"/agent/inbox/{ticket['number']}" in listing.text
    page = agent.get(f"/agent/inbox/{ticket['number']}")
    assert page.status_code == 200
    assert "contact.pme@exemple.fr" in page.text and "[TEL]" in page.text
    assert "Réponse suggérée" in page.text and "9 M€" in page.text, "built from the sources"
    assert PII["email"] not in page.text and PII["siret"] not in page.text
    csrf = csrf_of(page.text)
    assert (
        agent.post(f"/agent/inbox/{ticket['number']}/state", data={"state": "traite"}).status_code
        == 403
    ), "no CSRF token, no change"
    moved = agent.post(
        f"/agent/inbox/{ticket['number']}/state", data={"state": "traite", "csrf": csrf}
    )
    assert moved.status_code == 303
    noted = agent.post(
        f"/agent/inbox/{ticket['number']}/note",
        data={"text": "Rappelée, dossier transmis à AD'OCC", "csrf": csrf},
    )
    assert noted.status_code == 303
    page = agent.get(f"/agent/inbox/{ticket['number']}").text
    assert "traité" in page and "dossier transmis à AD&#39;OCC" in page
    assert public.get(f"/api/v1/handoff/{ticket['ticket']}").json()["status"] == "traite"
    assert_no_pii(all_text(app.state.staff.db))
    assert_no_pii(caplog.text)


def test_handoff_bad_input_is_refused_clearly(app) -> None:
    client = client_of(app)
    no_consent = client.post("/api/v1/handoff", json={"email": "a@exemple.fr"})
    assert no_consent.status_code == 422 and "consentement" in no_consent.json()["detail"]
    bad_email = client.post("/api/v1/handoff", json={"email": "pas-un-mail", "consent": True})
    assert bad_email.status_code == 422
    long_turn = {"transcript": [{"role": "user", "content": "x" * 8001}]}
    assert client.post("/api/v1/handoff", json=long_turn).status_code == 422
    huge = {"transcript": [{"role": "user", "content": "question " * 900}] * 20}
    too_big = client.post("/api/v1/handoff", json=huge)
    assert too_big.status_code == 413 and "volumineuse" in too_big.json()["detail"]
    anonymous = client.post("/api/v1/handoff", json={"transcript": [], "message": "Bonjour"})
    assert anonymous.status_code == 201, "anonymous requests are welcome"


def test_questions_reach_the_console_grouped_with_a_faq_draft(app, tmp_path: Path) -> None:
    client = client_of(app)
    uncovered = [
        "Quelle est la recette du cassoulet ?",
        "Comment cuisiner un cassoulet de Castelnaudary ?",
        "Donnez-moi la recette du cassoulet toulousain",
    ]
    for question in uncovered:
        assert client.post("/api/v1/ask", json={"question": question}).json()["refused"]
    client.post(
        "/api/v1/ask", json={"question": PII_QUESTION}, headers={"x-assistant-source": "widget"}
    )
    client.post("/api/v1/ask", json={"question": "Quel est le budget du plan ?"})
    staff = app.state.staff
    staff.qlog.flush()
    with staff.db.session() as s:
        rows = s.execute(text("SELECT source, question, client_hash FROM question_log")).all()
    assert {r.source for r in rows} >= {"api", "widget"}
    assert all(r.client_hash and r.client_hash != "testclient" for r in rows)
    assert_no_pii(all_text(staff.db))

    editor = login(app, "editrice", EDITOR_PASSWORD)
    console = editor.get("/admin")
    assert console.status_code == 200
    assert console.text.count("<svg") >= 3 and "Questions par jour" in console.text
    assert "Fraîcheur du corpus" in console.text
    match = re.search(
        r"<h3>([^<]*cassoulet[^<]*) <span class=\"st-count\">\((\d+) questions\)</span>.*?"
        r"faq-draft\?cluster=(\w+)",
        console.text,
        re.S,
    )
    assert match, "the cassoulet questions form one group"
    assert int(match[2]) >= 3
    draft = editor.get(f"/admin/faq-draft?cluster={match[3]}&format=yaml")
    assert draft.status_code == 200
    entries = yaml.safe_load(draft.text)
    assert "cassoulet" in entries[0]["question"]
    # the draft is in the corpus format: it loads as a FAQ file
    from assistant.ingest.loaders import load_faq

    faq = tmp_path / "draft.yaml"
    faq.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    documents, problems = load_faq(faq)
    assert not problems and len(documents) == 1


def test_database_down_chat_answers_and_handoff_says_unavailable(bot, staff_settings) -> None:
    """PostgreSQL stops: answers go on, hand-off is a clear 503, nothing acknowledged is lost."""
    with postgres_server() as pg:
        settings = staff_settings.model_copy(update={"database_url": create_database(pg.url)})
        app = create_app(bot, settings)
        client = client_of(app)
        before = client.post("/api/v1/handoff", json={"message": "Rappel souhaité"})
        assert before.status_code == 201
        assert client.get("/readyz").json()["dependencies"]["database"]["status"] == "ok"

        pg.stop()
        answer = client.post("/api/v1/ask", json={"question": "Combien pour la formation ?"})
        assert answer.status_code == 200 and "9 M€" in answer.json()["answer"]
        ready = client.get("/readyz")
        assert ready.status_code == 200, "a replica without database still answers"
        assert ready.json()["status"] == "degraded"
        assert ready.json()["dependencies"]["database"]["status"] == "down"
        down = client.post("/api/v1/handoff", json={"message": "Rappel souhaité"})
        assert down.status_code == 503 and "indisponible" in down.json()["detail"]

        pg.start()
        after = client.post("/api/v1/handoff", json={"message": "Rappel souhaité"})
        assert after.status_code == 201
        status = client.get(f"/api/v1/handoff/{before.json()['ticket']}")
        assert status.status_code == 200, "the ticket acknowledged before the outage is kept"
        assert after.json()["number"] == before.json()["number"] + 1
