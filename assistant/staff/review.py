"""The console's 「確認が必要な回答」 page (editors and admins): answers to compare with their source again, with the links."""
from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.knowledge.currency import DEFAULT_MONTHS, due_for_review
from assistant.staff.auth import Principal
from assistant.staff.dashboard import today_in_japan
from assistant.staff.pages import _page, render

MONTH_CHOICES = (3, 6, 12)


def blueprint() -> Blueprint:
    bp = Blueprint("staff_review", url_prefix="/staff")

    @bp.get("/review")
    @_page(ability="answers")
    async def review(request: Request, who: Principal) -> HTTPResponse:
        raw = request.args.get("months", "")
        months = int(raw) if raw.isdigit() and int(raw) in MONTH_CHOICES else DEFAULT_MONTHS

        def items():
            from assistant.knowledge import load_knowledge

            # Read afresh: staff may have corrected a file since the console started.
            return due_for_review(load_knowledge(request.app.ctx.settings.knowledge_dir), today_in_japan(), months)

        return render(request, "review.html", who, nav="review", items=await asyncio.to_thread(items),
                      months=months, choices=MONTH_CHOICES)

    return bp
