"""Staff accounts and their roles, sign-in sessions, API tokens and the audit log of what staff did."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from assistant.storage.db import session_factory
from assistant.storage.models import ApiToken, AuditEntry, StaffSession, StaffUser, utcnow

# staff: the handoff queue and conversations; editor: the review queue and the answers; admin: everything.
ROLES = ("staff", "editor", "admin")
ROLE_LABELS = {"staff": "職員", "editor": "回答の担当", "admin": "管理者"}
# What each kind of page needs; an admin may do everything.
ABILITIES = {
    "conversations": ("staff", "admin"),
    "answers": ("editor", "admin"),
    "admin": ("admin",),
}


class AccountError(ValueError):
    """A request about accounts that is refused (unknown user, a name taken, a role that does not exist)."""


def can(role: Optional[str], ability: str) -> bool:
    """True when the role may use pages of that kind."""
    return role in ABILITIES[ability]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role is one of {', '.join(ROLES)}")


class StaffAccounts:
    """Reads and writes of staff_users, staff_sessions, api_tokens and audit_log; blocking (call in a thread)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.Session = session_factory(engine)

    # --- accounts --------------------------------------------------------------------------
    def create_staff(self, username: str, display_name: str, password_hash: str, role: str = "staff") -> StaffUser:
        _check_role(role)
        user = StaffUser(username=username, display_name=display_name, password_hash=password_hash, role=role)
        with self.Session() as s:
            try:
                with s.begin():
                    s.add(user)
            except IntegrityError:
                raise AccountError(f"user {username!r} already exists") from None
        return user

    def staff_by_username(self, username: str) -> Optional[StaffUser]:
        with self.Session() as s:
            return s.execute(sa.select(StaffUser).where(StaffUser.username == username)).scalars().first()

    def list_staff(self) -> List[StaffUser]:
        with self.Session() as s:
            return list(s.execute(sa.select(StaffUser).order_by(StaffUser.username)).scalars().all())

    def _update(self, username: str, **values) -> None:
        with self.Session() as s, s.begin():
            if not s.execute(sa.update(StaffUser).where(StaffUser.username == username).values(**values)).rowcount:
                raise AccountError(f"no user {username!r}")

    def set_password(self, username: str, password_hash: str) -> None:
        self._update(username, password_hash=password_hash)

    def set_role(self, username: str, role: str) -> None:
        """A new role takes effect on the user's next request (every request reads the account afresh)."""
        _check_role(role)
        self._update(username, role=role)

    def set_active(self, username: str, active: bool) -> None:
        """Deactivating also ends every session and revokes every API token of the user."""
        with self.Session() as s, s.begin():
            user = s.execute(sa.select(StaffUser).where(StaffUser.username == username)).scalars().first()
            if user is None:
                raise AccountError(f"no user {username!r}")
            user.active = active
            user.deactivated_at = None if active else utcnow()
            if not active:
                s.execute(sa.delete(StaffSession).where(StaffSession.staff_id == user.id))
                s.execute(sa.update(ApiToken).where(ApiToken.staff_id == user.id, ApiToken.revoked_at.is_(None))
                          .values(revoked_at=utcnow()))

    # --- sessions --------------------------------------------------------------------------
    def create_session(self, staff_id: int, hours: float = 8) -> Tuple[str, str]:
        """Returns (cookie value, CSRF token); only a hash of the cookie value is stored."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.Session() as s, s.begin():
            s.add(StaffSession(id=token_hash(token), staff_id=staff_id, csrf_token=csrf,
                               expires_at=utcnow() + dt.timedelta(hours=hours)))
        return token, csrf

    def session_for(self, token: str) -> Optional[StaffSession]:
        """The live session of an active user, or None."""
        if not token:
            return None
        with self.Session() as s:
            session = s.get(StaffSession, token_hash(token))
            if session is None or session.expires_at < utcnow() or not session.staff.active:
                return None
            return session

    def end_session(self, token: str) -> None:
        with self.Session() as s, s.begin():
            s.execute(sa.delete(StaffSession).where(StaffSession.id == token_hash(token)))

    def purge_expired_sessions(self) -> int:
        with self.Session() as s, s.begin():
            return s.execute(sa.delete(StaffSession).where(StaffSession.expires_at < utcnow())).rowcount or 0

    # --- API tokens ------------------------------------------------------------------------
    def create_api_token(self, username: str, name: str) -> str:
        user = self.staff_by_username(username)
        if user is None or not user.active:
            raise AccountError(f"no active user {username!r}")
        token = "mdg_" + secrets.token_urlsafe(32)
        with self.Session() as s, s.begin():
            s.add(ApiToken(name=name, token_hash=token_hash(token), staff_id=user.id))
        return token

    def staff_for_api_token(self, token: str) -> Optional[StaffUser]:
        if not token:
            return None
        with self.Session() as s:
            row = s.execute(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token))).scalars().first()
            if row is None or row.revoked_at is not None or not row.staff.active:
                return None
            return row.staff

    def revoke_api_tokens(self, username: str, name: Optional[str] = None) -> int:
        """Revokes the user's live API tokens (only those called `name` when given); returns how many."""
        user = self.staff_by_username(username)
        if user is None:
            raise AccountError(f"no user {username!r}")
        query = sa.update(ApiToken).where(ApiToken.staff_id == user.id, ApiToken.revoked_at.is_(None))
        if name is not None:
            query = query.where(ApiToken.name == name)
        with self.Session() as s, s.begin():
            return s.execute(query.values(revoked_at=utcnow())).rowcount or 0

    # --- audit -----------------------------------------------------------------------------
    def audit(self, staff: Optional[StaffUser], action: str, handoff_id: Optional[int] = None,
              detail: Optional[str] = None, remote_addr: Optional[str] = None, username: Optional[str] = None) -> None:
        with self.Session() as s, s.begin():
            s.add(AuditEntry(staff_id=staff.id if staff else None, username=(staff.username if staff else username),
                             action=action, handoff_id=handoff_id, detail=(detail or None) and detail[:200],
                             remote_addr=remote_addr))

    def audit_entries(self, handoff_id: Optional[int] = None, limit: int = 200) -> List[AuditEntry]:
        query = sa.select(AuditEntry)
        if handoff_id is not None:
            query = query.where(AuditEntry.handoff_id == handoff_id)
        with self.Session() as s:
            return list(s.execute(query.order_by(AuditEntry.id.desc()).limit(limit)).scalars().all())
