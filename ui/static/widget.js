/* Occitanie IA Assistant widget.
 *
 *   <script src="https://HOST/widget.js" defer
 *           data-lang="fr" data-position="right" data-colour="#b5121b"
 *           data-title="Assistant Plan IA"></script>
 *
 * Adds a floating button that opens the assistant (/embed) in an iframe.
 * Everything lives in a shadow root: no global variable, no style rule
 * in the host page, no listener besides the iframe's close message.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(script.src, location.href).origin;
  var data = script.dataset || {};
  var lang = data.lang === "en" ? "en" : "fr";
  var left = data.position === "left" || data.position === "bottom-left";
  var colour = /^#[0-9a-fA-F]{3,8}$/.test(data.colour || data.color || "") ? (data.colour || data.color) : "#b5121b";
  var defaultTitle = lang === "en" ? "Occitanie AI Plan assistant" : "Assistant Plan IA Occitanie";
  var title = String(data.title || defaultTitle).slice(0, 80);
  var labels = lang === "en"
    ? { open: "Open the assistant: " + title, close: "Close the assistant" }
    : { open: "Ouvrir l'assistant : " + title, close: "Fermer l'assistant" };

  function start() {
    var host = document.createElement("occitanie-ia-widget");
    // Inline !important beats any host-page rule on the element itself.
    host.setAttribute("style", "all: initial !important; position: fixed !important; z-index: 2147483000 !important; bottom: 0 !important; " + (left ? "left" : "right") + ": 0 !important; width: 0 !important; height: 0 !important;");
    var root = host.attachShadow({ mode: "open" });

    var style = document.createElement("style");
    style.textContent = [
      ":host { all: initial; }",
      "* { box-sizing: border-box; }",
      ".btn { position: fixed; bottom: 20px; " + (left ? "left" : "right") + ": 20px; width: 60px; height: 60px;",
      "  border-radius: 50%; border: 0; background: var(--accent); color: #fff; cursor: pointer;",
      "  font: 600 14px/1 system-ui, sans-serif; box-shadow: 0 4px 14px rgba(0,0,0,.3); }",
      ".btn:focus-visible, .close:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 3px; }",
      ".panel { position: fixed; bottom: 92px; " + (left ? "left" : "right") + ": 20px; width: min(400px, calc(100vw - 40px));",
      "  height: min(600px, calc(100vh - 120px)); background: #fff; border-radius: 12px; overflow: hidden;",
      "  box-shadow: 0 8px 30px rgba(0,0,0,.35); display: flex; flex-direction: column; }",
      ".panel[hidden] { display: none; }",
      ".close { position: absolute; top: 6px; right: 8px; width: 32px; height: 32px; border: 0; border-radius: 50%;",
      "  background: rgba(255,255,255,.9); color: #1a1a1a; font: 20px/1 system-ui, sans-serif; cursor: pointer; }",
      "iframe { border: 0; width: 100%; height: 100%; display: block; }",
      // A phone: the panel takes the whole screen (the host page is locked behind it).
      // (a class, not only a media query: a host page without a viewport tag lays out
      // 980 px wide on a phone, and the panel must still fill the screen)
      ".full .panel { top: 0; left: 0; right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; box-shadow: none; }",
      ".full .panel:not([hidden]) ~ .btn { display: none; }",
    ].join("\n");
    root.appendChild(style);

    var wrap = document.createElement("div");
    wrap.style.setProperty("--accent", colour);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.textContent = "IA";
    button.setAttribute("aria-label", labels.open);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "panel");

    var panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "×";
    close.setAttribute("aria-label", labels.close);

    var frame = null;
    var saved = null;
    /** A phone: the window or the screen is narrower than 600 px. */
    function small() {
      return Math.min(window.innerWidth || 9999, (window.screen && window.screen.width) || 9999) < 600;
    }
    /** While the panel is full-screen, the host page does not scroll behind it. */
    function lockHost(lock) {
      var roots = [document.documentElement, document.body];
      if (lock && !saved && small()) {
        saved = roots.map(function (node) { return node ? node.style.getPropertyValue("overflow") : ""; });
        roots.forEach(function (node) { if (node) node.style.setProperty("overflow", "hidden"); });
      } else if (!lock && saved) {
        roots.forEach(function (node, i) {
          if (!node) return;
          if (saved[i]) node.style.setProperty("overflow", saved[i]);
          else node.style.removeProperty("overflow");
        });
        saved = null;
      }
    }
    function open() {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.title = title;
        frame.src = base + "/embed?" + new URLSearchParams({ lang: lang, title: title, colour: colour }).toString();
        frame.setAttribute("referrerpolicy", "strict-origin");
        panel.appendChild(frame);
      }
      wrap.classList.toggle("full", small());
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      lockHost(true);
      frame.focus();
    }
    function shut() {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      lockHost(false);
      button.focus();
    }
    button.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") shut(); });
    window.addEventListener("message", function (event) {
      if (frame && event.origin === base && event.source === frame.contentWindow &&
          event.data && event.data.type === "occitanie-ia:close") shut();
    });

    panel.appendChild(close);
    wrap.appendChild(panel);
    wrap.appendChild(button);
    root.appendChild(wrap);
    (document.body || document.documentElement).appendChild(host);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
