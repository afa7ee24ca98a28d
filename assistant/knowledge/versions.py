"""Versions of answers written in the staff console: kept with who and when, published, approved, rejected, restored."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa

from assistant.storage.db import make_engine, session_factory
from assistant.storage.models import AnswerVersion, utcnow

PENDING, PUBLISHED, REJECTED, SUPERSEDED = "pending", "published", "rejected", "superseded"
STATE_LABELS = {PENDING: "承認待ち", PUBLISHED: "公開", REJECTED: "差し戻し", SUPERSEDED: "取り下げ（新しい版があります）"}
FIELDS = ("answer", "easy", "source", "checked", "review_by")


class VersionError(ValueError):
    """An approval or restore that cannot be done; the message is for staff."""


@dataclass(frozen=True)
class Draft:
    """An answer as an editor wrote it: texts as in knowledge/ (placeholders unfilled), already validated."""

    answer: str
    easy: str
    source: str
    checked: dt.date
    review_by: Optional[dt.date] = None
    note: str = ""
    # The はい/いいえ short answer kept with this text: None = as in knowledge/yes_no.yml, "" = none.
    yes_no: Optional[str] = None
    yes_no_opposite: Optional[str] = None

    def fields(self) -> Dict[str, Any]:
        """The entry's fields as the loader reads them from a file."""
        return {"answer": self.answer, "easy": self.easy, "source": self.source, "checked": self.checked,
                "review_by": self.review_by}

    @classmethod
    def of(cls, version: AnswerVersion, note: str = "") -> "Draft":
        return cls(version.answer, version.easy, version.source, version.checked, version.review_by, note,
                   version.yes_no, version.yes_no_opposite)


def fields_of(version: AnswerVersion) -> Dict[str, Any]:
    return Draft.of(version).fields()


def short_of(version: AnswerVersion) -> Optional[Dict[str, Any]]:
    """The version's はい/いいえ short answer as knowledge/yes_no.yml writes one ({"answer", "opposite"}, answer ""
    for none), or None when the version keeps the file's."""
    if version.yes_no is None:
        return None
    return {"answer": version.yes_no, "opposite": version.yes_no_opposite or None}


class AnswerVersions:
    """Reads and writes of answer_versions (blocking: call in a thread from async code)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.Session = session_factory(engine)

    @classmethod
    def from_url(cls, url: str) -> "AnswerVersions":
        return cls(make_engine(url))

    def add(self, key: str, draft: Draft, username: str, publish: bool) -> AnswerVersion:
        """A new version: live at once (publish), or waiting for a second editor."""
        now = utcnow()
        with self.Session() as s, s.begin():
            version = AnswerVersion(entry=key, answer=draft.answer, easy=draft.easy, source=draft.source,
                                    checked=draft.checked, review_by=draft.review_by, note=(draft.note or None) and draft.note[:200],
                                    yes_no=draft.yes_no, yes_no_opposite=draft.yes_no_opposite or None,
                                    state=PUBLISHED if publish else PENDING, created_by=username, created_at=now,
                                    decided_by=username if publish else None, decided_at=now if publish else None)
            s.add(version)
            s.flush()
            if publish:
                self._supersede(s, key, version.id)
        return version

    @staticmethod
    def _supersede(s, key: str, published_id: int) -> None:
        """Versions still waiting for this entry were written over an older text: they are withdrawn."""
        s.execute(sa.update(AnswerVersion).where(AnswerVersion.entry == key, AnswerVersion.state == PENDING,
                                                 AnswerVersion.id < published_id).values(state=SUPERSEDED))

    def decide(self, version_id: int, username: str, approve: bool) -> AnswerVersion:
        """A second editor publishes (approve) or sends back a waiting version; never its own author."""
        with self.Session() as s, s.begin():
            version = s.get(AnswerVersion, version_id, with_for_update=True)
            if version is None:
                raise VersionError("その版は見つかりません。")
            if version.state != PENDING:
                raise VersionError(f"この版は承認待ちではありません（{STATE_LABELS.get(version.state, version.state)}）。")
            if version.created_by == username:
                raise VersionError("自分で書いた版は、ほかの担当者に承認してもらってください。")
            version.state, version.decided_by, version.decided_at = (PUBLISHED if approve else REJECTED), username, utcnow()
            if approve:
                self._supersede(s, version.entry, version.id)
        return version

    def get(self, version_id: int) -> Optional[AnswerVersion]:
        with self.Session() as s:
            return s.get(AnswerVersion, version_id)

    def history(self, key: str) -> List[AnswerVersion]:
        """Every version of the entry, the newest first."""
        with self.Session() as s:
            return list(s.execute(sa.select(AnswerVersion).where(AnswerVersion.entry == key)
                                  .order_by(AnswerVersion.id.desc())).scalars())

    def pending(self) -> List[AnswerVersion]:
        with self.Session() as s:
            return list(s.execute(sa.select(AnswerVersion).where(AnswerVersion.state == PENDING)
                                  .order_by(AnswerVersion.id)).scalars())

    def live(self) -> Dict[str, AnswerVersion]:
        """The version each edited entry answers with: its latest published one."""
        with self.Session() as s:
            rows = s.execute(sa.select(AnswerVersion).where(AnswerVersion.state == PUBLISHED)
                             .order_by(AnswerVersion.decided_at, AnswerVersion.id)).scalars()
            return {row.entry: row for row in rows}

    def live_one(self, key: str) -> Optional[AnswerVersion]:
        with self.Session() as s:
            return s.execute(sa.select(AnswerVersion).where(AnswerVersion.entry == key, AnswerVersion.state == PUBLISHED)
                             .order_by(AnswerVersion.decided_at.desc(), AnswerVersion.id.desc()).limit(1)).scalar()

    def overlay(self) -> Dict[str, Dict[str, Any]]:
        """The published answers as the loader's overlay: "topic/entry" -> fields."""
        return {key: fields_of(version) for key, version in self.live().items()}

    def short_overlay(self) -> Dict[str, Dict[str, Any]]:
        """The published short answers that replace knowledge/yes_no.yml's: "topic/entry" -> {answer, opposite}."""
        return {key: short for key, short in ((k, short_of(v)) for k, v in self.live().items()) if short is not None}

    def cites(self, url: str) -> bool:
        """True when a published version names this source."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(AnswerVersion.id).where(AnswerVersion.state == PUBLISHED,
                                                                  AnswerVersion.source == url).limit(1)).first() is not None

    def signature(self) -> Tuple[int, Optional[dt.datetime]]:
        """Changes whenever a version is published (one cheap query for the action servers' look every few seconds)."""
        with self.engine.connect() as conn:
            count, latest = conn.execute(sa.select(sa.func.count(AnswerVersion.id), sa.func.max(AnswerVersion.decided_at))
                                         .where(AnswerVersion.state == PUBLISHED)).one()
        return int(count), latest

    def close(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=4)
def shared_versions(url: str) -> AnswerVersions:
    """One store per database for a process's occasional reads (the kiosk's QR codes)."""
    return AnswerVersions.from_url(url)
