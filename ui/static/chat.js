/* The Gradio chat page (/): what Gradio does not do by itself.
 *
 * - the page's lang attribute and the conversation's accessible name follow the
 *   interface language (Gradio writes lang="en" and English labels);
 * - a click on a citation marker [n] highlights its source card and opens its excerpt;
 * - each new answer is scrolled to its start (not to the end of its source list).
 */
"use strict";
(function () {
  const NAMES = {
    fr: { log: "Conversation avec l'assistant", ref: "Voir la source" },
    en: { log: "Conversation with the assistant", ref: "See the source" },
  };
  let answers = -1;

  function uiLang() {
    const checked = document.querySelector("#oc-lang input:checked");
    if (checked) {
      const text = (checked.value || checked.closest("label")?.textContent || "").trim();
      return /^(en|english)$/i.test(text) ? "en" : "fr";
    }
    return document.documentElement.getAttribute("data-oc-lang") || "fr";
  }

  function applyLanguage() {
    const lang = uiLang();
    const names = NAMES[lang];
    if (document.documentElement.lang !== lang) document.documentElement.lang = lang;
    const chat = document.getElementById("oc-chatbot");
    if (!chat) return;
    for (const node of chat.querySelectorAll("[role=log], [aria-label]")) {
      const label = node.getAttribute("aria-label") || "";
      if (node.getAttribute("role") === "log" || /chatbot|conversation/i.test(label)) {
        if (label !== names.log) node.setAttribute("aria-label", names.log);
      }
    }
    for (const ref of chat.querySelectorAll("a.oc-ref")) {
      const label = names.ref + " " + ref.textContent;
      if (ref.getAttribute("aria-label") !== label) ref.setAttribute("aria-label", label);
    }
  }

  function scrollParent(node) {
    for (let p = node.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll)/.test(style.overflowY) && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  }

  /** Scroll the conversation (not the page) so that ``node`` starts at its top. */
  function scrollToStart(node) {
    const box = scrollParent(node);
    if (box) box.scrollTop += node.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    // and the page, when that start is out of sight (a phone scrolled down to the question box)
    const top = node.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) window.scrollBy(0, top - 8);
  }

  let searching = false;

  /** The chat's message row holding ``node`` (Gradio's markup), or ``node`` itself. */
  function row(node) {
    return node.closest(".message-row") || node.closest(".message-wrap > *") || node;
  }

  function followAnswers() {
    const chat = document.getElementById("oc-chatbot");
    if (!chat) return;
    const finals = chat.querySelectorAll(".oc-answer:not(.oc-draft)");
    const waiting = chat.querySelector(".oc-searching");
    if (answers >= 0 && finals.length > answers) {
      scrollToStart(row(finals[finals.length - 1]));  // a new answer: show its first line
    } else if (waiting && !searching) {
      const questions = chat.querySelectorAll(".oc-question");
      scrollToStart(row(questions.length ? questions[questions.length - 1] : waiting));
    }
    answers = finals.length;
    searching = !!waiting;
  }

  document.addEventListener(
    "click",
    (event) => {
      const ref = event.target.closest && event.target.closest("a.oc-ref");
      if (!ref) return;
      event.preventDefault();
      event.stopPropagation();
      const n = (ref.getAttribute("href") || "").replace(/^#oc-src-/, "");
      const answer = ref.closest(".oc-answer");
      const card = answer && answer.querySelector(".oc-card.oc-src-" + CSS.escape(n));
      if (!card) return;
      for (const other of answer.querySelectorAll(".oc-card.oc-highlight")) other.classList.remove("oc-highlight");
      card.classList.add("oc-highlight");
      const excerpt = card.querySelector("details.oc-excerpt-box");
      if (excerpt) excerpt.open = true;
      card.setAttribute("tabindex", "-1");
      card.scrollIntoView({ block: "nearest" });
      card.focus({ preventScroll: true });
    },
    true,
  );

  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      applyLanguage();
      followAnswers();
    });
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["class", "checked"] });
  document.addEventListener("change", applyLanguage, true);
})();
