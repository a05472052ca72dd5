"""What people see, in Chromium, as four kinds of users would (issue 13).

SME owner on a 390x844 phone, citizen on a 1280x900 desktop, call-centre agent
on /agent, the Région's web team embedding the widget. One server and one
browser for the whole session (``tests/e2e/conftest.py``); no timed assertion:
speed is measured in ``bench/``. axe-core (axe-playwright-python) checks every
page in both languages: no serious or critical violation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, ask_chat

pytestmark = [pytest.mark.slow, pytest.mark.model]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: What no page may show: internal codes of the corpus and the engine.
INTERNAL = re.compile(r"seed-only|adoption_ia|non-precise|filiere-rd|secteurs-cles")
#: Where `make screenshots` writes the README's gallery (else screenshots/, git-ignored).
GALLERY = Path(os.environ.get("ASSISTANT_SCREENSHOTS_DIR") or SCREENSHOTS)

#: The order in which the question bubble, the "searching" state and the answer appear.
RECORD_JS = """
() => {
  window.__ocSeen = [];
  const note = (name, ok) => { if (ok && !window.__ocSeen.includes(name)) window.__ocSeen.push(name); };
  new MutationObserver(() => {
    const chat = document.getElementById('oc-chatbot');
    if (!chat) return;
    note('question', chat.querySelector('.oc-question'));
    note('searching', chat.querySelector('.oc-searching'));
    note('answer', chat.querySelector('.oc-answer:not(.oc-searching)'));
  }).observe(document.body, { childList: true, subtree: true });
}
"""


def _context(browser, app_url: str, viewport: dict, locale: str = "fr-FR"):
    phone = viewport["width"] < 600
    return browser.new_context(
        locale=locale,
        viewport=viewport,
        base_url=app_url,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
    )


@pytest.fixture
def open_page(browser, app_url: str) -> Iterator:
    """``open_page(viewport)`` → a page in a fresh context (closed after the test)."""
    contexts = []

    def make(viewport: dict = DESKTOP):
        context = _context(browser, app_url, viewport)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.set_default_navigation_timeout(60_000)
        return page

    yield make
    for context in contexts:
        context.close()


def _serious(page, context=None) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        f"{[(n['target'], n.get('failureSummary', '')[:160]) for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def _shot(page, name: str) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GALLERY / f"{name}.png"), full_page=False)


def _english(page) -> None:
    page.get_by_label("English").check()
    page.get_by_label("Your question").wait_for()


# -- 1. sources ---------------------------------------------------------------------
def test_source_cards_read_as_sources_and_open(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/")
    ask_chat(page, "Quel est le budget total du plan ?")
    cards = page.locator("#oc-chatbot .oc-answer .oc-card")
    cards.first.wait_for()
    links = page.locator("#oc-chatbot .oc-card a[href^='https://']")
    assert links.count() >= 1, "a source card has a link"
    href = links.first.get_attribute("href")
    assert re.match(r"https://[\w.-]+\.(fr|com)/", href or "")
    assert links.first.get_attribute("target") == "_blank"
    titles = page.locator("#oc-chatbot .oc-card-title strong").all_inner_texts()
    assert titles and not any(t.rstrip().endswith("?") for t in titles)
    text = page.locator("#oc-chatbot").inner_text()
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert re.search(
        r"Fiabilité : (confirmé par plusieurs sources|une seule source|à vérifier)", text
    )
    # [1] is a link that highlights its card and opens its excerpt
    page.locator("#oc-chatbot a.oc-ref").first.click()
    expect(page.locator("#oc-chatbot .oc-card.oc-highlight")).to_have_count(1)
    expect(
        page.locator("#oc-chatbot .oc-card.oc-highlight details.oc-excerpt-box")
    ).to_have_attribute("open", "")
    _shot(page, "chat-desktop")


def test_source_cards_in_english(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/")
    _english(page)
    box = page.get_by_label("Your question")
    box.fill("How much money is in the Occitanie AI plan?")
    box.press("Enter")
    page.locator("#oc-chatbot .oc-answer .oc-card").first.wait_for()
    text = page.locator("#oc-chatbot").inner_text()
    assert "Reliability" in text and "Fiabilité" not in text
    assert "non datée" not in text and not INTERNAL.search(text)


# -- 2. chat on a phone ----------------------------------------------------------------
def test_phone_chat_shows_the_question_at_once_and_the_answer_from_its_start(open_page) -> None:
    page = open_page(PHONE)
    page.goto("/")
    page.get_by_label("Votre question").wait_for()
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.evaluate("window.scrollY") == 0, "no autofocus scroll: title and disclaimer show"
    title = page.locator("#oc-title").bounding_box()
    assert title and title["width"] > 300, "the header stacks: the title is not squeezed"
    send = page.locator("#oc-send")
    assert send.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(181, 18, 27)"
    sizes = page.locator(".oc-example").evaluate_all(
        "bs => bs.map(b => parseFloat(getComputedStyle(b).fontSize))"
    )
    assert sizes and min(sizes) >= 14
    assert page.locator("#oc-chatbot [aria-label='Conversation avec l\\'assistant']").count() >= 1
    page.evaluate(RECORD_JS)
    ask_chat(page, "Quel budget pour la recherche en IA ?")
    page.locator("#oc-chatbot .oc-question").first.wait_for()
    page.locator("#oc-chatbot .oc-answer:not(.oc-searching) .oc-card").first.wait_for()
    seen = page.evaluate("window.__ocSeen")
    assert seen[:2] == ["question", "searching"] and "answer" in seen, seen
    assert "14 M€" in page.locator("#oc-chatbot").inner_text()
    # the answer's first line is in view in the conversation box (not its last source)
    answer = page.locator("#oc-chatbot .oc-answer:not(.oc-searching) .oc-text").last
    expect(answer).to_be_in_viewport()
    _shot(page, "chat-phone")


def test_chat_language_switch_sets_lang_and_labels(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/")
    _english(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("#oc-chatbot [aria-label='Conversation with the assistant']").count() >= 1


def test_chat_eligibility_details_fold_under_the_summary(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/")
    ask_chat(page, "Je suis une PME de santé de 12 salariés à Montpellier, suis-je éligible ?")
    answer = page.locator("#oc-chatbot .oc-answer:not(.oc-searching)").last
    answer.wait_for()
    details = answer.locator("details.oc-details")
    expect(details).to_have_count(1)
    assert details.get_attribute("open") is None, "collapsed under the summary"
    details.locator("summary").first.click()
    assert answer.locator(".oc-verdict").count() >= 1


# -- 3. agent view -----------------------------------------------------------------------
@pytest.mark.parametrize("width", [1280, 1024])
def test_agent_view_top_passages_no_boilerplate_and_layout(open_page, width: int) -> None:
    page = open_page({"width": width, "height": 900})
    page.goto("/agent")
    label = page.locator("label[for=envelope]").bounding_box()
    select = page.locator("#envelope").bounding_box()
    assert label and select and abs(label["y"] - select["y"]) < select["height"], "label by select"
    assert select["x"] + select["width"] <= width
    page.locator("#q").fill("date adoption")
    page.locator("#q").press("Enter")
    expect(page.locator("#passages li")).to_have_count(5)
    assert "11 juillet 2024" in page.locator("#answer").inner_text()
    assert "Prochaine étape" not in page.locator("#answer").inner_text()
    assert not INTERNAL.search(page.locator("#results").inner_text())
    # asked for: the next step is there
    page.locator("#q").fill("qui contacter pour déposer un projet ?")
    page.locator("#q").press("Enter")
    expect(page.locator("#answer")).to_contain_text("AD'OCC")
    if width == 1280:
        _shot(page, "agent")


def test_agent_view_filter_never_makes_the_answer_worse(open_page) -> None:
    page = open_page(DESKTOP)
    page.goto("/agent")
    page.locator("#envelope option[value='recherche']").wait_for(state="attached")
    page.get_by_label("Filtrer par enveloppe").select_option("recherche")
    page.locator("#q").fill("plafond subvention")
    page.locator("#q").press("Enter")
    expect(page.locator("#notice")).to_contain_text("sans filtre")
    answer = page.locator("#answer").inner_text()
    assert "précis" in answer, answer  # "les textes ne précisent pas", not an unrelated figure
    assert "4 M€" not in answer


# -- 4. widget -------------------------------------------------------------------------------
def _widget_frame(page):
    opener = page.get_by_role("button", name="Ouvrir l'assistant")
    opener.click()
    return page.frame_locator("iframe[title='Aide Plan IA']")


def test_widget_phone_full_screen_kept_for_the_tab_with_copy_and_feedback(
    open_page, host_site: str, e2e_settings
) -> None:
    from assistant.feedback import FeedbackStore

    page = open_page(PHONE)
    page.goto(f"{host_site}/with-widget.html")
    frame = _widget_frame(page)
    panel = page.locator("occitanie-ia-widget .panel")  # Playwright pierces the shadow root
    box = panel.bounding_box()
    assert box and box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"
    question = frame.get_by_label("Votre question")
    question.fill("Combien pour la formation ?")
    question.press("Enter")
    frame.locator(".msg.assistant .sources li").first.wait_for()
    assert "9 M€" in frame.locator("#log").inner_text()
    assert frame.locator(".msg.assistant .sources a[href^='https://']").count() >= 1
    _shot(page, "widget-phone")
    frame.get_by_role("button", name="Réponse utile").click()
    expect(frame.locator(".actions .status")).to_contain_text("Merci")
    rows = [r for r in FeedbackStore(e2e_settings.feedback_db).rows() if r["source"] == "widget"]
    assert rows and rows[-1]["question"] == "Combien pour la formation ?"
    frame.get_by_role("button", name="Copier la réponse").click()
    expect(frame.locator(".actions .status")).to_contain_text("copiée")
    # the host page reloads: the conversation is still there for this tab
    page.reload()
    frame = _widget_frame(page)
    expect(frame.locator("#log")).to_contain_text("Combien pour la formation ?")
    expect(frame.locator("#log")).to_contain_text("9 M€")
    frame.get_by_role("button", name="Nouvelle conversation").click()
    page.reload()
    frame = _widget_frame(page)
    frame.get_by_label("Votre question").wait_for()
    expect(frame.locator("#log .msg")).to_have_count(0)
    # closing gives the host page its scroll back
    frame.get_by_label("Votre question").press("Escape")
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") != "hidden"


def test_widget_citation_links_focus_and_show_their_source(open_page) -> None:
    """[1] in a widget answer takes the reader (mouse or keyboard) to source 1."""
    page = open_page(DESKTOP)
    page.goto("/embed")
    page.get_by_label("Votre question").fill("Combien pour la formation ?")
    page.get_by_label("Votre question").press("Enter")
    first_source = page.locator(".msg.assistant .sources li").first
    first_source.wait_for()
    title = first_source.locator("strong").inner_text()
    ref = page.locator(".msg.assistant .text").get_by_role("link", name=f"Source 1 : {title}")
    expect(ref.first).to_have_text("[1]")
    ref.first.click()
    expect(first_source).to_be_focused()
    expect(first_source).to_be_in_viewport()
    # by keyboard: the link takes focus like any link, Enter follows it
    page.get_by_label("Votre question").focus()
    ref.first.focus()
    expect(ref.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(first_source).to_be_focused()
    assert _serious(page) == []


def test_widget_in_english_says_everything_in_english(open_page, app_url: str) -> None:
    page = open_page(DESKTOP)
    page.goto("/embed?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Your question").fill("What is the total budget of the plan?")
    page.get_by_label("Your question").press("Enter")
    page.locator(".msg.assistant .sources li").first.wait_for()
    text = page.locator("body").inner_text()
    assert "Copy the answer" in text and "Open the source" in text
    assert "Nouvelle conversation" not in text and "Fiabilité" not in text
    assert not INTERNAL.search(text)


# -- 5. form -----------------------------------------------------------------------------------
def _form(page) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Éligibilité").click()
    page.get_by_label("Type d'organisation").wait_for()


def test_form_blank_numbers_sorted_verdicts_and_phone_layout(open_page) -> None:
    page = open_page(PHONE)
    _form(page)
    page.get_by_label("Type d'organisation").click()
    page.get_by_role("option", name="Entreprise", exact=True).click()
    page.get_by_label("Année de création").fill("2021")
    dept = page.locator("#oc-elig-dept").bounding_box()
    assert dept and dept["width"] >= 0.8 * PHONE["width"], "the département field is not cut"
    page.get_by_role("button", name="Vérifier mon éligibilité").click()
    result = page.locator("#oc-elig-result")
    result.locator(".oc-verdict").first.wait_for()
    text = result.inner_text()
    assert "micro" not in text.lower(), "blank turnover and balance sheet are unknown, not 0 €"
    badges = result.locator(".oc-sources").first.locator(".oc-badge").all_inner_texts()
    order = {"correspond": 0, "à vérifier": 1}
    assert [order[b] for b in badges] == sorted(order[b] for b in badges)
    no_match = result.locator("details.oc-no-match")
    if no_match.count():
        assert no_match.get_attribute("open") is None, "non-matches are collapsed"
    result.scroll_into_view_if_needed()
    _shot(page, "form-phone")


# -- 6. accessibility --------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_serious_accessibility_violation(open_page, lang: str) -> None:
    page = open_page(DESKTOP)
    page.goto("/")
    if lang == "en":
        _english(page)
    box = page.get_by_label("Votre question" if lang == "fr" else "Your question")
    box.fill("Budget total du plan ?" if lang == "fr" else "What is the total budget?")
    box.press("Enter")
    page.locator("#oc-chatbot .oc-answer:not(.oc-searching)").first.wait_for()
    assert _serious(page) == [], f"/ ({lang})"
    page.get_by_role("tab", name="Éligibilité" if lang == "fr" else "Eligibility").click()
    button = "Vérifier mon éligibilité" if lang == "fr" else "Check my eligibility"
    page.get_by_role("button", name=button).click()
    page.locator("#oc-elig-result .oc-verdict").first.wait_for()
    assert _serious(page) == [], f"form ({lang})"
    page.goto("/agent")
    page.locator("#q").fill("budget formation")
    page.locator("#q").press("Enter")
    page.locator("#passages li").first.wait_for()
    assert _serious(page) == [], "/agent"
    page.goto(f"/embed?lang={lang}")
    page.locator("#q").fill("budget")
    page.locator("#q").press("Enter")
    page.locator(".msg.assistant .sources li").first.wait_for()
    assert _serious(page) == [], f"/embed ({lang})"
