"""The console's 回答の見直し page (editors and admins): what residents asked and did not get, grouped by theme,
and for each the right answer, 「新しい回答が必要」 or 「対象外」 (every decision audited)."""
from __future__ import annotations

import asyncio
import os
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.staff import present, review_items
from assistant.staff.api import error as json_error, ok as json_ok
from assistant.staff.auth import Principal, authenticate, client_address
from assistant.staff.console import ConsoleError, parse_id
from assistant.staff.pages import _page, render

NO_THEME = "話題がわからない質問"
MAX_RESULTS = 12
REFRESH_SECONDS = 10  # the page looks for new questions this often (review_queue.js)
_GATHERING = threading.Lock()


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


class EntryIndex:
    """The knowledge's entries by `topic/entry`, with their titles, searched by title."""

    def __init__(self, knowledge_dir: Path) -> None:
        from assistant.knowledge import load_knowledge

        knowledge = load_knowledge(knowledge_dir)
        self.titles: Dict[str, str] = OrderedDict(
            (f"{t.id}/{e.id}", f"{t.title}：{e.label}") for t in knowledge.topics.values() for e in t.entries)

    def search(self, query: str) -> List[Tuple[str, str]]:
        words = [_fold(w) for w in (query or "").split() if w.strip()]
        if not words:
            return []
        return [(key, title) for key, title in self.titles.items()
                if all(w in _fold(title) or w in key.lower() for w in words)][:MAX_RESULTS]


def gather(settings) -> None:
    """Reads residents' new messages into the queue (one run at a time; SQLite needs no settling time)."""
    from assistant.analytics.collect import SETTLE_SECONDS, tracker_url

    url = tracker_url(settings.data_dir, os.environ)
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        return
    if not _GATHERING.acquire(blocking=False):
        return
    from assistant.storage.db import make_engine

    tracker, product = sa.create_engine(url, future=True), make_engine(settings.database_url)
    try:
        review_items.Gatherer(tracker, product, settle_seconds=0 if url.startswith("sqlite") else SETTLE_SECONDS,
                              low_confidence=settings.review_confidence).run()
    finally:
        tracker.dispose()
        product.dispose()
        _GATHERING.release()


def _card(item: Any, index: EntryIndex) -> Dict[str, Any]:
    return {"id": item.id, "text": item.text, "kind": review_items.KINDS.get(item.kind, item.kind),
            "when": present.jst(item.at), "channel": item.channel or "", "guess": item.guess,
            "guess_title": index.titles.get(item.guess or "")}


def listed(item: Any, index: EntryIndex, labels) -> Dict[str, Any]:
    """One item of the JSON API: its text (redacted when stored and again when gathered), why it came, its theme."""
    return {"id": item.id, "text": item.text, "kind": item.kind, "kind_label": review_items.KINDS.get(item.kind, item.kind),
            "theme": item.theme, "theme_label": labels.topic(item.theme) if item.theme else NO_THEME,
            "guess": item.guess, "guess_title": index.titles.get(item.guess or ""), "channel": item.channel,
            "at": present.iso(item.at), "at_jst": present.jst(item.at)}


def themes(items: List[Any], index: EntryIndex, labels) -> List[Dict[str, Any]]:
    """Items grouped by theme (the topic the assistant guessed), the theme with the newest item first."""
    groups: "OrderedDict[Optional[str], List[Dict[str, Any]]]" = OrderedDict()
    for item in items:  # newest first
        groups.setdefault(item.theme, []).append(_card(item, index))
    return [{"title": labels.topic(theme) if theme else NO_THEME, "theme": theme or "", "items": cards}
            for theme, cards in groups.items()]


def blueprint() -> Blueprint:
    bp = Blueprint("staff_review_queue", url_prefix="/staff")

    def index_of(request: Request) -> EntryIndex:
        if getattr(request.app.ctx, "entry_index", None) is None:
            request.app.ctx.entry_index = EntryIndex(request.app.ctx.settings.knowledge_dir)
        return request.app.ctx.entry_index

    async def page(request: Request, who: Principal, status: int = 200, error: str = "",
                   notice: str = "") -> HTTPResponse:
        engine = request.app.ctx.store.engine
        await asyncio.to_thread(gather, request.app.ctx.settings)
        index = await asyncio.to_thread(index_of, request)
        items = await asyncio.to_thread(review_items.pending, engine)
        searched = parse_id(request.args.get("item")) if request.args.get("item") else None
        query = (request.args.get("q") or "").strip()[:100]
        decided = await asyncio.to_thread(review_items.recent_decisions, engine)
        return render(request, "review_queue.html", who, status, nav="review_queue",
                      themes=themes(items, index, request.app.ctx.console.labels), count=len(items),
                      searched=searched, query=query, results=index.search(query) if searched else [],
                      decided=[dict(_card(d, index), decision=review_items.DECISIONS.get(d.decision, d.decision),
                                    entry=d.entry, entry_title=index.titles.get(d.entry or ""), note=d.note,
                                    by=d.decided_by, decided=present.jst(d.decided_at)) for d in decided],
                      error=error, notice=notice, refresh_seconds=REFRESH_SECONDS)

    @bp.get("/api/review-queue")
    async def queue_json(request: Request) -> HTTPResponse:
        """The items still to review, newest first: an editor's or admin's session or API token (401 without one,
        403 for the staff role)."""
        who = await authenticate(request, request.app.ctx.accounts)
        if who is None:
            return json_error(401, "unauthorized", "ログインするか、APIトークンを指定してください。")
        if not who.can("answers"):
            return json_error(403, "forbidden", "回答の見直しは、回答の担当と管理者が使えます。")
        await asyncio.to_thread(gather, request.app.ctx.settings)
        index = await asyncio.to_thread(index_of, request)
        items = await asyncio.to_thread(review_items.pending, request.app.ctx.store.engine)
        labels = request.app.ctx.console.labels
        return json_ok({"count": len(items), "items": [listed(item, index, labels) for item in items]})

    @bp.get("/review-queue")
    @_page(ability="answers")
    async def queue(request: Request, who: Principal) -> HTTPResponse:
        notice = {"entry": "回答を選びました。", "new_answer": "「新しい回答が必要」にしました。",
                  "not_in_scope": "「対象外」にしました。"}.get(request.args.get("done", ""), "")
        return await page(request, who, notice=notice)

    @bp.post("/review-queue/<item_id>")
    @_page(post=True, ability="answers")
    async def decide(request: Request, who: Principal, item_id: str) -> HTTPResponse:
        engine = request.app.ctx.store.engine
        number = parse_id(item_id)
        decision = request.form.get("decision") or ""
        entry = (request.form.get("entry") or "").strip()
        note = (request.form.get("note") or "").strip()
        index = await asyncio.to_thread(index_of, request)
        if decision not in review_items.DECISIONS:
            return await page(request, who, 400, error="選び方が正しくありません。")
        if decision == "entry" and entry not in index.titles:
            return await page(request, who, 400, error="回答を一覧から選んでください（タイトルで探せます）。")
        if decision == "new_answer" and not note:
            return await page(request, who, 400, error="「新しい回答が必要」には、どんな回答が要るかのメモを書いてください。")
        if not await asyncio.to_thread(review_items.decide, engine, number, decision, who.staff.username, entry, note):
            raise ConsoleError(404, "not_found", "その項目は見つかりません。")
        detail = f"#{number} " + (entry if decision == "entry" else review_items.DECISIONS[decision])
        await asyncio.to_thread(request.app.ctx.accounts.audit, who.staff, f"review_{decision}", detail=detail,
                                remote_addr=client_address(request))
        return response.redirect(f"/staff/review-queue?done={decision}")

    return bp
