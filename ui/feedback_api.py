"""``POST /api/v1/feedback``: 👍/👎 from the widget (and any page that is not Gradio).

The chat records its feedback through Gradio's like event; the widget is a
plain page, so it posts the rated exchange here. Same store, same columns,
``source="widget"``; nothing is kept but what the person chose to send.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from assistant.feedback import FeedbackStore
    from ui.answer_signature import AnswerSigner


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
    signature: str = Field(
        default="", max_length=128, description="The rated answer's `signature` from /api/v1/ask."
    )


def build_feedback_router(store: FeedbackStore, signer: AnswerSigner) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/api/v1/feedback",
        tags=["api"],
        status_code=201,
        responses={403: {"description": "The rated answer was not given by this service."}},
    )
    def feedback(item: FeedbackIn) -> dict[str, int]:
        """Store a 👍 or 👎 on one answer (with an optional comment).

        Only answers this service gave are accepted (their ``signature``): invented
        questions would otherwise reach the editors' console as real ones.
        """
        if not signer.verify(item.question, item.answer, item.signature):
            raise HTTPException(
                status_code=403,
                detail="Cet avis ne correspond à aucune réponse donnée par l'assistant.",
            )
        try:
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
        except SQLAlchemyError as exc:  # the shared database is down: say so, keep answering
            raise HTTPException(
                status_code=503,
                detail="Votre avis n'a pas pu être enregistré : réessayez plus tard. "
                "(Feedback is unavailable right now.)",
            ) from exc
        return {"id": row}

    return router
