"""Errors a user can act on: each message says what went wrong and what to run."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the CLI prints these without a traceback and exits non-zero."""


class InputError(AssistantError, ValueError):
    """What a user or API client sent cannot be used (a 4xx, never a 5xx).

    The message names the field and says what is expected.
    """


class ModelMissingError(AssistantError):
    """The embedding model is not installed (or not verified) in the models dir."""


class ModelVerificationError(AssistantError):
    """A fetched file does not match the sha256 manifest kept in the repository."""


class IndexMissingError(AssistantError):
    """No index has been built yet (or the live pointer is broken)."""


class IndexMismatchError(AssistantError):
    """The index was built with another embedding model or chunker."""


class CorpusError(AssistantError):
    """A corpus file is malformed (raised only in strict mode)."""


class KnowledgeError(AssistantError):
    """A data file of the corpus (lexicon, rules, places, envelopes...) is invalid.

    The message names the file, the entry and the field; the server answers 503
    with it rather than serving answers from half-read data.
    """


class ConfigError(AssistantError):
    """A setting cannot be used as given (staff accounts, URLs...)."""


class BusyError(AssistantError):
    """The server could not start answering within the request deadline (503, retry later)."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
