"""The console's 「回答の編集」 pages (editors and admins): find an answer, edit it with the loader's checks and a
preview, publish it (or have a second editor approve it), compare and restore its versions; every step audited."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.knowledge.edit import (
    FIELD_LABELS, SHORT_REVIEWED, EditError, check, file_entry, file_short, form_values, split_key,
)
from assistant.knowledge.live import load_with
from assistant.knowledge.versions import PENDING, STATE_LABELS, AnswerVersions, Draft, VersionError, fields_of, short_of
from assistant.staff.answer_preview import compare, preview
from assistant.staff.auth import Principal, client_address
from assistant.staff.pages import _page, render
from assistant.storage.models import AnswerVersion

FILE = "file"  # the version "as written in knowledge/"
MAX_QUERY_CHARS = 50
FORM_FIELDS = ("answer", "easy", "source", "checked", "review_by", "yes_no", "yes_no_opposite", SHORT_REVIEWED, "note")


def _editor(post: bool = False):
    """A page of the answers: a live session (and its CSRF token for a POST) of an editor or admin."""
    return _page(post=post, ability="answers")


def _versions(request: Request) -> AnswerVersions:
    app = request.app
    if not hasattr(app.ctx, "answer_versions"):
        app.ctx.answer_versions = AnswerVersions(app.ctx.store.engine)
    return app.ctx.answer_versions


def _folder(request: Request) -> Path:
    return request.app.ctx.settings.knowledge_dir


def _audit(request: Request, who: Principal, action: str, detail: str) -> None:
    request.app.ctx.accounts.audit(who.staff, action, detail=detail, remote_addr=client_address(request))


def _not_found(request: Request, who: Principal) -> HTTPResponse:
    return render(request, "error.html", who, 404, title="表示できません", message="その回答は見つかりません。")


def _live_values(folder: Path, key: str, raw: Dict[str, Any], live: Optional[AnswerVersion]) -> Dict[str, str]:
    """The entry's form values as residents get it now: its live version (a version of before short answers were
    kept with it has the file's), else knowledge/."""
    short = short_of(live) if live is not None else None
    return form_values(fields_of(live) if live is not None else raw, file_short(folder, key) if short is None else short)


def _row(version: AnswerVersion) -> Dict[str, Any]:
    from assistant.staff.present import jst

    return {"id": version.id, "state": version.state, "state_label": STATE_LABELS.get(version.state, version.state),
            "created_by": version.created_by, "created_at": jst(version.created_at), "note": version.note or "",
            "decided_by": version.decided_by or "", "decided_at": jst(version.decided_at) if version.decided_at else ""}


def blueprint() -> Blueprint:
    bp = Blueprint("staff_answers", url_prefix="/staff/answers")

    @bp.get("/", strict_slashes=False)
    @_editor()
    async def search(request: Request, who: Principal) -> HTTPResponse:
        query = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
        versions = _versions(request)

        def rows() -> List[Dict[str, Any]]:
            live = versions.live()
            knowledge = load_with(_folder(request), {k: fields_of(v) for k, v in live.items()})
            waiting = {v.entry for v in versions.pending()}
            found = []
            for topic in knowledge.topics.values():
                for entry in topic.entries:
                    key = f"{topic.id}/{entry.id}"
                    title = f"{topic.title}：{entry.label}"
                    if query and not any(query.lower() in text.lower() for text in (title, key, entry.answer)):
                        continue
                    found.append({"key": key, "title": title, "checked": entry.checked.isoformat(),
                                  "version": live[key].id if key in live else None, "pending": key in waiting})
            return found

        return render(request, "answers.html", who, nav="answers", rows=await asyncio.to_thread(rows), query=query,
                      pending=[_row(v) | {"entry": v.entry} for v in await asyncio.to_thread(versions.pending)])

    async def _edit_page(request: Request, who: Principal, key: str, values: Optional[Dict[str, str]] = None,
                         error: Optional[EditError] = None, shown: Any = None, status: int = 200) -> HTTPResponse:
        versions, folder = _versions(request), _folder(request)

        def context() -> Optional[Dict[str, Any]]:
            raw = file_entry(folder, key)
            if raw is None:
                return None
            live = versions.live()
            knowledge = load_with(folder, {k: fields_of(v) for k, v in live.items()})
            entry = knowledge.entry_by_key(key)
            if entry is None:
                return None
            topic = knowledge.topics[key.split("/")[0]]
            return {"title": f"{topic.title}：{entry.label}", "live": live.get(key),
                    "initial": _live_values(folder, key, raw, live.get(key)),
                    "history": [_row(v) for v in versions.history(key)],
                    "preview": preview(shown if shown is not None else knowledge, key)}

        found = await asyncio.to_thread(context)
        if found is None:
            return _not_found(request, who)
        settings = request.app.ctx.settings
        return render(request, "answer_edit.html", who, status, nav="answers", key=key, title=found["title"],
                      values=values or found["initial"], live=found["live"], history=found["history"],
                      preview=found["preview"], previewing=shown is not None, error=error, labels=FIELD_LABELS,
                      approval=settings.answer_approval, notice=request.args.get("done", ""))

    @bp.get("/<topic>/<entry>")
    @_editor()
    async def edit(request: Request, who: Principal, topic: str, entry: str) -> HTTPResponse:
        return await _edit_page(request, who, f"{topic}/{entry}")

    @bp.post("/<topic>/<entry>")
    @_editor(post=True)
    async def save(request: Request, who: Principal, topic: str, entry: str) -> HTTPResponse:
        key = f"{topic}/{entry}"
        if split_key(key) is None or await asyncio.to_thread(file_entry, _folder(request), key) is None:
            return _not_found(request, who)
        versions = _versions(request)
        values = {name: request.form.get(name) or "" for name in FORM_FIELDS}
        live = await asyncio.to_thread(versions.live)
        others = {k: fields_of(v) for k, v in live.items() if k != key}
        raw = await asyncio.to_thread(file_entry, _folder(request), key)
        before = await asyncio.to_thread(_live_values, _folder(request), key, raw, live.get(key))
        try:
            checked = await asyncio.to_thread(check, _folder(request), key, values, others, before,
                                              request.form.get("action") == "publish")
        except EditError as error:
            return await _edit_page(request, who, key, values, error=error, status=422)
        if request.form.get("action") != "publish":
            return await _edit_page(request, who, key, values, shown=checked.knowledge)
        version = await _store(request, who, key, checked.draft)
        return response.redirect(f"/staff/answers/{key}?done={'published' if version.state != PENDING else 'pending'}")

    async def _store(request: Request, who: Principal, key: str, draft: Draft, restored: str = "") -> AnswerVersion:
        publish = not request.app.ctx.settings.answer_approval
        version = await asyncio.to_thread(_versions(request).add, key, draft, who.staff.username, publish)
        action = ("answer_restore" if restored else "answer_publish") if publish else "answer_submit"
        detail = f"{key} 版{version.id}" + (f"（{restored}に戻す）" if restored else "")
        await asyncio.to_thread(_audit, request, who, action, detail)
        return version

    def _fields(request: Request, key: str, version_id: str) -> Optional[Dict[str, Any]]:
        """A version's fields: "file" for knowledge/'s own, else a version of this entry."""
        if version_id == FILE:
            raw = file_entry(_folder(request), key)
            if raw is None:
                return None
            fields, short = {name: raw.get(name) for name in ("answer", "easy", "source", "checked", "review_by")}, None
        else:
            version = _versions(request).get(int(version_id)) if version_id.isdigit() and len(version_id) < 10 else None
            if version is None or version.entry != key:
                return None
            fields, short = fields_of(version), short_of(version)
        short = file_short(_folder(request), key) if short is None else short
        return {**fields, "yes_no": (short or {}).get("answer") or "", "yes_no_opposite": (short or {}).get("opposite") or ""}

    @bp.get("/<topic>/<entry>/versions/<version_id>")
    @_editor()
    async def version_page(request: Request, who: Principal, topic: str, entry: str, version_id: str) -> HTTPResponse:
        key = f"{topic}/{entry}"
        versions = _versions(request)

        def context() -> Optional[Dict[str, Any]]:
            after = _fields(request, key, version_id)
            if after is None:
                return None
            history = versions.history(key)
            version = next((v for v in history if str(v.id) == version_id), None)
            live = versions.live_one(key)
            # By default: a waiting version against what is live now; any other against the one before it.
            default = (str(live.id) if live else FILE) if version and version.state == PENDING else \
                next((str(v.id) for v in history if version and v.id < version.id), FILE)
            against = request.args.get("against") or default
            before = _fields(request, key, against)
            if before is None:
                against, before = FILE, _fields(request, key, FILE)
            return {"version": _row(version) if version else None, "rows": compare(before, after), "against": against,
                    "history": [_row(v) for v in history], "live_id": live.id if live else None}

        found = await asyncio.to_thread(context)
        if found is None:
            return _not_found(request, who)
        return render(request, "answer_version.html", who, nav="answers", key=key, version_id=version_id,
                      me_name=who.staff.username, **found)

    @bp.post("/<topic>/<entry>/versions/<version_id>/restore")
    @_editor(post=True)
    async def restore(request: Request, who: Principal, topic: str, entry: str, version_id: str) -> HTTPResponse:
        key = f"{topic}/{entry}"
        fields = await asyncio.to_thread(_fields, request, key, version_id)
        if fields is None:
            return _not_found(request, who)
        others = {k: fields_of(v) for k, v in (await asyncio.to_thread(_versions(request).live)).items() if k != key}
        short = {"answer": fields["yes_no"], "opposite": fields["yes_no_opposite"]}
        # A restored version brings back its own short answer, written and checked with that text.
        form = {**form_values(fields, short), SHORT_REVIEWED: "1",
                "note": f"{'ファイルの内容' if version_id == FILE else '版' + version_id}に戻す"}
        try:
            checked = await asyncio.to_thread(check, _folder(request), key, form, others)
        except EditError as error:
            return await _edit_page(request, who, key, form, error=error, status=422)
        version = await _store(request, who, key, checked.draft,
                               restored="ファイルの内容" if version_id == FILE else f"版{version_id}")
        return response.redirect(f"/staff/answers/{key}?done={'restored' if version.state != PENDING else 'pending'}")

    async def _decide(request: Request, who: Principal, key: str, version_id: str, approve: bool) -> HTTPResponse:
        versions = _versions(request)
        version = await asyncio.to_thread(versions.get, int(version_id)) if version_id.isdigit() and len(version_id) < 10 else None
        if version is None or version.entry != key:
            return _not_found(request, who)
        try:
            await asyncio.to_thread(versions.decide, version.id, who.staff.username, approve)
        except VersionError as exc:
            return render(request, "error.html", who, 409, title="操作できませんでした", message=str(exc))
        await asyncio.to_thread(_audit, request, who, "answer_approve" if approve else "answer_reject",
                                f"{key} 版{version.id}（{version.created_by}さんの版）")
        return response.redirect(f"/staff/answers/{key}?done={'approved' if approve else 'rejected'}")

    @bp.post("/<topic>/<entry>/versions/<version_id>/approve")
    @_editor(post=True)
    async def approve(request: Request, who: Principal, topic: str, entry: str, version_id: str) -> HTTPResponse:
        return await _decide(request, who, f"{topic}/{entry}", version_id, True)

    @bp.post("/<topic>/<entry>/versions/<version_id>/reject")
    @_editor(post=True)
    async def reject(request: Request, who: Principal, topic: str, entry: str, version_id: str) -> HTTPResponse:
        return await _decide(request, who, f"{topic}/{entry}", version_id, False)

    return bp
