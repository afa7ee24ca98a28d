"""The production servers' lock store: Rasa's ticket lock on Redis, taken and given back atomically.

Rasa's RedisLockStore reads a conversation's lock, adds a ticket and writes it back in separate
calls. When two servers take a ticket for the same conversation at the same moment (a resident
who taps twice, the two messages sent to different servers), one write overwrites the other: a
ticket is lost, and the conversation waits until the tickets expire (60 s) and then fails with a
LockError. Its calls are also synchronous, blocking the server for seven Redis round trips per
message.

Here each step is one Lua script, which Redis runs atomically, on the asyncio client: taking a
ticket and checking whether it is first is one round trip, giving it back another. Tickets are
served in the order they were taken, as in Rasa; a ticket whose holder died expires after the
lock lifetime (Rasa's TICKET_LOCK_LIFETIME), by Redis's clock, which all servers share.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# KEYS: the conversation's tickets (a hash: ticket number -> expiry in ms), its ticket counter.
# ARGV: lifetime in ms, this caller's ticket (empty: take a new one).
# Returns {ticket, first live ticket or -1}; expired tickets are dropped on the way.
_TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local lifetime = tonumber(ARGV[1])
local ticket = tonumber(ARGV[2])
if not ticket then
  ticket = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], ticket, now + lifetime)
  redis.call('PEXPIRE', KEYS[1], lifetime)
  redis.call('PEXPIRE', KEYS[2], lifetime)
end
local first = -1
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local t = tonumber(all[i])
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif first < 0 or t < first then
    first = t
  end
end
return {ticket, first}
"""

# Gives a ticket back; the last one out removes the conversation's keys.
_GIVE_BACK = """
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
"""

# Replaces a conversation's tickets with the given ones (ARGV: number, expiry in ms, ...), keeping
# the counter past the highest so that a new ticket comes after them; none given removes both keys.
_SAVE = """
redis.call('DEL', KEYS[1])
if #ARGV == 0 then
  redis.call('DEL', KEYS[2])
  return 1
end
local top, last = 0, 0
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  top = math.max(top, tonumber(ARGV[i]))
  last = math.max(last, tonumber(ARGV[i + 1]))
end
if tonumber(redis.call('GET', KEYS[2]) or '0') < top then
  redis.call('SET', KEYS[2], top)
end
redis.call('PEXPIREAT', KEYS[1], last)
redis.call('PEXPIREAT', KEYS[2], last)
return 1
"""


class AtomicRedisLockStore(LockStore):
    """Endpoint settings as Rasa's `redis` lock store (url, port, db, username, password, use_ssl,
    key_prefix, socket_timeout), plus `poll_interval`: seconds between checks while another
    message of the same conversation is being answered (Rasa waits a whole second)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, *, host: Text = "localhost", port: Any = 6379,
                 db: Any = 1, username: Optional[Text] = None, password: Optional[Text] = None, use_ssl: Any = False,
                 key_prefix: Optional[Text] = None, socket_timeout: Any = 10, poll_interval: Any = 0.02,
                 **_ignored: Any) -> None:
        import redis.asyncio

        if endpoint_config is not None:
            settings = dict(endpoint_config.kwargs)
            host, port, db = endpoint_config.url or host, settings.get("port", port), settings.get("db", db)
            username, password = settings.get("username", username), settings.get("password", password)
            use_ssl, key_prefix = settings.get("use_ssl", use_ssl), settings.get("key_prefix", key_prefix)
            socket_timeout = settings.get("socket_timeout", socket_timeout)
            poll_interval = settings.get("poll_interval", poll_interval)
        self._connection = dict(host=host, port=int(port), db=int(db), username=username or None,
                                password=password or None, ssl=str(use_ssl).lower() in ("true", "1"),
                                socket_timeout=float(socket_timeout))
        self.redis = redis.asyncio.Redis(**self._connection)
        self._sync_client: Any = None  # for Rasa's synchronous LockStore methods, made on first use
        prefix = "lock:"
        if key_prefix:
            if str(key_prefix).isalnum():
                prefix = f"{key_prefix}:lock:"
            else:
                logger.warning("lock store: key_prefix %r is not alphanumeric; using %r", key_prefix, prefix)
        self.key_prefix = prefix
        self.poll_interval = float(poll_interval)
        self._take = self.redis.register_script(_TAKE)
        self._give_back = self.redis.register_script(_GIVE_BACK)
        super().__init__()

    def _keys(self, conversation_id: Text):
        key = self.key_prefix + conversation_id
        return [key, key + ":tickets"]

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        keys, lifetime_ms = self._keys(conversation_id), max(1, int(lock_lifetime * 1000))
        try:
            ticket, first = await self._take(keys=keys, args=[lifetime_ms, ""])
        except Exception as error:  # Redis unreachable or refusing: as Rasa's store, a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        ticket = int(ticket)
        try:
            poll = min(self.poll_interval, wait_time_in_seconds)
            while int(first) != ticket:
                if int(first) < 0 or int(first) > ticket:  # this ticket itself expired meanwhile
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                await asyncio.sleep(poll)
                try:
                    _, first = await self._take(keys=keys, args=[lifetime_ms, ticket])
                except Exception as error:
                    raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
            yield TicketLock(conversation_id)
        finally:
            try:
                await self._give_back(keys=keys, args=[ticket])
            except Exception as error:  # the ticket then expires by itself
                logger.error("lock store: could not give back the lock of a conversation (%s)", type(error).__name__)

    # Rasa's other LockStore methods (synchronous) read and write whole TicketLocks; Rasa's server
    # itself uses only lock(). They work on the same keys, for tools that inspect or clear a lock.
    @property
    def _sync(self) -> Any:
        if self._sync_client is None:
            import redis

            self._sync_client = redis.Redis(**self._connection)
        return self._sync_client

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        try:
            tickets = self._sync.hgetall(self._keys(conversation_id)[0])
        except Exception as error:
            raise LockError(f"Error while reading lock. Error:\n{error}") from error
        if not tickets:
            return None
        numbered = sorted((int(number), int(expiry) / 1000) for number, expiry in tickets.items())
        return TicketLock(conversation_id, deque(Ticket(number, expires) for number, expires in numbered))

    def delete_lock(self, conversation_id: Text) -> None:
        self._save_tickets(conversation_id, [])

    def save_lock(self, lock: TicketLock) -> None:
        self._save_tickets(lock.conversation_id,
                           [value for t in lock.tickets for value in (t.number, int(t.expires * 1000))])

    def _save_tickets(self, conversation_id: Text, args: list) -> None:
        try:
            self._sync.register_script(_SAVE)(keys=self._keys(conversation_id), args=args)
        except Exception as error:
            raise LockError(f"Error while saving lock. Error:\n{error}") from error
