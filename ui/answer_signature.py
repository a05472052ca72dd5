"""Signatures on what the service answered, so 👍/👎 can only rate a real answer.

``POST /api/v1/feedback`` (the widget) and the chat's 👍/👎 are public: without
a proof that the rated question and answer came from this service, anyone could
fill the editors' console with invented 👎 questions. Both are signed here, with
one key, ``ASSISTANT_SECRET_KEY`` (``assistant.accounts.secret_key``): replicas
behind a load balancer share it, so a rating posted to another replica than the
one that answered still holds. Unset, the key is random per process (a restart
invalidates ratings of older answers, which is harmless).

Two kinds of signature, each under its own domain prefix so that one can never
stand for the other:

* ``sign``/``verify``: an answer of ``/api/v1/ask`` and ``/api/v1/ask/stream``
  (its question and answer text), sent back by the widget as ``signature``;
* ``sign_exchange``/``verify_exchange``: an exchange of the chat, which the
  browser keeps (``gr.BrowserState``) and sends back with a 👍/👎; it covers
  everything feedback stores about it (conversation id, question, answer,
  sources, language, kind).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


class AnswerSigner:
    """Signs and checks API answers and chat exchanges with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, domain: bytes, message: bytes) -> str:
        return hmac.new(self._key, domain + b":" + message, hashlib.sha256).hexdigest()

    # -- API answers (the widget) -------------------------------------------------------
    def sign(self, question: str, answer: str) -> str:
        message = question.strip().encode() + b"\x00" + answer.strip().encode()
        return self._mac(b"answer", message)

    def verify(self, question: str, answer: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(question, answer), signature or "")

    # -- chat exchanges ------------------------------------------------------------------
    def sign_exchange(self, sid: str, ex: dict[str, Any]) -> str:
        """HMAC of what feedback stores about a chat exchange.

        Only strings are signed: the browser state is JSON that went through
        JavaScript, where numbers may come back written differently.
        """
        a = ex.get("a") if isinstance(ex.get("a"), dict) else {}
        citations = a.get("citations") if isinstance(a.get("citations"), list) else []
        payload = [
            str(sid),
            str(ex.get("q", "")),
            str(a.get("answer", "")),
            [str(c.get("doc_id", "")) if isinstance(c, dict) else "" for c in citations],
            str(a.get("lang", "")),
            str(a.get("kind", "")),
        ]
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return self._mac(b"exchange", data)

    def verify_exchange(self, sid: str, ex: dict[str, Any]) -> bool:
        """True when ``ex`` is an exchange signed under this key (``ex["sig"]``), unchanged."""
        sig = ex.get("sig")
        return isinstance(sig, str) and hmac.compare_digest(sig, self.sign_exchange(sid, ex))

    def browser_state_secret(self) -> str:
        """The passphrase of the chat's ``gr.BrowserState`` (localStorage encryption).

        Gradio sends it to the browser (the encryption happens there), so it is
        public: a one-way derivation of the key, never the key. Derived rather
        than random so that a page reloaded from another replica, or after a
        restart, still reads the conversation it kept.
        """
        return self._mac(b"browser-state", b"")[:32]
