"""Signatures on the answers the API serves, so 👍/👎 can only rate a real answer.

``POST /api/v1/feedback`` is a public route: without a proof that the rated
question and answer came from this service, anyone could fill the editors'
console with invented 👎 questions (the chat's Gradio feedback has the same
guard, ``ui.chat.exchange_signature``). Each answer of ``/api/v1/ask`` and
``/api/v1/ask/stream`` carries ``signature``, an HMAC of its question and answer
text under ``ASSISTANT_SECRET_KEY`` (shared by replicas; random per process
when unset, so a restart invalidates ratings of older answers, which is harmless).
"""

from __future__ import annotations

import hashlib
import hmac


class AnswerSigner:
    """Signs and checks (question, answer) pairs with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, question: str, answer: str) -> str:
        message = b"answer:" + question.strip().encode() + b"\x00" + answer.strip().encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def verify(self, question: str, answer: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(question, answer), signature or "")
