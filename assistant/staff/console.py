"""What staff do with handoffs (open, assign, reply, resolve, search), with the checks and audit entries."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Mapping, Optional, Tuple

from assistant.handoff.profile import STATUS_LABELS, satisfaction_buttons
from assistant.handoff.store import MAX_STAFF_MESSAGE_CHARS, HandoffError, HandoffStore, HandoffTaken
from assistant.staff.accounts import StaffAccounts
from assistant.staff.auth import Principal
from assistant.staff.present import Labels
from assistant.storage.models import CHAT_STATUSES, OPEN_STATUSES, STATUSES, Handoff, HandoffMessage

MAX_ID = 2**31 - 1
MAX_NOTES_CHARS = 4000
SEARCH_KEYS = ("status", "topic", "outcome", "from", "to")


class ConsoleError(Exception):
    """A request the console refuses, with its HTTP status, a code and a message for staff."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse_id(raw: Any, what: str = "id") -> int:
    """A positive database id; 404 for anything else (also for ids too large for the database)."""
    try:
        value = int(str(raw))
    except ValueError:
        raise ConsoleError(404, "not_found", "その相談は見つかりません。") from None
    if not 1 <= value <= MAX_ID:
        raise ConsoleError(404, "not_found", "その相談は見つかりません。")
    return value


def parse_after(raw: Optional[str]) -> int:
    if raw in (None, ""):
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ConsoleError(400, "bad_request", "after は数字で指定してください。") from None
    if not 0 <= value <= MAX_ID:
        raise ConsoleError(400, "bad_request", "after の値が範囲外です。")
    return value


def storable(text: Any) -> bool:
    """False for text no database can keep: a lone surrogate (JSON's "\\ud800" with no pair)."""
    return not isinstance(text, str) or not any("\ud800" <= c <= "\udfff" for c in text)


def _refused(exc: HandoffError) -> ConsoleError:
    if isinstance(exc, HandoffTaken):
        return ConsoleError(409, "taken", f"{exc}引き継ぐときは「引き継ぐ」を使ってください。")
    return ConsoleError(409, "closed", str(exc))


def _date(raw: Optional[str], label: str) -> Optional[dt.date]:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConsoleError(400, "bad_request", f"{label}は 2026-04-01 の形で指定してください。") from None


class Console:
    """The staff side of handoffs over the store, audited in the accounts' log; every method is blocking
    (call it in a thread)."""

    def __init__(self, store: HandoffStore, labels: Labels, accounts: Optional[StaffAccounts] = None) -> None:
        self.store, self.labels = store, labels
        self.accounts = accounts or StaffAccounts(store.engine)

    # --- reading --------------------------------------------------------------------------
    def find(self, handoff_id: Any) -> Handoff:
        try:
            return self.store.get(parse_id(handoff_id))
        except HandoffError:
            raise ConsoleError(404, "not_found", "その相談は見つかりません。") from None

    def view(self, who: Principal, handoff_id: Any, remote_addr: str,
             detail: Optional[str] = None) -> Tuple[Handoff, List[HandoffMessage]]:
        """The record and all its messages; writes the audit entry "view"."""
        record = self.find(handoff_id)
        self.accounts.audit(who.staff, "view", record.id, detail=detail, remote_addr=remote_addr)
        return record, self.store.messages(record.id)

    def messages(self, handoff_id: Any, after: Optional[str]) -> Tuple[Handoff, List[HandoffMessage]]:
        record = self.find(handoff_id)
        return record, self.store.messages(record.id, parse_after(after))

    def queue(self) -> List[Handoff]:
        return self.store.queue()

    def search_filters(self, params: Mapping[str, Optional[str]]) -> Dict[str, Any]:
        """The store's search arguments from form or query values; 400 for values it does not know."""
        if not all(storable(value) for value in params.values()):
            raise ConsoleError(400, "bad_request", "検索条件に使えない文字が含まれています。")
        date_from, date_to = _date(params.get("from"), "開始日"), _date(params.get("to"), "終了日")
        if date_from and date_to and date_from > date_to:
            raise ConsoleError(400, "bad_request", "開始日が終了日より後になっています。")
        topic = (params.get("topic") or "").strip() or None
        if topic and len(topic) > 64:
            raise ConsoleError(400, "bad_request", "話題の指定が長すぎます。")
        outcome = (params.get("outcome") or "").strip() or None
        if outcome and outcome not in self.labels.profile.outcomes:
            raise ConsoleError(400, "bad_request", "対応結果の指定が正しくありません。")
        status = (params.get("status") or "").strip() or None
        if status and status not in STATUSES:
            raise ConsoleError(400, "bad_request", "状態の指定が正しくありません。")
        return {"date_from": date_from, "date_to": date_to, "topic": topic, "outcome": outcome, "status": status}

    def search(self, params: Mapping[str, Optional[str]]) -> List[Handoff]:
        return self.store.search(**self.search_filters(params))

    # --- acting ---------------------------------------------------------------------------
    def assign(self, who: Principal, handoff_id: Any, remote_addr: str) -> Handoff:
        record = self.find(handoff_id)
        if record.status not in OPEN_STATUSES:
            raise ConsoleError(409, "closed", "この相談はすでに終了しています。")
        try:
            record = self.store.assign(record.id, who.staff.id)
        except HandoffError as exc:
            raise _refused(exc) from None
        self.accounts.audit(who.staff, "assign", record.id, remote_addr=remote_addr)
        return record

    def take_over(self, who: Principal, handoff_id: Any, remote_addr: str) -> Handoff:
        """Makes who the owner of a handoff another staff member has; audited with the previous owner."""
        record = self.find(handoff_id)
        if record.status not in OPEN_STATUSES:
            raise ConsoleError(409, "closed", "この相談はすでに終了しています。")
        previous = record.staff.username if record.staff else None
        try:
            record = self.store.assign(record.id, who.staff.id, take_over=True)
        except HandoffError as exc:
            raise _refused(exc) from None
        self.accounts.audit(who.staff, "take_over", record.id, remote_addr=remote_addr,
                         detail=f"{previous}から引き継ぎ" if previous else None)
        return record

    def reply(self, who: Principal, handoff_id: Any, text: Any, remote_addr: str) -> HandoffMessage:
        """A message to the resident, delivered by their channel; the first reply also assigns."""
        record = self.find(handoff_id)
        if not isinstance(text, str) or not text.strip():
            raise ConsoleError(400, "bad_request", "返信の文を入力してください。")
        if not storable(text):
            raise ConsoleError(400, "bad_request", "返信に使えない文字が含まれています。")
        if len(text.strip()) > MAX_STAFF_MESSAGE_CHARS:
            raise ConsoleError(400, "bad_request", f"返信は{MAX_STAFF_MESSAGE_CHARS}文字までです。")
        if record.status not in CHAT_STATUSES:
            raise ConsoleError(409, "closed", "この相談にはチャットで返信できません（終了済み、または折り返し電話の依頼です）。")
        try:
            message = self.store.reply(record.id, who.staff.id, text)
        except HandoffError as exc:
            raise _refused(exc) from None
        self.accounts.audit(who.staff, "reply", record.id, detail=f"{len(message.text)}文字", remote_addr=remote_addr)
        return self.store.messages(record.id, message.id - 1)[0]  # read back, with its author loaded

    def closing(self) -> Tuple[str, List[Dict[str, str]]]:
        """The message that ends a chat handoff: thanks, and the 1-5 satisfaction question."""
        profile = self.labels.profile
        text = profile.text("resolved") + "\n" + profile.text("satisfaction")
        return text, satisfaction_buttons()

    def resolve(self, who: Principal, handoff_id: Any, outcome: Any, notes: Any, remote_addr: str) -> Handoff:
        """Ends a handoff: a chat becomes resolved (with the closing message), a callback called_back."""
        record = self.find(handoff_id)
        if not isinstance(outcome, str) or outcome not in self.labels.profile.outcomes:
            raise ConsoleError(400, "bad_request", "対応結果を選んでください。")
        if notes is None:
            notes = ""
        if not isinstance(notes, str):
            raise ConsoleError(400, "bad_request", "メモは文字で入力してください。")
        if not storable(notes):
            raise ConsoleError(400, "bad_request", "メモに使えない文字が含まれています。")
        if len(notes) > MAX_NOTES_CHARS:
            raise ConsoleError(400, "bad_request", f"メモは{MAX_NOTES_CHARS}文字までです。")
        if record.status not in OPEN_STATUSES:
            raise ConsoleError(409, "closed", "この相談はすでに終了しています。")
        text, buttons = self.closing() if record.status in CHAT_STATUSES else (None, None)
        try:
            record = self.store.resolve(record.id, who.staff.id, outcome, notes, closing_text=text,
                                        closing_buttons=buttons)
        except HandoffError as exc:
            raise _refused(exc) from None
        detail = f"{STATUS_LABELS.get(record.status, record.status)}・{self.labels.profile.outcomes[outcome]}"
        self.accounts.audit(who.staff, "resolve", record.id, detail=detail, remote_addr=remote_addr)
        return record
