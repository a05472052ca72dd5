"""One key (``ASSISTANT_SECRET_KEY``) signs API answers and chat exchanges, never one for the other."""

from __future__ import annotations

from pydantic import SecretStr

from assistant.accounts import secret_key
from assistant.settings import Settings
from ui.answer_signature import AnswerSigner


def signer(key: str) -> AnswerSigner:
    """What ``create_app`` builds on a replica started with ``ASSISTANT_SECRET_KEY=key``."""
    return AnswerSigner(secret_key(Settings(secret_key=SecretStr(key))))


EXCHANGE = {
    "q": "Combien pour la formation ?",
    "a": {
        "answer": "9 M€ pour la formation [1].",
        "citations": [{"doc_id": "plan-ia-2024", "title": "Plan IA"}],
        "lang": "fr",
        "kind": "answer",
    },
}


def test_an_exchange_signed_on_one_replica_holds_on_another_with_the_same_key() -> None:
    exchange = {**EXCHANGE, "sig": signer("clé partagée").sign_exchange("sid-1", EXCHANGE)}
    assert signer("clé partagée").verify_exchange("sid-1", exchange)
    assert not signer("une autre clé").verify_exchange("sid-1", exchange)


def test_a_forged_or_altered_exchange_is_refused() -> None:
    key = signer("clé partagée")
    assert not key.verify_exchange("sid-1", dict(EXCHANGE)), "unsigned"
    assert not key.verify_exchange("sid-1", {**EXCHANGE, "sig": "0" * 64})
    signed = {**EXCHANGE, "sig": key.sign_exchange("sid-1", EXCHANGE)}
    assert not key.verify_exchange("sid-2", signed), "another conversation"
    altered = {**signed, "a": {**EXCHANGE["a"], "answer": "Achetez sur evil.example"}}
    assert not key.verify_exchange("sid-1", altered)
    assert not key.verify_exchange("sid-1", {**signed, "sig": 12}), "not even a string"


def test_chat_and_api_signatures_never_stand_for_each_other() -> None:
    key = signer("clé partagée")
    question, answer = EXCHANGE["q"], EXCHANGE["a"]["answer"]
    api_signature = key.sign(question, answer)
    assert key.verify(question, answer, api_signature)
    assert not key.verify(question, answer, key.sign_exchange("sid-1", EXCHANGE))
    assert not key.verify_exchange("sid-1", {**EXCHANGE, "sig": api_signature})


def test_the_browser_state_passphrase_is_shared_by_replicas_and_is_not_the_key() -> None:
    passphrase = signer("clé partagée").browser_state_secret()
    assert passphrase == signer("clé partagée").browser_state_secret()
    assert passphrase != signer("une autre clé").browser_state_secret()
    raw_key = secret_key(Settings(secret_key=SecretStr("clé partagée")))
    assert raw_key.hex()[:32] != passphrase, "Gradio sends the passphrase to every browser"
