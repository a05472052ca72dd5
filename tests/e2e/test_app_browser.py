"""The web app in headless Chromium: chat, call-centre view, widget, XSS, accessibility."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import XSS_QUESTION, ask_chat, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.model]

#: Names every visible control must have (what a screen reader announces).
ACCESSIBLE_NAMES_JS = """
() => {
  const controls = document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, a[href], [role=button], [role=tab], [role=radio]'
  );
  const nameOf = (el) => {
    const aria = el.getAttribute('aria-label');
    if (aria && aria.trim()) return aria;
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const text = by.split(/\\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ');
      if (text.trim()) return text;
    }
    if (el.labels && el.labels.length) {
      const text = Array.from(el.labels).map((l) => l.textContent).join(' ');
      if (text.trim()) return text;
    }
    if (el.title && el.title.trim()) return el.title;
    if (['BUTTON', 'A'].includes(el.tagName) || el.getAttribute('role')) {
      if (el.textContent.trim()) return el.textContent;
      const img = el.querySelector('img[alt], svg[aria-label]');
      if (img) return img.getAttribute('alt') || img.getAttribute('aria-label');
    }
    if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type) && el.value) return el.value;
    return '';
  };
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  return Array.from(controls)
    .filter(visible)
    .filter((el) => !nameOf(el).trim())
    .map((el) => el.outerHTML.slice(0, 160));
}
"""

#: Elements an injected payload would have created if any markup got through.
INJECTED_JS = """
() => document.querySelectorAll(
  "img[src='x'], svg[onload], [onerror], [onload], a[href^='javascript:']"
).length
"""

STYLE_PROPS = [
    "font-family",
    "font-size",
    "color",
    "background-color",
    "margin-top",
    "line-height",
    "display",
]
STYLES_JS = f"""
() => {{
  const out = {{}};
  for (const sel of ['body', '#h', '#p', '#d', '#b']) {{
    const cs = getComputedStyle(document.querySelector(sel));
    out[sel] = {STYLE_PROPS!r}.map((p) => cs.getPropertyValue(p));
  }}
  return out;
}}
"""


# -- chat -------------------------------------------------------------------------
def test_chat_answers_with_a_citation_card(page) -> None:
    page.goto("/")
    ask_chat(page, "Combien pour la formation ?")
    card = page.locator("#oc-chatbot .oc-card").first
    card.wait_for()
    assert "[1]" in card.inner_text()
    assert "9 M€" in page.locator("#oc-chatbot").inner_text()
    disclaimer = page.locator("#oc-disclaimer").inner_text()
    assert "automatisé" in disclaimer and "Sources à jour au" in disclaimer
    screenshot(page, "chat")
    # the conversation is kept for this browser across a reload, and can be reset
    page.reload()
    page.locator("#oc-chatbot .oc-card").first.wait_for()
    page.get_by_role("button", name="Nouvelle conversation").click()
    # a locator wait, not wait_for_function: the page's CSP forbids the eval it relies on
    page.locator("#oc-chatbot .oc-card").first.wait_for(state="detached")


def test_chat_feedback_is_stored(page, e2e_settings) -> None:
    from assistant.feedback import FeedbackStore

    page.goto("/")
    ask_chat(page, "Quel est le budget total du plan ?")
    page.locator("#oc-chatbot .oc-card").first.wait_for()
    # Gradio translates its own labels to the browser's language
    expect(page.get_by_label("E-mail (facultatif)")).to_be_hidden()  # folded until asked for
    page.get_by_role("button", name=re.compile("Je n'aime pas|Dislike")).last.click()
    # 👎 also offers an adviser: the hand-off form unfolds with a word about it
    expect(page.locator("#oc-handoff-status")).to_contain_text("parler à un conseiller")
    expect(page.get_by_label("E-mail (facultatif)")).to_be_visible()
    comment = page.get_by_label("Un commentaire ?")
    comment.fill("Il manque le calendrier.")
    comment.press("Enter")
    deadline = time.monotonic() + 10
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = [r for r in FeedbackStore(e2e_settings.feedback_db).rows() if r["comment"]]
        if rows:
            break
        time.sleep(0.2)
    assert rows and rows[-1]["rating"] == -1
    assert rows[-1]["question"] == "Quel est le budget total du plan ?"
    assert rows[-1]["comment"] == "Il manque le calendrier."


def test_chat_switches_to_english(page) -> None:
    page.goto("/")
    page.get_by_label("English").check()
    page.get_by_label("Your question").wait_for()
    assert "Automated assistant" in page.locator("#oc-disclaimer").inner_text()
    ask_chat_en = page.get_by_label("Your question")
    ask_chat_en.fill("What is the total budget of the plan?")
    ask_chat_en.press("Enter")
    page.locator("#oc-chatbot .oc-card").first.wait_for()


def test_chat_eligibility_form_gives_verdicts(page) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Éligibilité").click()
    page.get_by_label("Type d'organisation").click()
    page.get_by_role("option", name="Entreprise", exact=True).click()
    page.get_by_label("Secteur d'activité").click()
    page.get_by_role("option", name="Santé").click()
    page.get_by_label("Effectif (personnes)").fill("12")
    page.get_by_label("Département").click()
    page.get_by_role("option", name="34 — Hérault").click()
    page.get_by_role("button", name="Vérifier mon éligibilité").click()
    verdicts = page.locator("#oc-elig-result .oc-verdict")
    verdicts.first.wait_for()
    text = page.locator("#oc-elig-result").inner_text()
    assert "correspond" in text and "Sources" in text


def test_chat_controls_are_labelled_and_work_with_the_keyboard(page) -> None:
    page.goto("/")
    page.get_by_label("Votre question").wait_for()
    assert page.evaluate(ACCESSIBLE_NAMES_JS) == []
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#oc-question') !== null"):
            break
    else:
        pytest.fail("the question box cannot be reached with Tab")
    page.keyboard.type("Qui contacter à la Région ?")
    page.keyboard.press("Enter")
    page.locator("#oc-chatbot .oc-answer").first.wait_for()


# -- call-centre view ---------------------------------------------------------------
def test_agent_view_answers_on_enter_and_copies(page) -> None:
    page.goto("/agent")
    assert page.evaluate("document.activeElement.id") == "q", "focus starts in the search box"
    page.keyboard.type("budget formation")
    page.keyboard.press("Enter")
    page.locator("#passages li").first.wait_for()
    assert page.locator("#passages mark").count() > 0, "matching terms are highlighted"
    assert "9 M€" in page.locator("#answer").inner_text()
    assert page.locator("#facts .fact").count() >= 1, "envelope fact cards"
    # a second search replaces the results and says how long it took (its speed is
    # measured by bench/query.py, not asserted here)
    page.locator("#q").fill("montant de la recherche")
    page.keyboard.press("Enter")
    # (no wait_for_function here: the page's CSP forbids the eval it relies on)
    expect(page.locator("#status")).to_contain_text(" ms")
    expect(page.locator("#passages")).to_contain_text("recherche", ignore_case=True)
    assert int(page.locator("#results").get_attribute("data-ms")) >= 0
    # keyboard only: Tab to the copy button, Enter
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "copy":
            break
    page.keyboard.press("Enter")
    page.get_by_text("Réponse copiée.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Sources :" in copied and "[1]" in copied
    screenshot(page, "agent")


def test_agent_view_filters_by_envelope(page) -> None:
    page.goto("/agent")
    page.locator("#envelope option[value='recherche']").wait_for(state="attached")
    page.get_by_label("Filtrer par enveloppe").select_option("recherche")
    page.locator("#q").fill("montant")
    page.locator("#q").press("Enter")
    page.locator("#facts .fact").first.wait_for()
    assert "recherche" in page.locator("#facts").inner_text().lower()


def test_agent_view_and_embed_controls_are_labelled(page) -> None:
    page.goto("/agent")
    page.locator("#q").fill("budget")
    page.locator("#q").press("Enter")
    page.locator("#passages li").first.wait_for()
    assert page.evaluate(ACCESSIBLE_NAMES_JS) == []
    page.goto("/embed?lang=en")
    page.get_by_label("Your question").fill("budget")
    page.get_by_label("Your question").press("Enter")
    page.locator(".msg.assistant .sources li").first.wait_for()
    assert page.evaluate(ACCESSIBLE_NAMES_JS) == []


# -- widget -------------------------------------------------------------------------
def test_widget_opens_answers_and_leaves_the_host_page_alone(page, host_site: str) -> None:
    page.goto(f"{host_site}/control.html")
    baseline_styles = page.evaluate(STYLES_JS)
    baseline_globals = set(page.evaluate("Object.keys(window)"))

    page.goto(f"{host_site}/with-widget.html")
    opener = page.get_by_role("button", name="Ouvrir l'assistant")
    opener.click()
    assert opener.get_attribute("aria-expanded") == "true"
    frame = page.frame_locator("iframe[title='Aide Plan IA']")
    box = frame.get_by_label("Votre question")
    box.fill("Quel est le budget total du plan ?")
    box.press("Enter")
    frame.locator(".msg.assistant .sources li").first.wait_for()
    assert "60 M€" in frame.locator("#log").inner_text()
    screenshot(page, "widget")

    assert page.evaluate(STYLES_JS) == baseline_styles, "host page styles changed"
    assert set(page.evaluate("Object.keys(window)")) == baseline_globals, "globals leaked"
    assert page.evaluate("window.hostValue") == 42
    assert page.evaluate("document.styleSheets.length") == 1, "no stylesheet added to the host"
    # Escape inside the iframe closes the panel and gives focus back to the button
    box.press("Escape")
    page.wait_for_function(
        "document.querySelector('occitanie-ia-widget').shadowRoot"
        ".querySelector('.panel').hidden === true"
    )


# -- hostile content ----------------------------------------------------------------
def _assert_inert(page) -> None:
    page.wait_for_timeout(500)  # let any injected onerror/onload fire
    assert page.dialogs == [], f"a script ran: {page.dialogs}"
    assert page.evaluate(INJECTED_JS) == 0


def test_xss_in_question_and_corpus_renders_as_text_in_chat(page) -> None:
    page.goto("/")
    ask_chat(page, XSS_QUESTION)
    page.locator("#oc-chatbot .oc-answer").first.wait_for()
    text = page.locator("#oc-chatbot").inner_text()
    assert "<img src=x onerror=alert('question')>" in text  # the question, as typed
    # the corpus's HTML was reduced to text at ingestion: the title, never its tag
    assert "Jardins xylophoniques" in text and "alert('title')" not in text
    page.locator("#oc-chatbot details summary").first.click()
    _assert_inert(page)


def test_xss_renders_as_text_in_agent_view_and_embed(page) -> None:
    page.goto("/agent")
    page.locator("#q").fill(XSS_QUESTION)
    page.locator("#q").press("Enter")
    page.locator("#passages li").first.wait_for()
    passages = page.locator("#passages").inner_text()
    assert "xylophoniques" in passages and "alert('body')" not in passages
    _assert_inert(page)

    page.goto("/embed")
    page.get_by_label("Votre question").fill(XSS_QUESTION)
    page.get_by_label("Votre question").press("Enter")
    page.locator(".msg.assistant .sources li").first.wait_for()
    assert "<img src=x onerror=alert('question')>" in page.locator("#log").inner_text()
    _assert_inert(page)
