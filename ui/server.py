"""One ASGI app: FastAPI routes plus the Gradio chat mounted at ``/``.

The assistant (model + index) is loaded once per process and shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from assistant.core import Assistant, QuestionError
from ui.chat import build_chat

if TYPE_CHECKING:
    from assistant.settings import Settings


class AskRequest(BaseModel):
    question: str = Field(max_length=2000)
    history: list[dict[str, str]] = Field(default_factory=list)


def create_app(bot: Assistant) -> FastAPI:
    """FastAPI app with the API routes and the chat UI."""
    api = FastAPI(title="Occitanie IA Assistant", version="0.1.0")

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/readyz")
    def readyz() -> dict[str, object]:
        return {
            "status": "ready",
            "model": bot.embedder.model_id,
            "index": bot.manifest.get("build_id"),
            "chunks": bot.manifest.get("counts", {}).get("chunks"),
        }

    @api.post("/api/v1/ask")
    def ask(request: AskRequest) -> dict[str, object]:
        try:
            return bot.ask(request.question, history=request.history).to_dict()
        except QuestionError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc

    return gr.mount_gradio_app(api, build_chat(bot), path="/", footer_links=[])


def run(settings: Settings, host: str, port: int) -> None:
    """Load the assistant once and serve until interrupted."""
    import uvicorn

    bot = Assistant.from_settings(settings)
    uvicorn.run(create_app(bot), host=host, port=port, log_level="info")
