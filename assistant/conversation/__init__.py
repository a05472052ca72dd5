"""Conversation handling: turning follow-up questions into standalone queries."""

from assistant.conversation.rewrite import (
    HeuristicRewriter,
    QueryRewriter,
    is_elliptic,
    rewrite_query,
)

__all__ = ["HeuristicRewriter", "QueryRewriter", "is_elliptic", "rewrite_query"]
