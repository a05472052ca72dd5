"""``/admin``: the editors' console (role editor).

* activity: questions per day, refusal rate, 👎 rate, latency p50/p95 (SVG);
* content gaps: unanswered and 👎 questions grouped by meaning, with counts and
  examples, each with "Rédiger une entrée de FAQ" (``/admin/faq-draft``);
* corpus freshness: documents not reviewed for ``ASSISTANT_REVIEW_MONTHS``;
* the last ``assistant eval`` summary.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from assistant.db.models import utcnow
from assistant.gaps import (
    REASON_LABELS,
    cluster_gaps,
    faq_draft,
    last_eval_summary,
    stale_documents,
)
from assistant.questionlog import daily_stats, gaps
from ui.staff.charts import chart

if TYPE_CHECKING:
    from ui.staff import Staff

MAX_GAPS = 3000


def clusters_for(staff: Staff, days: int) -> list[Any]:
    found = gaps(staff.db, utcnow() - timedelta(days=days))[-MAX_GAPS:]
    return cluster_gaps(found, staff.raw_bot.embedder.encode_queries)


def admin_router(staff: Staff) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    auth, pages = staff.auth, staff.pages

    @router.get("/admin", response_class=HTMLResponse)
    def console(request: Request, days: int = Query(30, ge=1, le=365)) -> HTMLResponse:
        session = auth.require(request, "editor")
        stats = daily_stats(staff.db, days=days)
        dates = [s.day for s in stats]
        charts = [
            chart(
                "Questions par jour",
                dates,
                [("questions", [s.questions for s in stats], "#b5121b")],
                bars=True,
            ),
            chart(
                "Taux de refus et d’avis négatifs",
                dates,
                [
                    ("refus", [s.refusal_rate for s in stats], "#b5121b"),
                    ("avis négatifs", [s.dislike_rate for s in stats], "#1f5fa8"),
                ],
                percent=True,
            ),
            chart(
                "Temps de réponse (ms)",
                dates,
                [
                    ("p50", [s.p50_ms for s in stats], "#1f7a3a"),
                    ("p95", [s.p95_ms for s in stats], "#8a4b00"),
                ],
                unit=" ms",
            ),
        ]
        clusters = clusters_for(staff, days)[:30]
        metadatas = getattr(getattr(staff.raw_bot, "searcher", None), "metadatas", []) or []
        return HTMLResponse(
            pages.render(
                "admin.html",
                title="Console éditoriale",
                session=session,
                days=days,
                stats=stats,
                charts=charts,
                clusters=clusters,
                reasons=REASON_LABELS,
                stale=stale_documents(metadatas, staff.settings.review_months),
                review_months=staff.settings.review_months,
                documents=len({m.get("doc_id") for m in metadatas}),
                evaluation=last_eval_summary(staff.settings.reports_dir),
            ),
            headers={"cache-control": "no-store"},
        )

    @router.get("/admin/faq-draft", response_class=HTMLResponse)
    def draft(
        request: Request,
        cluster: str = Query(..., max_length=16),
        days: int = Query(30, ge=1, le=365),
        format: str = Query("html", pattern="^(html|yaml)$"),
    ) -> Any:
        session = auth.require(request, "editor")
        found = next((c for c in clusters_for(staff, days) if c.key == cluster), None)
        if found is None:
            raise HTTPException(status_code=404, detail="Groupe de questions introuvable.")
        text = faq_draft(found)
        if format == "yaml":
            return PlainTextResponse(
                text,
                media_type="application/yaml; charset=utf-8",
                headers={"content-disposition": f'attachment; filename="faq-{cluster}.yaml"'},
            )
        return HTMLResponse(
            pages.render(
                "faq_draft.html",
                title="Brouillon d'entrée de FAQ",
                session=session,
                cluster=found,
                yaml_text=text,
                days=days,
            )
        )

    return router
