"""A demo month: residents driven through a running assistant, moved into the month, then collected for analytics."""
from __future__ import annotations

import asyncio
import random
import secrets
import string
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import aiohttp

from assistant.analytics.collect import DEFAULT_SOURCE, CollectResult
from assistant.demo.client import Chat, Client, DemoError, Pace
from assistant.demo.resident import KIND_WEIGHTS, KINDS, Catalog, converse
from assistant.demo.staff import DemoStaff
from assistant.demo.stores import PREFIX, DemoStores
from assistant.demo.timeline import Placer, place, quotas
from assistant.channels.common import CHANNELS

CHANNEL_WEIGHTS = (60, 25, 15)
KIOSKS = ("1", "2", "3")
KIOSK_WEIGHTS = (45, 35, 20)


@dataclass
class DemoOptions:
    url: str
    tracker_url: str
    database_url: str
    id_key: str
    knowledge_dir: Path
    month: str
    conversations: int = 1000
    seed: Optional[int] = None
    concurrency: int = 4
    rate: float = 9.0  # requests a second (an integrator is not limited per address; this leaves the server to residents)
    source: str = DEFAULT_SOURCE
    progress: Optional[Callable[[int, int], None]] = None
    api_token: str = ""  # the REST channel's integrator token (the assistant's API token)


@dataclass
class DemoResult:
    batch: str
    month: str
    seed: int
    conversations: int = 0
    messages: int = 0
    guide_runs: int = 0
    handoffs: int = 0
    rated: int = 0
    events: int = 0
    seconds: float = 0.0
    collected: Optional[CollectResult] = None
    senders: List[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"demo: {self.conversations} conversations of {self.month} (senders {PREFIX}{self.batch}-*, "
                 f"seed {self.seed}): {self.messages} resident messages, {self.guide_runs} guide runs, "
                 f"{self.handoffs} handoffs ({self.rated} rated), {self.events} tracker events moved into the month, "
                 f"in {self.seconds:.0f} s"]
        if self.collected is not None:
            lines.append(self.collected.summary())
        lines.append("Running it again adds another batch; `madoguchi demo --remove` deletes all demo data.")
        return "\n".join(lines)


def plan(count: int, seed: int) -> List[Tuple[int, str, str, Optional[str]]]:
    """(index, kind, channel, kiosk) of each conversation: kinds and channels in their shares exactly."""
    rng = random.Random(f"{seed}:plan")
    kinds = quotas(KINDS, KIND_WEIGHTS, count, rng)
    channels = quotas(CHANNELS, CHANNEL_WEIGHTS, count, rng)
    return [(i, kinds[i], channels[i], rng.choices(KIOSKS, KIOSK_WEIGHTS)[0] if channels[i] == "kiosk" else None)
            for i in range(count)]


def new_batch() -> str:
    """Letters only: a sender id must not hold a digit run the channel would redact as a phone number."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def check_assistant(url: str) -> None:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/webhooks/rest/", timeout=10) as resp:
            if resp.status == 200:
                return
    except OSError as exc:
        raise DemoError(f"no assistant answers at {url} ({exc}): start it (make run), or pass --url") from None
    raise DemoError(f"{url}/webhooks/rest/ does not answer as the assistant's REST channel")


class Driver:
    """Runs the conversations a few at a time and moves each into the month as soon as it ends."""

    def __init__(self, options: DemoOptions, result: DemoResult, stores: DemoStores, staff: DemoStaff,
                 catalog: Catalog, placer: Placer) -> None:
        self.options, self.result, self.stores, self.staff = options, result, stores, staff
        self.catalog, self.placer = catalog, placer

    async def run(self) -> None:
        todo = plan(self.options.conversations, self.result.seed)
        timeout = aiohttp.ClientTimeout(total=90)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = Client(self.options.url, session, Pace(self.options.rate), self.options.api_token)
            workers = [asyncio.create_task(self._work(client, todo)) for _ in range(max(1, self.options.concurrency))]
            try:
                await asyncio.gather(*workers)
            except BaseException:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                raise

    async def _work(self, client: Client, todo: List[Tuple[int, str, str, Optional[str]]]) -> None:
        while todo:
            index, kind, channel, kiosk = todo.pop(0)
            await self._one(client, index, kind, channel, kiosk)

    async def _one(self, client: Client, index: int, kind: str, channel: str, kiosk: Optional[str]) -> None:
        seed, batch = self.result.seed, self.result.batch
        chat = Chat(client, f"{PREFIX}{batch}-n{index:05d}", channel, kiosk, random.Random(f"{seed}:{index}"))
        try:
            await converse(chat, kind, self.catalog, self.staff, chat.rng)
        finally:
            if chat.sent:  # also when stopped half-way: what was said moves into the month
                await self._move(chat, random.Random(f"{seed}:{index}:when"))

    async def _move(self, chat: Chat, rng: random.Random) -> None:
        need = "open" if chat.met_staff else ("closed" if chat.was_offered else None)
        timeline = chat.timeline
        start = place(self.placer, rng, chat.channel, need, timeline.length, timeline.length_until(chat.last_at))
        moved = await asyncio.to_thread(self.stores.move, chat.sender, chat.timeline.mapper(start))
        result = self.result
        result.conversations += 1
        result.messages += chat.sent
        result.guide_runs += chat.guide_runs
        result.handoffs += moved.handoffs
        result.rated += moved.rated
        result.events += moved.events
        result.senders.append(chat.sender)
        if not result.events:
            raise DemoError(f"the assistant at {self.options.url} did not write {chat.sender} to the tracker store "
                            "given: pass the --tracker-url it uses")
        if self.options.progress is not None:
            self.options.progress(result.conversations, self.options.conversations)


def run_demo(options: DemoOptions) -> DemoResult:
    """Drives the conversations, moves them into the month, then runs the analytics collector once."""
    from assistant.analytics.collect import collect
    from assistant.handoff.profile import load_handoff_profile
    from assistant.handoff.store import HandoffStore
    from assistant.knowledge.office_hours import load_office_hours
    from assistant.storage.db import migrate

    if options.conversations < 1:
        raise DemoError("--conversations must be at least 1")
    placer = Placer(options.month, load_office_hours(options.knowledge_dir))
    stores = DemoStores(options.tracker_url, options.database_url)  # refused first when it cannot be reached
    try:
        check_assistant(options.url)
        migrate(options.database_url)
    except BaseException:
        stores.close()
        raise
    store = HandoffStore.from_url(options.database_url)
    seed = options.seed if options.seed is not None else secrets.randbelow(1_000_000)
    result = DemoResult(batch=new_batch(), month=options.month, seed=seed)
    started = time.monotonic()
    try:
        staff = DemoStaff(store, load_handoff_profile(options.knowledge_dir))
        driver = Driver(options, result, stores, staff, Catalog.load(options.knowledge_dir), placer)
        asyncio.run(driver.run())
        stores.reread_handoffs()
        # SQLite has one writer at a time, so no event can still be on its way below the last id: the collector
        # need not wait for young events (a live conversation just begun continues in the next run). PostgreSQL
        # keeps the wait; events it holds back are read by the next `madoguchi analytics collect`.
        settle = {"settle_seconds": 0} if options.tracker_url.startswith("sqlite") else {}
        result.collected = collect(options.tracker_url, options.database_url, options.id_key, source=options.source,
                                   upgrade=False, **settle)
    finally:
        result.seconds = time.monotonic() - started
        stores.close()
        store.close()
    return result
