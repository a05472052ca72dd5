"""Conversation: follow-up questions rewritten into standalone queries."""

from assistant.conversation.rewrite import HeuristicRewriter, QueryRewriter

__all__ = ["HeuristicRewriter", "QueryRewriter"]
