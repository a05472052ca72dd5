"""What a fresh install prints in the serve log at INFO: nothing of the libraries' debug."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def root_at_info():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    yield root
    root.setLevel(level)


def test_bm25s_debug_lines_stay_out_of_an_info_log(root_at_info) -> None:
    from assistant.retrieval.lexical import LexicalIndex

    LexicalIndex(["Le plan est doté de 60 M€.", "La formation reçoit 9 M€."], ["fr", "fr"])
    assert not logging.getLogger("bm25s").isEnabledFor(logging.DEBUG)
    root_at_info.setLevel(logging.DEBUG)  # ASSISTANT_LOG_LEVEL=DEBUG still shows them
    assert logging.getLogger("bm25s").isEnabledFor(logging.DEBUG)
