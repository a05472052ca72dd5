/* Minimal chat shown in the widget's iframe; answers stream from /api/v1/ask/stream
   (token events while an LLM writes, then the checked final answer).
   The conversation is kept for the browser tab (sessionStorage) until
   "Nouvelle conversation"; each answer can be copied and rated (👍/👎).
   Its [n] markers are links to the sources listed under it (built as DOM nodes:
   the answer text is never parsed as HTML). */
"use strict";
(function () {
  const { el, safeUrl, errorText, postJson } = window.OccIA;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") === "en" ? "en" : "fr";
  const T = {
    fr: { title: "Assistant Plan IA Occitanie", question: "Votre question",
          placeholder: "Votre question sur le Plan IA Occitanie…", send: "Envoyer",
          new: "Nouvelle conversation", sources: "Sources", contacts: "Contacts utiles",
          you: "Vous", bot: "Assistant", log: "Conversation",
          wait: "Recherche dans les documents…", error: "Le service ne répond pas. Réessayez.",
          busy: "Trop de requêtes : réessayez dans quelques secondes.",
          copy: "Copier la réponse", copied: "Réponse copiée.", up: "Réponse utile",
          down: "Réponse pas utile", useful: "Utile", useless: "Pas utile",
          thanks: "Merci pour votre avis.", open: "Ouvrir la source",
          reliability: "Fiabilité", source: (n, title) => "Source " + n + " : " + title,
          disclaimer: "Assistant automatisé : il peut se tromper. Vérifiez les sources citées.",
          handoff: "Parler à un conseiller", offer: "Cette question demande un conseiller ?",
          consentNeeded: "Cochez la case de consentement pour laisser vos coordonnées, ou effacez-les.",
          sent: "Demande envoyée." },
    en: { title: "Occitanie AI Plan assistant", question: "Your question",
          placeholder: "Ask about the Occitanie AI Plan…", send: "Send",
          new: "New conversation", sources: "Sources", contacts: "Useful contacts",
          you: "You", bot: "Assistant", log: "Conversation",
          wait: "Searching the documents…", error: "The service does not answer. Please retry.",
          busy: "Too many requests: retry in a few seconds.",
          copy: "Copy the answer", copied: "Answer copied.", up: "Helpful answer",
          down: "Unhelpful answer", useful: "Helpful", useless: "Not helpful",
          thanks: "Thank you for your feedback.", open: "Open the source",
          reliability: "Reliability", source: (n, title) => "Source " + n + ": " + title,
          disclaimer: "Automated assistant: it can make mistakes. Check the cited sources.",
          handoff: "Talk to an adviser", offer: "Would you rather ask an adviser?",
          consentNeeded: "Tick the consent box to leave your contact details, or clear them.",
          sent: "Request sent." },
  }[lang];
  document.documentElement.lang = lang;
  const title = (params.get("title") || T.title).slice(0, 80);
  $("title").textContent = title;
  document.title = title;
  $("q-label").textContent = T.question;
  $("q").placeholder = T.placeholder;
  $("send").textContent = T.send;
  $("new").textContent = T.new;
  $("disclaimer").textContent = T.disclaimer;
  $("log").setAttribute("aria-label", T.log);
  const colour = params.get("colour") || "";
  if (/^#[0-9a-fA-F]{3,8}$/.test(colour)) document.documentElement.style.setProperty("--accent", colour);

  const log = $("log"), form = $("form"), q = $("q"), send = $("send");
  const KEY = "occitanie-ia-widget:" + lang;
  let history = [];
  let lastCitations = [];
  let lastProfile = null;
  /** What is kept for the tab: [{q, a}] with the final answer's JSON. */
  let exchanges = [];
  let session = "";
  /** Numbers the answers shown, so each one's source ids are its own. */
  let shown = 0;

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (saved && Array.isArray(saved.exchanges)) {
        exchanges = saved.exchanges.slice(-20);
        history = Array.isArray(saved.history) ? saved.history.slice(-12) : [];
        session = typeof saved.session === "string" ? saved.session : "";
      }
    } catch (e) { exchanges = []; }
    if (!session) session = Math.random().toString(36).slice(2) + Date.now().toString(36);
  }
  function save() {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ exchanges: exchanges, history: history, session: session }));
    } catch (e) { /* storage full or blocked: the conversation just is not kept */ }
  }

  function bubble(role, text) {
    const node = el("div", { class: "msg " + role }, [
      el("span", { class: "visually-hidden", text: (role === "user" ? T.you : T.bot) + " : " }),
      el("div", { class: "text", text: text }),
    ]);
    log.append(node);
    return node;
  }

  function sourceText(s) {
    if (!s) return "";
    return [s.publisher || s.title, s.date].filter(Boolean).join(", ");
  }

  function view(c) {
    return c.display || { title: c.title, where: c.section, source: { date: c.source_date, url: c.source_url } };
  }

  function sources(node, citations, seq) {
    if (!citations || !citations.length) return;
    node.append(el("p", { class: "list-title", text: T.sources }));
    const list = el("ol", { class: "sources", "aria-label": T.sources });
    for (const c of citations) {
      const v = view(c);
      const meta = [v.where, sourceText(v.source), v.confidence].filter(Boolean).join(" · ");
      const item = el("li", { value: c.n, id: "src-" + seq + "-" + c.n, tabindex: "-1" }, [el("strong", { text: v.title }), meta ? el("span", { class: "meta", text: " — " + meta }) : null]);
      const href = v.source && safeUrl(v.source.url);
      if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: T.open + " ↗" }));
      list.append(item);
    }
    node.append(list);
  }

  /** Focus source ``id`` of an answer, unfolding what hides it, and mark it as the one cited. */
  function showSource(id) {
    const item = document.getElementById(id);
    if (!item) return;
    for (let p = item.parentElement; p && p !== log; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
      if (p.hidden) p.hidden = false;
    }
    for (const other of log.querySelectorAll(".sources li.cited")) other.classList.remove("cited");
    item.classList.add("cited");
    item.scrollIntoView({ block: "nearest" });
    item.focus({ preventScroll: true });
  }

  const MARKER = /\[\s*(\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*)\s*\]/g;

  /** "1, 3-5" → [1, 3, 4, 5] (as assistant/citations.py reads markers). */
  function markerNumbers(body) {
    const numbers = [];
    for (const part of body.trim().split(/\s*[,;]\s*/)) {
      const bounds = part.split(/\s*[-–]\s*/).map(Number);
      const low = bounds[0], high = bounds[bounds.length - 1];
      if (bounds.length === 2 && low <= high && high - low < 50) {
        for (let n = low; n <= high; n++) numbers.push(n);
      } else numbers.push(...bounds);
    }
    return Array.from(new Set(numbers));
  }

  /** The answer as text nodes, each [n] citing a listed source a link to it. */
  function answerNodes(answer, citations, seq) {
    const cited = new Map((citations || []).map((c) => [Number(c.n), view(c)]));
    const link = (n, text) => {
      const id = "src-" + seq + "-" + n;
      const a = el("a", { class: "ref", href: "#" + id, "aria-label": T.source(n, cited.get(n).title || ""), text: text });
      a.addEventListener("click", (event) => { event.preventDefault(); showSource(id); });
      return a;
    };
    const out = [];
    let cursor = 0;
    for (const m of answer.matchAll(MARKER)) {
      out.push(answer.slice(cursor, m.index));
      cursor = m.index + m[0].length;
      const numbers = markerNumbers(m[1]);
      if (!numbers.some((n) => cited.has(n))) { out.push(m[0]); continue; }
      if (numbers.length === 1) { out.push(link(numbers[0], "[" + numbers[0] + "]")); continue; }
      out.push("[");
      numbers.forEach((n, i) => {
        if (i) out.push(", ");
        out.push(cited.has(n) ? link(n, String(n)) : String(n));
      });
      out.push("]");
    }
    out.push(answer.slice(cursor));
    return out;
  }

  function contacts(node, list) {
    if (!list || !list.length) return;
    const ul = el("ul", { class: "sources", "aria-label": T.contacts });
    for (const c of list) {
      const item = el("li", {}, [el("strong", { text: c.name })]);
      const href = safeUrl(c.url);
      if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: href }));
      ul.append(item);
    }
    node.append(ul);
  }

  function plainText(question, data) {
    const lines = [data.answer.trim()];
    if (data.citations && data.citations.length) {
      lines.push("", T.sources + " :");
      for (const c of data.citations) {
        const v = c.display || { title: c.title, source: {} };
        const url = v.source && safeUrl(v.source.url);
        lines.push("[" + c.n + "] " + v.title + (v.source ? " (" + sourceText(v.source) + ")" : "") + (url ? " " + url : ""));
      }
    }
    return lines.join("\n");
  }

  /** Copy and 👍/👎 under a final answer. */
  function actions(node, question, data) {
    const status = el("span", { class: "status", role: "status", "aria-live": "polite" });
    const copy = el("button", { type: "button", class: "linklike act", text: T.copy });
    copy.addEventListener("click", async () => {
      const text = plainText(question, data);
      try { await navigator.clipboard.writeText(text); } catch (e) {
        const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
        area.value = text; document.body.append(area); area.select(); document.execCommand("copy"); area.remove();
      }
      status.textContent = T.copied;
    });
    const rate = (rating, button) => async () => {
      for (const b of node.querySelectorAll(".rate")) b.setAttribute("aria-pressed", String(b === button));
      const result = await postJson("/api/v1/feedback", {
        rating: rating, question: question.slice(0, 2000), answer: data.answer.slice(0, 8000),
        citations: (data.citations || []).map((c) => c.doc_id).slice(0, 20), lang: lang,
        kind: data.kind || "", session: session, signature: data.signature || "",
      }).catch(() => ({ ok: false }));
      status.textContent = result.ok ? T.thanks : T.error;
      if (rating < 0 && !node.querySelector(".offer")) offerHandoff(node);
    };
    const up = el("button", { type: "button", class: "rate", "aria-label": T.up, "aria-pressed": "false", text: "👍 " + T.useful });
    const down = el("button", { type: "button", class: "rate", "aria-label": T.down, "aria-pressed": "false", text: "👎 " + T.useless });
    up.addEventListener("click", rate(1, up));
    down.addEventListener("click", rate(-1, down));
    node.append(el("div", { class: "actions" }, [copy, up, down, status]));
  }

  function showFinal(node, question, data) {
    const text = node.querySelector(".text");
    node.classList.remove("streaming");
    const seq = ++shown;
    text.replaceChildren(...answerNodes(String(data.answer), data.citations, seq));
    if (data.replaced) node.classList.add("replaced");
    if (data.notice) node.prepend(el("p", { class: "notice", role: "status", text: data.notice }));
    sources(node, data.citations, seq);
    contacts(node, data.contacts);
    if (data.kind !== "empty") actions(node, question, data);
  }

  /** Keep the start of the answer in view (not the end of its sources). */
  function reveal(node) {
    log.scrollTop = node.offsetTop - log.offsetTop - 8;
  }

  async function ask(question) {
    if (question) bubble("user", question);
    const node = bubble("assistant", T.wait);
    reveal(node.previousElementSibling || node);
    const text = node.querySelector(".text");
    send.disabled = true;
    node.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/v1/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Assistant-Source": "widget" },
        body: JSON.stringify({ question: question, history: history, lang: lang === "en" ? "en" : null }),
      });
      if (!response.ok) {
        let data = null;
        try { data = await response.json(); } catch (e) { data = null; }
        text.textContent = response.status === 429 ? T.busy : errorText({ status: response.status, data: data });
        return;
      }
      let streamed = "";
      await readEvents(response, (name, data) => {
        if (name === "token") {
          streamed += data.text;
          text.textContent = streamed;
          node.classList.add("streaming");
        }
        if (name === "error") text.textContent = T.error;
        if (name === "final") {
          // The checked answer always supersedes the tokens (its citations are renumbered).
          showFinal(node, question, data);
          if (data.kind !== "empty") {
            history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
            history = history.slice(-12);
            exchanges.push({ q: question, a: data });
            exchanges = exchanges.slice(-20);
            save();
            lastCitations = (data.citations || []).map((c) => ({ doc_id: c.doc_id, title: c.title, source_url: c.source_url }));
            lastProfile = (data.context && data.context.profile) || lastProfile;
          }
          if (data.refused || data.kind === "refusal" || data.kind === "unspecified") offerHandoff(node);
        }
      });
    } catch (e) {
      text.textContent = T.error;
    } finally {
      send.disabled = false;
      node.removeAttribute("aria-busy");
      reveal(node);
    }
  }

  /** Read server-sent events from a fetch response; calls onEvent(name, data). */
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        onEvent(name, data ? JSON.parse(data) : null);
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = q.value.trim();
    q.value = "";
    ask(question);
    q.focus();
  });
  q.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && window.parent !== window) {
      window.parent.postMessage({ type: "occitanie-ia:close" }, "*");
    }
  });
  $("new").addEventListener("click", () => {
    history = [];
    exchanges = [];
    try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
    log.replaceChildren();
    q.focus();
  });

  // -- hand-off to an adviser: always offered in the footer, and after a refusal --------
  const handoff = $("handoff");
  $("handoff-open").textContent = T.handoff;
  if (lang === "en") {
    $("handoff-title").textContent = T.handoff;
    $("handoff-intro").textContent = "An adviser will read this conversation. Leave an e-mail or a phone number to be contacted, or stay anonymous.";
    $("handoff-email-label").textContent = "E-mail (optional)";
    $("handoff-phone-label").textContent = "Phone (optional)";
    $("handoff-consent-label").textContent = "I agree that the Région keeps these details to contact me about this request.";
    $("handoff-message-label").textContent = "Message (optional)";
    $("handoff-send").textContent = "Send the request";
    $("handoff-cancel").textContent = "Cancel";
  }
  function openHandoff() {
    handoff.hidden = false;
    $("handoff-error").hidden = true;
    $("handoff-email").focus();
  }
  function offerHandoff(node) {
    const button = el("button", { type: "button", class: "linklike offer-button", text: T.handoff });
    button.addEventListener("click", openHandoff);
    node.append(el("p", { class: "offer" }, [T.offer + " ", button]));
  }
  $("handoff-open").addEventListener("click", openHandoff);
  $("handoff-cancel").addEventListener("click", () => { handoff.hidden = true; q.focus(); });
  handoff.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("handoff-email").value.trim(), phone = $("handoff-phone").value.trim();
    const consent = $("handoff-consent").checked;
    const error = $("handoff-error");
    if ((email || phone) && !consent) { error.textContent = T.consentNeeded; error.hidden = false; return; }
    $("handoff-send").disabled = true;
    try {
      const response = await fetch("/api/v1/handoff", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ transcript: history, sources: lastCitations, profile: lastProfile, lang: lang,
                               consent: consent, email: email, phone: phone,
                               message: $("handoff-message").value.trim(), source: "widget" }),
      });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      if (!response.ok) {
        error.textContent = response.status === 429 ? T.busy : errorText({ status: response.status, data: data });
        error.hidden = false;
        return;
      }
      handoff.hidden = true;
      handoff.reset();
      const node = bubble("assistant", data.message || T.sent);
      node.classList.add("handoff-done");
      node.setAttribute("role", "status");
    } catch (e) {
      error.textContent = T.error;
      error.hidden = false;
    } finally {
      $("handoff-send").disabled = false;
    }
  });

  load();
  for (const ex of exchanges) {
    if (ex.q) bubble("user", ex.q);
    if (ex.a && typeof ex.a.answer === "string") showFinal(bubble("assistant", ""), ex.q || "", ex.a);
  }
  if (log.lastElementChild) log.scrollTop = log.scrollHeight;
  window.addEventListener("focus", () => q.focus());
  q.focus();
})();
