/* Minimal chat shown in the widget's iframe; answers stream from /api/v1/ask/stream
   (token events while an LLM writes, then the checked final answer). */
"use strict";
(function () {
  const { el, safeUrl, errorText } = window.OccIA;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") === "en" ? "en" : "fr";
  const T = {
    fr: { title: "Assistant Plan IA Occitanie", question: "Votre question",
          placeholder: "Votre question sur le Plan IA Occitanie…", send: "Envoyer",
          new: "Nouvelle conversation", sources: "Sources", you: "Vous", bot: "Assistant",
          wait: "…", error: "Le service ne répond pas. Réessayez.",
          busy: "Trop de requêtes : réessayez dans quelques secondes.",
          disclaimer: "Assistant automatisé : il peut se tromper. Vérifiez les sources citées.",
          handoff: "Parler à un conseiller", offer: "Cette question demande un conseiller ?",
          consentNeeded: "Cochez la case de consentement pour laisser vos coordonnées, ou effacez-les.",
          sent: "Demande envoyée." },
    en: { title: "Occitanie AI Plan assistant", question: "Your question",
          placeholder: "Ask about the Occitanie AI Plan…", send: "Send",
          new: "New conversation", sources: "Sources", you: "You", bot: "Assistant",
          wait: "…", error: "The service does not answer. Please retry.",
          busy: "Too many requests: retry in a few seconds.",
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
  const colour = params.get("colour") || "";
  if (/^#[0-9a-fA-F]{3,8}$/.test(colour)) document.documentElement.style.setProperty("--accent", colour);

  const log = $("log"), form = $("form"), q = $("q"), send = $("send");
  let history = [];
  let lastCitations = [];
  let lastProfile = null;

  function bubble(role, text) {
    const node = el("div", { class: "msg " + role }, [
      el("span", { class: "visually-hidden", text: (role === "user" ? T.you : T.bot) + " : " }),
      el("div", { class: "text", text: text }),
    ]);
    log.append(node);
    node.scrollIntoView({ block: "end" });
    return node;
  }

  function sources(node, citations) {
    if (!citations || !citations.length) return;
    const list = el("ol", { class: "sources", "aria-label": T.sources });
    for (const c of citations) {
      const where = [c.section, c.page ? "p. " + c.page : "", c.source_date].filter(Boolean).join(" · ");
      const item = el("li", { value: c.n }, [el("strong", { text: c.title }), where ? el("span", { class: "meta", text: " — " + where }) : null]);
      const href = safeUrl(c.source_url);
      if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: "↗", "aria-label": c.title }));
      list.append(item);
    }
    node.append(list);
  }

  function contacts(node, list) {
    if (!list || !list.length) return;
    const ul = el("ul", { class: "sources" });
    for (const c of list) {
      const item = el("li", {}, [el("strong", { text: c.name }), c.role ? " — " + c.role : ""]);
      const href = safeUrl(c.url);
      if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: href }));
      ul.append(item);
    }
    node.append(ul);
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

  async function ask(question) {
    if (question) bubble("user", question);
    const node = bubble("assistant", T.wait);
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
          // The checked answer always supersedes the tokens (its citations are renumbered);
          // when the written text was replaced, the notice says so above the answer.
          node.classList.remove("streaming");
          text.textContent = data.answer;
          if (data.replaced) node.classList.add("replaced");
          if (data.notice) node.prepend(el("p", { class: "notice", role: "status", text: data.notice }));
          sources(node, data.citations);
          contacts(node, data.contacts);
          if (data.kind !== "empty") {
            history.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
            history = history.slice(-12);
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
      node.scrollIntoView({ block: "end" });
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
  $("new").addEventListener("click", () => { history = []; log.replaceChildren(); q.focus(); });

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
  window.addEventListener("focus", () => q.focus());
  q.focus();
})();
