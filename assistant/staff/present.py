"""How handoff records look to staff: labels, times in Japan time, masked phone numbers, JSON shapes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from assistant.handoff.buttons import is_button, shown_text
from assistant.handoff.profile import CHANNEL_LABELS, STATUS_LABELS, HandoffProfile, load_handoff_profile
from assistant.storage.models import OPEN_STATUSES, AuditEntry, Handoff, HandoffMessage, utcnow

JST = dt.timezone(dt.timedelta(hours=9), "JST")
AUTHOR_LABELS = {"resident": "住民", "bot": "ナビ（自動応答）", "staff": "職員"}
ACTION_LABELS = {
    "view": "相談を開いた", "report": "月次レポートを作った", "assign": "担当した", "take_over": "引き継いだ", "reply": "返信した", "resolve": "終了にした",
    "login": "ログイン", "login_failed": "ログイン失敗", "logout": "ログアウト",
    "review_entry": "見直し：回答を選んだ", "review_new_answer": "見直し：新しい回答が必要", "review_not_in_scope": "見直し：対象外",
    "answer_publish": "回答を公開した", "answer_submit": "回答の承認を依頼した", "answer_approve": "回答を承認して公開した",
    "answer_reject": "回答を差し戻した", "answer_restore": "回答を前の版に戻した",
}


@dataclass(frozen=True)
class Labels:
    """The Japanese names staff see for reasons, outcomes, topics and guides."""

    profile: HandoffProfile
    topics: Mapping[str, str]
    guides: Mapping[str, str]

    @classmethod
    def load(cls, knowledge_dir: Path) -> "Labels":
        from assistant.knowledge import load_knowledge

        knowledge = load_knowledge(knowledge_dir)
        return cls(load_handoff_profile(knowledge_dir),
                   {t.id: t.title for t in knowledge.topics.values()},
                   {g.id: g.title for g in knowledge.guides.values()})

    def topic(self, topic_id: Optional[str]) -> Optional[str]:
        return self.topics.get(topic_id, topic_id) if topic_id else None

    def guide(self, guide_id: Optional[str]) -> Optional[str]:
        return self.guides.get(guide_id, guide_id) if guide_id else None


def iso(value: Optional[dt.datetime]) -> Optional[str]:
    """A stored (naive UTC) time as ISO 8601 with Z."""
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z" if value else None


def jst(value: Optional[dt.datetime], fmt: str = "%Y/%m/%d %H:%M") -> str:
    """A stored (naive UTC) time in Japan time."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(JST).strftime(fmt)


def jst_text(value: Any, fmt: str = "%m/%d %H:%M") -> str:
    """A transcript's `at` (ISO text, UTC unless it says otherwise) in Japan time; other text as it is."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value[:40]
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(JST).strftime(fmt)


def mask_phone(phone: Optional[str]) -> Optional[str]:
    """090-1234-5678 -> 090-****-5678: the first three and last four digits stay, separators stay."""
    if not phone:
        return None
    digits = sum(c.isdigit() for c in phone)
    keep_head, keep_tail = (3, 4) if digits >= 8 else (0, 2)
    out, seen = [], 0
    for char in phone:
        if char.isdigit():
            seen += 1
            out.append(char if seen <= keep_head or seen > digits - keep_tail else "*")
        else:
            out.append(char)
    return "".join(out)


def minutes_between(start: Optional[dt.datetime], end: Optional[dt.datetime]) -> int:
    if start is None:
        return 0
    return max(0, int(((end or utcnow()) - start).total_seconds() // 60))


def kiosk_call(record: Handoff) -> Optional[str]:
    if record.channel != "kiosk":
        return None
    return f"キオスク {record.kiosk_id} が職員を呼んでいます" if record.kiosk_id else "キオスクが職員を呼んでいます"


def summary(record: Handoff, labels: Labels) -> Dict[str, Any]:
    """A handoff as the queue and search lists show it (the callback phone number masked)."""
    staff = record.staff
    is_open = record.status in OPEN_STATUSES
    return {
        "id": record.id,
        "status": record.status,
        "status_label": STATUS_LABELS.get(record.status, record.status),
        "is_open": is_open,
        "channel": record.channel,
        "channel_label": CHANNEL_LABELS.get(record.channel, record.channel),
        "kiosk_id": record.kiosk_id,
        "kiosk_call": kiosk_call(record),
        "reason": record.reason,
        "reason_label": labels.profile.reasons.get(record.reason, record.reason),
        "topic": record.topic,
        "topic_label": labels.topic(record.topic),
        "guide_id": record.guide_id,
        "guide_title": labels.guide(record.guide_id),
        "guide_step": record.guide_step,
        "guide_step_title": record.guide_step_title,
        "created_at": iso(record.created_at),
        "created_at_jst": jst(record.created_at),
        "waited_minutes": minutes_between(record.created_at, None if is_open else record.resolved_at),
        "staff": {"username": staff.username, "display_name": staff.display_name} if staff else None,
        "assigned_at": iso(record.assigned_at),
        "resolved_at": iso(record.resolved_at),
        "resolved_at_jst": jst(record.resolved_at),
        "outcome": record.outcome,
        "outcome_label": labels.profile.outcomes.get(record.outcome, record.outcome) if record.outcome else None,
        "satisfaction": record.satisfaction,
        "callback_phone_masked": mask_phone(record.callback_phone),
        "resident_said": last_resident_text(record, topics=labels.topics),
    }


def last_resident_text(record: Handoff, limit: int = 80, topics: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """What the resident last wrote before the handoff (already redacted), shortened for a list: their own
    typed words when there are any, else the last button they pressed, by its title."""
    pressed = None
    for line in reversed(record.transcript or []):
        if isinstance(line, dict) and line.get("who") == "resident" and line.get("text"):
            text = " ".join(str(line["text"]).split())
            if is_button(text):
                pressed = pressed or shown_text(text, record.channel, topics)
                continue
            return text if len(text) <= limit else text[:limit - 1] + "…"
    return pressed


def transcript(record: Handoff, topics: Optional[Mapping[str, str]] = None) -> List[Dict[str, Any]]:
    lines = []
    for line in record.transcript or []:
        if not isinstance(line, dict):
            continue
        who = "resident" if line.get("who") == "resident" else "bot"
        text = str(line.get("text") or "")
        if who == "resident":
            text = shown_text(text, record.channel, topics)
        lines.append({"who": who, "who_label": AUTHOR_LABELS[who], "text": text,
                      "at": line.get("at"), "at_jst": jst_text(line.get("at"))})
    return lines


def detail(record: Handoff, labels: Labels) -> Dict[str, Any]:
    """A handoff as the conversation view shows it: with the transcript and the callback details."""
    return {**summary(record, labels), "transcript": transcript(record, labels.topics), "callback_phone": record.callback_phone,
            "callback_time": record.callback_time, "staff_notes": record.staff_notes}


def message(row: HandoffMessage, topics: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    label = AUTHOR_LABELS.get(row.author, row.author)
    text = shown_text(row.text, row.channel, topics) if row.author == "resident" else row.text
    if row.author == "staff" and row.staff is not None:
        label = f"職員（{row.staff.display_name}）"
    return {"id": row.id, "author": row.author, "author_label": label, "text": text,
            "buttons": [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                        for b in (row.buttons or []) if isinstance(b, dict)],
            "created_at": iso(row.created_at), "created_at_jst": jst(row.created_at, "%m/%d %H:%M"),
            "delivered": row.delivered_at is not None}


def audit_row(entry: AuditEntry) -> Dict[str, Any]:
    return {"id": entry.id, "at": iso(entry.at), "at_jst": jst(entry.at, "%Y/%m/%d %H:%M:%S"),
            "username": entry.username, "action": entry.action,
            "action_label": ACTION_LABELS.get(entry.action, entry.action), "handoff_id": entry.handoff_id,
            "detail": entry.detail, "remote_addr": entry.remote_addr}
