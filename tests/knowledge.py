"""The repository corpus's ``Knowledge``, loaded once for the unit tests that need it."""

from __future__ import annotations

import functools

from assistant.knowledge import Knowledge
from assistant.settings import PROJECT_ROOT


@functools.cache
def repo_knowledge() -> Knowledge:
    return Knowledge.load(PROJECT_ROOT / "corpus")


KNOWLEDGE = repo_knowledge()
READER = KNOWLEDGE.profile_reader
ELIGIBILITY = KNOWLEDGE.eligibility
GAZETTEER = KNOWLEDGE.gazetteer
LEXICON = KNOWLEDGE.lexicon

#: notices of the generative mode, as the lexicon words them in French
REPLACED_NOTICE = LEXICON.text("notice.llm_replaced", "fr")
UNAVAILABLE_NOTICE = LEXICON.text("notice.llm_unavailable", "fr")
EXTRACTED_NOTICE = LEXICON.text("notice.llm_extracted", "fr")
