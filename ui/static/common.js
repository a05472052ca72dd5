/* Shared helpers of the app's own pages (/agent, /embed).
 * Data is only ever put in the page with textContent: never innerHTML. */
"use strict";
(function () {
  const ns = {};

  /** Create an element with attributes and text or child nodes. */
  ns.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  /** A link only for plain http(s) URLs (no javascript: or data: links). */
  ns.safeUrl = function (url) {
    if (typeof url !== "string") return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  };

  const STOP = new Set(("les des une pour dans sur avec par est que qui quoi quel quelle quels " +
    "quelles combien comment plan region région occitanie the and for what how which who " +
    "aux ces son ses nos vos leur leurs mon mes pas plus tout tous").split(" "));

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /** Words of the question worth highlighting (accents and case ignored). */
  ns.terms = function (question) {
    const words = fold(question).split(/[^a-z0-9€]+/).filter((w) => w.length >= 3 && !STOP.has(w));
    return Array.from(new Set(words)).sort((a, b) => b.length - a.length);
  };

  /** Append ``text`` to ``parent`` with every term wrapped in <mark> (text nodes only). */
  ns.highlight = function (parent, text, terms) {
    let folded = "";
    const map = [];
    for (let i = 0; i < text.length; i++) {
      const f = fold(text[i]);
      for (let j = 0; j < f.length; j++) map.push(i);
      folded += f;
    }
    const ranges = [];
    for (const term of terms) {
      let from = 0;
      for (;;) {
        const at = folded.indexOf(term, from);
        if (at < 0) break;
        const start = map[at];
        const end = map[at + term.length - 1] + 1;
        if (!ranges.some(([s, e]) => start < e && end > s)) ranges.push([start, end]);
        from = at + term.length;
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [start, end] of ranges) {
      if (start > pos) parent.append(document.createTextNode(text.slice(pos, start)));
      parent.append(ns.el("mark", { text: text.slice(start, end) }));
      pos = end;
    }
    if (pos < text.length) parent.append(document.createTextNode(text.slice(pos)));
  };

  ns.euros = function (amount, lang) {
    if (typeof amount !== "number") return "";
    return new Intl.NumberFormat(lang === "en" ? "en-GB" : "fr-FR", {
      style: "currency", currency: "EUR", maximumFractionDigits: 0,
    }).format(amount);
  };

  /** POST JSON; resolves to {ok, status, data}. */
  ns.postJson = async function (url, body, signal) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: signal,
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { ok: response.ok, status: response.status, data: data,
             retryAfter: response.headers.get("Retry-After") };
  };

  /** A readable message from an API error body. */
  ns.errorText = function (result) {
    const detail = result.data && result.data.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length && detail[0].msg) return detail[0].msg;
    return "Erreur " + result.status;
  };

  window.OccIA = ns;
})();
