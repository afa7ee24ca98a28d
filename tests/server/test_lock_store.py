"""The production lock store on the real local Redis: one conversation is never processed by two
servers at once, even when both take a ticket at the same moment; tickets are served in order; a
ticket whose server died expires; Redis away is Rasa's LockError."""
import asyncio
from collections import deque
import threading
import time
import uuid

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from assistant.server.locks import AtomicRedisLockStore

pytestmark = pytest.mark.services


def store(**settings) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1, **settings)


def leftover_keys(conversation_id: str):
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=1).keys(f"*{conversation_id}*")


def test_two_servers_taking_tickets_at_once_never_hold_a_conversation_together(services):
    """Two servers (two stores, each on its own thread and event loop) lock one conversation 150
    times each, as fast as they can. Rasa's RedisLockStore loses tickets here (read, change and
    write back in separate calls), and the conversation then waits for the lock to expire."""
    conversation = f"lock-{uuid.uuid4().hex[:8]}"
    holders, overlaps, errors, taken = [0], [0], [], [0]
    guard = threading.Lock()

    def server():
        async def work():
            lock_store = store()
            for _ in range(150):
                try:
                    async with lock_store.lock(conversation, lock_lifetime=30):
                        with guard:
                            holders[0] += 1
                            overlaps[0] += holders[0] > 1
                            taken[0] += 1
                        await asyncio.sleep(0.0005)
                        with guard:
                            holders[0] -= 1
                except LockError as error:
                    errors.append(error)
        asyncio.run(work())

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a conversation stalled on its lock"
    assert (taken[0], overlaps[0], errors) == (300, 0, [])
    assert leftover_keys(conversation) == []  # the last one out removes the conversation's keys


def test_tickets_are_served_in_the_order_they_were_taken(services):
    conversation = f"lock-{uuid.uuid4().hex[:8]}"
    order = []

    async def message(n: int, lock_store: AtomicRedisLockStore, hold: float = 0.0):
        async with lock_store.lock(conversation):
            order.append(n)
            await asyncio.sleep(hold)

    async def scenario():
        first, second = store(poll_interval=0.005), store(poll_interval=0.005)
        holder = asyncio.create_task(message(0, first, hold=0.2))
        await asyncio.sleep(0.05)
        waiting = []
        for n in range(1, 6):  # five more messages, alternately on the two servers, in this order
            waiting.append(asyncio.create_task(message(n, (first, second)[n % 2])))
            await asyncio.sleep(0.02)
        await asyncio.gather(holder, *waiting)

    asyncio.run(scenario())
    assert order == [0, 1, 2, 3, 4, 5]
    assert leftover_keys(conversation) == []


def test_the_ticket_of_a_server_that_died_expires(services):
    """A server that took the lock and died never gives it back: the next message waits until the
    ticket's lifetime has passed, then is answered."""
    conversation = f"lock-{uuid.uuid4().hex[:8]}"

    async def scenario():
        dead, alive = store(), store(poll_interval=0.01)
        # What a server does on taking the lock, then nothing more (it died).
        ticket, first = await dead._take(keys=dead._keys(conversation), args=[300, ""])
        assert int(first) == int(ticket)
        started = time.monotonic()
        async with alive.lock(conversation, lock_lifetime=30):
            return time.monotonic() - started

    waited = asyncio.run(scenario())
    assert 0.25 <= waited < 5
    assert leftover_keys(conversation) == []


def test_redis_unreachable_is_rasas_lock_error(services):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def scenario():
        async with AtomicRedisLockStore(host="127.0.0.1", port=port, socket_timeout=1).lock("lock-x"):
            pass

    with pytest.raises(LockError):
        asyncio.run(scenario())


def test_made_from_the_endpoints_settings_as_rasa_makes_it(services):
    config = EndpointConfig(url="127.0.0.1", type="assistant.server.locks.AtomicRedisLockStore", port="6379", db="1",
                            key_prefix="city", poll_interval="0.05")
    lock_store = LockStore.create(config)
    assert isinstance(lock_store, AtomicRedisLockStore)
    assert (lock_store.key_prefix, lock_store.poll_interval) == ("city:lock:", 0.05)
    conversation = f"lock-{uuid.uuid4().hex[:8]}"

    async def scenario():
        async with lock_store.lock(conversation):
            return leftover_keys(conversation)

    held = asyncio.run(scenario())
    assert [key.decode() for key in held] and all(key.decode().startswith("city:lock:") for key in held)
    assert leftover_keys(conversation) == []


def test_rasas_other_lock_methods_read_and_write_the_same_tickets(services):
    """get_lock, save_lock and delete_lock (Rasa's synchronous LockStore methods, for tools that
    inspect or clear a lock) work on the keys lock() uses: a ticket taken by lock() is seen, a
    saved ticket makes lock() wait its turn, a deleted lock frees the conversation."""
    from rasa.core.lock import Ticket, TicketLock

    conversation = f"lock-{uuid.uuid4().hex[:8]}"
    inspector = store()
    assert inspector.get_lock(conversation) is None

    async def held_elsewhere():
        async with store().lock(conversation, lock_lifetime=30):
            seen = inspector.get_lock(conversation)
            assert [t.number for t in seen.tickets] == [1]
            assert time.time() + 25 < seen.tickets[0].expires <= time.time() + 31
            assert inspector.is_someone_waiting(conversation)  # Rasa's base method, on get_lock()
    asyncio.run(held_elsewhere())
    assert inspector.get_lock(conversation) is None and leftover_keys(conversation) == []

    # A ticket saved as another server's, live for 0.5 s: lock() takes the next number and waits.
    inspector.save_lock(TicketLock(conversation, deque([Ticket(7, time.time() + 0.5)])))
    assert [t.number for t in inspector.get_lock(conversation).tickets] == [7]

    async def waits_its_turn():
        started = time.monotonic()
        async with store(poll_interval=0.01).lock(conversation, lock_lifetime=30) as lock:
            assert [t.number for t in inspector.get_lock(conversation).tickets] == [8]
            return time.monotonic() - started, lock
    waited, _ = asyncio.run(waits_its_turn())
    assert 0.3 <= waited < 5

    # A lock left behind is cleared by delete_lock: the next message goes straight through.
    inspector.save_lock(TicketLock(conversation, deque([Ticket(20, time.time() + 60)])))
    inspector.delete_lock(conversation)
    assert inspector.get_lock(conversation) is None and leftover_keys(conversation) == []

    async def straight_through():
        started = time.monotonic()
        async with store().lock(conversation, lock_lifetime=30):
            return time.monotonic() - started
    assert asyncio.run(straight_through()) < 0.5
    assert leftover_keys(conversation) == []
