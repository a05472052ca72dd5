"""``POST /api/v1/feedback``: 👍/👎 from the widget (and any page that is not Gradio).

The chat records its feedback through Gradio's like event; the widget is a
plain page, so it posts the rated exchange here. Same store, same columns,
``source="widget"``; nothing is kept but what the person chose to send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from assistant.feedback import FeedbackStore


class FeedbackIn(BaseModel):
    """One rated answer."""

    rating: Literal[-1, 1] = Field(description="1 for 👍, -1 for 👎.")
    question: str = Field(default="", max_length=2000)
    answer: str = Field(default="", max_length=8000)
    citations: list[str] = Field(default_factory=list, max_length=20)
    lang: Literal["fr", "en", ""] = ""
    kind: str = Field(default="", max_length=32)
    session: str = Field(default="", max_length=64)
    comment: str = Field(default="", max_length=2000)


def build_feedback_router(store: FeedbackStore) -> APIRouter:
    router = APIRouter()

    @router.post("/api/v1/feedback", tags=["api"], status_code=201)
    def feedback(item: FeedbackIn) -> dict[str, int]:
        """Store a 👍 or 👎 on one answer (with an optional comment)."""
        row = store.record(
            rating=item.rating,
            question=item.question,
            answer=item.answer,
            citations=[c[:128] for c in item.citations],
            lang=item.lang,
            kind=item.kind,
            session=item.session,
            source="widget",
            comment=item.comment,
        )
        return {"id": row}

    return router
