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

  const PASSAGES = 5;
  // Confidence in words (the server sends them with each citation; these are for the fact cards).
  const CONFIDENCE = { confirmed: "confirmé par plusieurs sources", "seed-only": "une seule source : article de presse", uncertain: "à vérifier : information possiblement datée" };
  const confidence = (value) => CONFIDENCE[value] || "";

  /** What a card shows (server-made words; a bare fallback for an older server). */
  function view(c) {
    if (c.display) return c.display;
    return { n: c.n, title: c.title, where: c.section || "", confidence: confidence(c.confidence), others: [],
             source: { title: c.source_title, publisher: c.source_publisher || "", date: c.source_date || "", url: c.source_url } };
  }

  function origin(source) {
    if (!source) return "";
    const quoted = !source.title ? "" : source.title.includes("«") ? source.title : "« " + source.title + " »";
    return [quoted, source.publisher, source.date].filter(Boolean).join(", ");
  }

  function sourceLine(c) {
    const v = view(c);
    const from = origin(v.source);
    const url = v.source && safeUrl(v.source.url);
    return "[" + c.n + "] " + v.title + (v.where ? " — " + v.where : "") + (from ? " (" + from + ")" : "") + (url ? " " + url : "");
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
    if (confidence(env.confidence)) card.append(el("p", { class: "meta", text: "Fiabilité : " + confidence(env.confidence) }));
    if (env.sources && env.sources.length) {
      const list = el("ul", { class: "meta", "aria-label": "Sources de " + env.name });
      for (const s of env.sources) {
        const item = el("li", { text: [s.publisher || s.title, s.date].filter(Boolean).join(", ") });
        const href = safeUrl(s.url);
        if (href) item.append(" ", el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: "ouvrir" , "aria-label": "Ouvrir : " + (s.title || s.publisher) }));
        list.append(item);
      }
      card.append(list);
    }
    return card;
  }

  /** One passage: [n] when the answer cites it, title, where, source, confidence, excerpt, link. */
  function passageItem(c, words, cited) {
    const v = view(c);
    const text = el("p", { class: "excerpt" });
    highlight(text, c.excerpt || "", words);
    const head = el("h3", {}, [cited ? el("span", { class: "n", text: "[" + c.n + "] " }) : null, v.title]);
    const meta = [v.where, origin(v.source), v.confidence ? "fiabilité : " + v.confidence : ""].filter(Boolean).join(" · ");
    const item = el("li", { class: "passage" + (cited ? "" : " extra") }, [head, el("p", { class: "meta", text: meta }), text]);
    const href = v.source && safeUrl(v.source.url);
    if (href) item.append(el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: "Ouvrir la source" }));
    return item;
  }

  function render(data, question, ms, found) {
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
    // The cited passages, then the best others: always the top five with the answer.
    const passages = $("passages");
    passages.replaceChildren();
    const key = (c) => c.doc_id + "|" + (c.excerpt || "").slice(0, 80);
    const shown = new Set();
    for (const c of data.citations || []) {
      shown.add(key(c));
      passages.append(passageItem(c, words, true));
    }
    for (const c of found || []) {
      if (passages.children.length >= Math.max(PASSAGES, (data.citations || []).length)) break;
      if (shown.has(key(c))) continue;
      shown.add(key(c));
      passages.append(passageItem(c, words, false));
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
    const params = new URLSearchParams({ q: question, k: String(PASSAGES) });
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    try {
      const [result, search] = await Promise.all([
        postJson(
          "/api/v1/ask",
          // the exact sentences of the sources, instantly, even when the server uses an LLM;
          // no "Prochaine étape" line unless the caller's question asks for it
          { question: question, filters: filters, mode: "extractive", next_step: false },
          controller.signal,
        ),
        fetch("/api/v1/search?" + params.toString(), { signal: controller.signal })
          .then((r) => (r.ok ? r.json() : { results: [] }))
          .catch((e) => { if (e.name === "AbortError") throw e; return { results: [] }; }),
      ]);
      if (!result.ok) {
        status.textContent = result.status === 429
          ? "Trop de requêtes : réessayez dans " + (result.retryAfter || "quelques") + " s."
          : errorText(result);
        return;
      }
      // when the filters were set aside for the answer, the passages are unfiltered too
      let found = search.results || [];
      if (result.data.filters_ignored) {
        const plain = await fetch("/api/v1/search?" + new URLSearchParams({ q: question, k: String(PASSAGES) }).toString(), { signal: controller.signal });
        found = plain.ok ? (await plain.json()).results || [] : [];
      }
      render(result.data, question, performance.now() - started, found);
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
