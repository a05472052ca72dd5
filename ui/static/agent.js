/* Call-centre view: keyboard first, answer and exact source passages in one call. */
"use strict";
(function () {
  const { el, terms, highlight, euros, postJson, errorText, safeUrl } = window.OccIA;
  const $ = (id) => document.getElementById(id);
  const form = $("search-form"), q = $("q"), audience = $("audience"), envelope = $("envelope");
  const results = $("results"), status = $("status"), copyStatus = $("copy-status");
  let envelopes = [];
  let current = null;
  let controller = null;

  fetch("/api/v1/envelopes").then((r) => (r.ok ? r.json() : [])).then((list) => {
    envelopes = Array.isArray(list) ? list : [];
    for (const env of envelopes) {
      envelope.append(el("option", { value: env.id, text: env.name + (env.parent ? "" : " (" + euros(env.amount_eur) + ")") }));
    }
  }).catch(() => {});

  const CONFIDENCE = { confirmed: "confirmée", reported: "rapportée par la presse", unverified: "non vérifiée", estimated: "estimée" };
  const confidence = (value) => CONFIDENCE[value] || value;

  function sourceLine(c) {
    const where = [c.section, c.page ? "p. " + c.page : ""].filter(Boolean).join(", ");
    const origin = [c.source_title, c.source_date].filter(Boolean).join(", ");
    return "[" + c.n + "] " + c.title + (where ? " — " + where : "") + (origin ? " (" + origin + ")" : "");
  }

  /** Plain text for the clipboard: the answer, then its numbered sources. */
  function plainText(data) {
    const lines = [data.answer.trim()];
    if (data.citations && data.citations.length) {
      lines.push("", "Sources :");
      for (const c of data.citations) lines.push(sourceLine(c));
    }
    if (data.contacts && data.contacts.length) {
      lines.push("", "Contacts :");
      for (const c of data.contacts) lines.push("- " + c.name + (c.url ? " (" + c.url + ")" : ""));
    }
    return lines.join("\n");
  }

  function factCard(env) {
    const amount = env.amount_eur ? euros(env.amount_eur) : env.amount_min_eur ? "au moins " + euros(env.amount_min_eur) : "montant non précisé";
    const card = el("article", { class: "fact", "aria-label": env.name }, [
      el("h3", { text: env.name }),
      el("p", { class: "amount", text: amount }),
    ]);
    if (env.beneficiaries && env.beneficiaries.length) card.append(el("p", { text: "Cible : " + env.beneficiaries.join(", ") }));
    if (env.sectors && env.sectors.length) card.append(el("p", { text: "Secteurs : " + env.sectors.join(", ") }));
    if (env.confidence) card.append(el("p", { class: "meta", text: "Fiabilité : " + confidence(env.confidence) }));
    if (env.sources && env.sources.length) {
      const list = el("ul", { class: "meta", "aria-label": "Sources de " + env.name });
      for (const s of env.sources) list.append(el("li", { text: [s.title, s.date].filter(Boolean).join(" — ") }));
      card.append(list);
    }
    return card;
  }

  function render(data, question, ms) {
    current = data;
    $("answer").replaceChildren();
    for (const line of data.answer.split("\n")) $("answer").append(el("p", { text: line }));
    const notice = $("notice");
    notice.hidden = !data.notice;
    notice.textContent = data.notice || "";
    const contacts = $("contacts");
    contacts.replaceChildren();
    for (const c of data.contacts || []) {
      const item = el("li", {}, [el("strong", { text: c.name }), " — " + (c.role || "")]);
      const href = safeUrl(c.url);
      if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: href }));
      contacts.append(item);
    }
    contacts.hidden = !(data.contacts && data.contacts.length);

    const words = terms(question);
    const passages = $("passages");
    passages.replaceChildren();
    for (const c of data.citations || []) {
      const text = el("p", { class: "excerpt" });
      highlight(text, c.excerpt || "", words);
      const meta = [c.section, c.page ? "p. " + c.page : "", c.source_title, c.source_date, c.confidence ? "fiabilité : " + confidence(c.confidence) : ""].filter(Boolean).join(" · ");
      const item = el("li", { class: "passage", value: c.n }, [
        el("h3", { text: "[" + c.n + "] " + c.title }),
        el("p", { class: "meta", text: meta }),
        text,
      ]);
      const href = safeUrl(c.source_url);
      if (href) item.append(el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: "Ouvrir la source" }));
      passages.append(item);
    }

    const cited = new Set((data.citations || []).map((c) => c.doc_id));
    const asked = new Set(words);
    const named = (e) => !e.parent && e.id.split("-").some((part) => part.length >= 3 && asked.has(part));
    const facts = envelopes.filter((e) => e.id === envelope.value || cited.has(e.document) || named(e));
    $("facts").replaceChildren(...facts.map(factCard));
    $("facts-section").hidden = facts.length === 0;
    results.hidden = false;
    status.textContent = (data.refused ? "Pas de réponse dans les sources" : "Réponse") + " en " + Math.round(ms) + " ms";
    results.dataset.ms = String(Math.round(ms));
  }

  async function search() {
    const question = q.value.trim();
    if (!question) {
      status.textContent = "Saisissez la question de l'usager puis Entrée.";
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    status.textContent = "Recherche…";
    const started = performance.now();
    const filters = { audience: audience.value || null, envelope: envelope.value || null };
    try {
      const result = await postJson(
        "/api/v1/ask",
        // the exact sentences of the sources, instantly, even when the server uses an LLM
        { question: question, filters: filters, mode: "extractive" },
        controller.signal,
      );
      if (!result.ok) {
        status.textContent = result.status === 429
          ? "Trop de requêtes : réessayez dans " + (result.retryAfter || "quelques") + " s."
          : errorText(result);
        return;
      }
      render(result.data, question, performance.now() - started);
    } catch (e) {
      if (e.name !== "AbortError") status.textContent = "Le service ne répond pas.";
    }
  }

  async function copy() {
    if (!current) return;
    const text = plainText(current);
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = el("textarea", { "aria-hidden": "true", class: "visually-hidden" });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    copyStatus.textContent = "Réponse copiée.";
    setTimeout(() => { copyStatus.textContent = ""; }, 3000);
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("copy").addEventListener("click", copy);
  q.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { q.value = ""; status.textContent = ""; }
  });
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); q.focus(); q.select(); }
    if (event.altKey && (event.key === "c" || event.key === "C")) { event.preventDefault(); copy(); }
  });
  q.focus();
})();
