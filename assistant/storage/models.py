"""Tables of the product's own database. Times are naive UTC; every text stored here is redacted,
except a callback phone number, which lives only in `handoffs.callback_phone`."""
# Longer than 300 lines: every table of the product's database in one module, as the migrations and Alembic see them.
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()
metadata = Base.metadata

# A conversation has at most one handoff in these states (a partial unique index holds it).
OPEN_STATUSES = ("waiting", "assigned", "callback_collecting", "callback_requested")
CHAT_STATUSES = ("waiting", "assigned")  # the bot is paused and staff answer in the chat
STATUSES = OPEN_STATUSES + ("resolved", "called_back", "cancelled")
_OPEN_SQL = "status IN ('waiting', 'assigned', 'callback_collecting', 'callback_requested')"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class StaffUser(Base):
    __tablename__ = "staff_users"
    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    display_name = sa.Column(sa.String(100), nullable=False)
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False, default="staff")  # staff | admin
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    deactivated_at = sa.Column(sa.DateTime)


class StaffSession(Base):
    __tablename__ = "staff_sessions"
    id = sa.Column(sa.String(64), primary_key=True)  # sha256 of the cookie value; the value itself is never stored
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False)
    staff = relationship(StaffUser, lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(100), nullable=False)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    revoked_at = sa.Column(sa.DateTime)
    staff = relationship(StaffUser, lazy="joined")


class Handoff(Base):
    __tablename__ = "handoffs"
    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(128), nullable=False, index=True)
    channel = sa.Column(sa.String(16), nullable=False)
    reason = sa.Column(sa.String(32), nullable=False)
    topic = sa.Column(sa.String(64))
    guide_id = sa.Column(sa.String(64))
    guide_step = sa.Column(sa.Integer)  # 1-based, as the resident saw it
    guide_step_title = sa.Column(sa.String(200))
    kiosk_id = sa.Column(sa.String(32))
    transcript = sa.Column(sa.JSON, nullable=False, default=list)  # [{"who": "resident|bot", "text", "at"}], redacted
    status = sa.Column(sa.String(24), nullable=False, index=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    assigned_at = sa.Column(sa.DateTime)
    resolved_at = sa.Column(sa.DateTime)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    outcome = sa.Column(sa.String(32))
    staff_notes = sa.Column(sa.Text)
    callback_phone = sa.Column(sa.String(32))
    callback_time = sa.Column(sa.String(200))
    callback_consent_at = sa.Column(sa.DateTime)
    satisfaction = sa.Column(sa.Integer)
    staff = relationship(StaffUser, lazy="joined")

    __table_args__ = (
        sa.Index("one_open_handoff_per_conversation", "conversation_id", unique=True,
                 sqlite_where=sa.text(_OPEN_SQL), postgresql_where=sa.text(_OPEN_SQL)),
    )


class HandoffMessage(Base):
    __tablename__ = "handoff_messages"
    id = sa.Column(sa.Integer, primary_key=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_id = sa.Column(sa.String(128), nullable=False)
    channel = sa.Column(sa.String(16), nullable=False)
    author = sa.Column(sa.String(16), nullable=False)  # resident | staff | bot
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    text = sa.Column(sa.Text, nullable=False)
    buttons = sa.Column(sa.JSON)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    # For messages to the resident: when their channel took it (None = still to deliver).
    delivered_at = sa.Column(sa.DateTime)
    staff = relationship(StaffUser, lazy="joined")

    __table_args__ = (
        sa.Index("pending_by_conversation", "conversation_id", "delivered_at"),
        sa.Index("pending_by_channel", "channel", "delivered_at"),
    )


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    staff_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id"))
    username = sa.Column(sa.String(64))
    action = sa.Column(sa.String(32), nullable=False)
    handoff_id = sa.Column(sa.Integer)
    detail = sa.Column(sa.String(200))
    remote_addr = sa.Column(sa.String(64))


class TelegramChat(Base):
    """A Telegram conversation: the sender id the assistant knows and the chat that staff replies go to.
    The Telegram user id itself is not stored: `user_key` is its keyed hash."""

    __tablename__ = "telegram_chats"
    sender_id = sa.Column(sa.String(64), primary_key=True)
    chat_id = sa.Column(sa.BigInteger, nullable=False)
    user_key = sa.Column(sa.String(64), nullable=False)  # looked up through the unique constraint below
    generation = sa.Column(sa.Integer, nullable=False, default=0)  # counts the resident's /reset
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("user_key", "generation", name="one_sender_per_generation"),)


class TelegramButton(Base):
    """A button payload too long for Telegram's 64-byte callback data, kept under a short key."""

    __tablename__ = "telegram_buttons"
    key = sa.Column(sa.String(32), primary_key=True)
    payload = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)


# --- analytics (assistant/analytics/): compact rows copied from the tracker store and the handoffs.
# No sender id, phone number or clear personal data: residents are keyed hashes, texts are redacted.
# `local_date`/`local_hour` are Japan time, so measures group by day and hour the same way on
# SQLite and PostgreSQL.


class AnalyticsWatermark(Base):
    """How far the collector has read a source: the last tracker event id, or the handoffs' last update."""

    __tablename__ = "analytics_watermarks"
    source = sa.Column(sa.String(64), primary_key=True)
    last_id = sa.Column(sa.BigInteger, nullable=False, default=0)
    last_at = sa.Column(sa.DateTime)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class AnalyticsConversation(Base):
    """One conversation session of the tracker store (from a session start to the next)."""

    __tablename__ = "analytics_conversations"
    id = sa.Column(sa.Integer, primary_key=True)
    source = sa.Column(sa.String(64), nullable=False)
    first_event_id = sa.Column(sa.BigInteger, nullable=False)
    resident = sa.Column(sa.String(64), nullable=False)  # HMAC-SHA256 of the sender id
    channel = sa.Column(sa.String(16))  # of its first message
    started_at = sa.Column(sa.DateTime, nullable=False)
    last_at = sa.Column(sa.DateTime, nullable=False)
    local_date = sa.Column(sa.Date, nullable=False, index=True)
    local_hour = sa.Column(sa.SmallInteger, nullable=False)
    messages = sa.Column(sa.Integer, nullable=False, default=0)
    handoff_offered = sa.Column(sa.Boolean, nullable=False, default=False)  # a person offered while the desk was closed
    awaiting_phone = sa.Column(sa.Boolean, nullable=False, default=False)  # the callback number is being asked for
    age_band = sa.Column(sa.String(16))  # given by the resident at the end (or "declined"); None = not asked or no answer

    __table_args__ = (
        sa.UniqueConstraint("source", "first_event_id", name="one_conversation_per_session_start"),
        sa.Index("conversations_by_resident", "resident", "started_at"),
    )


class AnalyticsMessage(Base):
    """One resident message: channel, intent and confidence; the redacted text only when not understood."""

    __tablename__ = "analytics_messages"
    id = sa.Column(sa.Integer, primary_key=True)
    source = sa.Column(sa.String(64), nullable=False)
    event_id = sa.Column(sa.BigInteger, nullable=False)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_conversations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    at = sa.Column(sa.DateTime, nullable=False)
    local_date = sa.Column(sa.Date, nullable=False, index=True)
    local_hour = sa.Column(sa.SmallInteger, nullable=False)
    channel = sa.Column(sa.String(16))
    intent = sa.Column(sa.String(64))
    confidence = sa.Column(sa.Float)
    typed = sa.Column(sa.Boolean, nullable=False)  # False for a button press
    fallback = sa.Column(sa.Boolean, nullable=False, default=False)  # nlu_fallback
    out_of_scope = sa.Column(sa.Boolean, nullable=False, default=False)
    text = sa.Column(sa.Text)  # redacted, for fallbacks only

    __table_args__ = (sa.UniqueConstraint("source", "event_id", name="one_row_per_message_event"),)


class AnalyticsTopic(Base):
    """A topic answered (the slot last_topic set)."""

    __tablename__ = "analytics_topics"
    id = sa.Column(sa.Integer, primary_key=True)
    source = sa.Column(sa.String(64), nullable=False)
    event_id = sa.Column(sa.BigInteger, nullable=False)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_conversations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    at = sa.Column(sa.DateTime, nullable=False)
    topic = sa.Column(sa.String(64), nullable=False)

    __table_args__ = (sa.UniqueConstraint("source", "event_id", name="one_row_per_topic_event"),)


class AnalyticsGuideEvent(Base):
    """A step event of a guide (the slot guide_event set)."""

    __tablename__ = "analytics_guide_events"
    id = sa.Column(sa.Integer, primary_key=True)
    source = sa.Column(sa.String(64), nullable=False)
    event_id = sa.Column(sa.BigInteger, nullable=False)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_conversations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    at = sa.Column(sa.DateTime, nullable=False)
    kind = sa.Column(sa.String(24), nullable=False)  # guide_started, step_shown, step_done, step_stuck, guide_completed, guide_abandoned
    guide = sa.Column(sa.String(64), nullable=False)
    step = sa.Column(sa.String(64))
    position = sa.Column(sa.SmallInteger)  # 1-based, as the resident saw it (step_shown)
    total = sa.Column(sa.SmallInteger)
    times = sa.Column(sa.SmallInteger)  # step_stuck: the how-manieth 「わからない」 on the step
    reason = sa.Column(sa.String(16))  # guide_abandoned: stop, handoff, replaced
    channel = sa.Column(sa.String(16))

    __table_args__ = (sa.UniqueConstraint("source", "event_id", name="one_row_per_guide_event"),)


class AnalyticsHandoff(Base):
    """A handoff record without its texts and phone number, linked to its conversation when found."""

    __tablename__ = "analytics_handoffs"
    id = sa.Column(sa.Integer, primary_key=True)
    handoff_id = sa.Column(sa.Integer, nullable=False, unique=True)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_conversations.id", ondelete="SET NULL"), index=True)
    resident = sa.Column(sa.String(64), nullable=False)
    channel = sa.Column(sa.String(16), nullable=False)
    kiosk_id = sa.Column(sa.String(32))
    reason = sa.Column(sa.String(32), nullable=False)
    topic = sa.Column(sa.String(64))
    guide = sa.Column(sa.String(64))
    guide_step = sa.Column(sa.Integer)
    status = sa.Column(sa.String(24), nullable=False)
    outcome = sa.Column(sa.String(32))
    satisfaction = sa.Column(sa.Integer)
    created_at = sa.Column(sa.DateTime, nullable=False)
    resolved_at = sa.Column(sa.DateTime)
    local_date = sa.Column(sa.Date, nullable=False, index=True)
    source_updated_at = sa.Column(sa.DateTime, nullable=False)


class AnswerFeedback(Base):
    """A resident's 「役に立った」 or 「役に立たなかった」 under an answer: the entry, the channel and when; nothing about who."""

    __tablename__ = "answer_feedback"
    id = sa.Column(sa.Integer, primary_key=True)
    entry = sa.Column(sa.String(130), nullable=False, index=True)  # "topic/entry"
    helpful = sa.Column(sa.Boolean, nullable=False)
    channel = sa.Column(sa.String(16))
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    local_date = sa.Column(sa.Date, nullable=False, index=True)  # Japan time


class AnswerVersion(Base):
    """One version of a knowledge entry's answer written in the staff console (assistant/knowledge/versions.py):
    texts as in knowledge/ (placeholders unfilled), who wrote it and when, and who published it."""

    __tablename__ = "answer_versions"
    id = sa.Column(sa.Integer, primary_key=True)
    entry = sa.Column(sa.String(130), nullable=False, index=True)  # "topic/entry"
    answer = sa.Column(sa.Text, nullable=False)
    easy = sa.Column(sa.Text, nullable=False)
    source = sa.Column(sa.Text, nullable=False)
    checked = sa.Column(sa.Date, nullable=False)
    review_by = sa.Column(sa.Date)
    note = sa.Column(sa.String(200))  # the editor's reason, or "版 3 に戻す"
    # The はい/いいえ short answer (knowledge/yes_no.yml) published with it: NULL = the file's, "" = none.
    yes_no = sa.Column(sa.Text)
    yes_no_opposite = sa.Column(sa.String(200))
    state = sa.Column(sa.String(16), nullable=False, index=True)  # pending | published | rejected | superseded
    created_by = sa.Column(sa.String(64), nullable=False)  # username
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    decided_by = sa.Column(sa.String(64))  # who published (approved) or rejected it
    decided_at = sa.Column(sa.DateTime)  # when it went live (published) or was rejected


class ReviewItem(Base):
    """A resident's message for the review queue (assistant/staff/review_items.py): why it came (the assistant could not
    place it, a low confidence, or 役に立たなかった / わからない / a handoff after its answer), its redacted text, and the
    decision staff made: the right entry, 「新しい回答が必要」 with a note, or 「対象外」."""

    __tablename__ = "review_items"
    id = sa.Column(sa.Integer, primary_key=True)
    source = sa.Column(sa.String(64), nullable=False)
    event_id = sa.Column(sa.BigInteger, nullable=False)  # the resident's message in the tracker store
    at = sa.Column(sa.DateTime, nullable=False, index=True)
    kind = sa.Column(sa.String(16), nullable=False)  # unplaced, out_of_scope, low_confidence, unhelpful, stuck, handoff
    text = sa.Column(sa.Text)  # redacted; None once the retention period has passed
    guess = sa.Column(sa.String(130))  # the entry the assistant answered with (or thought likeliest)
    confidence = sa.Column(sa.Float)
    theme = sa.Column(sa.String(64))  # the topic of the guess; None when nothing was guessed
    channel = sa.Column(sa.String(16))
    decision = sa.Column(sa.String(16), index=True)  # entry, new_answer, not_in_scope; None = still to review
    entry = sa.Column(sa.String(130))  # "topic/entry" for the decision entry
    note = sa.Column(sa.String(500))  # for new_answer
    decided_by = sa.Column(sa.String(64))
    decided_at = sa.Column(sa.DateTime)

    __table_args__ = (sa.UniqueConstraint("source", "event_id", name="one_review_item_per_message"),)
